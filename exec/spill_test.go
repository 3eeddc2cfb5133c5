package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
	"go.uber.org/goleak"
)

// spillSource generates rows without holding them: partition p has
// Batches batches of Rows rows; row number r (over all partitions) has
// id r, key k = r*7919 mod Keys, and a string s derived from k (so that
// a distinct of (k, s) has Keys rows) padded to Pad bytes. Before, when
// set, runs before each batch.
type spillSource struct {
	Parts, Batches, Rows, Keys, Pad int
	Before                          func(ctx context.Context, p, batch int) error
}

var genSpillSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

func (g *spillSource) String() string        { return "gen" }
func (g *spillSource) Schema() *arrow.Schema { return genSpillSchema }
func (g *spillSource) Partitions() int       { return g.Parts }
func (g *spillSource) Scan() *plan.Scan      { return &plan.Scan{Source: g} }

// Open implements plan.Source.
func (g *spillSource) Open(_ context.Context, p int, opts plan.ScanOptions) (plan.BatchReader, error) {
	return &spillReader{g: g, p: p, mem: opts.Allocator}, nil
}

type spillReader struct {
	g    *spillSource
	p, n int
	mem  memory.Allocator
	last arrow.RecordBatch
}

func (r *spillReader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if r.last != nil {
		r.last.Release()
		r.last = nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.n >= r.g.Batches {
		return nil, io.EOF
	}
	if r.g.Before != nil {
		if err := r.g.Before(ctx, r.p, r.n); err != nil {
			return nil, err
		}
	}
	// Built at its final size, without garbage beyond the batch: the
	// peak-memory measure (spill_bench_test.go) counts what its input
	// allocates too.
	b := array.NewRecordBuilder(r.mem, genSpillSchema)
	defer b.Release()
	ids, keys, strs := b.Field(0).(*array.Int64Builder), b.Field(1).(*array.Int64Builder), b.Field(2).(*array.StringBuilder)
	ids.Resize(r.g.Rows)
	keys.Resize(r.g.Rows)
	strs.Resize(r.g.Rows)
	strs.ReserveData(r.g.Rows * (6 + r.g.Pad))
	var s []byte
	for i := range r.g.Rows {
		id := int64((r.p*r.g.Batches+r.n)*r.g.Rows + i)
		k := id * 7919 % int64(r.g.Keys)
		ids.Append(id)
		if k%97 == 3 {
			keys.AppendNull()
			strs.AppendNull()
		} else {
			keys.Append(k)
			// fmt.Sprintf("s%05d%s", (k*31)%Keys, Pad x's)
			s = append(s[:0], 's')
			v := (k * 31) % int64(r.g.Keys)
			for digits := int64(10000); digits > 1 && v < digits; digits /= 10 {
				s = append(s, '0')
			}
			s = strconv.AppendInt(s, v, 10)
			for range r.g.Pad {
				s = append(s, 'x')
			}
			strs.BinaryBuilder.Append(s)
		}
	}
	r.n++
	r.last = b.NewRecordBatch()
	return r.last, nil
}

func (r *spillReader) Close() error {
	if r.last != nil {
		r.last.Release()
		r.last = nil
	}
	return nil
}

// spillJobs are the plans the spill tests run, over input about ten
// times the budget they get; ordered says whether the rows' order is
// part of the result.
var spillJobs = []struct {
	name    string
	root    func(plan.Node) plan.Node
	ordered bool
}{
	{"repartition", func(n plan.Node) plan.Node { return exectest.Must(plan.NewRepartition(n, 3, plan.Col("k"))) }, false},
	{"group-by", func(n plan.Node) plan.Node {
		return exectest.Must(plan.NewAggregate(n, []plan.Expr{plan.Col("k")}, []plan.AggExpr{
			{Func: plan.AggCount}, {Func: plan.AggSum, Arg: plan.Col("id")}, {Func: plan.AggMin, Arg: plan.Col("s")},
			{Func: plan.AggMax, Arg: plan.Col("id")}, {Func: plan.AggAvg, Arg: plan.Col("id")}}))
	}, false},
	{"distinct", func(n plan.Node) plan.Node { return &plan.Distinct{Input: n} }, false},
	{"distinct-keys", func(n plan.Node) plan.Node {
		return &plan.Distinct{Input: exectest.Must(plan.NewProject(n, plan.Col("k"), plan.Col("s")))}
	}, false},
	{"order-by", func(n plan.Node) plan.Node {
		return exectest.Must(plan.NewSort(n, plan.SortOrder{Expr: plan.Col("s"), Descending: true, NullsFirst: true}, plan.SortOrder{Expr: plan.Col("k")}))
	}, true},
	{"order-by-one-partition", func(n plan.Node) plan.Node {
		return exectest.Must(plan.NewSort(exectest.Must(plan.NewRepartition(n, 1)), plan.SortOrder{Expr: plan.Col("k")}))
	}, true},
	// A top N of more rows than the budget holds: the kept rows go to an
	// external sort.
	{"top-n", func(n plan.Node) plan.Node {
		sorted := exectest.Must(plan.NewSort(n, plan.SortOrder{Expr: plan.Col("s"), Descending: true, NullsFirst: true}, plan.SortOrder{Expr: plan.Col("k")}))
		return &plan.Limit{Input: sorted, N: 60_000}
	}, true},
	// A shuffled hash join of the input with a second scan of it (each
	// row meets itself): the build side is the whole input.
	{"join", func(n plan.Node) plan.Node {
		again := &plan.Scan{Source: n.(*plan.Scan).Source}
		return exectest.Must(plan.NewJoin(n, exectest.Must(plan.NewProject(again, plan.Col("id"), plan.Col("s"))),
			plan.JoinSpec{Type: plan.InnerJoin, Using: []string{"id"}}))
	}, false},
}

// runSpill runs root with cfg and returns its rows (sorted unless
// ordered), its metrics and the job.
func runSpill(t *testing.T, ctx context.Context, cfg Config, root plan.Node, ordered bool) ([]string, Metrics, *job, error) {
	t.Helper()
	g, err := NewGraph(root, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sink := exectest.NewCollectSink()
	m, err := Local{}.Run(ctx, g, sink)
	rows := sink.All()
	if !ordered {
		slices.Sort(rows)
	}
	return rows, m, g.job, err
}

// TestSpill: a repartition, GroupBy, Distinct and OrderBy over input ten
// times the memory budget succeed by spilling, with the rows of an
// unconstrained run; nothing is left reserved, allocated or on disk.
func TestSpill(t *testing.T) {
	src := &spillSource{Parts: 4, Batches: 24, Rows: 1000, Keys: 20000, Pad: 8}
	const budget = 256 << 10 // the input is about 2.6 MiB
	for _, c := range spillJobs {
		if c.name == "top-n" && testing.Short() {
			continue // the race run: its spill is the order-by's sorter, a minute under -race
		}
		for _, parallelism := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/parallelism=%d", c.name, parallelism), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				mem := exectest.CheckedAlloc(t)
				want, m, _, err := runSpill(t, context.Background(), Config{Allocator: mem, Parallelism: parallelism}, c.root(src.Scan()), c.ordered)
				if err != nil {
					t.Fatal(err)
				}
				if m.SpillFiles != 0 {
					t.Fatalf("the unconstrained run spilled %d files", m.SpillFiles)
				}
				dir := t.TempDir()
				arrowPeak := &peakAllocator{Allocator: mem}
				got, m, j, err := runSpill(t, context.Background(), Config{Allocator: arrowPeak, Parallelism: parallelism, MemoryBudget: budget, SpillDir: dir},
					c.root(src.Scan()), c.ordered)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("PEAKS %s/%d: reserved %d, Arrow %d, budget %d", c.name, parallelism, j.budget.peak.Load(), arrowPeak.peak.Load(), budget)
				if m.SpillFiles == 0 || m.SpilledBytes == 0 {
					t.Errorf("no spill reported: %s", m)
				}
				t.Log(m)
				if !slices.Equal(got, want) {
					t.Fatalf("%d rows, want %d; first differences: %v", len(got), len(want), firstDiff(got, want))
				}
				checkSpillClean(t, j, dir)
			})
		}
	}
}

