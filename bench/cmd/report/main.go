// Command report turns the raw output of the benchmark suites into the
// comparison a reader judges at a glance: for every benchmark, this library
// (the first impl= of the benchmark) against each baseline, as a ratio with
// the p-value of a Mann-Whitney U test, in a Markdown table and an SVG bar
// chart of the ratios.
//
//	go run ./cmd/report -in results/raw.txt -md results/latest.md -svg results/ratios.svg
package main

import (
	"flag"
	"fmt"
	"html"
	"log"
	"math"
	"os"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// units reported, and whether a larger value is better.
var units = map[string]bool{
	"sec/op": false, "cpu-us/MB": false, "dgrams/s": true,
	"rt/s": true, "srv-us/rt": false, "p50-us": false, "p99-us": false,
}

type row struct {
	bench, unit, impl, base string
	ours, theirs            benchmath.Summary
	ratio                   float64 // ours / theirs
	cmp                     benchmath.Comparison
	higherBetter            bool
}

// better reports whether this library wins, and whether significantly.
func (r row) verdict() string {
	if r.cmp.P >= r.cmp.Alpha {
		return "~ (no significant difference)"
	}
	if (r.ratio < 1) != r.higherBetter {
		return "faster"
	}
	return "slower"
}

func main() {
	in := flag.String("in", "results/raw.txt", "raw go test -bench output")
	unpinned := flag.String("unpinned", "", "raw output of the same benchmarks run unpinned (optional)")
	md := flag.String("md", "results/latest.md", "Markdown report to write")
	svg := flag.String("svg", "results/ratios.svg", "SVG chart to write")
	flag.Parse()

	main := load(*in)
	var extra *suite
	if *unpinned != "" {
		s := load(*unpinned)
		extra = &s
	}
	out := markdown(main, extra)
	if err := os.WriteFile(*md, []byte(out), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*svg, []byte(chart(main.rows)), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Print(out)
}

// suite is what one raw file holds: the comparisons, the configuration
// go test printed, and the benchmarks that skipped, with their reasons.
type suite struct {
	rows             []row
	cpu, goos, procs string
	skipped          []string
}

// load reads one file of raw go test -bench output.
func load(path string) suite {
	raw, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	type key struct{ bench, unit string }
	samples := map[key]map[string][]float64{}
	var order []key
	implOrder := map[key][]string{}
	var st suite
	r := benchfmt.NewReader(strings.NewReader(string(raw)), path)
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		st.cpu, st.goos = res.GetConfig("cpu"), res.GetConfig("goos")+"/"+res.GetConfig("goarch")
		base, parts := res.Name.Parts()
		name, impl := string(base), ""
		for _, p := range parts {
			s := string(p)
			switch {
			case strings.HasPrefix(s, "/impl="):
				impl = strings.TrimPrefix(s, "/impl=")
			case strings.HasPrefix(s, "-"): // GOMAXPROCS suffix
				st.procs = strings.TrimPrefix(s, "-")
			default:
				name += s
			}
		}
		for _, v := range res.Values {
			if _, ok := units[v.Unit]; !ok || impl == "" {
				continue
			}
			k := key{name, v.Unit}
			if samples[k] == nil {
				samples[k] = map[string][]float64{}
				order = append(order, k)
			}
			if samples[k][impl] == nil {
				implOrder[k] = append(implOrder[k], impl)
			}
			samples[k][impl] = append(samples[k][impl], v.Value)
		}
	}
	if err := r.Err(); err != nil {
		log.Fatal(err)
	}
	st.skipped = skips(string(raw))
	a := benchmath.AssumeNothing
	for _, k := range order {
		impls := implOrder[k]
		if len(impls) < 2 {
			continue
		}
		ours := benchmath.NewSample(samples[k][impls[0]], &benchmath.DefaultThresholds)
		for _, other := range impls[1:] {
			theirs := benchmath.NewSample(samples[k][other], &benchmath.DefaultThresholds)
			so, sth := a.Summary(ours, 0.95), a.Summary(theirs, 0.95)
			st.rows = append(st.rows, row{
				bench: k.bench, unit: k.unit, impl: impls[0], base: other,
				ours: so, theirs: sth, ratio: so.Center / sth.Center,
				cmp: a.Compare(ours, theirs), higherBetter: units[k.unit],
			})
		}
	}
	return st
}

// skips lists each benchmark that skipped, once, with the reason it gave
// (the line after go test's "--- SKIP:").
func skips(raw string) []string {
	var out []string
	seen := map[string]bool{}
	lines := strings.Split(raw, "\n")
	for i, l := range lines {
		name, ok := strings.CutPrefix(strings.TrimSpace(l), "--- SKIP: ")
		if !ok || seen[name] {
			continue
		}
		seen[name] = true
		why := ""
		if i+1 < len(lines) {
			why = strings.TrimSpace(lines[i+1])
		}
		out = append(out, fmt.Sprintf("%s: %s", name, why))
	}
	return out
}

// cpuModel is the processor's model name as the kernel reports it, with its
// family, model and stepping: the part of a result that says which host it
// is (a LOCK-prefixed atomic costs several times more on some).
func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	f := map[string]string{}
	for _, l := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			if len(f) > 0 {
				break // the first processor is enough
			}
			continue
		}
		f[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return fmt.Sprintf("%s (family %s, model %s, stepping %s), %s", f["model name"], f["cpu family"], f["model"], f["stepping"], f["vendor_id"])
}

