package optimize

import "github.com/ember-df/ember/plan"

type pushFilterIntoScan struct{}

func (pushFilterIntoScan) Name() string { return "push_filter_into_scan" }

// Apply implements Rule: Filter(Scan) hands its condition to a source that
// can skip data with it (Parquet row groups), keeping the Filter above.
func (pushFilterIntoScan) Apply(n plan.Node) plan.Node {
	f, ok := n.(*plan.Filter)
	if !ok {
		return n
	}
	scan, ok := f.Input.(*plan.Scan)
	if !ok {
		return n
	}
	src, ok := scan.Source.(plan.FilteringSource)
	if !ok {
		return n
	}
	out, ok := rebuild(f, &plan.Scan{Source: src.WithFilter(f.Cond)})
	if !ok {
		return n
	}
	return out
}
