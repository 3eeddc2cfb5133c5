package frame

import (
	"fmt"
	"math"

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
// outside [0, 1] is an error the DataFrame holds. The plan is portable:
// on a cluster runner the same seed keeps the same rows.
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
// seed, partition and position, falls in [lo, hi): it numbers the rows
// (monotonically_increasing_id: partition and position), keeps those
// where plan.SampleFunction holds, and drops the number. Every part is a
// plan expression, so the plan travels to the cluster runners and keeps
// the same rows there.
func (df *DataFrame) sampleRange(what string, lo, hi float64, seed int64) *DataFrame {
	return df.derive(what, func(in plan.Node) (plan.Node, error) {
		fn, err := plan.NewSampleFunction(seed, lo, hi)
		if err != nil {
			return nil, err
		}
		schema := in.Schema()
		exprs := make([]plan.Expr, 0, schema.NumFields()+1)
		for i := range schema.Fields() {
			exprs = append(exprs, fieldRef(schema, i))
		}
		numbered, err := plan.NewProject(in, append(exprs, &plan.Alias{Child: &plan.MonotonicID{}, Name: sampleRowColumn})...)
		if err != nil {
			return nil, err
		}
		kept, err := plan.NewFilter(numbered, &plan.Call{Fn: fn, Args: []plan.Expr{plan.Col(sampleRowColumn)}})
		if err != nil {
			return nil, err
		}
		out := make([]plan.Expr, schema.NumFields())
		for i := range out {
			out[i] = fieldRef(kept.Schema(), i)
		}
		return plan.NewProject(kept, out...)
	})
}
