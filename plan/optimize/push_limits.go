package optimize

import "github.com/ember-df/ember/plan"

type pushLimits struct{}

func (pushLimits) Name() string { return "push_limits" }

// Apply implements Rule: Limit(Limit) keeps the smaller limit; a limit
// moves below projections (which keep rows one for one, so user functions
// run on the kept rows only); a copy moves below a repartition; a scan
// that can stop early is told the limit, with the Limit kept above it.
func (pushLimits) Apply(n plan.Node) plan.Node {
	l, ok := n.(*plan.Limit)
	if !ok {
		return n
	}
	switch child := l.Input.(type) {
	case *plan.Limit:
		return &plan.Limit{Input: child.Input, N: min(l.N, child.N)}
	case *plan.Project:
		// The executor runs a Limit as one partition: a projection that
		// numbers rows by partition (monotonically_increasing_id) must stay
		// above it to give the rows the ids they have without the limit.
		for _, e := range child.Exprs {
			if !positionFree(e) {
				return n
			}
		}
		below := &plan.Limit{Input: child.Input, N: l.N}
		if out, ok := rebuild(child, below); ok {
			return out
		}
	case *plan.Evaluate:
		// A model runs on the kept rows only; not when the dead-letter
		// policy may drop rows, which the limit must not count.
		if child.Call.Options.OnError == plan.DeadLetter {
			return n
		}
		if out, ok := rebuild(child, &plan.Limit{Input: child.Input, N: l.N}); ok {
			return out
		}
	case *plan.Repartition, *plan.Coalesce:
		// Any n rows will do, so n rows from below are enough: a copy of
		// the limit goes below the exchange and the limit stays above it
		// (Show(5) after Repartition(10) reads 5 rows, not the input).
		below := child.Children()[0]
		if l2, ok := below.(*plan.Limit); ok && l2.N <= l.N {
			return n
		}
		if out, ok := rebuild(child, &plan.Limit{Input: below, N: l.N}); ok {
			return &plan.Limit{Input: out, N: l.N}
		}
	case *plan.Scan:
		if src, ok := child.Source.(plan.LimitingSource); ok {
			return &plan.Limit{Input: &plan.Scan{Source: src.WithLimit(l.N)}, N: l.N}
		}
	}
	return n
}
