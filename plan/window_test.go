package plan_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

var windowTestSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "o", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "f", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
}, nil)

func windowScan() *plan.Scan {
	return &plan.Scan{Source: &fileSource{Path: "/data/w", Fields: plan.EncodeSchema(windowTestSchema)}}
}

var (
	byK      = plan.WindowSpec{PartitionBy: []plan.Expr{plan.Col("k")}}
	byKO     = plan.WindowSpec{PartitionBy: []plan.Expr{plan.Col("k")}, OrderBy: []plan.SortOrder{{Expr: plan.Col("o"), NullsFirst: true}}}
	byKOrows = func(start, end int64) plan.WindowSpec {
		s := byKO
		s.Frame = &plan.Frame{Type: plan.RowsFrame, Start: start, End: end}
		return s
	}
	byKOrange = func(start, end int64) plan.WindowSpec {
		s := byKO
		s.Frame = &plan.Frame{Type: plan.RangeFrame, Start: start, End: end}
		return s
	}
)

// TestWindowResolution checks Spark's result types, default frames and
// names, and that errors name the function and what is wrong.
func TestWindowResolution(t *testing.T) {
	args := func(names ...string) []plan.Expr {
		var out []plan.Expr
		for _, n := range names {
			out = append(out, plan.Col(n))
		}
		return out
	}
	cases := []struct {
		x         plan.WindowExpr
		wantType  arrow.DataType
		wantFrame string
		wantErr   string
	}{
		{x: plan.WindowExpr{Func: plan.WinRowNumber, Spec: byKO}, wantType: arrow.PrimitiveTypes.Int32, wantFrame: "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"},
		{x: plan.WindowExpr{Func: plan.WinRank, Spec: byKO}, wantType: arrow.PrimitiveTypes.Int32},
		{x: plan.WindowExpr{Func: plan.WinDenseRank, Spec: byKO}, wantType: arrow.PrimitiveTypes.Int32},
		{x: plan.WindowExpr{Func: plan.WinPercentRank, Spec: byKO}, wantType: arrow.PrimitiveTypes.Float64},
		{x: plan.WindowExpr{Func: plan.WinNtile, N: 4, Spec: byKO}, wantType: arrow.PrimitiveTypes.Int32},
		{x: plan.WindowExpr{Func: plan.WinLag, Args: args("f"), N: 2, Spec: byKO}, wantType: arrow.PrimitiveTypes.Float32, wantFrame: "ROWS BETWEEN 2 PRECEDING AND 2 PRECEDING"},
		{x: plan.WindowExpr{Func: plan.WinLead, Args: args("s"), N: 1, Default: plan.Lit("none"), Spec: byKO}, wantType: arrow.BinaryTypes.String},
		{x: plan.WindowExpr{Func: plan.WinSum, Args: args("o"), Spec: byKO}, wantType: arrow.PrimitiveTypes.Int64, wantFrame: "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"},
		{x: plan.WindowExpr{Func: plan.WinSum, Args: args("f"), Spec: byK}, wantType: arrow.PrimitiveTypes.Float64, wantFrame: "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"},
		{x: plan.WindowExpr{Func: plan.WinAvg, Args: args("o"), Spec: byKOrows(-1, 1)}, wantType: arrow.PrimitiveTypes.Float64, wantFrame: "ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING"},
		{x: plan.WindowExpr{Func: plan.WinCount, Spec: byK}, wantType: arrow.PrimitiveTypes.Int64},
		{x: plan.WindowExpr{Func: plan.WinMax, Args: args("s"), Spec: byKOrange(-3, 0)}, wantType: arrow.BinaryTypes.String},
		{x: plan.WindowExpr{Func: plan.WinFirst, Args: args("l"), Spec: byKO}, wantType: arrow.ListOf(arrow.PrimitiveTypes.Int64)},
		{x: plan.WindowExpr{Func: plan.WinCumeDist, Spec: byKO}, wantType: arrow.PrimitiveTypes.Float64, wantFrame: "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"},
		{x: plan.WindowExpr{Func: plan.WinNthValue, Args: args("s"), N: 2, Spec: byKO}, wantType: arrow.BinaryTypes.String, wantFrame: "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"},
		{x: plan.WindowExpr{Func: plan.WinNthValue, Args: args("f"), N: 1, IgnoreNulls: true, Spec: byKOrows(-1, 3)}, wantType: arrow.PrimitiveTypes.Float32, wantFrame: "ROWS BETWEEN 1 PRECEDING AND 3 FOLLOWING"},

		{x: plan.WindowExpr{Func: plan.WinRank, Spec: byK}, wantErr: "rank(): the window needs an ORDER BY"},
		{x: plan.WindowExpr{Func: plan.WinLag, Args: args("o"), N: 1, Spec: byK}, wantErr: "lag(o, 1, NULL): the window needs an ORDER BY"},
		{x: plan.WindowExpr{Func: plan.WinRowNumber, Spec: byKOrows(-1, 1)}, wantErr: "row_number(): the window's frame (ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) must be ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"},
		{x: plan.WindowExpr{Func: plan.WinNtile, Spec: byKO}, wantErr: "ntile(0): the number of buckets must be positive"},
		{x: plan.WindowExpr{Func: plan.WinNthValue, Args: args("o"), Spec: byKO}, wantErr: "nth_value(o, 0): the row (n) must be positive"},
		{x: plan.WindowExpr{Func: plan.WinNthValue, Args: args("o"), N: 1, Spec: byK}, wantErr: "nth_value(o, 1): the window needs an ORDER BY"},
		{x: plan.WindowExpr{Func: plan.WinNthValue, N: 1, Spec: byKO}, wantErr: "nth_value(1): takes 1 column arguments, got 0"},
		{x: plan.WindowExpr{Func: plan.WinCumeDist, Spec: byK}, wantErr: "cume_dist(): the window needs an ORDER BY"},
		{x: plan.WindowExpr{Func: plan.WinCumeDist, Spec: byKOrows(plan.UnboundedPreceding, 0)}, wantErr: "must be RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW, the frame of cume_dist"},
		{x: plan.WindowExpr{Func: plan.WinSum, Args: args("o"), IgnoreNulls: true, Spec: byKO}, wantErr: "only first, last and nth_value take ignoreNulls"},
		{x: plan.WindowExpr{Func: plan.WinSum, Args: args("s"), Spec: byK}, wantErr: "sum(s): utf8 is not numeric"},
		{x: plan.WindowExpr{Func: plan.WinMin, Args: args("l"), Spec: byK}, wantErr: "min(l): cannot compare"},
		{x: plan.WindowExpr{Func: plan.WinSum, Spec: byK}, wantErr: "sum(): takes 1 column arguments, got 0"},
		{x: plan.WindowExpr{Func: plan.WinSum, Args: args("o"), Spec: byKOrows(2, 1)}, wantErr: "lower bound (2 FOLLOWING) is above its upper bound"},
		{x: plan.WindowExpr{Func: plan.WinSum, Args: args("o"), Spec: byKOrows(plan.UnboundedFollowing, plan.UnboundedFollowing)}, wantErr: "cannot start at UNBOUNDED FOLLOWING"},
		{x: plan.WindowExpr{Func: plan.WinSum, Args: args("o"), Spec: plan.WindowSpec{OrderBy: []plan.SortOrder{{Expr: plan.Col("s")}}, Frame: &plan.Frame{Type: plan.RangeFrame, Start: -1, End: 1}}}, wantErr: "needs a numeric ORDER BY key"},
		{x: plan.WindowExpr{Func: plan.WinSum, Args: args("o"), Spec: plan.WindowSpec{PartitionBy: []plan.Expr{plan.Col("nope")}}}, wantErr: "nope"},
		{x: plan.WindowExpr{Func: plan.WinSum, Args: args("o"), Spec: plan.WindowSpec{PartitionBy: []plan.Expr{plan.Col("l")}}}, wantErr: "cannot partition by l"},
	}
	for _, c := range cases {
		t.Run(c.x.String(), func(t *testing.T) {
			w, err := plan.NewWindow(windowScan(), c.x)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f := w.Schema().Field(w.Schema().NumFields() - 1)
			if !arrow.TypeEqual(f.Type, c.wantType) {
				t.Fatalf("type %s, want %s", f.Type, c.wantType)
			}
			if f.Name != c.x.DefaultName() {
				t.Fatalf("name %q, want %q", f.Name, c.x.DefaultName())
			}
			if c.wantFrame != "" && w.Exprs[0].EffectiveFrame().String() != c.wantFrame {
				t.Fatalf("frame %s, want %s", w.Exprs[0].EffectiveFrame(), c.wantFrame)
			}
		})
	}
}

