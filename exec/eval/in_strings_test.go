package eval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/ember-df/ember/plan"
)

// stringsOfLengths returns n strings drawn from a small vocabulary whose
// lengths include 0, lengths shared by several words, 8 (a whole word)
// and lengths from 64 up (past stringSet's length mask); NULL about every
// nullEvery rows.
func stringsOfLengths(mem memory.Allocator, r *rand.Rand, n, nullEvery int) arrow.Array {
	vocab := stringVocabulary()
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for range n {
		if nullEvery > 0 && r.IntN(nullEvery) == 0 {
			b.AppendNull()
			continue
		}
		b.Append(vocab[r.IntN(len(vocab))])
	}
	return b.NewArray()
}

func stringVocabulary() []string {
	// "AIR REG\x07" is "AIR REG" with, in its eighth byte, what a word
	// holding a 7-byte string and its length has there.
	return []string{"", "MAIL", "SHIP", "RAIL", "AIR", "AIR REG", "REG AIR", "FOB", "TRUCK", "SHIPPING", "AIR REG\x07",
		strings.Repeat("x", 63), strings.Repeat("x", 64), strings.Repeat("x", 70), strings.Repeat("y", 70)}
}

// TestMatchStringsMatchesGeneralPaths: IN over string constants, and =
// and <> against a string constant, give on matchStrings' path what the
// general paths give (inCompared; arrow-go's comparison kernels) — with
// NULLs in the column and in the list, empty and long strings, sliced
// columns, row counts that are not whole bytes, and lists short and long
// enough for the map.
func TestMatchStringsMatchesGeneralPaths(t *testing.T) {
	mem := checkedAlloc(t)
	ev := New(context.Background(), mem, 0)
	r := rand.New(rand.NewPCG(11, 12))
	vocab := stringVocabulary()
	for _, rows := range []int{2, 13, 300} {
		for _, nullEvery := range []int{0, 4} {
			for _, sliced := range []bool{false, true} {
				whole := stringsOfLengths(mem, r, rows+9, nullEvery)
				start := int64(0)
				if sliced {
					start = 5
				}
				x := array.NewSlice(whole, start, start+int64(rows))
				whole.Release()
				for _, listLen := range []int{1, 2, 4, 9, 12} {
					for _, listNull := range []bool{false, true} {
						name := fmt.Sprintf("rows%d/nulls%d/sliced%v/list%d/null%v", rows, nullEvery, sliced, listLen, listNull)
						args := []arrow.Array{x}
						x.Retain()
						for k := range listLen {
							s := scalar.Scalar(scalar.NewStringScalar(vocab[r.IntN(len(vocab))]))
							if listNull && k == listLen/2 {
								s = scalar.MakeNullScalar(arrow.BinaryTypes.String)
							}
							a, err := scalar.MakeArrayFromScalar(s, 1, mem)
							if err != nil {
								t.Fatal(err)
							}
							args = append(args, a)
						}
						fast, ok := inConstants(ev, args, rows)
						if !ok {
							t.Fatalf("%s: fast path not taken", name)
						}
						want, err := inCompared(ev, args, rows)
						if err != nil {
							t.Fatal(err)
						}
						if !array.Equal(fast, want) || fast.NullN() != want.NullN() {
							t.Errorf("%s: IN\n%v\nwant\n%v", name, fast, want)
						}
						fast.Release()
						want.Release()
						ReleaseArrays(args)
					}
				}
				for _, c := range vocab {
					for _, op := range []plan.BinaryOp{plan.OpEq, plan.OpNeq} {
						for _, litLeft := range []bool{false, true} {
							l, rt := compute.Datum(compute.NewDatum(x)), compute.Datum(compute.NewDatum(scalar.NewStringScalar(c)))
							if litLeft {
								l, rt = rt, l
							}
							fast, ok := ev.compareStringConstant(op, l, rt)
							if !ok {
								t.Fatal("fast path not taken")
							}
							want, err := compute.CallFunction(ev.ctx, binaryKernels[op], nil, l, rt)
							if err != nil {
								t.Fatal(err)
							}
							fa, wa := fast.(*compute.ArrayDatum).MakeArray(), want.(*compute.ArrayDatum).MakeArray()
							if !array.Equal(fa, wa) || fa.NullN() != wa.NullN() {
								t.Errorf("rows%d sliced%v: x %s %q\n%v\nwant\n%v", rows, sliced, op, c, fa, wa)
							}
							fa.Release()
							wa.Release()
							fast.Release()
							want.Release()
							l.Release()
							rt.Release()
						}
					}
				}
				x.Release()
			}
		}
	}
	// A NULL constant and a non-string column are left to the kernels.
	x := stringsOfLengths(mem, r, 10, 0)
	col := compute.NewDatum(x)
	x.Release()
	defer col.Release()
	if _, ok := ev.compareStringConstant(plan.OpEq, col, compute.NewDatum(scalar.MakeNullScalar(arrow.BinaryTypes.String))); ok {
		t.Error("NULL constant taken")
	}
	if _, ok := ev.compareStringConstant(plan.OpLt, col, compute.NewDatum(scalar.NewStringScalar("a"))); ok {
		t.Error("< taken")
	}
}
