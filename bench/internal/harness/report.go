package harness

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"
)

// WriteSetup prints the report's lines on how the contenders ran: runs,
// machine, and one line per contender saying what it is.
func WriteSetup(w io.Writer, cfg Config, cs []*Contender) {
	fmt.Fprintf(w, "runs:     %d measured per contender, interleaved round-robin, after %d warm-up run(s)\n", cfg.Runs, cfg.Warmup)
	procs := "GOMAXPROCS default"
	if cfg.Procs > 0 {
		procs = fmt.Sprintf("GOMAXPROCS=%d for Go contenders", cfg.Procs)
	}
	fmt.Fprintf(w, "machine:  %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), procs)
	fmt.Fprintln(w, "contenders:")
	width := 0
	for _, c := range cs {
		width = max(width, len(c.Name))
	}
	for _, c := range cs {
		about := c.About
		if about == "" {
			about = "-"
		}
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.Name, about)
	}
}

// WriteTable prints one row per contender: successful runs, median, min
// and max wall time, median CPU time, median peak RSS and status. It returns the summaries
// of the contenders that ran, by name, and whether any contender failed
// (did not build, or had a failed run).
func WriteTable(w io.Writer, cs []*Contender) (sums map[string]Summary, failed bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "contender\tok runs\tmedian wall\tmin\tmax\tmedian CPU\tmedian peak RSS\tstatus")
	sums = map[string]Summary{}
	for _, c := range cs {
		switch {
		case c.Broken != "":
			failed = true
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\tFAILED: did not build\n", c.Name)
			continue
		case c.Skipped != "":
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\tskipped\n", c.Name)
			continue
		}
		s := Summarize(c.Results)
		sums[c.Name] = s
		status := "ok"
		if s.OK < s.Total {
			failed = true
			status = fmt.Sprintf("FAILED: %d of %d runs failed", s.Total-s.OK, s.Total)
		}
		if s.OK == 0 {
			fmt.Fprintf(tw, "%s\t0/%d\t-\t-\t-\t-\t-\t%s\n", c.Name, s.Total, status)
			continue
		}
		rss := "n/a"
		if s.RSSOK {
			rss = MiB(s.MedianRSS)
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, s.OK, s.Total,
			Seconds(s.Median), Seconds(s.Min), Seconds(s.Max), Seconds(s.MedianCPU), rss, status)
	}
	tw.Flush()
	return sums, failed
}

// Pair names two contenders whose medians are divided: Num ÷ Den.
type Pair struct {
	Num, Den string
	// Target, if > 0, is the largest wall-time ratio that meets a goal; the
	// line then says whether it is met.
	Target float64
}

// WriteRatios prints heading and, for each pair both of whose contenders
// ran, the ratio of their median wall times and median peak RSS, and
// whether the pair's target is met; a pair where either had a failed run
// gets "n/a".
func WriteRatios(w io.Writer, heading string, pairs []Pair, sums map[string]Summary) {
	var lines []string
	for _, p := range pairs {
		n, okN := sums[p.Num]
		d, okD := sums[p.Den]
		if !okN || !okD {
			continue // not selected, skipped or broken: said elsewhere
		}
		line := fmt.Sprintf("  %s ÷ %s\t", p.Num, p.Den)
		if !n.Complete() || !d.Complete() {
			lines = append(lines, line+"n/a (needs every run of both to succeed)")
			continue
		}
		wall := float64(n.Median) / float64(d.Median)
		line += fmt.Sprintf("wall %.2fx", wall)
		if n.RSSOK && d.RSSOK {
			line += fmt.Sprintf("\tpeak RSS %.2fx", float64(n.MedianRSS)/float64(d.MedianRSS))
		}
		if p.Target > 0 {
			verdict := "met"
			if wall > p.Target {
				verdict = "NOT met"
			}
			line += fmt.Sprintf("\ttarget wall ≤ %.2fx: %s", p.Target, verdict)
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, heading)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, l := range lines {
		fmt.Fprintln(tw, l)
	}
	tw.Flush()
}

// WriteProblems prints why contenders were skipped, did not build or had
// failed runs, if any were.
func WriteProblems(w io.Writer, cs []*Contender) {
	var b strings.Builder
	for _, c := range cs {
		switch {
		case c.Broken != "":
			fmt.Fprintf(&b, "  %s: %s\n", c.Name, c.Broken)
		case c.Skipped != "":
			fmt.Fprintf(&b, "  %s skipped: %s\n", c.Name, c.Skipped)
		}
		for i, r := range c.Results {
			if r.Err != nil {
				fmt.Fprintf(&b, "  %s run %d: %v\n", c.Name, i+1, r.Err)
			}
		}
	}
	if b.Len() > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "skipped or failed:")
		fmt.Fprint(w, b.String())
	}
}

// WriteRSSNote prints the harness's own peak RSS, which on Linux is a floor
// under every child's figure, when it is known.
func WriteRSSNote(w io.Writer) {
	if self, ok := selfPeakRSS(); ok {
		fmt.Fprintf(w, "\nnote: on Linux a run's peak RSS can include up to the harness's own peak RSS (%s),\n      so figures of that size say little; see bench/README.md\n", MiB(self))
	}
}