// TestProjectionMovesWindowCalls checks that Projection computes window
// calls in Window nodes below the projection, one per window (keys),
// naming the columns as the select list does.
func TestProjectionMovesWindowCalls(t *testing.T) {
	rank := plan.Over(plan.WindowExpr{Func: plan.WinRank}, byKO)
	sum := plan.Over(plan.WindowExpr{Func: plan.WinSum, Args: []plan.Expr{plan.Col("o")}}, byKOrows(-1, 1))
	total := plan.Over(plan.WindowExpr{Func: plan.WinCount}, byK)
	p, err := plan.Projection(windowScan(),
		plan.Col("k"),
		&plan.Alias{Child: rank, Name: "r"},
		sum,
		&plan.Alias{Child: plan.NewBinary(plan.OpAdd, total, plan.Lit(int64(1))), Name: "n1"},
		&plan.Alias{Child: total, Name: "o"}, // replaces a column of the input
	)
	if err != nil {
		t.Fatal(err)
	}
	want := `Project [k, r, sum(o) OVER (PARTITION BY k ORDER BY o ASC NULLS FIRST ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), (_w0 + 1) AS n1, _w1 AS o]
+- Window [count(1) ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING AS _w0, count(1) ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING AS _w1] partition=[k] order=[]
   +- Window [rank() ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW AS r, sum(o) ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING AS sum(o) OVER (PARTITION BY k ORDER BY o ASC NULLS FIRST ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)] partition=[k] order=[o ASC NULLS FIRST]
      +- Scan file /data/w
`
	if got := plan.Explain(p); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	names := p.Schema().Fields()
	if names[1].Name != "r" || names[3].Name != "n1" || names[4].Name != "o" || names[4].Type.ID() != arrow.INT64 {
		t.Fatalf("schema %s", p.Schema())
	}

	// Anywhere but a select list, a window call is an error that says so.
	_, err = plan.NewFilter(windowScan(), plan.NewBinary(plan.OpEq, rank, plan.Lit(int32(1))))
	if !errors.Is(err, plan.ErrType) || !strings.Contains(err.Error(), "rank() is allowed only in a select list") {
		t.Fatalf("filter on a window call: %v", err)
	}
	if _, err := plan.Projection(windowScan(), plan.Over(plan.WindowExpr{Func: plan.WinRowNumber}, byK)); err == nil ||
		!strings.Contains(err.Error(), "row_number(): the window needs an ORDER BY") {
		t.Fatalf("row_number without ORDER BY: %v", err)
	}
}

