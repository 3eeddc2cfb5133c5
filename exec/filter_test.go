package exec

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
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
