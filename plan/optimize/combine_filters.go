package optimize

import "github.com/ember-df/ember/plan"

type combineFilters struct{}

func (combineFilters) Name() string { return "combine_filters" }

// Apply implements Rule.
func (combineFilters) Apply(n plan.Node) plan.Node {
	outer, ok := n.(*plan.Filter)
	if !ok {
		return n
	}
	inner, ok := outer.Input.(*plan.Filter)
	if !ok {
		return n
	}
	f, err := plan.NewFilter(inner.Input, plan.NewBinary(plan.OpAnd, inner.Cond, outer.Cond))
	if err != nil {
		return n
	}
	return f
}
