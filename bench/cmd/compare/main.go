// Command compare runs ember's side-by-side benchmark: one CSV job done by
// ember, gota and DuckDB, each as its own process, so wall time and peak
// resident memory are measured per process.
//
// The job:
//
//	read CSV (header, types inferred) → keep rows with petal_length > 2 →
//	add petal_area = petal_length * petal_width → write CSV with header
//
// compare generates a deterministic iris-like input CSV once, builds the Go
// contenders (bench/cmd/ember-job, bench/cmd/gota-job) with go build, then
// runs the contenders interleaved round-robin, checks every run's output
// (row count, which rows, petal_area values) and prints median, min and max
// wall time, median peak RSS, and ember's ratios to the others. A run that
// exits non-zero, times out or writes a wrong result is reported as failed
// and is not timed; any failure makes compare exit with status 1.
//
// Run it from anywhere inside the ember module:
//
//	bash bench/setup.sh            # once: npm packages for DuckDB
//	go run ./bench/cmd/compare     # -rows 2000000 -runs 5
//	go run ./bench/cmd/compare -only gota,duckdb -rows 200000 -runs 2
//
// See bench/README.md for what is measured and how to read the report.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// modulePath is the module the harness must run in; contenders are located
// relative to its root directory.
const modulePath = "github.com/ember-df/ember"

// contenderNames lists the contenders in report order.
var contenderNames = []string{"ember", "gota", "duckdb"}

// config holds the command-line settings.
type config struct {
	rows    int
	runs    int
	warmup  int
	dir     string
	keep    bool
	only    []string
	seed    uint64
	timeout time.Duration
	procs   int
}

// contender is one program doing the job.
type contender struct {
	name string
	// about describes what is measured (library and version), for the report.
	about string
	// argv returns the command line of one run reading in and writing out.
	argv func(in, out string) []string
	// env is added to the harness's environment for each run.
	env []string
	// skipped, when set, says why the contender is not run; a skip is not a
	// failure (for example DuckDB's npm packages are not installed).
	skipped string
	// broken, when set, says why the contender cannot run (it failed to
	// build); this counts as a failure.
	broken string
	// results holds the measured runs in order.
	results []result
}

// result is the outcome of one run.
type result struct {
	wall  time.Duration
	rss   int64 // peak RSS in bytes; valid when rssOK
	rssOK bool
	err   error // non-nil: the run failed and its figures are not used
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(2)
	}
	failed, err := run(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
}

// parseFlags parses and validates the command line.
func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.IntVar(&cfg.rows, "rows", 2_000_000, "rows in the generated input CSV")
	fs.IntVar(&cfg.runs, "runs", 5, "measured runs per contender")
	fs.IntVar(&cfg.warmup, "warmup", 0, "unmeasured warm-up runs per contender before the measured ones")
	fs.StringVar(&cfg.dir, "dir", "", "work directory for input, binaries and outputs (default: a new temporary directory, removed afterwards)")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the temporary work directory (ignored with -dir, which is always kept)")
	only := fs.String("only", "", "comma-separated contenders to run, from "+strings.Join(contenderNames, ",")+" (default: all)")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the input generator")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Minute, "limit on one run; a run over it is killed and counted as failed")
	fs.IntVar(&cfg.procs, "procs", 0, "if > 0, set GOMAXPROCS to this for the Go contenders (DuckDB always uses 2 threads)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: go run ./bench/cmd/compare [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	switch {
	case cfg.rows < 1:
		return cfg, errors.New("-rows must be at least 1")
	case cfg.runs < 1:
		return cfg, errors.New("-runs must be at least 1")
	case cfg.warmup < 0:
		return cfg, errors.New("-warmup must not be negative")
	case cfg.timeout <= 0:
		return cfg, errors.New("-timeout must be positive")
	}
	if *only == "" {
		cfg.only = contenderNames
		return cfg, nil
	}
	for name := range strings.SplitSeq(*only, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(contenderNames, name) {
			return cfg, fmt.Errorf("-only: unknown contender %q (have %s)", name, strings.Join(contenderNames, ","))
		}
		if !slices.Contains(cfg.only, name) {
			cfg.only = append(cfg.only, name)
		}
	}
	// Keep report order independent of the order given.
	slices.SortFunc(cfg.only, func(a, b string) int {
		return slices.Index(contenderNames, a) - slices.Index(contenderNames, b)
	})
	return cfg, nil
}

