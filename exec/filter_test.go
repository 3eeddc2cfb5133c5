package exec

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

// TestFilterConjuncts: a filter whose AND terms are evaluated one after the
// other over the rows the earlier ones kept (copied out once they are
// under half the batch) keeps exactly the rows the whole condition keeps —
// with NULLs in the terms, terms that keep all, most, few or none of the
// rows, in every order, at several batch sizes, and with a condition that
// numbers rows, which is evaluated whole.
func TestFilterConjuncts(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "b", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	r := rand.New(rand.NewPCG(3, 4))
	type row struct {
		A, B *int64
		S    *string
	}
	var rows []row
	var batches []string
	for range 6 {
		var batch []map[string]any
		for range 50 {
			var x row
			m := map[string]any{}
			if r.IntN(8) > 0 {
				v := int64(r.IntN(100))
				x.A, m["a"] = &v, v
			}
			if r.IntN(8) > 0 {
				v := int64(r.IntN(100))
				x.B, m["b"] = &v, v
			}
			if r.IntN(8) > 0 {
				v := fmt.Sprintf("s%d", r.IntN(4))
				x.S, m["s"] = &v, v
			}
			rows = append(rows, x)
			batch = append(batch, m)
		}
		raw, _ := json.Marshal(batch)
		batches = append(batches, string(raw))
	}
	type term struct {
		expr plan.Expr
		keep func(row) bool
	}
	lt := func(c string, v int64) term {
		return term{plan.NewBinary(plan.OpLt, plan.Col(c), plan.Lit(v)), func(x row) bool {
			p := x.A
			if c == "b" {
				p = x.B
			}
			return p != nil && *p < v
		}}
	}
	isS := func(v string) term {
		return term{plan.NewBinary(plan.OpEq, plan.Col("s"), plan.Lit(v)), func(x row) bool { return x.S != nil && *x.S == v }}
	}
	terms := []term{lt("a", 95), lt("b", 10), isS("s1"), lt("a", 200), lt("b", -1), lt("a", 50)}
	for _, order := range [][]int{{0, 1, 2}, {1, 0}, {2, 3, 0}, {3, 3}, {0, 4, 1}, {5, 0, 1, 2}, {3}} {
		var cond plan.Expr
		for _, k := range order {
			if cond == nil {
				cond = terms[k].expr
			} else {
				cond = plan.NewBinary(plan.OpAnd, cond, terms[k].expr)
			}
		}
		var want []string
		for _, x := range rows {
			keep := true
			for _, k := range order {
				keep = keep && terms[k].keep(x)
			}
			if keep {
				want = append(want, renderRow(x.A, x.B, x.S))
			}
		}
		for _, batchRows := range []int{0, 7} {
			t.Run(fmt.Sprintf("%s/batch%d", cond, batchRows), func(t *testing.T) {
				mem := exectest.CheckedAlloc(t)
				scan := memScan(t, mem, schema, batches)
				f, err := plan.NewFilter(scan, cond)
				if err != nil {
					t.Fatal(err)
				}
				sink, err := run(t, context.Background(), mem, batchRows, f)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, rs := range sink.Rows {
					got = append(got, rs...)
				}
				slices.Sort(got)
				w := slices.Clone(want)
				slices.Sort(w)
				if !slices.Equal(got, w) {
					t.Fatalf("kept %d rows %v\nwant %d %v", len(got), got, len(w), w)
				}
			})
		}
	}
	// A condition that numbers rows is evaluated over whole batches.
	if !numbersRows(plan.NewBinary(plan.OpAnd, terms[0].expr, plan.NewBinary(plan.OpLt, &plan.MonotonicID{}, plan.Lit(10)))) {
		t.Error("monotonically_increasing_id not seen")
	}
}

// renderRow renders a row as exectest.RenderBatch does.
func renderRow(a, b *int64, s *string) string {
	f := func(p *int64) string {
		if p == nil {
			return "NULL"
		}
		return fmt.Sprint(*p)
	}
	str := "NULL"
	if s != nil {
		str = *s
	}
	return f(a) + "|" + f(b) + "|" + str
}

