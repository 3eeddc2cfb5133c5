package optimize

import (
	"slices"

	"github.com/ember-df/ember/plan"
)

type pushFilters struct{}

func (pushFilters) Name() string { return "push_filters" }

// Apply implements Rule.
func (pushFilters) Apply(n plan.Node) plan.Node {
	f, ok := n.(*plan.Filter)
	if !ok || !positionFree(f.Cond) {
		return n
	}
	switch child := f.Input.(type) {
	case *plan.Project:
		return pushThroughProject(f, child)
	case *plan.Window:
		return pushBelowWindow(f, child)
	case *plan.Evaluate:
		// Rows a filter drops need no model run: the filter moves below an
		// Evaluate whose result it does not read.
		for _, c := range plan.ReferencedColumns(f.Cond) {
			if slices.Contains(child.Outputs(), c) {
				return n
			}
		}
		below, ok := rebuild(f, child.Input)
		if !ok {
			return n
		}
		if out, ok := rebuild(child, below); ok {
			return out
		}
	case *plan.Sort, *plan.Repartition, *plan.Coalesce, *plan.Hint:
		// Filter(X(in)) → X(Filter(in)): these nodes neither add nor change
		// columns, and keep the same rows.
		below, ok := rebuild(f, child.Children()[0])
		if !ok {
			return n
		}
		if out, ok := rebuild(child, below); ok {
			return out
		}
	}
	return n
}

// pushThroughProject rewrites Filter(Project(in)) as Project(Filter(in)),
// replacing the columns the condition reads by the expressions that compute
// them, when those are cheap to compute twice.
func pushThroughProject(f *plan.Filter, p *plan.Project) plan.Node {
	defs := map[string]plan.Expr{}
	for _, e := range p.Exprs {
		// Dropping rows below a projection that numbers them
		// (monotonically_increasing_id) would renumber the rows kept, even
		// when the condition does not read that column.
		if !positionFree(e) {
			return f
		}
		defs[plan.OutputName(e)] = plan.Unalias(e)
	}
	for _, name := range plan.ReferencedColumns(f.Cond) {
		if def, ok := defs[name]; !ok || !plan.IsCheap(def) {
			return f
		}
	}
	cond := plan.Transform(f.Cond, func(e plan.Expr) plan.Expr {
		if c, ok := e.(*plan.Column); ok {
			return defs[c.Name]
		}
		return e
	})
	below, err := plan.NewFilter(p.Input, cond)
	if err != nil {
		return f
	}
	out, ok := rebuild(p, below)
	if !ok {
		return f
	}
	return out
}

// positionFree reports whether e's value for a row does not depend on the
// row's position in its partition, so it may be evaluated elsewhere.
func positionFree(e plan.Expr) bool {
	free := true
	plan.Walk(e, func(x plan.Expr) bool {
		if _, ok := x.(*plan.MonotonicID); ok {
			free = false
		}
		return free
	})
	return free
}