// run performs the whole benchmark and prints the report. It reports
// whether any contender failed; err is for problems that stop the benchmark
// itself.
func run(cfg config) (failed bool, err error) {
	root, err := moduleRoot()
	if err != nil {
		return false, err
	}

	dir := cfg.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "ember-bench-*"); err != nil {
			return false, err
		}
		if cfg.keep {
			logf("work directory %s (kept)", dir)
		} else {
			defer os.RemoveAll(dir)
		}
	} else {
		if dir, err = filepath.Abs(dir); err != nil {
			return false, err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, err
		}
	}

	input := filepath.Join(dir, "input.csv")
	logf("generating %d rows into %s", cfg.rows, input)
	exp, err := generateInput(input, cfg.rows, cfg.seed)
	if err != nil {
		return false, fmt.Errorf("generate input: %w", err)
	}

	var cs []*contender
	for _, name := range cfg.only {
		cs = append(cs, prepare(name, cfg, root, dir))
	}

	var active []*contender
	for _, c := range cs {
		switch {
		case c.broken != "":
			logf("%s: %s", c.name, c.broken)
		case c.skipped != "":
			logf("%s: skipped: %s", c.name, c.skipped)
		default:
			active = append(active, c)
		}
	}

	outRoot := filepath.Join(dir, "out")
	for i := range cfg.warmup {
		for _, c := range active {
			r := measure(c, input, filepath.Join(outRoot, c.name), exp, cfg.timeout)
			logf("warm-up %d/%d %-6s %s", i+1, cfg.warmup, c.name, describe(r))
		}
	}
	// Round-robin: run i of every contender happens before run i+1 of any,
	// and the starting contender rotates so none always goes first (right
	// after another one's output was written).
	for i := range cfg.runs {
		for k := range active {
			c := active[(i+k)%len(active)]
			r := measure(c, input, filepath.Join(outRoot, c.name), exp, cfg.timeout)
			c.results = append(c.results, r)
			logf("run %d/%d %-6s %s", i+1, cfg.runs, c.name, describe(r))
		}
	}
	os.RemoveAll(outRoot)

	return report(os.Stdout, cfg, exp, cs), nil
}

// moduleRoot returns the root directory of the ember module containing the
// current directory.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Path}}\t{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("locating the ember module with 'go list -m' (run compare from inside the ember checkout): %w%s", err, stderrOf(err))
	}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		if path, dir, ok := strings.Cut(line, "\t"); ok && path == modulePath {
			return dir, nil
		}
	}
	return "", fmt.Errorf("the current directory is not inside module %s; run compare from the ember checkout", modulePath)
}

// prepare sets up contender name: builds the Go programs into dir/bin and
// checks that DuckDB's npm packages are installed.
func prepare(name string, cfg config, root, dir string) *contender {
	c := &contender{name: name}
	var goEnv []string
	if cfg.procs > 0 {
		goEnv = []string{"GOMAXPROCS=" + strconv.Itoa(cfg.procs)}
	}
	switch name {
	case "ember":
		c.about = "ember, this checkout (" + goVersion(root) + ")"
		c.env = goEnv
		c.argv, c.broken = buildGo(root, dir, "ember-job")
	case "gota":
		c.about = "github.com/go-gota/gota " + moduleVersion(root, "github.com/go-gota/gota") + " (" + goVersion(root) + ")"
		c.env = goEnv
		c.argv, c.broken = buildGo(root, dir, "gota-job")
	case "duckdb":
		prepareDuckDB(c, root)
	}
	return c
}

// buildGo builds bench/cmd/<prog> into dir/bin and returns the command line
// to run it, or why it could not be built.
func buildGo(root, dir, prog string) (argv func(in, out string) []string, broken string) {
	bin := filepath.Join(dir, "bin", prog)
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	logf("building ./bench/cmd/%s", prog)
	cmd := exec.Command("go", "build", "-o", bin, "./bench/cmd/"+prog)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Sprintf("go build ./bench/cmd/%s failed (%v):\n%s", prog, err, indent(firstLines(string(out), 12)))
	}
	return func(in, out string) []string { return []string{bin, in, out} }, ""
}

