// Command tpch runs eight TPC-H queries (1, 3, 5, 6, 10, 12, 14, 19) with
// ember's DataFrame API and with DuckDB over the same generated Parquet
// tables, checks that every answer matches DuckDB's, and reports each
// query's median time, the ratio ember ÷ DuckDB, their geometric mean and
// each contender's peak memory.
//
// The tables (package bench/internal/tpch) are generated once per scale
// factor into the -data directory and reused while its spec.json matches.
// Every run is its own process: ember's is this command's binary in its
// -run mode, DuckDB's is bench/duckdb/tpch.mjs. Runs alternate between the
// two contenders, query by query. Both run with -threads worker threads
// (GOMAXPROCS and ember's parallelism; DuckDB's SET threads, which
// bench/duckdb/common.mjs fixes at 2).
//
// Usage (from the repository root):
//
//	bash bench/setup.sh
//	go -C bench run ./cmd/tpch -sf 1 -runs 5 -data /tmp/ember-tpch
//
// See bench/README.md for what is measured and how to read the report.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ember-df/ember/bench/internal/harness"
	"github.com/ember-df/ember/bench/internal/tpch"
	"github.com/ember-df/ember/frame"
)

const log = harness.Log("tpch")

// The targets: each query at most 3 × DuckDB's time, their
// geometric mean at most 2 ×.
const (
	targetEach    = 3.0
	targetGeomean = 2.0
)

type config struct {
	sf         float64
	data       string
	runs       int
	threads    int
	queries    []string
	timeout    time.Duration
	profileDir string
	rowGroup   int64
}

func main() {
	if len(os.Args) > 1 && slices.Contains([]string{"-run", "-gen", "-explain"}, os.Args[1]) {
		if err := child(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "tpch:", err)
			os.Exit(1)
		}
		return
	}
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tpch:", err)
		os.Exit(2)
	}
	failed, err := run(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tpch:", err)
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("tpch", flag.ContinueOnError)
	fs.Float64Var(&cfg.sf, "sf", 1, "TPC-H scale factor (1: lineitem ~6M rows)")
	fs.StringVar(&cfg.data, "data", "", "directory of the generated tables, reused when it holds the same scale factor (default: $TMPDIR/ember-tpch-sf<sf>)")
	fs.IntVar(&cfg.runs, "runs", 5, "measured runs per query and contender")
	fs.IntVar(&cfg.threads, "threads", 2, "worker threads of ember (GOMAXPROCS, parallelism); DuckDB runs with 2")
	only := fs.String("queries", "", "comma-separated queries to run (default: all of "+names()+")")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Minute, "limit on one run")
	fs.StringVar(&cfg.profileDir, "cpuprofile", "", "if set, ember's runs write CPU profiles <query>.pprof into this directory")
	fs.Int64Var(&cfg.rowGroup, "rowgroup", 0, "rows per row group of the generated files (0: ember's writer default)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if cfg.data == "" {
		cfg.data = filepath.Join(os.TempDir(), "ember-tpch-sf"+strconv.FormatFloat(cfg.sf, 'g', -1, 64))
	}
	if *only == "" {
		*only = names()
	}
	for name := range strings.SplitSeq(*only, ",") {
		if _, ok := tpch.Lookup(strings.TrimSpace(name)); !ok {
			return cfg, fmt.Errorf("-queries: no query %q (have %s)", name, names())
		}
		cfg.queries = append(cfg.queries, strings.TrimSpace(name))
	}
	if cfg.runs < 1 || cfg.threads < 1 {
		return cfg, errors.New("-runs and -threads must be at least 1")
	}
	return cfg, nil
}

func names() string {
	var n []string
	for _, q := range tpch.Queries {
		n = append(n, q.Name)
	}
	return strings.Join(n, ",")
}

// output is what one run prints: its answer and the query's own time.
type output struct {
	tpch.Answer
	MS float64 `json:"ms"`
}

// child runs this binary's child modes: -gen <dir> <sf> <rowgroup>
// generates the tables; -run <query> <dir> <threads> [profile] runs one
// query with ember and prints an output.
func child(args []string) error {
	switch args[0] {
	case "-gen":
		if len(args) != 4 {
			return errors.New("usage: tpch -gen <dir> <sf> <rowgroup>")
		}
		sf, err := strconv.ParseFloat(args[2], 64)
		if err != nil {
			return err
		}
		rg, err := strconv.ParseInt(args[3], 10, 64)
		if err != nil {
			return err
		}
		_, err = tpch.Generate(args[1], sf, 1, rg)
		return err
	}
	if len(args) < 4 {
		return errors.New("usage: tpch -run|-explain <query> <dir> <threads> [cpuprofile]")
	}
	q, ok := tpch.Lookup(args[1])
	if !ok {
		return fmt.Errorf("no query %q", args[1])
	}
	if args[0] == "-explain" {
		threads, err := strconv.Atoi(args[3])
		if err != nil {
			return err
		}
		sess := frame.NewSession(frame.WithParallelism(threads))
		defer sess.Close()
		fmt.Println(q.Frame(sess, args[2]).Explain())
		return nil
	}
	threads, err := strconv.Atoi(args[3])
	if err != nil {
		return err
	}
	profile := ""
	if len(args) > 4 {
		profile = args[4]
	}
	stop, err := harness.StartCPUProfile(profile)
	if err != nil {
		return err
	}
	sess := frame.NewSession(frame.WithParallelism(threads))
	defer sess.Close()
	start := time.Now()
	tbl, err := q.Frame(sess, args[2]).Collect(context.Background())
	elapsed := time.Since(start)
	stop()
	if err != nil {
		return err
	}
	defer tbl.Release()
	ans, err := tpch.FromTable(tbl)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(output{Answer: ans, MS: float64(elapsed.Microseconds()) / 1000})
}