func markdown(main suite, unpinned *suite) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks: this library against its baselines\n\n")
	fmt.Fprintf(&b, "%s, %s, %s. CPU: %s. ", main.goos, main.cpu, time.Now().UTC().Format("2006-01-02"), cpuModel())
	fmt.Fprintf(&b, "Pinned to one CPU with GOMAXPROCS=1. Medians of the runs; ratio = this library / baseline ")
	fmt.Fprintf(&b, "(below 1 is better for times, above 1 for rates); p from a Mann-Whitney U test. ")
	fmt.Fprintf(&b, "Regenerate with `make bench`; the full benchstat output is in latest.txt.\n\n")
	table(&b, main.rows)
	if unpinned != nil {
		fmt.Fprintf(&b, "\n## Unpinned, GOMAXPROCS=%s (as a user's program runs)\n\n", unpinned.procs)
		table(&b, unpinned.rows)
	}
	skipped := main.skipped
	if unpinned != nil {
		skipped = append(skipped, unpinned.skipped...)
	}
	if len(skipped) > 0 {
		fmt.Fprintf(&b, "\n## Did not run\n\n")
		for _, s := range skipped {
			fmt.Fprintf(&b, "- %s\n", s)
		}
	}
	b.WriteString("\n![ratios](ratios.svg)\n")
	return b.String()
}

func table(b *strings.Builder, rows []row) {
	fmt.Fprintf(b, "| benchmark | unit | ours (impl) | baseline (impl) | ratio | p | verdict |\n")
	fmt.Fprintf(b, "| --- | --- | --- | --- | ---: | ---: | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(b, "| %s | %s | %s (%s) | %s (%s) | %.3f | %.3f | %s |\n",
			r.bench, r.unit, format(r.ours.Center, r.unit), r.impl, format(r.theirs.Center, r.unit), r.base, r.ratio, r.cmp.P, r.verdict())
	}
}

func format(v float64, unit string) string {
	if unit != "sec/op" {
		return fmt.Sprintf("%.4g %s", v, unit)
	}
	switch {
	case v < 1e-6:
		return fmt.Sprintf("%.1f ns", v*1e9)
	case v < 1e-3:
		return fmt.Sprintf("%.2f µs", v*1e6)
	}
	return fmt.Sprintf("%.2f ms", v*1e3)
}

// chart draws one bar per row: the ratio on a log scale from 1/4 to 4, with
// the line of parity; green where this library is significantly better,
// red where worse, grey where the difference is not significant.
func chart(rows []row) string {
	const (
		rowH, labelW, plotW, top = 22, 380, 420, 40
	)
	h := top + rowH*len(rows) + 30
	w := labelW + plotW + 90
	x := func(ratio float64) float64 {
		l := math.Log2(math.Max(0.25, math.Min(4, ratio)))
		return labelW + plotW/2 + l/2*plotW/2
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", w, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14" font-weight="bold">this library / baseline (log scale; left of 1 = less time, right = higher rate)</text>`+"\n", 10)
	for _, tick := range []float64{0.25, 0.5, 1, 2, 4} {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>`+"\n", x(tick), top-5, x(tick), h-25, map[bool]string{true: "black", false: "#ddd"}[tick == 1])
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%g</text>`+"\n", x(tick), h-10, tick)
	}
	for i, r := range rows {
		y := top + i*rowH
		color := "#999"
		switch r.verdict() {
		case "faster":
			color = "#2a9d4b"
		case "slower":
			color = "#c0392b"
		}
		x0, x1 := x(1), x(r.ratio)
		if x1 < x0 {
			x0, x1 = x1, x0
		}
		label := fmt.Sprintf("%s %s vs %s", r.bench, r.unit, r.base)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelW-8, y+14, html.EscapeString(label))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", x0, y+3, math.Max(1, x1-x0), rowH-6, color)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%.2f</text>`+"\n", labelW+plotW+8, y+14, r.ratio)
	}
	b.WriteString("</svg>\n")
	return b.String()
}
