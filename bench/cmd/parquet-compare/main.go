// Command parquet-compare runs ember's Parquet scan benchmark: a filtered,
// projected scan of one wide Parquet file done by ember and by DuckDB, each
// run as its own process, so wall time and peak resident memory are
// measured per process.
//
// The job:
//
//	scan a 2,000,000-row, 20-column Parquet file (mixed int64/float64/string,
//	snappy) → keep rows with c0 > 500000 → keep columns c0, c2 (or all 20)
//	→ consume every value (row count, sums, string lengths)
//
// Targets (from the issue): ember's wall time at most 1.5 × DuckDB's on the
// same file in the same run, and reading 2 of the 20 columns at most 25% of
// reading all 20.
//
// The contenders: ember-scan collects the filtered, projected rows and sums
// them in Go; ember-agg has ember compute the sums (Agg), as DuckDB does;
// duckdb runs SELECT count(*), sum(c0), sum(strlen(c2)) … WHERE c0 > …;
// the -all variants keep all 20 columns; duckdb-startup only starts
// DuckDB (the fixed cost inside the DuckDB figures).
//
// parquet-compare generates the file once with ember's own writer
// (bench/cmd/parquet-gen, as a child process), builds bench/cmd/ember-scan,
// then runs the contenders interleaved round-robin, checks every run's
// printed sums against the ones computed while generating, and prints
// median, min and max wall time, median peak RSS, and the ratios the
// targets are about. A run that exits non-zero, times out or prints a
// wrong result is reported as failed and is not timed; any failure makes
// parquet-compare exit with status 1.
//
// Run it from anywhere inside the ember module:
//
//	bash bench/setup.sh                 # once: npm packages for DuckDB
//	go -C bench run ./cmd/parquet-compare  # -rows 2000000 -runs 5 -procs 2
//
// See bench/README.md for what each contender does and how to read the
// report.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ember-df/ember/bench/internal/harness"
	"github.com/ember-df/ember/bench/internal/widefile"
	"github.com/ember-df/ember/io/parquetio"
)

// contenderNames lists the contenders in report order.
var contenderNames = []string{"ember-scan", "ember-scan-all", "ember-agg", "ember-agg-all", "duckdb", "duckdb-all", "duckdb-startup"}

// log prints progress lines.
const log = harness.Log("parquet-compare")

// The targets, as ratios of median wall times.
const (
	targetVsDuckDB = 1.5  // ember-scan (and ember-agg) ÷ duckdb
	targetPruned   = 0.25 // ember-scan ÷ ember-scan-all (and the agg pair)
)

// defaultSelected is the projection of the benchmark: an int64 and
// a string column, the filter column among them.
const defaultSelected = "c0,c2"

// config is the harness's settings plus this benchmark's own.
type config struct {
	harness.Config
	threshold int64    // the filter: c0 > threshold
	rowGroup  int64    // rows per row group; 0: ember's writer default
	selected  []string // the projected columns of ember-scan and duckdb
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "parquet-compare:", err)
		os.Exit(2)
	}
	failed, err := run(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "parquet-compare:", err)
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
}

// parseFlags parses and validates the command line.
func parseFlags(args []string) (config, error) {
	var cfg config
	selected := defaultSelected
	var err error
	cfg.Config, err = harness.ParseFlags("parquet-compare", args, contenderNames,
		harness.Config{Rows: 2_000_000, Procs: 2}, func(fs *flag.FlagSet) {
			fs.Int64Var(&cfg.threshold, "threshold", widefile.FilterRange/2, fmt.Sprintf("filter c0 > threshold (c0 is uniform in [0, %d))", widefile.FilterRange))
			fs.Int64Var(&cfg.rowGroup, "rowgroup", 0, "rows per row group of the generated file (0: ember's writer default, 1048576)")
			fs.StringVar(&selected, "select", defaultSelected, "comma-separated columns the projected contenders keep")
		})
	if err != nil {
		return cfg, err
	}
	if cfg.rowGroup < 0 {
		return cfg, errors.New("-rowgroup must not be negative")
	}
	for name := range strings.SplitSeq(selected, ",") {
		name = strings.TrimSpace(name)
		if _, ok := widefile.Index(name); !ok {
			return cfg, fmt.Errorf("-select: no column %q (have c0 … c%d)", name, widefile.NumColumns-1)
		}
		cfg.selected = append(cfg.selected, name)
	}
	return cfg, nil
}

