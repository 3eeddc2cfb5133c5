package exec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestDenseUpdates: the dense paths of sum and avg give what adding the
// values one by one gives, flag int64 overflow, and decline arguments
// with NULLs or of other types.
func TestDenseUpdates(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	const rows, groups = 1000, 7
	gs := make([]int32, rows)
	fs := make([]float64, rows)
	is := make([]int64, rows)
	wantF, wantI, wantN := make([]float64, groups), make([]int64, groups), make([]int64, groups)
	for i := range gs {
		gs[i] = int32(rng.IntN(groups))
		fs[i] = rng.Float64()*100 - 50
		is[i] = rng.Int64N(1000) - 500
		wantF[gs[i]] += fs[i]
		wantI[gs[i]] += is[i]
		wantN[gs[i]]++
	}
	fb := array.NewFloat64Builder(mem)
	defer fb.Release()
	fb.AppendValues(fs, nil)
	floats := fb.NewFloat64Array()
	defer floats.Release()
	ib := array.NewInt64Builder(mem)
	defer ib.Release()
	ib.AppendValues(is, nil)
	ints := ib.NewInt64Array()
	defer ints.Release()

	fsum := &sumAcc[float64]{}
	fsum.resize(groups)
	isum := &sumAcc[int64]{}
	isum.resize(groups)
	favg, iavg := &avgAcc{}, &avgAcc{}
	favg.resize(groups)
	iavg.resize(groups)
	for name, ok := range map[string]bool{
		"sum float64": fsum.updateDense(gs, floats), "sum int64": isum.updateDense(gs, ints),
		"avg float64": favg.updateDense(gs, floats), "avg int64": iavg.updateDense(gs, ints),
	} {
		if !ok {
			t.Errorf("%s: the dense path declined an argument without NULLs", name)
		}
	}
	for g := range groups {
		if math.Abs(fsum.sums[g]-wantF[g]) > 1e-9 || !fsum.seen[g] {
			t.Errorf("float sum of group %d = %v, want %v", g, fsum.sums[g], wantF[g])
		}
		if isum.sums[g] != wantI[g] || !isum.seen[g] {
			t.Errorf("int sum of group %d = %v, want %v", g, isum.sums[g], wantI[g])
		}
		if math.Abs(favg.sums[g]-wantF[g]) > 1e-9 || favg.counts[g] != wantN[g] {
			t.Errorf("float avg state of group %d = %v/%d, want %v/%d", g, favg.sums[g], favg.counts[g], wantF[g], wantN[g])
		}
		if iavg.sums[g] != float64(wantI[g]) || iavg.counts[g] != wantN[g] {
			t.Errorf("int avg state of group %d = %v/%d, want %v/%d", g, iavg.sums[g], iavg.counts[g], wantI[g], wantN[g])
		}
	}
	if isum.overflowed {
		t.Error("overflow flagged without one")
	}

	// int64 overflow is flagged, as on the general path.
	ib.AppendValues([]int64{math.MaxInt64, 1}, nil)
	big := ib.NewInt64Array()
	defer big.Release()
	over := &sumAcc[int64]{}
	over.resize(1)
	if !over.updateDense([]int32{0, 0}, big) || !over.overflowed {
		t.Error("MaxInt64 + 1: no overflow flagged")
	}

	// NULLs, or another type, go to the general path.
	ib.AppendValues([]int64{1, 2}, []bool{true, false})
	nulls := ib.NewInt64Array()
	defer nulls.Release()
	if isum.updateDense([]int32{0, 1}, nulls) || iavg.updateDense([]int32{0, 1}, nulls) {
		t.Error("the dense path took an argument with NULLs")
	}
	if fsum.updateDense(gs, ints) {
		t.Error("a float64 sum took int64 values on the dense path")
	}
	i32 := array.NewInt32Builder(mem)
	defer i32.Release()
	i32.AppendValues([]int32{1}, nil)
	small := i32.NewArray()
	defer small.Release()
	if isum.updateDense([]int32{0}, small) || iavg.updateDense([]int32{0}, small) {
		t.Error("the dense path took int32 values")
	}
}