// contender is one side of one query.
type contender struct {
	argv []string
	env  []string
	runs []measurement
}

type measurement struct {
	ms   float64
	wall time.Duration
	cpu  time.Duration // user + system CPU time of the process
	rss  int64
	err  error
}

type queryResult struct {
	name          string
	ember, duckdb contender
	mismatch      error
}

func run(cfg config) (failed bool, err error) {
	root, err := harness.ModuleRoot()
	if err != nil {
		return false, err
	}
	binDir, err := os.MkdirTemp("", "ember-tpch-bin")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(binDir)
	bin, broken := harness.BuildGo(root, binDir, "tpch", log)
	if broken != "" {
		return false, errors.New(broken)
	}
	node, about, skipped := harness.DuckDB(root)
	if skipped != "" {
		return false, fmt.Errorf("DuckDB: %s", skipped)
	}

	// Generate (or reuse) the tables in a child process, so that the
	// generator's memory does not raise the peak RSS the harness's later
	// children inherit in their figures.
	start := time.Now()
	r, _ := harness.Exec([]string{bin, "-gen", cfg.data, strconv.FormatFloat(cfg.sf, 'g', -1, 64), strconv.FormatInt(cfg.rowGroup, 10)}, nil, time.Hour)
	if r.Err != nil {
		return false, fmt.Errorf("generating the tables: %w", r.Err)
	}
	log.Printf("tables of SF %g in %s (%s)", cfg.sf, cfg.data, harness.Seconds(time.Since(start)))
	if cfg.profileDir != "" {
		if err := os.MkdirAll(cfg.profileDir, 0o755); err != nil {
			return false, err
		}
	}

	script := filepath.Join(root, "bench", "duckdb", "tpch.mjs")
	// DuckDB's fixed cost, in every DuckDB process: Node.js and the
	// library starting, SELECT 1.
	var startup contender
	for range cfg.runs {
		res, _ := harness.Exec([]string{node, script, "SELECT 1"}, nil, cfg.timeout)
		startup.runs = append(startup.runs, measurement{wall: res.Wall, cpu: res.CPU, rss: res.RSS, err: res.Err})
	}
	goEnv := []string{"GOMAXPROCS=" + strconv.Itoa(cfg.threads)}
	var results []*queryResult
	for _, name := range cfg.queries {
		q, _ := tpch.Lookup(name)
		qr := &queryResult{name: name}
		qr.ember.argv = []string{bin, "-run", name, cfg.data, strconv.Itoa(cfg.threads)}
		qr.ember.env = goEnv
		qr.duckdb.argv = []string{node, script, q.SQL(cfg.data)}
		results = append(results, qr)

		var emberAns, duckAns *tpch.Answer
		for i := range cfg.runs {
			order := []*contender{&qr.ember, &qr.duckdb}
			if i%2 == 1 {
				order[0], order[1] = order[1], order[0]
			}
			for _, c := range order {
				argv := c.argv
				if c == &qr.ember && cfg.profileDir != "" && i == 0 {
					argv = append(slices.Clone(argv), filepath.Join(cfg.profileDir, name+".pprof"))
				}
				res, out := harness.Exec(argv, c.env, cfg.timeout)
				rn := measurement{wall: res.Wall, cpu: res.CPU, rss: res.RSS, err: res.Err}
				var o output
				if rn.err == nil {
					if err := json.Unmarshal([]byte(out), &o); err != nil {
						rn.err = fmt.Errorf("output %q: %w", firstLine(out), err)
					}
				}
				rn.ms = o.MS
				c.runs = append(c.runs, rn)
				if rn.err == nil && c == &qr.ember && emberAns == nil {
					emberAns = &o.Answer
				}
				if rn.err == nil && c == &qr.duckdb && duckAns == nil {
					duckAns = &o.Answer
				}
				who := "ember"
				if c == &qr.duckdb {
					who = "duckdb"
				}
				if rn.err != nil {
					log.Printf("%s run %d/%d %s: FAILED: %v", name, i+1, cfg.runs, who, rn.err)
				} else {
					log.Printf("%s run %d/%d %-6s %8.1f ms (process %s, peak RSS %s)", name, i+1, cfg.runs, who, rn.ms, harness.Seconds(rn.wall), harness.MiB(rn.rss))
				}
			}
		}
		if emberAns != nil && duckAns != nil {
			qr.mismatch = tpch.Compare(*emberAns, *duckAns)
		} else {
			qr.mismatch = errors.New("no successful run to compare")
		}
	}
	return report(os.Stdout, cfg, about, root, results, summarize(startup.runs)), nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// summary is a contender's medians over its successful runs.
type summary struct {
	ok       int
	ms       float64
	wall     time.Duration
	cpu      time.Duration
	rss      int64
	firstErr error
}

func summarize(runs []measurement) summary {
	var s summary
	var ms []float64
	var walls, cpus []time.Duration
	var rss []int64
	for _, r := range runs {
		if r.err != nil {
			if s.firstErr == nil {
				s.firstErr = r.err
			}
			continue
		}
		s.ok++
		ms = append(ms, r.ms)
		walls = append(walls, r.wall)
		cpus = append(cpus, r.cpu)
		rss = append(rss, r.rss)
	}
	if s.ok == 0 {
		return s
	}
	slices.Sort(ms)
	s.ms = ms[len(ms)/2]
	if len(ms)%2 == 0 {
		s.ms = (ms[len(ms)/2-1] + ms[len(ms)/2]) / 2
	}
	s.wall = harness.Median(walls)
	s.cpu = harness.Median(cpus)
	s.rss = harness.Median(rss)
	return s
}

func report(w io.Writer, cfg config, about, root string, results []*queryResult, startup summary) (failed bool) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "TPC-H-shaped tables, SF %g (%s), Parquet (snappy) written by ember\n", cfg.sf, cfg.data)
	fmt.Fprintf(w, "ember:  this checkout (%s), DataFrame API, parallelism %d, GOMAXPROCS=%d\n", harness.GoVersion(root), cfg.threads, cfg.threads)
	fmt.Fprintf(w, "duckdb: %s, SQL over read_parquet of the same files\n", about)
	fmt.Fprintf(w, "runs:   %d per query and contender, alternating; machine %s/%s, %d CPUs\n", cfg.runs, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Fprintf(w, "duckdb start-up (node, library, SELECT 1; medians): process %s, CPU %s, peak RSS %s\n",
		harness.Seconds(startup.wall), harness.Seconds(startup.cpu), harness.MiB(startup.rss))
	fmt.Fprintln(w, "ms: the query alone, timed in its process; CPU: the process's user+system CPU time, DuckDB's less its start-up's;")
	fmt.Fprintln(w, "RSS: the process's peak resident set; all medians. Ratios are ember ÷ DuckDB.")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\tember ms\tduckdb ms\tratio\tember CPU\tduckdb CPU\tCPU ratio\tember RSS\tduckdb RSS\tanswer\t")
	var logWall, logCPU float64
	n := 0
	allEach := true
	for _, qr := range results {
		e, d := summarize(qr.ember.runs), summarize(qr.duckdb.runs)
		answer := "= duckdb"
		if qr.mismatch != nil {
			answer = "DIFFERS"
			failed = true
		}
		if e.ok < len(qr.ember.runs) || d.ok < len(qr.duckdb.runs) {
			failed = true
		}
		ratio, cpuRatio := "-", "-"
		dcpu := max(d.cpu-startup.cpu, time.Millisecond)
		if e.ok > 0 && d.ok > 0 && d.ms > 0 {
			rt := e.ms / d.ms
			ct := e.cpu.Seconds() / dcpu.Seconds()
			ratio, cpuRatio = fmt.Sprintf("%.2fx", rt), fmt.Sprintf("%.2fx", ct)
			logWall += math.Log(rt)
			logCPU += math.Log(ct)
			n++
			if rt > targetEach {
				allEach = false
			}
		} else {
			allEach = false
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", qr.name, e.ms, d.ms, ratio,
			harness.Seconds(e.cpu), harness.Seconds(dcpu), cpuRatio, harness.MiB(e.rss), harness.MiB(d.rss), answer)
	}
	tw.Flush()
	if n > 0 {
		gm := math.Exp(logWall / float64(n))
		fmt.Fprintf(w, "\ngeometric mean of the ratios: %.2fx by query time (target <= %.1fx: %s), %.2fx by CPU time; every query <= %.1fx: %s\n",
			gm, targetGeomean, met(gm <= targetGeomean), math.Exp(logCPU/float64(n)), targetEach, met(allEach))
	}
	for _, qr := range results {
		if qr.mismatch != nil {
			fmt.Fprintf(w, "%s: answers differ: %v\n", qr.name, qr.mismatch)
		}
		for _, c := range []struct {
			who string
			c   contender
		}{{"ember", qr.ember}, {"duckdb", qr.duckdb}} {
			if s := summarize(c.c.runs); s.firstErr != nil {
				fmt.Fprintf(w, "%s %s: %d of %d runs failed, first: %v\n", qr.name, c.who, len(c.c.runs)-s.ok, len(c.c.runs), s.firstErr)
			}
		}
	}
	return failed
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}
