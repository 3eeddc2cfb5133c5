package frame_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func readPeople(sess *frame.Session) *frame.DataFrame {
	return sess.Read().Option("header", "true").Option("inferSchema", "true").CSV("testdata/people.csv")
}

func TestIssueAPI(t *testing.T) {
	// The API exactly as the issue writes it.
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	iris := filepath.Join(dir, "a.csv")
	writeFile(t, iris, "sepal_length,petal_length,petal_width,species\n5.1,1.4,0.2,setosa\n7.0,4.7,1.4,versicolor\n6.3,6.0,2.5,virginica\n")
	writeFile(t, filepath.Join(dir, "dir", "b.csv"), "sepal_length,petal_length,petal_width,species\n6.4,4.5,1.5,versicolor\n")
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(iris, filepath.Join(dir, "dir/*.csv"))
	df = df.Filter(frame.Col("petal_length").Gt(frame.Lit(2.0))).
		WithColumn("petal_area", frame.Col("petal_length").Mul(frame.Col("petal_width")))
	n, err := df.Count(ctx)
	if err != nil || n != 3 {
		t.Fatalf("Count = %d, %v; want 3", n, err)
	}
	tbl, err := df.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := renderTable(tbl); strings.Join(got, ";") != "7.0|4.7|1.4|versicolor|6.58;6.3|6.0|2.5|virginica|15.0;6.4|4.5|1.5|versicolor|6.75" {
		t.Fatalf("Collect = %v", got)
	}
	tbl.Release()
	if err := df.Show(ctx, 5); err != nil {
		t.Fatal(err)
	}
	counts := df.GroupBy("species").Count()
	if got := collectRows(t, counts.OrderBy("species")); strings.Join(got, ";") != "versicolor|2;virginica|1" {
		t.Fatalf("counts = %v", got)
	}
	out := filepath.Join(dir, "out")
	if err := df.Write().Mode(frame.Overwrite).Option("header", "true").CSV(ctx, out); err != nil {
		t.Fatal(err)
	}
	back := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(out)
	if n, err := back.Count(ctx); err != nil || n != 3 {
		t.Fatalf("read back %d rows, %v", n, err)
	}
	if !strings.Contains(df.Explain(), "== Physical Plan ==") {
		t.Fatal(df.Explain())
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestStickyErrors(t *testing.T) {
	ctx := context.Background()
	sess := frame.NewSession()
	defer sess.Close()
	df := readPeople(sess)
	cases := []struct {
		name string
		df   *frame.DataFrame
		want []string
	}{
		{"unknown column", df.Select("nmae"), []string{"Select", `"nmae"`, "columns: id, name, dept, age, score"}},
		{"unknown in filter", df.Filter(frame.Col("salary").Gt(3)), []string{"Filter", `"salary"`, "id, name"}},
		{"type mismatch", df.WithColumn("x", frame.Col("name").Add(1)), []string{`WithColumn("x")`, "cannot apply +", "name (utf8)"}},
		{"non-boolean filter", df.Filter(frame.Col("age")), []string{"not boolean"}},
		{"bad literal", df.WithColumn("x", frame.Lit(struct{}{})), []string{"unsupported literal"}},
		{"rename missing", df.WithColumnRenamed("nope", "x"), []string{`"nope"`}},
		{"group by missing", df.GroupBy("team").Count(), []string{`"team"`}},
		{"sum of string", df.GroupBy("dept").Agg(frame.Sum("name")), []string{"sum(name)", "not numeric"}},
		{"missing file", sess.Read().CSV("testdata/nope.csv"), []string{"nope.csv"}},
		{"bad option", sess.Read().Option("mode", "LENIENT").CSV("testdata/people.csv"), []string{"mode", "LENIENT"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The error sticks through later transformations and is
			// returned by every action.
			later := c.df.Limit(3).Select("*")
			for _, err := range []error{c.df.Err(), later.Err(), countErr(ctx, later), showErr(ctx, later),
				later.Write().CSV(ctx, t.TempDir()+"/out")} {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range c.want {
					if !strings.Contains(err.Error(), w) {
						t.Fatalf("error %q does not mention %q", err, w)
					}
				}
			}
			if !errors.Is(c.df.Err(), later.Err()) {
				t.Fatalf("later error %v is not the first one %v", later.Err(), c.df.Err())
			}
		})
	}
	if !errors.Is(df.Select("nmae").Err(), plan.ErrColumnNotFound) {
		t.Fatal("unknown column error does not wrap plan.ErrColumnNotFound")
	}
}

func countErr(ctx context.Context, df *frame.DataFrame) error { _, err := df.Count(ctx); return err }
func showErr(ctx context.Context, df *frame.DataFrame) error {
	_, err := df.ShowString(ctx, 3, 20)
	return err
}

func TestShow(t *testing.T) {
	sess := frame.NewSession()
	defer sess.Close()
	got, err := readPeople(sess).Select("id", "name", "score").ShowString(context.Background(), 3, 20)
	if err != nil {
		t.Fatal(err)
	}
	want := `+---+----+-----+
| id|name|score|
+---+----+-----+
|  1| ann|  4.5|
|  2| bob| NULL|
|  3|NULL|  3.0|
+---+----+-----+
only showing top 3 rows
`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// bigCSV writes rows rows of id,a,b,label and returns the path.
func bigCSV(t testing.TB, dir string, rows int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,a,b,label\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "%d,%d.5,%d,row %d\n", i, i%97, i%13, i)
	}
	path := filepath.Join(dir, "big.csv")
	writeFile(t.(*testing.T), path, b.String())
	return path
}

func TestLimitPushdownReadsOnlyFirstRows(t *testing.T) {
	ctx := context.Background()
	sess := frame.NewSession(frame.WithParallelism(2))
	defer sess.Close()
	path := bigCSV(t, t.TempDir(), 200_000)
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(path).
		WithColumn("c", frame.Col("a").Mul(2))
	if _, err := df.ShowString(ctx, 5, 20); err != nil {
		t.Fatal(err)
	}
	if got := sess.LastMetrics().RowsRead; got != 6 {
		t.Fatalf("Show(5) read %d rows, want 6 (5 shown + 1 to know there are more)", got)
	}
	tbl, err := df.Take(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	tbl.Release()
	if got := sess.LastMetrics().RowsRead; got != 5 {
		t.Fatalf("Take(5) read %d rows, want 5", got)
	}
	// A filter stops the limit at the scan, but reading still stops after
	// the first batch that satisfies it.
	filtered := df.Filter(frame.Col("b").Eq(3))
	tbl, err = filtered.Take(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	tbl.Release()
	if got := sess.LastMetrics().RowsRead; got > 16384 {
		t.Fatalf("Take(5) after a filter read %d rows, want at most one batch", got)
	}
	if n, _ := df.Count(ctx); n != 200_000 || sess.LastMetrics().RowsRead != 200_000 {
		t.Fatalf("Count = %d, read %d", n, sess.LastMetrics().RowsRead)
	}
}

func TestExplainGolden(t *testing.T) {
	sess := frame.NewSession(frame.WithParallelism(2))
	defer sess.Close()
	df := readPeople(sess)
	cases := map[string]*frame.DataFrame{
		// The filter moves below the projection; unused columns are pruned
		// from the scan.
		"filter_pushdown": df.WithColumn("double", frame.Col("score").Mul(2)).
			Filter(frame.Col("age").Gt(30)).Select("name", "double"),
		// The limit moves below the projection and into the scan.
		"limit_pushdown": df.Select(frame.Col("name").Upper().As("n")).Limit(5),
		"aggregate": df.Filter(frame.Col("score").IsNotNull()).GroupBy("dept").
			Agg(frame.Count("*"), frame.Mean("score")).OrderBy(frame.Col("count").Desc()),
		"repartition_union": df.Select("id").Union(df.Select("age")).Repartition(4).Distinct(),
		// A sort of several partitions goes through a range exchange:
		// materialize, sample, bounds, route, sort each range.
		"sort_ranges": df.Repartition(3).WithColumn("double", frame.Col("score").Mul(2)).
			OrderBy(frame.Col("dept"), frame.Col("double").Desc()),
	}
	for name, df := range cases {
		t.Run(name, func(t *testing.T) {
			got := df.Explain()
			path := filepath.Join("testdata", "explain_"+name+".golden")
			if *update {
				writeFile(t, path, got)
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./frame -run TestExplainGolden -update)", err)
			}
			if got != string(want) {
				t.Fatalf("EXPLAIN changed; got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// batchesDF is an in-memory DataFrame of n rows in batches of one row,
// over parts partitions.
func batchesDF(t *testing.T, sess *frame.Session, mem memory.Allocator, n, parts int) *frame.DataFrame {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id": %d, "name": "n%d", "dept": "d%d", "age": %d, "score": %d.5}`, i, i, i%5, i%90, i)
	}
	b.WriteString("]")
	return partitioned(t, sess, mem, people, b.String(), parts)
}

func TestCancelStopsEveryGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithBatchSize(1, 0), frame.WithParallelism(3))
	defer sess.Close()
	df := batchesDF(t, sess, mem, 200, 6)
	jobs := map[string]func(*frame.DataFrame) *frame.DataFrame{
		"pipeline":    func(df *frame.DataFrame) *frame.DataFrame { return df.Filter(frame.Col("id").Ge(0)) },
		"repartition": func(df *frame.DataFrame) *frame.DataFrame { return df.Repartition(5) },
		"aggregate":   func(df *frame.DataFrame) *frame.DataFrame { return df.GroupBy("dept").Count() },
		"sort":        func(df *frame.DataFrame) *frame.DataFrame { return df.OrderBy("score") },
	}
	for name, job := range jobs {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var seen atomic.Int64
			slow := df.MapBatches(people, func(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
				if seen.Add(1) == 10 {
					cancel()
				}
				b.Retain()
				return b, nil
			})
			_, err := job(slow).Collect(ctx)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if seen.Load() >= 200 {
				t.Fatalf("the job went on after cancellation: %d batches", seen.Load())
			}
		})
	}
}

func TestPanicNamesPartitionAndFunction(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithBatchSize(2, 0))
	defer sess.Close()
	df := batchesDF(t, sess, mem, 20, 3).MapBatches(people, explode)
	_, err := df.Count(context.Background())
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"panicked", "partition", "boom"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not mention %q", err, want)
		}
	}
	// One line of message; the stack, naming the function, in the error.
	var pe *plan.PanicError
	if strings.Contains(err.Error(), "\n") || !errors.As(err, &pe) || !strings.Contains(string(pe.Stack), "frame_test.explode") {
		t.Fatalf("error %q: want one line, and a plan.PanicError whose stack names frame_test.explode", err)
	}
}