// TestFilterMatchesArrowFilter: a filter keeps, batch by batch, what
// arrow-go's Filter keeps under a mask of the whole condition (NULL
// dropping the row) — over columns of every type the filter copies itself
// and one it leaves to Take, with NULLs, in whole and sliced batches, for
// AND chains whose terms keep few, some, most or all rows, so that later
// terms run over gathered columns, over the whole batch, or both.
func TestFilterMatchesArrowFilter(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	r := rand.New(rand.NewPCG(21, 22))
	types := []arrow.DataType{arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64,
		arrow.FixedWidthTypes.Date32, arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString,
		arrow.FixedWidthTypes.Boolean, &arrow.Decimal128Type{Precision: 20, Scale: 2}, arrow.ListOf(arrow.PrimitiveTypes.Int64)}
	var fields []arrow.Field
	for k, typ := range types {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("c%d", k), Type: typ, Nullable: true})
	}
	schema := arrow.NewSchema(fields, nil)
	node := &replayNode{schema: schema}
	for _, rows := range []int{1, 200, 1000} {
		cols := make([]arrow.Array, len(types))
		for k, typ := range types {
			cols[k] = randomColumn(mem, r, typ, rows+10, true)
		}
		whole := array.NewRecordBatch(schema, cols, int64(rows+10))
		for _, c := range cols {
			c.Release()
		}
		node.batches = append(node.batches, whole.NewSlice(0, int64(rows)), whole.NewSlice(7, int64(rows+7)))
		whole.Release()
	}
	defer func() {
		for _, b := range node.batches {
			b.Release()
		}
	}()
	const top = 1 << 40 // randomColumn's int64 values are under it
	below := func(col string, share float64) plan.Expr {
		if col == "c2" {
			return plan.NewBinary(plan.OpLt, plan.Col(col), plan.Lit(share*top/7))
		}
		return plan.NewBinary(plan.OpLt, plan.Col(col), plan.Lit(int64(share*top)))
	}
	flag := plan.NewBinary(plan.OpEq, plan.Col("c6"), plan.Lit(true))
	conds := [][]plan.Expr{
		{below("c1", 0.98)},
		{below("c1", 0.02), below("c2", 0.5)},
		{below("c1", 0.3), flag, below("c2", 0.9)},
		{below("c2", 0.7), below("c1", 0.6), below("c1", 1.1)},
		{below("c1", 1.1), below("c2", 1.1)},
		{flag, below("c1", 0.5), plan.NewBinary(plan.OpGt, plan.Col("c0"), plan.Lit(int32(0)))},
		{below("c1", 0)},
	}
	ctx := context.Background()
	for _, terms := range conds {
		cond := terms[0]
		for _, x := range terms[1:] {
			cond = plan.NewBinary(plan.OpAnd, cond, x)
		}
		resolved, err := cond.Resolve(schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(cond.String(), func(t *testing.T) {
			ctx := compute.WithAllocator(ctx, mem)
			ev := eval.New(ctx, mem, 0)
			var want []arrow.RecordBatch
			for _, b := range node.batches {
				mask, err := ev.Array(resolved, b)
				if err != nil {
					t.Fatal(err)
				}
				kept, err := compute.FilterRecordBatch(ev.Context(), b, mask, compute.DefaultFilterOptions())
				mask.Release()
				if err != nil {
					t.Fatal(err)
				}
				if kept.NumRows() == 0 {
					kept.Release()
					continue
				}
				want = append(want, kept)
			}
			defer func() {
				for _, w := range want {
					w.Release()
				}
			}()
			o, err := (&filterExec{input: node, cond: resolved}).Operator(0)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			if err := o.Open(ctx); err != nil {
				t.Fatal(err)
			}
			for k := 0; ; k++ {
				got, err := o.Next(ctx)
				if err == io.EOF {
					if k != len(want) {
						t.Fatalf("%d batches, want %d", k, len(want))
					}
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if k >= len(want) {
					t.Fatalf("more than %d batches", len(want))
				}
				if !array.RecordEqual(got, want[k]) {
					t.Fatalf("batch %d: got\n%v\nwant\n%v", k, got, want[k])
				}
			}
		})
	}
}
