package exec

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/plan"
)

// momentsStateTypes are the partial state of the variances and standard
// deviations: count, mean and M2 (the sum of squared deviations from the
// mean).
var momentsStateTypes = []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Float64}

// momentsAcc computes the variances and standard deviations as Spark's
// CentralMomentAgg does: Welford's update per value, Chan et al.'s
// formula to merge two partial states. The sample variants are NULL over
// fewer than two values, the population ones over none (Spark 3.1+).
type momentsAcc struct {
	fn   plan.AggFunc
	n    []int64
	mean []float64
	m2   []float64
}

func (m *momentsAcc) resize(n int) {
	m.n, m.mean, m.m2 = grow(m.n, n), grow(m.mean, n), grow(m.m2, n)
}

func (m *momentsAcc) update(groups []int32, arg arrow.Array) {
	get, _ := eval.Float64Getter(arg)
	for i, g := range groups {
		if arg.IsValid(i) {
			x := get(i)
			m.n[g]++
			delta := x - m.mean[g]
			deltaN := delta / float64(m.n[g])
			m.mean[g] += deltaN
			m.m2[g] += delta * (delta - deltaN)
		}
	}
}

func (m *momentsAcc) mergeState(groups []int32, state []arrow.Array) {
	ns, means, m2s := state[0].(*array.Int64), state[1].(*array.Float64), state[2].(*array.Float64)
	for i, g := range groups {
		n2 := ns.Value(i)
		if n2 == 0 {
			continue
		}
		n1 := m.n[g]
		n := n1 + n2
		delta := means.Value(i) - m.mean[g]
		deltaN := delta / float64(n)
		m.mean[g] += deltaN * float64(n2)
		m.m2[g] += m2s.Value(i) + delta*deltaN*float64(n1)*float64(n2)
		m.n[g] = n
	}
}

func (m *momentsAcc) state(mem memory.Allocator, _ arrow.DataType) []arrow.Array {
	nb := array.NewInt64Builder(mem)
	defer nb.Release()
	nb.AppendValues(m.n, nil)
	mb := array.NewFloat64Builder(mem)
	defer mb.Release()
	mb.AppendValues(m.mean, nil)
	m2b := array.NewFloat64Builder(mem)
	defer m2b.Release()
	m2b.AppendValues(m.m2, nil)
	return []arrow.Array{nb.NewArray(), mb.NewArray(), m2b.NewArray()}
}

func (m *momentsAcc) build(mem memory.Allocator, _ arrow.DataType) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	for g, n := range m.n {
		v, ok := m.result(n, m.m2[g])
		if ok {
			b.Append(v)
		} else {
			b.AppendNull()
		}
	}
	return b.NewArray()
}

// result is the aggregate of a group of n values with M2 m2, or false
// for NULL.
func (m *momentsAcc) result(n int64, m2 float64) (float64, bool) {
	var v float64
	switch m.fn {
	case plan.AggStddevPop, plan.AggVarPop:
		if n == 0 {
			return 0, false
		}
		v = m2 / float64(n)
	default:
		if n < 2 {
			return 0, false
		}
		v = m2 / float64(n-1)
	}
	switch m.fn {
	case plan.AggStddev, plan.AggStddevSamp, plan.AggStddevPop:
		v = math.Sqrt(v)
	}
	return v, true
}
