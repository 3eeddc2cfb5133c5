package plan_test

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
)

// TestSampleFunction checks the sampling predicate: complementary ranges
// split the rows, the configuration travels in the codec, and bad ranges
// are refused.
func TestSampleFunction(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := compute.WithAllocator(context.Background(), mem)
	b := array.NewInt64Builder(mem)
	for i := range int64(10_000) {
		b.Append(i)
	}
	b.AppendNull()
	ids := b.NewArray()
	b.Release()
	defer ids.Release()

	low, err := plan.NewSampleFunction(7, 0, 0.25)
	if err != nil {
		t.Fatal(err)
	}
	high := must(plan.NewSampleFunction(7, 0.25, 1))
	a := must(low.Invoke(ctx, []arrow.Array{ids}, ids.Len())).(*array.Boolean)
	defer a.Release()
	c := must(high.Invoke(ctx, []arrow.Array{ids}, ids.Len())).(*array.Boolean)
	defer c.Release()
	n := 0
	for i := range 10_000 {
		if a.Value(i) == c.Value(i) {
			t.Fatalf("row %d: in both or neither split", i)
		}
		if a.Value(i) {
			n++
		}
	}
	if n < 2_300 || n > 2_700 {
		t.Fatalf("[0, 0.25) kept %d of 10000", n)
	}
	if a.Value(10_000) || c.Value(10_000) || a.IsNull(10_000) {
		t.Fatal("a NULL row number is sampled")
	}

	// Through the codec, in a filter.
	scan := windowScan()
	numbered := must(plan.NewProject(scan, plan.Col("k"), &plan.Alias{Child: &plan.MonotonicID{}, Name: "row"}))
	f := must(plan.NewFilter(numbered, &plan.Call{Fn: low, Args: []plan.Expr{plan.Col("row")}}))
	back := must(plan.Unmarshal(must(plan.Marshal(f))))
	if got, want := plan.Explain(back), plan.Explain(f); got != want || !strings.Contains(got, "sample[seed 7, 0 <= u < 0.25](row)") {
		t.Fatalf("round trip:\n%s\nwant\n%s", got, want)
	}
	if got := back.(*plan.Filter).Cond.(*plan.Call).Fn; got != plan.ScalarFunction(low) {
		t.Fatalf("decoded %#v, want %#v", got, low)
	}

	for _, r := range [][2]float64{{-0.1, 0.5}, {0.5, 0.4}, {0, 1.5}} {
		if _, err := plan.NewSampleFunction(1, r[0], r[1]); err == nil {
			t.Fatalf("range %v accepted", r)
		}
	}
	if _, err := must(plan.NewSampleFunction(1, 0, 1)).ReturnType([]arrow.DataType{arrow.BinaryTypes.String}); err == nil {
		t.Fatal("a string argument accepted")
	}
}
