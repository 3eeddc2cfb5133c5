package exec

import (
	"fmt"

	"github.com/ember-df/ember/plan"
)

// growingAccumulator is an accumulator whose state grows with its input,
// not only with its groups (collect_list, collect_set, percentile_approx,
// approx_count_distinct's registers): the group table reserves what it
// grew by against the memory budget, as it does for new groups.
type growingAccumulator interface {
	// grown returns the bytes the state grew by since the last call, and
	// the estimated bytes of its largest group.
	grown() (delta, largest int64)
}

// releasingAccumulator is an accumulator that holds Arrow memory, freed
// by release. release is idempotent.
type releasingAccumulator interface {
	release()
}

// accountGrowth adds what the growing accumulators grew by to the
// table's pending memory. A group whose state alone exceeds the memory
// budget fails the aggregate with ErrMemoryBudget naming it: neither
// flushing partial states nor spilling can split one group.
func (t *groupTable) accountGrowth() error {
	for i, acc := range t.accs {
		g, ok := acc.(growingAccumulator)
		if !ok {
			continue
		}
		delta, largest := g.grown()
		if limit := t.spec.job.budget.limit; largest > limit {
			return fmt.Errorf("%w: aggregate %s: one group's state needs %s, more than the memory budget of %s; raise it with frame.WithMemoryBudget",
				ErrMemoryBudget, t.spec.aggs[i], formatBytes(largest), formatBytes(limit))
		}
		t.pending += delta
	}
	return nil
}

// releaseAccumulators frees the Arrow memory the accumulators hold.
func releaseAccumulators(accs []accumulator) {
	for _, acc := range accs {
		if r, ok := acc.(releasingAccumulator); ok {
			r.release()
		}
	}
}

// checkDistinct refuses a DISTINCT aggregate, which the planner rewrites
// into two aggregations (plan.RewriteDistinctAggregates) before the
// accumulators see it.
func checkDistinct(a plan.AggExpr) error {
	if a.Distinct {
		return fmt.Errorf("exec: %s: a DISTINCT aggregate reached the accumulators; plan it with plan.RewriteDistinctAggregates", a)
	}
	return nil
}

// memSizes tracks the estimated bytes of each group's state, for
// growingAccumulator.grown.
type memSizes struct {
	bytes           []int64
	total, reported int64
	largest         int64
}

func (m *memSizes) resize(n int) { m.bytes = grow(m.bytes, n) }

// set makes n the size of group g's state.
func (m *memSizes) set(g int32, n int64) {
	m.total += n - m.bytes[g]
	m.bytes[g] = n
	m.largest = max(m.largest, n)
}

// add grows group g's state by n bytes.
func (m *memSizes) add(g int32, n int64) { m.set(g, m.bytes[g]+n) }

// grown returns the growth since the last call and the largest group.
func (m *memSizes) grown() (int64, int64) {
	d := m.total - m.reported
	m.reported = m.total
	return d, m.largest
}