// TestWindowRoundTrip marshals windows of every function and frame and
// checks that they decode to the same plan.
func TestWindowRoundTrip(t *testing.T) {
	desc := plan.WindowSpec{PartitionBy: []plan.Expr{plan.Col("k"), plan.NewUnary(plan.OpUpper, plan.Col("s"))},
		OrderBy: []plan.SortOrder{{Expr: plan.Col("o"), Descending: true}, {Expr: plan.Col("s"), NullsFirst: true}}}
	w1 := must(plan.NewWindow(windowScan(),
		plan.WindowExpr{Func: plan.WinRowNumber, Spec: desc, Name: "rn"},
		plan.WindowExpr{Func: plan.WinNtile, N: 3, Spec: desc},
		plan.WindowExpr{Func: plan.WinLag, Args: []plan.Expr{plan.Col("f")}, N: 2, Default: plan.Lit(0.5), Spec: desc},
		plan.WindowExpr{Func: plan.WinLead, Args: []plan.Expr{plan.Col("s")}, N: 1, Spec: desc},
		plan.WindowExpr{Func: plan.WinCount, Spec: desc, Name: "n"},
		plan.WindowExpr{Func: plan.WinCumeDist, Spec: desc},
	))
	w2 := must(plan.NewWindow(w1,
		plan.WindowExpr{Func: plan.WinSum, Args: []plan.Expr{plan.Col("o")}, Spec: byKOrange(-3, plan.UnboundedFollowing)},
		plan.WindowExpr{Func: plan.WinMin, Args: []plan.Expr{plan.Col("s")}, Spec: byKOrows(plan.UnboundedPreceding, -1)},
		plan.WindowExpr{Func: plan.WinLast, Args: []plan.Expr{plan.Col("l")}, Spec: byKO},
		plan.WindowExpr{Func: plan.WinFirst, Args: []plan.Expr{plan.Col("s")}, IgnoreNulls: true, Spec: byKOrows(-2, 2)},
		plan.WindowExpr{Func: plan.WinNthValue, Args: []plan.Expr{plan.Col("f")}, N: 3, IgnoreNulls: true, Spec: byKOrows(-2, 2)},
		plan.WindowExpr{Func: plan.WinNthValue, Args: []plan.Expr{plan.Col("s")}, N: 2, Spec: byKO},
	))
	w3 := must(plan.NewWindow(w2, plan.WindowExpr{Func: plan.WinAvg, Args: []plan.Expr{plan.Col("f")}, Spec: plan.WindowSpec{}}))
	data, err := plan.Marshal(w3)
	if err != nil {
		t.Fatal(err)
	}
	back, err := plan.Unmarshal(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if got, want := plan.Explain(back), plan.Explain(w3); got != want {
		t.Fatalf("round trip changed the plan:\n%s\nwant\n%s", got, want)
	}
	if !back.Schema().Equal(w3.Schema()) {
		t.Fatalf("schema %s, want %s", back.Schema(), w3.Schema())
	}
}
