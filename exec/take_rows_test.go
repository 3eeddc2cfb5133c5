package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/internal/exectest"
)

// selectionShapes returns selections of n rows: none, all, one, sparse
// random rows, dense random rows, long runs, and runs at both ends.
func selectionShapes(r *rand.Rand, n int) map[string][]int32 {
	shapes := map[string][]int32{"none": {}}
	pick := func(keep func(i int) bool) []int32 {
		var idx []int32
		for i := range n {
			if keep(i) {
				idx = append(idx, int32(i))
			}
		}
		return idx
	}
	shapes["all"] = pick(func(int) bool { return true })
	shapes["one"] = []int32{int32(r.IntN(n))}
	shapes["sparse"] = pick(func(int) bool { return r.IntN(10) == 0 })
	shapes["dense"] = pick(func(int) bool { return r.IntN(10) != 0 })
	shapes["runs"] = pick(func(i int) bool { return (i/37)%2 == 0 })
	shapes["ends"] = pick(func(i int) bool { return i < 5 || i >= n-70 })
	return shapes
}

// randomColumn builds n random values of typ, a fifth of them NULL when
// nulls is set.
func randomColumn(mem memory.Allocator, r *rand.Rand, typ arrow.DataType, n int, nulls bool) arrow.Array {
	b := array.NewBuilder(mem, typ)
	defer b.Release()
	for i := range n {
		if nulls && r.IntN(5) == 0 {
			b.AppendNull()
			continue
		}
		v := r.Int64N(1 << 40)
		switch b := b.(type) {
		case *array.Int8Builder:
			b.Append(int8(v))
		case *array.Uint16Builder:
			b.Append(uint16(v))
		case *array.Int32Builder:
			b.Append(int32(v))
		case *array.Int64Builder:
			b.Append(v)
		case *array.Float64Builder:
			b.Append(float64(v) / 7)
		case *array.Date32Builder:
			b.Append(arrow.Date32(v))
		case *array.TimestampBuilder:
			b.Append(arrow.Timestamp(v))
		case *array.Decimal128Builder:
			b.Append(decimal128.FromI64(v))
		case *array.Decimal256Builder:
			b.Append(decimal256.FromI64(-v))
		case *array.BooleanBuilder:
			b.Append(v%3 == 0)
		case *array.StringBuilder:
			b.Append(fmt.Sprintf("row %d %s", i, strings.Repeat("x", r.IntN(6))))
		case *array.LargeStringBuilder:
			b.Append(strings.Repeat("y", r.IntN(9)))
		case *array.BinaryBuilder:
			b.Append([]byte(strings.Repeat("z", r.IntN(4))))
		case *array.ListBuilder:
			b.Append(true)
			b.ValueBuilder().(*array.Int64Builder).Append(v)
		default:
			panic(fmt.Sprintf("no values for %T", b))
		}
	}
	return b.NewArray()
}

// TestTakeSelectedMatchesTake: takeSelected gathers what arrow-go's Take
// gathers, for every type it copies itself and one it leaves to Take, with
// and without NULLs, from whole and sliced columns, for selections gathered
// row by row and a run at a time.
func TestTakeSelectedMatchesTake(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	r := rand.New(rand.NewPCG(7, 8))
	types := []arrow.DataType{arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Int32,
		arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64, arrow.FixedWidthTypes.Date32,
		arrow.FixedWidthTypes.Timestamp_us, &arrow.Decimal128Type{Precision: 20, Scale: 2},
		&arrow.Decimal256Type{Precision: 40, Scale: 3}, arrow.FixedWidthTypes.Boolean,
		arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.Binary,
		arrow.ListOf(arrow.PrimitiveTypes.Int64)}
	ctx := compute.WithAllocator(context.Background(), mem)
	for _, n := range []int{3, 300} {
		for _, typ := range types {
			for _, nulls := range []bool{false, true} {
				for _, sliced := range []bool{false, true} {
					t.Run(fmt.Sprintf("%d/%s/nulls=%v/sliced=%v", n, typ, nulls, sliced), func(t *testing.T) {
						col := randomColumn(mem, r, typ, n+20, nulls)
						if sliced {
							s := array.NewSlice(col, 13, 13+int64(n))
							col.Release()
							col = s
						} else {
							s := array.NewSlice(col, 0, int64(n))
							col.Release()
							col = s
						}
						defer col.Release()
						schema := arrow.NewSchema([]arrow.Field{{Name: "c", Type: typ, Nullable: true}}, nil)
						b := array.NewRecordBatch(schema, []arrow.Array{col}, int64(n))
						defer b.Release()
						for name, idx := range selectionShapes(r, n) {
							ib := array.NewInt32Builder(mem)
							ib.AppendValues(idx, nil)
							indices := ib.NewArray()
							ib.Release()
							want, err := compute.TakeArray(ctx, col, indices)
							indices.Release()
							if err != nil {
								t.Fatal(err)
							}
							for _, byRow := range []bool{false, true} {
								sel := newSelection(idx, nil)
								if byRow {
									sel.runs = nil
								}
								got, err := takeSelected(ctx, mem, b, sel)
								if err != nil {
									t.Fatal(err)
								}
								if !array.Equal(got.Column(0), want) {
									t.Errorf("%s (runs %v): got\n%v\nwant\n%v", name, sel.runs != nil, got.Column(0), want)
								}
								if got.Column(0).NullN() != want.NullN() {
									t.Errorf("%s: %d NULLs, want %d", name, got.Column(0).NullN(), want.NullN())
								}
								got.Release()
							}
							want.Release()
						}
					})
				}
			}
		}
	}
}

// TestNewSelection: a selection is described by runs only when they are
// long enough on average, and its runs cover exactly its rows.
func TestNewSelection(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	shapes := selectionShapes(r, 1000)
	for name, idx := range shapes {
		sel := newSelection(idx, nil)
		if sel.runs == nil {
			if name == "all" || name == "runs" || name == "ends" {
				t.Errorf("%s: no runs", name)
			}
			continue
		}
		if name == "sparse" || name == "one" || name == "none" {
			t.Errorf("%s: runs %v", name, sel.runs)
		}
		var back []int32
		for _, run := range sel.runs {
			for i := range run.n {
				back = append(back, run.start+i)
			}
		}
		if fmt.Sprint(back) != fmt.Sprint(idx) {
			t.Errorf("%s: runs cover %v, want %v", name, back, idx)
		}
	}
}

// TestSelectedRows: the positions a mask keeps, found word by word, are
// those found bit by bit, with NULLs in the mask (dropped) and at lengths
// that are and are not a multiple of 64.
func TestSelectedRows(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	r := rand.New(rand.NewPCG(3, 9))
	for _, n := range []int{0, 1, 63, 64, 65, 200, 1024} {
		for _, density := range []int{0, 1, 50, 99, 100} {
			for _, nulls := range []bool{false, true} {
				b := array.NewBooleanBuilder(mem)
				var want []int32
				for i := range n {
					if nulls && r.IntN(7) == 0 {
						b.AppendNull()
						continue
					}
					keep := r.IntN(100) < density
					b.Append(keep)
					if keep {
						want = append(want, int32(i))
					}
				}
				mask := b.NewBooleanArray()
				b.Release()
				got := selectedRows(nil, mask, countTrue(mask))
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("n=%d density=%d nulls=%v: got %v, want %v", n, density, nulls, got, want)
				}
				mask.Release()
			}
		}
	}
}
