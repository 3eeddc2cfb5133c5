package frame

import (
	"context"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/plan"
)

// sampleRowColumn is the column the sampling step adds for its own use
// and drops.
const sampleRowColumn = "__ember_sample_row"

// Sample keeps each row with probability fraction, independently
// (Bernoulli sampling, Spark's sample without replacement): about
// fraction × Count rows, not exactly. The choice for a row depends only on
// seed, its partition and its position there, so the same seed over the
// same input keeps the same rows, run after run. An input whose
// partitioning or order changes between runs (after a shuffle) samples
// differently each time: Cache it first, as Spark advises. A fraction
// outside [0, 1] is an error the DataFrame holds. The plan cannot run on
// a distributed runner (it holds a Go function).
func (df *DataFrame) Sample(fraction float64, seed int64) *DataFrame {
	what := fmt.Sprintf("Sample(%g, %d)", fraction, seed)
	if !(fraction >= 0 && fraction <= 1) {
		return df.derive(what, func(plan.Node) (plan.Node, error) {
			return nil, fmt.Errorf("fraction %g is outside [0, 1]", fraction)
		})
	}
	return df.sampleRange(what, 0, fraction, seed)
}

// RandomSplit splits df into one DataFrame per weight, each row going to
// exactly one of them with probability weight/sum(weights), as Spark's
// randomSplit: the splits are disjoint and together hold every row, for
// the same reasons and under the same condition as Sample is repeatable
// (each split is a job of its own that reads df again: Cache an input
// that is not deterministic, or rows may be lost or repeated between
// splits). Negative weights, or none, or all zero, are an error every
// returned DataFrame holds (a single one for no weights).
func (df *DataFrame) RandomSplit(weights []float64, seed int64) []*DataFrame {
	what := fmt.Sprintf("RandomSplit(%v, %d)", weights, seed)
	fail := func(err error) []*DataFrame {
		out := make([]*DataFrame, max(1, len(weights)))
		for i := range out {
			out[i] = df.derive(what, func(plan.Node) (plan.Node, error) { return nil, err })
		}
		return out
	}
	sum := 0.0
	for _, w := range weights {
		if !(w >= 0) || math.IsInf(w, 1) {
			return fail(fmt.Errorf("weight %g is not a finite number >= 0", w))
		}
		sum += w
	}
	if len(weights) == 0 || sum == 0 {
		return fail(fmt.Errorf("the weights must include one > 0"))
	}
	out := make([]*DataFrame, len(weights))
	lo, acc := 0.0, 0.0
	for i, w := range weights {
		acc += w
		hi := acc / sum
		if i == len(weights)-1 {
			hi = 1 // no row lost to rounding
		}
		out[i] = df.sampleRange(fmt.Sprintf("%s[%d]", what, i), lo, hi, seed)
		lo = hi
	}
	return out
}

// sampleRange keeps the rows whose draw, uniform in [0, 1) and fixed by
// seed, partition and position, falls in [lo, hi).
func (df *DataFrame) sampleRange(what string, lo, hi float64, seed int64) *DataFrame {
	return df.derive(what, func(in plan.Node) (plan.Node, error) {
		exprs := make([]plan.Expr, 0, in.Schema().NumFields()+1)
		for _, f := range in.Schema().Fields() {
			exprs = append(exprs, plan.Col(f.Name))
		}
		exprs = append(exprs, &plan.Alias{Child: &plan.MonotonicID{}, Name: sampleRowColumn})
		numbered, err := plan.NewProject(in, exprs...)
		if err != nil {
			return nil, err
		}
		s := sampler{lo: lo, hi: hi, seed: uint64(seed), schema: in.Schema()}
		return &plan.MapBatches{Input: numbered, Name: what, Fn: s.filter, OutSchema: in.Schema()}, nil
	})
}

type sampler struct {
	lo, hi float64
	seed   uint64
	schema *arrow.Schema
}

// filter keeps the rows whose draw is in range and drops the row column.
func (s sampler) filter(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	last := int(b.NumCols()) - 1
	ids := b.Column(last).(*array.Int64)
	mask := array.NewBooleanBuilder(compute.GetAllocator(ctx))
	defer mask.Release()
	mask.Reserve(ids.Len())
	for _, id := range ids.Int64Values() {
		u := draw(s.seed, uint64(id))
		mask.UnsafeAppend(u >= s.lo && u < s.hi)
	}
	cols := b.Columns()[:last]
	body := array.NewRecordBatch(s.schema, cols, b.NumRows())
	defer body.Release()
	m := mask.NewArray()
	defer m.Release()
	return compute.FilterRecordBatch(ctx, body, m, compute.DefaultFilterOptions())
}

// draw is a uniform number in [0, 1) fixed by seed and row.
func draw(seed, row uint64) float64 {
	return float64(splitmix64(seed^splitmix64(row))>>11) / (1 << 53)
}

// splitmix64 is SplitMix64's finalizer, a bijective 64-bit mix.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