// TestSpillCancelled: a job cancelled, or failing, once it has spilled —
// while it writes spill files, or while it reads them back (the sink
// cancels at the first result batch) — leaves no spill file, no reserved
// byte, no Arrow memory and no goroutine behind.
func TestSpillCancelled(t *testing.T) {
	for _, c := range spillJobs {
		for _, when := range []string{"writing", "failing", "reading"} {
			t.Run(fmt.Sprintf("%s/%s", c.name, when), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				mem := exectest.CheckedAlloc(t)
				dir := t.TempDir()
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				var j *job
				spilled := func() bool { _, files := j.spillStats(); return files > 0 }
				src := &spillSource{Parts: 4, Batches: 24, Rows: 1000, Keys: 20000, Pad: 8}
				sink := exectest.NewCollectSink()
				switch when {
				case "writing", "failing":
					src.Before = func(ctx context.Context, p, batch int) error {
						if spilled() {
							if when == "failing" {
								return exectest.ErrBoom
							}
							cancel()
						}
						return nil
					}
				case "reading":
					sink.OnBatch = func(int, arrow.RecordBatch) error {
						cancel()
						return ctx.Err()
					}
				}
				g, err := NewGraph(c.root(src.Scan()), Config{Allocator: mem, Parallelism: 3, MemoryBudget: 256 << 10, SpillDir: dir})
				if err != nil {
					t.Fatal(err)
				}
				j = g.job
				_, err = Local{}.Run(ctx, g, sink)
				if want := map[bool]error{false: context.Canceled, true: exectest.ErrBoom}[when == "failing"]; !errors.Is(err, want) {
					t.Fatalf("job returned %v, want %v", err, want)
				}
				if !spilled() {
					t.Fatal("the job never spilled")
				}
				checkSpillClean(t, j, dir)
			})
		}
	}
}

// TestSpillBudgetSmallerThanABatch: a budget that cannot hold one batch
// fails with ErrMemoryBudget, naming the budget; nothing is left behind.
func TestSpillBudgetSmallerThanABatch(t *testing.T) {
	for _, c := range spillJobs {
		t.Run(c.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			mem := exectest.CheckedAlloc(t)
			dir := t.TempDir()
			src := &spillSource{Parts: 2, Batches: 3, Rows: 1000, Keys: 20000, Pad: 8}
			_, _, j, err := runSpill(t, context.Background(), Config{Allocator: mem, Parallelism: 2, MemoryBudget: 4 << 10, SpillDir: dir}, c.root(src.Scan()), c.ordered)
			if !errors.Is(err, ErrMemoryBudget) || !strings.Contains(err.Error(), "memory budget of 4.0 KiB") {
				t.Fatalf("job returned %v, want ErrMemoryBudget naming the budget", err)
			}
			checkSpillClean(t, j, dir)
		})
	}
}

// checkSpillClean fails unless the job holds no budget and left nothing
// in its spill directory.
func checkSpillClean(t *testing.T, j *job, dir string) {
	t.Helper()
	if n := j.budget.used.Load(); n != 0 {
		t.Errorf("%d bytes still reserved against the budget", n)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("spill directory not empty: %v", ents)
	}
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("row %d: %q, want %q", i, got[i], want[i])
		}
	}
	return "one is a prefix of the other"
}
