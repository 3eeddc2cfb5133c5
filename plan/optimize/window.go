package optimize

import (
	"slices"

	"github.com/ember-df/ember/plan"
)

// pruneWindow prunes below a window: the window keeps the expressions
// whose columns are required (none kept: the window goes, since it
// keeps every row one for one), and its input keeps the required
// columns it passes through plus those its expressions read.
func pruneWindow(w *plan.Window, required []string) plan.Node {
	if required == nil {
		child := pruneColumns(w.Input, nil)
		if out, ok := rebuild(w, child); ok {
			return out
		}
		return w
	}
	var kept []plan.WindowExpr
	for _, x := range w.Exprs {
		if slices.Contains(required, x.Name) {
			kept = append(kept, x)
		}
	}
	var rest []string
	for _, c := range required {
		if !slices.Contains(w.Outputs(), c) {
			rest = append(rest, c)
		}
	}
	if len(kept) == 0 {
		return pruneColumns(w.Input, nonNil(rest))
	}
	narrow := &plan.Window{Input: w.Input, Exprs: kept}
	child := pruneColumns(w.Input, union(nonNil(rest), plan.ReferencedColumns(narrow.ReadExprs()...)))
	if out, err := plan.NewWindow(child, kept...); err == nil {
		return out
	}
	return w
}

// pushBelowWindow rewrites Filter(Window(in)) as Window(Filter(in)) when
// the condition reads only columns the window partitions by: such a
// filter keeps or drops whole window partitions, so the rows it keeps
// get the same window values. Any other filter stays above (it would
// change the rows a frame sees).
func pushBelowWindow(f *plan.Filter, w *plan.Window) plan.Node {
	var keys []string
	for _, k := range w.PartitionBy() {
		if c, ok := plan.Unalias(k).(*plan.Column); ok {
			keys = append(keys, c.Name)
		}
	}
	refs := plan.ReferencedColumns(f.Cond)
	if len(refs) == 0 {
		return f
	}
	for _, c := range refs {
		if !slices.Contains(keys, c) {
			return f
		}
	}
	below, ok := rebuild(f, w.Input)
	if !ok {
		return f
	}
	if out, ok := rebuild(w, below); ok {
		return out
	}
	return f
}
