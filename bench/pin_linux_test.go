//go:build linux

package bench

import (
	"os"
	"os/exec"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// besideCommand is exec.Command for a process that must not share the
// benchmark's CPU: when the benchmark is pinned to one CPU (make bench pins
// it), the process starts under taskset on the machine's other CPUs. Pinning
// it after the start would not do: sched_setaffinity moves one thread, and a
// Go process has several by then, each keeping the old mask and handing it
// to the threads it creates.
func besideCommand(name string, args ...string) *exec.Cmd {
	var set unix.CPUSet
	taskset, err := exec.LookPath("taskset")
	if err != nil || unix.SchedGetaffinity(0, &set) != nil || set.Count() != 1 {
		return exec.Command(name, args...)
	}
	var others []string
	for _, cpu := range onlineCPUs() {
		if !set.IsSet(cpu) {
			others = append(others, strconv.Itoa(cpu))
		}
	}
	if len(others) == 0 {
		return exec.Command(name, args...)
	}
	return exec.Command(taskset, append([]string{"-c", strings.Join(others, ","), name}, args...)...)
}

// onlineCPUs lists the machine's online CPUs. runtime.NumCPU does not: it
// counts the CPUs of this process's affinity mask.
func onlineCPUs() []int {
	raw, err := os.ReadFile("/sys/devices/system/cpu/online") // e.g. "0-3,6"
	if err != nil {
		return nil
	}
	var cpus []int
	for _, r := range strings.Split(strings.TrimSpace(string(raw)), ",") {
		lo, hi, isRange := strings.Cut(r, "-")
		first, err1 := strconv.Atoi(lo)
		last, err2 := first, error(nil)
		if isRange {
			last, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil {
			return nil
		}
		for cpu := first; cpu <= last; cpu++ {
			cpus = append(cpus, cpu)
		}
	}
	return cpus
}
