package exec

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

var windowSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "o", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

// TestWindowFunctions checks every kind of window function against values
// worked out by hand, over partitions that span batches and input
// partitions, NULL partition and order keys, and ties, at batch sizes of
// 1, 2, 3 rows and the default; nothing stays allocated.
func TestWindowFunctions(t *testing.T) {
	parts := [][]string{
		{`[{"k": 1, "o": 1, "v": 10}, {"k": 2, "o": 5, "v": 1}]`, `[{"k": 1, "o": 2, "v": 20}, {"k": null, "o": 1, "v": 7}]`},
		{`[{"k": 1, "o": 2, "v": 30}, {"k": 1, "o": null, "v": 40}, {"k": 2, "o": 5, "v": 2}]`, `[{"k": 2, "o": 6, "v": null}]`},
	}
	spec := plan.WindowSpec{PartitionBy: []plan.Expr{plan.Col("k")}, OrderBy: []plan.SortOrder{{Expr: plan.Col("o"), NullsFirst: true}}}
	framed := func(f plan.Frame) plan.WindowSpec {
		s := spec
		s.Frame = &f
		return s
	}
	v := []plan.Expr{plan.Col("v")}
	exprs := []plan.WindowExpr{
		{Func: plan.WinRowNumber, Spec: spec, Name: "rn"},
		{Func: plan.WinRank, Spec: spec, Name: "rank"},
		{Func: plan.WinDenseRank, Spec: spec, Name: "dense"},
		{Func: plan.WinPercentRank, Spec: spec, Name: "pr"},
		{Func: plan.WinNtile, N: 2, Spec: spec, Name: "tile"},
		{Func: plan.WinLag, Args: v, N: 1, Default: plan.Lit(-1), Spec: spec, Name: "lag"},
		{Func: plan.WinLead, Args: v, N: 1, Spec: spec, Name: "lead"},
		{Func: plan.WinSum, Args: v, Spec: spec, Name: "running"},
		{Func: plan.WinSum, Args: v, Spec: framed(plan.Frame{Type: plan.RowsFrame, Start: -1, End: 1}), Name: "rows"},
		{Func: plan.WinCount, Spec: framed(plan.Frame{Type: plan.RowsFrame, Start: plan.UnboundedPreceding, End: plan.UnboundedFollowing}), Name: "n"},
		{Func: plan.WinMin, Args: v, Spec: framed(plan.Frame{Type: plan.RowsFrame, Start: -1, End: 1}), Name: "min"},
		{Func: plan.WinSum, Args: v, Spec: framed(plan.Frame{Type: plan.RangeFrame, Start: -1, End: 0}), Name: "range"},
	}
	want := []string{
		"7|1|1|1|0.0|1|-1|NULL|7|7|1|7|7",
		"40|1|1|1|0.0|1|-1|10|40|50|4|10|40",
		"10|2|2|2|0.3333333333333333|1|40|20|50|70|4|10|10",
		"20|3|3|3|0.6666666666666666|2|10|30|100|60|4|10|60",
		"30|4|3|3|0.6666666666666666|2|20|NULL|100|50|4|20|60",
		"1|1|1|1|0.0|1|-1|2|3|3|3|1|3",
		"2|2|1|1|0.0|1|1|NULL|3|3|3|1|3",
		"NULL|3|3|2|1.0|2|2|NULL|3|2|3|2|3",
	}
	slices.Sort(want)
	for _, batchRows := range []int{1, 2, 3, 0} {
		t.Run(fmt.Sprintf("batch=%d", batchRows), func(t *testing.T) {
			mem := exectest.CheckedAlloc(t)
			w := exectest.Must(plan.NewWindow(memScan(t, mem, windowSchema, parts...), exprs...))
			cols := []plan.Expr{plan.Col("v")}
			for _, x := range exprs {
				cols = append(cols, plan.Col(x.Name))
			}
			root := exectest.Must(plan.NewProject(w, cols...))
			sink, err := run(t, context.Background(), mem, batchRows, root)
			if err != nil {
				t.Fatal(err)
			}
			got := sink.All()
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestWindowWithoutPartitionBy gathers every row into one partition.
func TestWindowWithoutPartitionBy(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	scan := memScan(t, mem, windowSchema,
		[]string{`[{"k": 1, "o": 3, "v": 1}]`, `[{"k": 2, "o": 1, "v": 2}]`},
		[]string{`[{"k": 3, "o": 2, "v": 3}]`})
	w := exectest.Must(plan.NewWindow(scan,
		plan.WindowExpr{Func: plan.WinRowNumber, Spec: plan.WindowSpec{OrderBy: []plan.SortOrder{{Expr: plan.Col("o"), Descending: true}}}, Name: "rn"},
		plan.WindowExpr{Func: plan.WinSum, Args: []plan.Expr{plan.Col("v")}, Spec: plan.WindowSpec{OrderBy: []plan.SortOrder{{Expr: plan.Col("o"), Descending: true}}}, Name: "s"}))
	sink, err := run(t, context.Background(), mem, 1, exectest.Must(plan.NewProject(w, plan.Col("o"), plan.Col("rn"), plan.Col("s"))))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(sink.All(), ","); got != "3|1|1,2|2|4,1|3|6" {
		t.Fatalf("got %s", got)
	}
	if !strings.Contains(exectest.Must(NewGraph(w, Config{Parallelism: 2})).Explain(), "gather") {
		t.Fatal("a window without PARTITION BY does not gather")
	}
}

// bigWindowInput is rows rows (k = i % keys, o = i, v = i % 7) in two
// partitions of 50-row batches.
func bigWindowInput(t *testing.T, rows, keys int) [][]string {
	parts := make([][]string, 2)
	for lo := 0; lo < rows; lo += 50 {
		var b strings.Builder
		b.WriteString("[")
		for i := lo; i < min(lo+50, rows); i++ {
			if i > lo {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"k": %d, "o": %d, "v": %d}`, i%keys, i, i%7)
		}
		b.WriteString("]")
		p := (lo / 50) % 2
		parts[p] = append(parts[p], b.String())
	}
	return parts
}

// TestWindowSpillsUnderBudget runs a window over input several times the
// memory budget: the exchange and the sort spill, the window holds one
// window partition at a time, and the results are right.
func TestWindowSpillsUnderBudget(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	const rows, keys = 20000, 400
	scan := memScan(t, mem, windowSchema, bigWindowInput(t, rows, keys)...)
	spec := plan.WindowSpec{PartitionBy: []plan.Expr{plan.Col("k")}, OrderBy: []plan.SortOrder{{Expr: plan.Col("o")}}}
	w := exectest.Must(plan.NewWindow(scan,
		plan.WindowExpr{Func: plan.WinRowNumber, Spec: spec, Name: "rn"},
		plan.WindowExpr{Func: plan.WinSum, Args: []plan.Expr{plan.Col("o")}, Spec: spec, Name: "s"}))
	root := exectest.Must(plan.NewProject(w, plan.Col("k"), plan.Col("o"), plan.Col("rn"), plan.Col("s")))
	sink := exectest.NewCollectSink()
	cfg := Config{Allocator: mem, Parallelism: 2, BatchRows: 100, MemoryBudget: 96 << 10, SpillDir: t.TempDir()}
	j, err := runJob(context.Background(), cfg, root, sink)
	if err != nil {
		t.Fatal(err)
	}
	got := sink.All()
	if len(got) != rows {
		t.Fatalf("%d rows, want %d", len(got), rows)
	}
	for _, r := range got {
		f := strings.Split(r, "|")
		k, _ := strconv.Atoi(f[0])
		o, _ := strconv.Atoi(f[1])
		rn, _ := strconv.Atoi(f[2])
		s, _ := strconv.Atoi(f[3])
		// Row o is the (o/keys+1)-th of its key; the running sum adds
		// k, k+keys, …, o.
		n := o/keys + 1
		if rn != n || s != n*k+keys*n*(n-1)/2 {
			t.Fatalf("row %s: want rn %d, sum %d", r, n, n*k+keys*n*(n-1)/2)
		}
	}
	if n := j.budget.used.Load(); n != 0 {
		t.Fatalf("%d bytes still reserved", n)
	}
	if _, files := j.spillStats(); files == 0 {
		t.Fatal("nothing spilled")
	}
}

// TestWindowPartitionOverBudget fails naming the window when one window
// partition does not fit in the memory budget, leaving nothing reserved.
func TestWindowPartitionOverBudget(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	scan := memScan(t, mem, windowSchema, bigWindowInput(t, 20000, 1)...)
	spec := plan.WindowSpec{PartitionBy: []plan.Expr{plan.Col("k")}, OrderBy: []plan.SortOrder{{Expr: plan.Col("o")}}}
	w := exectest.Must(plan.NewWindow(scan, plan.WindowExpr{Func: plan.WinRowNumber, Spec: spec, Name: "rn"}))
	cfg := Config{Allocator: mem, Parallelism: 2, BatchRows: 100, MemoryBudget: 96 << 10, SpillDir: t.TempDir()}
	j, err := runJob(context.Background(), cfg, w, exectest.NewCollectSink())
	if !errors.Is(err, ErrMemoryBudget) || !strings.Contains(err.Error(), `window "rn"`) {
		t.Fatalf("got %v, want a memory budget error naming the window", err)
	}
	if j != nil {
		if n := j.budget.used.Load(); n != 0 {
			t.Fatalf("%d bytes still reserved", n)
		}
	}
}