// prepareDuckDB sets up the DuckDB contender, or marks it skipped with the
// reason when Node.js or the npm packages installed by bench/setup.sh are
// missing.
func prepareDuckDB(c *contender, root string) {
	const setupHint = "run `bash bench/setup.sh` to install them"
	pkgDir := filepath.Join(root, "bench", "duckdb")
	node, err := exec.LookPath("node")
	if err != nil {
		c.skipped = "node (Node.js >= 20) is not on PATH"
		return
	}
	apiPkg := filepath.Join(pkgDir, "node_modules", "@duckdb", "node-api", "package.json")
	raw, err := os.ReadFile(apiPkg)
	if err != nil {
		c.skipped = "DuckDB's npm packages (bench/duckdb/node_modules) are not installed; " + setupHint
		return
	}
	var pkg struct{ Version string }
	if err := json.Unmarshal(raw, &pkg); err != nil {
		c.skipped = fmt.Sprintf("reading %s: %v; %s", apiPkg, err, setupHint)
		return
	}

	// Load the package once: proves the native binding for this platform
	// is there, and gives the DuckDB library version for the report.
	probe := exec.Command(node, "--input-type=module", "-e",
		"import { version } from '@duckdb/node-api'; console.log(version());")
	probe.Dir = pkgDir
	out, err := probe.Output()
	if err != nil {
		c.skipped = fmt.Sprintf("@duckdb/node-api does not load (%v%s); %s", err, stderrOf(err), setupHint)
		return
	}
	nodeVersion, _ := exec.Command(node, "--version").Output()

	c.about = fmt.Sprintf("DuckDB %s via @duckdb/node-api %s (node %s), threads=2",
		strings.TrimSpace(string(out)), pkg.Version, strings.TrimSpace(string(nodeVersion)))
	script := filepath.Join(pkgDir, "job.mjs")
	c.argv = func(in, out string) []string { return []string{node, script, in, out} }
}

// measure runs contender c once, writing into out (removed before and
// after), and checks its output against exp.
func measure(c *contender, input, out string, exp expectation, timeout time.Duration) result {
	if err := os.RemoveAll(out); err != nil {
		return result{err: err}
	}
	defer os.RemoveAll(out)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return result{err: err}
	}

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	argv := c.argv(input, out)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), c.env...)
	stderr := &tailBuffer{max: 4 << 10}
	cmd.Stdout = stderr // stdout is not expected; keep it for diagnostics
	cmd.Stderr = stderr

	start := time.Now()
	err := cmd.Run()
	r := result{wall: time.Since(start)}
	if cmd.ProcessState != nil {
		r.rss, r.rssOK = peakRSS(cmd.ProcessState)
	}
	switch {
	case ctx.Err() != nil:
		r.err = fmt.Errorf("timed out after %v", timeout)
	case err != nil:
		r.err = fmt.Errorf("%v%s", err, indentTail(stderr.String()))
	default:
		if _, verr := verifyOutput(out, exp); verr != nil {
			r.err = fmt.Errorf("wrong output: %w", verr)
		}
	}
	return r
}

// describe formats one run for the progress log.
func describe(r result) string {
	if r.err != nil {
		return "FAILED: " + r.err.Error()
	}
	s := fmt.Sprintf("%8s", seconds(r.wall))
	if r.rssOK {
		s += fmt.Sprintf("  %s peak RSS", mib(r.rss))
	}
	return s + "  ok"
}

// summary holds the statistics of one contender's successful runs.
type summary struct {
	ok, total        int
	median, min, max time.Duration
	medianRSS        int64
	rssOK            bool
}

// summarize computes the statistics of c's successful runs.
func summarize(c *contender) summary {
	var walls []time.Duration
	var rsss []int64
	s := summary{total: len(c.results), rssOK: true}
	for _, r := range c.results {
		if r.err != nil {
			continue
		}
		walls = append(walls, r.wall)
		rsss = append(rsss, r.rss)
		s.rssOK = s.rssOK && r.rssOK
	}
	s.ok = len(walls)
	if s.ok == 0 {
		s.rssOK = false
		return s
	}
	slices.Sort(walls)
	s.min, s.max = walls[0], walls[len(walls)-1]
	s.median = median(walls)
	s.medianRSS = median(rsss)
	return s
}