func explode(_ context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	if b.Column(0).(interface{ Value(int) int64 }).Value(0) >= 9 {
		panic("boom")
	}
	b.Retain()
	return b, nil
}

// TestMemoryBudget: over a small budget, blocking operators spill to the
// session's spill directory and give the same rows; the directory is
// empty afterwards. A budget too small for one batch fails, naming it.
func TestMemoryBudget(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	spill := t.TempDir()
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithMemoryBudget(96<<10), frame.WithBatchSize(64, 0), frame.WithSpillDir(spill))
	defer sess.Close()
	roomy := frame.NewSession(frame.WithAllocator(mem), frame.WithBatchSize(64, 0))
	defer roomy.Close()
	jobs := map[string]func(*frame.DataFrame) *frame.DataFrame{
		// Enough state per group that 2000 groups exceed 96 KiB (the keys
		// alone fit).
		"group by": func(df *frame.DataFrame) *frame.DataFrame {
			return df.GroupBy("name").Agg(frame.Count("*"), frame.Sum("score"), frame.Min("dept"), frame.Max("dept"), frame.CollectList("age"))
		},
		"sort":     func(df *frame.DataFrame) *frame.DataFrame { return df.OrderBy("name") },
		"distinct": func(df *frame.DataFrame) *frame.DataFrame { return df.Distinct() },
		"repart":   func(df *frame.DataFrame) *frame.DataFrame { return df.Repartition(3) },
	}
	for name, job := range jobs {
		got := collectRows(t, job(batchesDF(t, sess, mem, 2000, 2)))
		want := collectRows(t, job(batchesDF(t, roomy, mem, 2000, 2)))
		if name != "sort" {
			slices.Sort(got)
			slices.Sort(want)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s over a 96 KiB budget: %d rows differ from an unconstrained run's %d", name, len(got), len(want))
		}
		if sess.LastMetrics().SpilledBytes == 0 && name != "repart" {
			t.Errorf("%s over a 96 KiB budget spilled nothing", name)
		}
	}
	left := 0
	filepath.WalkDir(spill, func(_ string, d os.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			left++
		}
		return nil
	})
	if left > 0 {
		t.Errorf("%d spill files left in %s", left, spill)
	}
	tiny := frame.NewSession(frame.WithAllocator(mem), frame.WithMemoryBudget(64), frame.WithBatchSize(64, 0), frame.WithSpillDir(spill))
	defer tiny.Close()
	if _, err := batchesDF(t, tiny, mem, 2000, 2).Distinct().Count(context.Background()); !errors.Is(err, exec.ErrMemoryBudget) {
		t.Fatalf("a 64-byte budget: err = %v, want exec.ErrMemoryBudget", err)
	}
}
