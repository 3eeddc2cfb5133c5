// Command storage-compare runs the same job on files on local disk and on
// the same files in a local S3-compatible server (versitygw, which
// scripts/install-versitygw.sh builds), interleaved, and reports median
// wall times and their ratio. The target (issue 12): reading from the
// local S3 server takes at most 1.3 × the time reading from disk takes.
//
// The job, run by ember in this process:
//
//	CSV:     a 2,000,000-row CSV (id, a, b, label) → GROUP BY label:
//	         count(*), sum(a)
//	Parquet: a 2,000,000-row, 20-column Parquet file (bench/internal/
//	         widefile) → count(*), sum(c0), sum(c1): 2 of the 20 columns
//
// Both contenders read files the operating system has cached (versitygw
// keeps its objects as plain files), so the comparison is of ember's
// storage layer and the S3 protocol — ranged GETs, HTTP, the server's CPU
// on the same cores — not of disks. Every run's results must equal the
// first run's (a warm-up).
//
//	bash scripts/install-versitygw.sh
//	go -C bench run ./cmd/storage-compare   # -rows 2000000 -runs 5
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/bench/internal/harness"
	"github.com/ember-df/ember/bench/internal/widefile"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/storage"
	_ "github.com/ember-df/ember/storage/cloud"
	"github.com/ember-df/ember/storage/cloud/s3test"
)

const log = harness.Log("storage-compare")

// target is the bound on the S3 run's median ÷ the local one's.
const target = 1.3

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "storage-compare:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("storage-compare", flag.ContinueOnError)
	rows := fs.Int("rows", 2_000_000, "rows of the CSV and of the Parquet file")
	runs := fs.Int("runs", 5, "timed runs of each contender (after one warm-up run each)")
	bin := fs.String("versitygw", s3test.Binary(), "the versitygw binary")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(*bin); err != nil {
		return fmt.Errorf("versitygw not found at %s (run bash scripts/install-versitygw.sh): %w", *bin, err)
	}
	dir, err := os.MkdirTemp("", "storage-compare-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	local := filepath.Join(dir, "local")
	if err := os.MkdirAll(local, 0o755); err != nil {
		return err
	}
	log.Printf("generating %d rows of CSV and Parquet in %s", *rows, local)
	if err := writeCSV(filepath.Join(local, "data.csv"), *rows); err != nil {
		return err
	}
	if _, err := widefile.Write(filepath.Join(local, "wide.parquet"), widefile.Spec{Rows: *rows, Seed: 1}); err != nil {
		return err
	}

	srv, stop, err := s3test.Launch(*bin, filepath.Join(dir, "s3"))
	if err != nil {
		return err
	}
	defer stop()
	for _, kv := range srv.Env() {
		os.Setenv(kv[0], kv[1])
	}
	remote := "s3://" + srv.Bucket
	sizes := map[string]int64{}
	for _, name := range []string{"data.csv", "wide.parquet"} {
		n, err := upload(filepath.Join(local, name), remote+"/"+name)
		if err != nil {
			return err
		}
		sizes[name] = n
	}
	log.Printf("versitygw at %s holds data.csv (%s) and wide.parquet (%s)", srv.Endpoint,
		harness.MiB(sizes["data.csv"]), harness.MiB(sizes["wide.parquet"]))

	contenders := []*contender{{name: "local", root: local}, {name: "s3", root: remote}}
	var want string
	for r := -1; r < *runs; r++ {
		order := contenders
		if r%2 != 0 {
			order = []*contender{contenders[1], contenders[0]}
		}
		for _, c := range order {
			before := storage.ReadStatsOf(storage.Scheme(c.root))
			res, times, err := job(c.root)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			if want == "" {
				want = res
			} else if res != want {
				return fmt.Errorf("%s: results differ from the first run's:\n%s\nwant\n%s", c.name, res, want)
			}
			if r < 0 {
				log.Printf("warm-up %s: %s", c.name, harness.Seconds(times[0]+times[1]))
				continue
			}
			c.csv, c.parquet = append(c.csv, times[0]), append(c.parquet, times[1])
			c.fetched = storage.ReadStatsOf(storage.Scheme(c.root)).Bytes - before.Bytes
			log.Printf("run %d %s: csv %s, parquet %s", r+1, c.name, harness.Seconds(times[0]), harness.Seconds(times[1]))
		}
	}
	report(os.Stdout, contenders, *rows, *runs, sizes)
	return nil
}

type contender struct {
	name, root   string
	csv, parquet []time.Duration
	fetched      int64 // bytes read in the last run
}

func (c *contender) total() []time.Duration {
	out := make([]time.Duration, len(c.csv))
	for i := range out {
		out[i] = c.csv[i] + c.parquet[i]
	}
	return out
}

