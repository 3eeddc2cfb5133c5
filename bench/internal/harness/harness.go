// Package harness is the machinery shared by ember's side-by-side
// benchmarks (bench/cmd/compare, bench/cmd/parquet-compare,
// bench/cmd/predict-compare): it parses their common flags, builds the Go
// contenders, finds DuckDB's Node.js package, runs every contender as its
// own child process, interleaved round-robin, measuring wall time and peak
// RSS per run, and prints the results table and ratios of medians.
//
// What a run does and how its output is checked stays with each command;
// this package only runs processes and does the bookkeeping, plus
// ScanParts, which streams the part files of an output directory to a
// command's own check.
package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// Contender is one program of a side-by-side benchmark.
type Contender struct {
	Name string
	// About describes what is measured (library and version), for the
	// report.
	About string
	// Argv is the command line of one run.
	Argv []string
	// Env is added to the harness's environment for each run.
	Env []string
	// Skipped, when set, says why the contender is not run; a skip is not a
	// failure (for example DuckDB's npm packages are not installed).
	Skipped string
	// Broken, when set, says why the contender cannot run (it failed to
	// build); this counts as a failure.
	Broken string
	// Results holds the measured runs in order.
	Results []Result
}

// Result is the outcome of one run.
type Result struct {
	Wall  time.Duration
	CPU   time.Duration // user + system CPU time of the process
	RSS   int64         // peak RSS in bytes; valid when RSSOK
	RSSOK bool
	Err   error // non-nil: the run failed and its figures are not used
}

// maxStdout bounds the standard output Exec keeps of a run.
const maxStdout = 1 << 20

// Exec runs argv once as a child process, with env added to the harness's
// environment, and returns its wall time (from just before the start to
// the exit), CPU time and peak RSS, and what it printed to stdout (the last MiB). A
// non-zero exit status or running past timeout sets Err, with the tail of
// the process's output.
func Exec(argv, env []string, timeout time.Duration) (Result, string) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	stdout := &tailBuffer{max: maxStdout}
	stderr := &tailBuffer{max: 4 << 10}
	cmd.Stdout = stdout
	cmd.Stderr = stderr

	start := time.Now()
	err := cmd.Run()
	r := Result{Wall: time.Since(start)}
	if ps := cmd.ProcessState; ps != nil {
		r.CPU = ps.UserTime() + ps.SystemTime()
		r.RSS, r.RSSOK = peakRSS(ps)
	}
	switch {
	case ctx.Err() != nil:
		r.Err = fmt.Errorf("timed out after %v", timeout)
	case err != nil:
		tail := stderr.String()
		if strings.TrimSpace(tail) == "" {
			tail = stdout.String()
		}
		r.Err = fmt.Errorf("%v%s", err, indentTail(tail))
	}
	return r, stdout.String()
}

// RoundRobin runs every contender that is neither skipped nor broken warmup
// times unmeasured, then runs times measured, appending the measured
// results to its Results. measure performs one run. The measured runs are
// interleaved: run i of every contender before run i+1 of any, with the
// starting contender rotating, so that machine noise (other load, thermal,
// page cache) is spread over all contenders instead of hitting one.
func RoundRobin(cs []*Contender, runs, warmup int, measure func(*Contender) Result, log Log) {
	var active []*Contender
	width := 0
	for _, c := range cs {
		switch {
		case c.Broken != "":
			log.Printf("%s: %s", c.Name, c.Broken)
		case c.Skipped != "":
			log.Printf("%s: skipped: %s", c.Name, c.Skipped)
		default:
			active = append(active, c)
			width = max(width, len(c.Name))
		}
	}
	for i := range warmup {
		for _, c := range active {
			log.Printf("warm-up %d/%d %-*s %s", i+1, warmup, width, c.Name, describe(measure(c)))
		}
	}
	for i := range runs {
		for k := range active {
			c := active[(i+k)%len(active)]
			r := measure(c)
			c.Results = append(c.Results, r)
			log.Printf("run %d/%d %-*s %s", i+1, runs, width, c.Name, describe(r))
		}
	}
}

// describe formats one run for the progress log.
func describe(r Result) string {
	if r.Err != nil {
		return "FAILED: " + r.Err.Error()
	}
	s := fmt.Sprintf("%8s  %8s CPU", Seconds(r.Wall), Seconds(r.CPU))
	if r.RSSOK {
		s += fmt.Sprintf("  %s peak RSS", MiB(r.RSS))
	}
	return s + "  ok"
}

// Summary holds the statistics of one contender's successful runs.
type Summary struct {
	OK, Total        int
	Median, Min, Max time.Duration // wall time
	MedianCPU        time.Duration // user + system
	MedianRSS        int64
	RSSOK            bool
}

// Complete reports whether the contender ran and every run succeeded.
func (s Summary) Complete() bool { return s.OK > 0 && s.OK == s.Total }

// Summarize computes the statistics of the successful runs in rs.
func Summarize(rs []Result) Summary {
	var walls, cpus []time.Duration
	var rsss []int64
	s := Summary{Total: len(rs), RSSOK: true}
	for _, r := range rs {
		if r.Err != nil {
			continue
		}
		walls = append(walls, r.Wall)
		cpus = append(cpus, r.CPU)
		rsss = append(rsss, r.RSS)
		s.RSSOK = s.RSSOK && r.RSSOK
	}
	s.OK = len(walls)
	if s.OK == 0 {
		s.RSSOK = false
		return s
	}
	slices.Sort(walls)
	s.Min, s.Max = walls[0], walls[len(walls)-1]
	s.Median = Median(walls)
	s.MedianCPU = Median(cpus)
	s.MedianRSS = Median(rsss)
	return s
}

// Median returns the median of xs (len(xs) > 0, any order); for an even
// count it is the mean of the two middle values.
func Median[T time.Duration | int64](xs []T) T {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// Log prints progress lines to stderr, each prefixed with the command's
// name.
type Log string

// Printf prints one progress line.
func (l Log) Printf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, string(l)+": "+format+"\n", args...)
}

// Seconds formats d in seconds with millisecond precision.
func Seconds(d time.Duration) string {
	return fmt.Sprintf("%.3fs", d.Seconds())
}

// MiB formats a byte count in MiB.
func MiB(b int64) string {
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

// stderrOf returns the captured stderr of a failed exec.Cmd.Output call,
// formatted for appending to an error message, or "".
func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return ": " + strings.TrimSpace(string(ee.Stderr))
	}
	return ""
}

// firstLines returns at most n lines of s, noting how many were cut.
func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) <= n {
		return strings.Join(lines, "\n")
	}
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n... (%d more lines)", len(lines)-n)
}

// indent prefixes every line of s with four spaces.
func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// indentTail formats a process's captured output for appending to an error
// message, or returns "" when there is none.
func indentTail(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	return "; output:\n" + indent(s)
}

// tailBuffer is an io.Writer keeping only the last max bytes written.
type tailBuffer struct {
	max int
	buf bytes.Buffer
	cut bool
}

// Write appends p, dropping the oldest bytes beyond the limit.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
		t.cut = true
	}
	return len(p), nil
}

// String returns the kept bytes, marked when older output was dropped.
func (t *tailBuffer) String() string {
	if t.cut {
		return "..." + t.buf.String()
	}
	return t.buf.String()
}