// median returns the median of xs (len(xs) > 0, any order); for an even
// count it is the mean of the two middle values.
func median[T time.Duration | int64](xs []T) T {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// report prints the results table and ember's ratios, and reports whether
// any contender failed.
func report(w io.Writer, cfg config, exp expectation, cs []*contender) (failed bool) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "job:      read CSV → filter petal_length > 2 → petal_area = petal_length * petal_width → write CSV")
	fmt.Fprintf(w, "input:    %d rows, %s (seed %d); a correct output has %d rows\n",
		cfg.rows, mib(exp.InputSize), cfg.seed, exp.Rows)
	fmt.Fprintf(w, "runs:     %d measured per contender, interleaved round-robin, after %d warm-up run(s)\n", cfg.runs, cfg.warmup)
	procs := "GOMAXPROCS default"
	if cfg.procs > 0 {
		procs = fmt.Sprintf("GOMAXPROCS=%d for Go contenders", cfg.procs)
	}
	fmt.Fprintf(w, "machine:  %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), procs)
	fmt.Fprintln(w, "contenders:")
	for _, c := range cs {
		about := c.about
		if about == "" {
			about = "-"
		}
		fmt.Fprintf(w, "  %-7s %s\n", c.name, about)
	}
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "contender\tok runs\tmedian wall\tmin\tmax\tmedian peak RSS\tstatus")
	sums := map[string]summary{}
	for _, c := range cs {
		switch {
		case c.broken != "":
			failed = true
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\tFAILED: did not build\n", c.name)
			continue
		case c.skipped != "":
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\tskipped\n", c.name)
			continue
		}
		s := summarize(c)
		sums[c.name] = s
		status := "ok"
		if s.ok < s.total {
			failed = true
			status = fmt.Sprintf("FAILED: %d of %d runs failed", s.total-s.ok, s.total)
		}
		if s.ok == 0 {
			fmt.Fprintf(tw, "%s\t0/%d\t-\t-\t-\t-\t%s\n", c.name, s.total, status)
			continue
		}
		rss := "n/a"
		if s.rssOK {
			rss = mib(s.medianRSS)
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%s\t%s\t%s\t%s\t%s\n", c.name, s.ok, s.total,
			seconds(s.median), seconds(s.min), seconds(s.max), rss, status)
	}
	tw.Flush()

	reportRatios(w, cs, sums)
	reportProblems(w, cs)
	if self, ok := selfPeakRSS(); ok {
		fmt.Fprintf(w, "\nnote: on Linux a run's peak RSS can include up to the harness's own peak RSS (%s),\n      so figures of that size say little; see bench/README.md\n", mib(self))
	}
	return failed
}

// reportRatios prints ember's median wall time and peak RSS divided by
// each other contender's, when both have all runs successful.
func reportRatios(w io.Writer, cs []*contender, sums map[string]summary) {
	var others []string
	for _, c := range cs {
		if c.name != "ember" {
			others = append(others, c.name)
		}
	}
	if len(others) == 0 || !slices.ContainsFunc(cs, func(c *contender) bool { return c.name == "ember" }) {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "ember ÷ other (medians; below 1.00x: ember is faster / uses less memory):")
	complete := func(name string) bool {
		s, ok := sums[name]
		return ok && s.ok > 0 && s.ok == s.total
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, o := range others {
		if !complete("ember") || !complete(o) {
			fmt.Fprintf(tw, "  ember ÷ %s\tn/a (needs every run of both to succeed)\n", o)
			continue
		}
		e, s := sums["ember"], sums[o]
		line := fmt.Sprintf("  ember ÷ %s\twall %.2fx", o, float64(e.median)/float64(s.median))
		if e.rssOK && s.rssOK {
			line += fmt.Sprintf("\tpeak RSS %.2fx", float64(e.medianRSS)/float64(s.medianRSS))
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
}

// reportProblems prints why contenders were skipped, did not build or had
// failed runs.
func reportProblems(w io.Writer, cs []*contender) {
	var b strings.Builder
	for _, c := range cs {
		switch {
		case c.broken != "":
			fmt.Fprintf(&b, "  %s: %s\n", c.name, c.broken)
		case c.skipped != "":
			fmt.Fprintf(&b, "  %s skipped: %s\n", c.name, c.skipped)
		}
		for i, r := range c.results {
			if r.err != nil {
				fmt.Fprintf(&b, "  %s run %d: %v\n", c.name, i+1, r.err)
			}
		}
	}
	if b.Len() > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "skipped or failed:")
		fmt.Fprint(w, b.String())
	}
}

// goVersion returns the Go toolchain version that builds the contenders.
func goVersion(root string) string {
	cmd := exec.Command("go", "env", "GOVERSION")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "go ?"
	}
	return strings.TrimSpace(string(out))
}

// moduleVersion returns the version of module path selected by root's
// go.mod, or "?" if it cannot be determined.
func moduleVersion(root, path string) string {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Version}}", path)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

// logf prints a progress line to stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "compare: "+format+"\n", args...)
}

// seconds formats d in seconds with millisecond precision.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3fs", d.Seconds())
}

// mib formats a byte count in MiB.
func mib(b int64) string {
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