// run performs the whole benchmark and prints the report. It reports
// whether any contender failed; err is for problems that stop the benchmark
// itself.
func run(cfg config) (failed bool, err error) {
	root, err := harness.ModuleRoot()
	if err != nil {
		return false, err
	}
	dir, cleanup, err := harness.WorkDir(cfg.Config, log)
	if err != nil {
		return false, err
	}
	defer cleanup()

	input := filepath.Join(dir, "input.parquet")
	exp, err := generate(cfg, root, dir, input)
	if err != nil {
		return false, fmt.Errorf("generate input: %w", err)
	}

	var cs []*harness.Contender
	var ember *build
	for _, name := range cfg.Only {
		if strings.HasPrefix(name, "ember") && ember == nil {
			ember = new(build)
			ember.bin, ember.broken = harness.BuildGo(root, dir, "ember-scan", log)
		}
		cs = append(cs, prepare(name, cfg, root, input, ember))
	}
	harness.RoundRobin(cs, cfg.Runs, cfg.Warmup, func(c *harness.Contender) harness.Result {
		r, out := harness.Exec(c.Argv, c.Env, cfg.Timeout)
		if r.Err != nil {
			return r
		}
		if c.Name == "duckdb-startup" {
			if out != "startup ok\n" {
				r.Err = fmt.Errorf("printed %q, want \"startup ok\"", out)
			}
		} else if err := exp.Verify(out, columnsOf(c.Name, cfg)); err != nil {
			r.Err = fmt.Errorf("wrong result: %w", err)
		}
		return r
	}, log)

	return report(os.Stdout, cfg, exp, cs), nil
}

// generate writes the input file with bench/cmd/parquet-gen, run as a child
// process so that the writer's memory does not raise the harness's own peak
// RSS (a floor under every later child's figure on Linux). A file already
// in dir from an earlier run with the same settings is reused.
func generate(cfg config, root, dir, input string) (widefile.Expectation, error) {
	spec := widefile.Spec{Rows: cfg.Rows, Seed: cfg.Seed, RowGroupRows: cfg.rowGroup, Threshold: cfg.threshold}
	sidecar := input + ".json"
	var exp widefile.Expectation
	if raw, err := os.ReadFile(sidecar); err == nil && json.Unmarshal(raw, &exp) == nil && exp.Spec == spec {
		if fi, err := os.Stat(input); err == nil && fi.Size() == exp.Size {
			log.Printf("reusing %s (same settings)", input)
			return exp, nil
		}
	}
	os.Remove(sidecar)
	bin, broken := harness.BuildGo(root, dir, "parquet-gen", log)
	if broken != "" {
		return exp, errors.New(broken)
	}
	log.Printf("generating %d rows into %s", cfg.Rows, input)
	start := time.Now()
	r, out := harness.Exec([]string{bin,
		"-rows", strconv.Itoa(spec.Rows), "-seed", strconv.FormatUint(spec.Seed, 10),
		"-rowgroup", strconv.FormatInt(spec.RowGroupRows, 10), "-threshold", strconv.FormatInt(spec.Threshold, 10),
		input}, nil, cfg.Timeout)
	if r.Err != nil {
		return exp, r.Err
	}
	if err := json.Unmarshal([]byte(out), &exp); err != nil {
		return exp, fmt.Errorf("parquet-gen printed %q: %w", out, err)
	}
	log.Printf("generated %s in %s", harness.MiB(exp.Size), harness.Seconds(time.Since(start)))
	return exp, os.WriteFile(sidecar, []byte(out), 0o644)
}

// columnsOf returns the columns contender name keeps.
func columnsOf(name string, cfg config) []string {
	if strings.HasSuffix(name, "-all") {
		all := make([]string, widefile.NumColumns)
		for i := range all {
			all[i] = widefile.Name(i)
		}
		return all
	}
	return cfg.selected
}

// build is the outcome of building a Go program: its path, or why it did
// not build.
type build struct{ bin, broken string }

