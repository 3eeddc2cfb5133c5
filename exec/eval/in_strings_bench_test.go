package eval

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/ember-df/ember/plan"
)

// BenchmarkInStrings compares IN over two string constants (TPC-H query
// 12's ship modes) on matchStrings' path with the comparison of each
// row's string value with each constant that inConstants used before.
func BenchmarkInStrings(b *testing.B) {
	mem := memory.NewGoAllocator()
	ev := New(context.Background(), mem, 0)
	r := rand.New(rand.NewPCG(1, 1))
	const rows = 64 << 10
	modes := []string{"MAIL", "SHIP", "RAIL", "AIR", "AIR REG", "REG AIR", "FOB", "TRUCK"}
	sb := array.NewStringBuilder(mem)
	for range rows {
		sb.Append(modes[r.IntN(len(modes))])
	}
	x := sb.NewStringArray()
	sb.Release()
	defer x.Release()
	set := []string{"MAIL", "SHIP"}
	b.Run("matchStrings", func(b *testing.B) {
		for b.Loop() {
			matchStrings(ev.mem, x, newStringSet(set), false, false, rows).Release()
		}
	})
	b.Run("valueCompare", func(b *testing.B) {
		for b.Loop() {
			inResult(ev.mem, x, rows, false, func(i int) bool {
				v := x.Value(i)
				for _, s := range set {
					if s == v {
						return true
					}
				}
				return false
			}).Release()
		}
	})
	lit := compute.NewDatum(scalar.NewStringScalar("SHIP"))
	col := compute.NewDatum(x)
	b.Run("equal/matchStrings", func(b *testing.B) {
		for b.Loop() {
			out, _ := ev.compareStringConstant(plan.OpEq, col, lit)
			out.Release()
		}
	})
	b.Run("equal/arrow", func(b *testing.B) {
		for b.Loop() {
			out, err := compute.CallFunction(ev.ctx, "equal", nil, col, lit)
			if err != nil {
				b.Fatal(err)
			}
			out.Release()
		}
	})
}