func report(w io.Writer, cs []*contender, rows, runs int, sizes map[string]int64) {
	fmt.Fprintf(w, "storage-compare: %d rows; CSV %s, Parquet %s (20 columns, 2 read); %d runs each, interleaved; GOMAXPROCS %d\n\n",
		rows, harness.MiB(sizes["data.csv"]), harness.MiB(sizes["wide.parquet"]), runs, runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "%-8s %12s %12s %12s %16s\n", "", "csv", "parquet", "total", "read per run")
	for _, c := range cs {
		fmt.Fprintf(w, "%-8s %12s %12s %12s %16s\n", c.name, harness.Seconds(harness.Median(c.csv)),
			harness.Seconds(harness.Median(c.parquet)), harness.Seconds(harness.Median(c.total())), harness.MiB(c.fetched))
	}
	ratio := func(f func(*contender) []time.Duration) float64 {
		return harness.Median(f(cs[1])).Seconds() / harness.Median(f(cs[0])).Seconds()
	}
	fmt.Fprintln(w)
	for _, r := range []struct {
		what string
		f    func(*contender) []time.Duration
	}{
		{"csv", func(c *contender) []time.Duration { return c.csv }},
		{"parquet", func(c *contender) []time.Duration { return c.parquet }},
		{"total", (*contender).total},
	} {
		x := ratio(r.f)
		verdict := "meets"
		if x > target {
			verdict = "MISSES"
		}
		fmt.Fprintf(w, "s3 ÷ local, %-8s %.2f×  (%s the ≤ %.1f× target)\n", r.what+":", x, verdict, target)
	}
}

// job runs the CSV and the Parquet job on the files under root and
// returns their printed results and wall times.
func job(root string) (string, [2]time.Duration, error) {
	ctx := context.Background()
	var times [2]time.Duration
	sess := frame.NewSession()
	defer sess.Close()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "a", Type: arrow.PrimitiveTypes.Float64},
		{Name: "b", Type: arrow.PrimitiveTypes.Float64},
		{Name: "label", Type: arrow.BinaryTypes.String},
	}, nil)
	start := time.Now()
	csv, err := collect(ctx, sess.Read().Schema(schema).Option("header", "true").CSV(storage.Join(root, "data.csv")).
		GroupBy("label").Agg(frame.Count("*"), frame.Sum("a")))
	if err != nil {
		return "", times, err
	}
	times[0] = time.Since(start)
	start = time.Now()
	pq, err := collect(ctx, sess.Read().Parquet(storage.Join(root, "wide.parquet")).
		Agg(frame.Count("*"), frame.Sum("c0"), frame.Sum("c1")))
	if err != nil {
		return "", times, err
	}
	times[1] = time.Since(start)
	return csv + "\n" + pq, times, nil
}

// collect prints the rows of df, sorted; floats with 9 significant
// digits, since partial sums may add up in another order.
func collect(ctx context.Context, df *frame.DataFrame) (string, error) {
	tbl, err := df.Collect(ctx)
	if err != nil {
		return "", err
	}
	defer tbl.Release()
	tr := array.NewTableReader(tbl, 1<<16)
	defer tr.Release()
	var out []string
	for tr.Next() {
		b := tr.RecordBatch()
		for i := range int(b.NumRows()) {
			cells := make([]string, b.NumCols())
			for c, col := range b.Columns() {
				if f, ok := col.(*array.Float64); ok && f.IsValid(i) {
					cells[c] = fmt.Sprintf("%.9g", f.Value(i))
				} else {
					cells[c] = col.ValueStr(i)
				}
			}
			out = append(out, strings.Join(cells, ","))
		}
	}
	if len(out) == 0 {
		return "", errors.New("no rows")
	}
	slices.Sort(out)
	return strings.Join(out, "\n"), nil
}

// writeCSV writes rows of id, a, b, label.
func writeCSV(path string, rows int) error {
	var b []byte
	b = append(b, "id,a,b,label\n"...)
	labels := []string{"setosa", "versicolor", "virginica"}
	x := uint64(12345)
	for i := range rows {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b = fmt.Appendf(b, "%d,%.3f,%.2f,%s\n", i, float64(x%100000)/1000, float64(x>>20%1000)/10, labels[x%3])
	}
	return os.WriteFile(path, b, 0o644)
}

// upload copies a local file to path with storage.Create.
func upload(from, to string) (int64, error) {
	f, err := os.Open(from)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w, err := storage.Create(context.Background(), to)
	if err != nil {
		return 0, err
	}
	defer w.Abort()
	n, err := io.Copy(w, f)
	if err != nil {
		return n, err
	}
	return n, w.Close()
}