// prepare sets up contender name: the ember contenders run ember's build
// of bench/cmd/ember-scan; the DuckDB ones need DuckDB's npm packages
// (duckdb-startup only starts DuckDB and runs SELECT 1).
func prepare(name string, cfg config, root, input string, ember *build) *harness.Contender {
	c := &harness.Contender{Name: name}
	cols := columnsOf(name, cfg)
	threshold := strconv.FormatInt(cfg.threshold, 10)
	if strings.HasPrefix(name, "ember") {
		c.Env = cfg.GoEnv()
		c.Broken = ember.broken
		c.Argv = []string{ember.bin, input, threshold}
		all := strings.HasSuffix(name, "-all")
		if !all {
			c.Argv = append(c.Argv, cols...)
		}
		what := "Select(" + strings.Join(cols, ", ") + ") → Collect → sums in Go"
		if all {
			what = "all columns → Collect → sums in Go"
		}
		if strings.HasPrefix(name, "ember-agg") {
			c.Argv = slices.Insert(c.Argv, 1, "-agg")
			what = "Agg(Count(*), " + sumsOf(cols, "Sum(%s)", "Sum(Length(%s))") + ") → Collect"
		}
		c.About = fmt.Sprintf("ember, this checkout (%s): Read().Parquet → Filter(c0 > %s) → %s",
			harness.GoVersion(root), threshold, what)
		return c
	}
	node, about, skipped := harness.DuckDB(root)
	c.Skipped = skipped
	script := filepath.Join(root, "bench", "duckdb", "scan.mjs")
	if name == "duckdb-startup" {
		c.Argv = []string{node, script, "--startup"}
		c.About = about + ": SELECT 1, the fixed cost inside each DuckDB figure"
		return c
	}
	c.Argv = []string{node, script, input, threshold}
	for _, col := range cols {
		k, _ := widefile.Index(col)
		c.Argv = append(c.Argv, col+":"+widefile.KindOf(k).String())
	}
	c.About = fmt.Sprintf("%s: SELECT count(*), %s WHERE c0 > %s", about, sumsOf(cols, "sum(%s)", "sum(strlen(%s))"), threshold)
	return c
}

// sumsOf describes the sums over cols for the report: numeric and string
// are the formats of one sum of either kind, and more than two sums are
// abbreviated.
func sumsOf(cols []string, numeric, str string) string {
	sums := make([]string, len(cols))
	for i, col := range cols {
		k, _ := widefile.Index(col)
		sums[i] = fmt.Sprintf(numeric, col)
		if widefile.KindOf(k) == widefile.String {
			sums[i] = fmt.Sprintf(str, col)
		}
	}
	if len(sums) > 3 {
		sums = append(sums[:2], fmt.Sprintf("… (%d sums)", len(cols)))
	}
	return strings.Join(sums, ", ")
}

// report prints the results table and the ratios the targets are about,
// and reports whether any contender failed.
func report(w io.Writer, cfg config, exp widefile.Expectation, cs []*harness.Contender) (failed bool) {
	rowGroup := cfg.rowGroup
	if rowGroup == 0 {
		rowGroup = parquetio.DefaultOptions().RowGroupRows
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "job:      scan Parquet → filter c0 > %d → keep %s (or all %d columns) → consume every value\n",
		cfg.threshold, strings.Join(cfg.selected, ", "), widefile.NumColumns)
	fmt.Fprintf(w, "input:    %d rows × %d columns (7 int64, 7 float64, 6 string), snappy, %d row group(s) of ≤ %d rows, %s (seed %d);\n",
		exp.Rows, widefile.NumColumns, (exp.Rows+rowGroup-1)/rowGroup, rowGroup, harness.MiB(exp.Size), cfg.Seed)
	fmt.Fprintf(w, "          written by ember's Parquet writer; %d rows pass the filter\n", exp.Kept)
	harness.WriteSetup(w, cfg.Config, cs)
	fmt.Fprintln(w)

	sums, failed := harness.WriteTable(w, cs)
	harness.WriteRatios(w, "ratios (medians; below 1.00x: the first is faster / uses less memory):", []harness.Pair{
		{Num: "ember-scan", Den: "duckdb", Target: targetVsDuckDB},
		{Num: "ember-scan", Den: "ember-scan-all", Target: targetPruned},
		{Num: "ember-agg", Den: "duckdb", Target: targetVsDuckDB},
		{Num: "ember-agg", Den: "ember-agg-all", Target: targetPruned},
		{Num: "ember-scan-all", Den: "duckdb-all"},
		{Num: "ember-agg-all", Den: "duckdb-all"},
		{Num: "duckdb", Den: "duckdb-all"},
	}, sums)
	harness.WriteProblems(w, cs)
	harness.WriteRSSNote(w)
	return failed
}
