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
	md := flag.String("md", "results/latest.md", "Markdown report to write")
	svg := flag.String("svg", "results/ratios.svg", "SVG chart to write")
	flag.Parse()

	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	type key struct{ bench, unit string }
	samples := map[key]map[string][]float64{}
	var order []key
	implOrder := map[key][]string{}
	var cpu, goos string
	r := benchfmt.NewReader(f, *in)
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		cpu, goos = res.GetConfig("cpu"), res.GetConfig("goos")+"/"+res.GetConfig("goarch")
		base, parts := res.Name.Parts()
		name, impl := string(base), ""
		for _, p := range parts {
			s := string(p)
			switch {
			case strings.HasPrefix(s, "/impl="):
				impl = strings.TrimPrefix(s, "/impl=")
			case strings.HasPrefix(s, "-"): // GOMAXPROCS suffix
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

	var rows []row
	a := benchmath.AssumeNothing
	for _, k := range order {
		impls := implOrder[k]
		if len(impls) < 2 {
			continue
		}
		ours := benchmath.NewSample(samples[k][impls[0]], &benchmath.DefaultThresholds)
		for _, other := range impls[1:] {
			theirs := benchmath.NewSample(samples[k][other], &benchmath.DefaultThresholds)
			so, st := a.Summary(ours, 0.95), a.Summary(theirs, 0.95)
			rows = append(rows, row{
				bench: k.bench, unit: k.unit, impl: impls[0], base: other,
				ours: so, theirs: st, ratio: so.Center / st.Center,
				cmp: a.Compare(ours, theirs), higherBetter: units[k.unit],
			})
		}
	}
	if err := os.WriteFile(*md, []byte(markdown(rows, cpu, goos)), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*svg, []byte(chart(rows)), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Print(markdown(rows, cpu, goos))
}

func markdown(rows []row, cpu, goos string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks: this library against its baselines\n\n")
	fmt.Fprintf(&b, "%s, %s, %s. Medians of the runs; ratio = this library / baseline ", goos, cpu, time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "(below 1 is better for times, above 1 for rates); p from a Mann-Whitney U test. ")
	fmt.Fprintf(&b, "Regenerate with `make bench`; the full benchstat output is in latest.txt.\n\n")
	fmt.Fprintf(&b, "| benchmark | unit | ours (impl) | baseline (impl) | ratio | p | verdict |\n")
	fmt.Fprintf(&b, "| --- | --- | --- | --- | ---: | ---: | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s (%s) | %s (%s) | %.3f | %.3f | %s |\n",
			r.bench, r.unit, format(r.ours.Center, r.unit), r.impl, format(r.theirs.Center, r.unit), r.base, r.ratio, r.cmp.P, r.verdict())
	}
	b.WriteString("\n![ratios](ratios.svg)\n")
	return b.String()
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
