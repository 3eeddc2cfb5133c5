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
//	go -C bench run ./cmd/compare     # -rows 2000000 -runs 5
//	go -C bench run ./cmd/compare -only gota,duckdb -rows 200000 -runs 2
//
// See bench/README.md for what is measured and how to read the report.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ember-df/ember/bench/internal/harness"
)

// contenderNames lists the contenders in report order.
var contenderNames = []string{"ember", "gota", "duckdb"}

// log prints progress lines.
const log = harness.Log("compare")

func main() {
	cfg, err := harness.ParseFlags("compare", os.Args[1:], contenderNames, harness.Config{Rows: 2_000_000}, nil)
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

// run performs the whole benchmark and prints the report. It reports
// whether any contender failed; err is for problems that stop the benchmark
// itself.
func run(cfg harness.Config) (failed bool, err error) {
	root, err := harness.ModuleRoot()
	if err != nil {
		return false, err
	}
	dir, cleanup, err := harness.WorkDir(cfg, log)
	if err != nil {
		return false, err
	}
	defer cleanup()

	input := filepath.Join(dir, "input.csv")
	log.Printf("generating %d rows into %s", cfg.Rows, input)
	exp, err := generateInput(input, cfg.Rows, cfg.Seed)
	if err != nil {
		return false, fmt.Errorf("generate input: %w", err)
	}

	outRoot := filepath.Join(dir, "out")
	var cs []*harness.Contender
	for _, name := range cfg.Only {
		cs = append(cs, prepare(name, cfg, root, dir, input, filepath.Join(outRoot, name)))
	}
	harness.RoundRobin(cs, cfg.Runs, cfg.Warmup, func(c *harness.Contender) harness.Result {
		return measure(c, filepath.Join(outRoot, c.Name), exp, cfg.Timeout)
	}, log)
	os.RemoveAll(outRoot)

	return report(os.Stdout, cfg, exp, cs), nil
}

// prepare sets up contender name reading input and writing out: builds the
// Go programs into dir/bin and checks that DuckDB's npm packages are
// installed.
func prepare(name string, cfg harness.Config, root, dir, input, out string) *harness.Contender {
	c := &harness.Contender{Name: name}
	var bin string
	switch name {
	case "ember":
		c.About = "ember, this checkout (" + harness.GoVersion(root) + ")"
		c.Env = cfg.GoEnv()
		bin, c.Broken = harness.BuildGo(root, dir, "ember-job", log)
	case "gota":
		c.About = "github.com/go-gota/gota " + harness.ModuleVersion(root, "github.com/go-gota/gota") + " (" + harness.GoVersion(root) + ")"
		c.Env = cfg.GoEnv()
		bin, c.Broken = harness.BuildGo(root, dir, "gota-job", log)
	case "duckdb":
		var node string
		node, c.About, c.Skipped = harness.DuckDB(root)
		c.Argv = []string{node, filepath.Join(root, "bench", "duckdb", "job.mjs"), input, out}
		return c
	}
	c.Argv = []string{bin, input, out}
	return c
}

// measure runs contender c once, its output going to out (removed before
// and after), and checks the output against exp.
func measure(c *harness.Contender, out string, exp expectation, timeout time.Duration) harness.Result {
	if err := os.RemoveAll(out); err != nil {
		return harness.Result{Err: err}
	}
	defer os.RemoveAll(out)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return harness.Result{Err: err}
	}
	r, _ := harness.Exec(c.Argv, c.Env, timeout)
	if r.Err == nil {
		if _, verr := verifyOutput(out, exp); verr != nil {
			r.Err = fmt.Errorf("wrong output: %w", verr)
		}
	}
	return r
}

// report prints the results table and ember's ratios, and reports whether
// any contender failed.
func report(w io.Writer, cfg harness.Config, exp expectation, cs []*harness.Contender) (failed bool) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "job:      read CSV → filter petal_length > 2 → petal_area = petal_length * petal_width → write CSV")
	fmt.Fprintf(w, "input:    %d rows, %s (seed %d); a correct output has %d rows\n",
		cfg.Rows, harness.MiB(exp.InputSize), cfg.Seed, exp.Rows)
	harness.WriteSetup(w, cfg, cs)
	fmt.Fprintln(w)

	sums, failed := harness.WriteTable(w, cs)
	var pairs []harness.Pair
	for _, name := range cfg.Only {
		if name != "ember" {
			pairs = append(pairs, harness.Pair{Num: "ember", Den: name})
		}
	}
	harness.WriteRatios(w, "ember ÷ other (medians; below 1.00x: ember is faster / uses less memory):", pairs, sums)
	harness.WriteProblems(w, cs)
	harness.WriteRSSNote(w)
	return failed
}
