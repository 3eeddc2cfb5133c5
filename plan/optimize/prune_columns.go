package optimize

import (
	"slices"

	"github.com/ember-df/ember/plan"
)

// pruneColumns rewrites n so that every node reads only the columns its
// parent needs (required; nil means all of n's columns), down into scans
// whose sources can skip columns.
func pruneColumns(n plan.Node, required []string) plan.Node {
	var childRequired []string // nil: the child must keep all its columns
	switch n := n.(type) {
	case *plan.Scan:
		return pruneScan(n, required)
	case *plan.Join:
		return pruneJoin(n, required)
	case *plan.Hint:
		childRequired = required
	case *plan.Window:
		return pruneWindow(n, required)
	case *plan.Project:
		exprs := n.Exprs
		if required != nil {
			exprs = nil
			for _, e := range n.Exprs {
				if slices.Contains(required, plan.OutputName(e)) {
					exprs = append(exprs, e)
				}
			}
		}
		child := pruneColumns(n.Input, nonNil(plan.ReferencedColumns(exprs...)))
		if p, err := plan.NewProject(child, exprs...); err == nil {
			return p
		}
		return n
	case *plan.Evaluate:
		needed := false
		for _, o := range n.Outputs() {
			needed = needed || required == nil || slices.Contains(required, o)
		}
		if !needed && n.Call.Options.OnError != plan.DeadLetter {
			// Nobody reads the result: the model need not run at all.
			return pruneColumns(n.Input, required)
		}
		var rest []string
		for _, c := range required {
			if !slices.Contains(n.Outputs(), c) {
				rest = append(rest, c)
			}
		}
		childRequired = nil
		if required != nil {
			childRequired = union(nonNil(rest), plan.ReferencedColumns(n.Call.Args...))
		}
	case *plan.Filter:
		childRequired = union(required, plan.ReferencedColumns(n.Cond))
	case *plan.Limit, *plan.Coalesce:
		childRequired = required
	case *plan.Repartition:
		childRequired = union(required, plan.ReferencedColumns(n.Keys...))
	case *plan.Sort:
		keys := make([]plan.Expr, len(n.Orders))
		for i, o := range n.Orders {
			keys[i] = o.Expr
		}
		childRequired = union(required, plan.ReferencedColumns(keys...))
	case *plan.Aggregate:
		exprs := append([]plan.Expr(nil), n.Keys...)
		for _, a := range n.Aggs {
			exprs = append(exprs, a.Columns()...)
		}
		childRequired = nonNil(plan.ReferencedColumns(exprs...))
	case *plan.Generate:
		if required != nil {
			return pruneGenerate(n, required)
		}
	}
	children := n.Children()
	next := make([]plan.Node, len(children))
	for i, c := range children {
		next[i] = pruneColumns(c, childRequired)
	}
	if len(next) == 0 {
		return n
	}
	if out, ok := rebuild(n, next...); ok {
		return out
	}
	return n
}

func pruneScan(s *plan.Scan, required []string) plan.Node {
	src, ok := s.Source.(plan.ProjectingSource)
	if !ok || required == nil {
		return s
	}
	var cols []string
	for _, f := range s.Schema().Fields() {
		if slices.Contains(required, f.Name) {
			cols = append(cols, f.Name)
		}
	}
	if len(cols) == s.Schema().NumFields() {
		return s
	}
	narrowed, err := src.Project(cols)
	if err != nil {
		return s
	}
	return &plan.Scan{Source: narrowed}
}

// union is required plus extra, nil (all columns) when required is nil.
func union(required, extra []string) []string {
	if required == nil {
		return nil
	}
	out := slices.Clone(required)
	for _, e := range extra {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// nonNil turns "no columns" into an empty, non-nil list (nil means all).
func nonNil(cols []string) []string {
	if cols == nil {
		return []string{}
	}
	return cols
}

// pruneGenerate keeps below a generator only the columns required above
// it and the one it reads, with a projection when the input cannot drop
// the others itself: a generator repeats every column it passes once per
// element.
func pruneGenerate(g *plan.Generate, required []string) plan.Node {
	var keep []string
	for _, c := range required {
		if !slices.Contains(g.Names, c) {
			keep = append(keep, c)
		}
	}
	keep = union(nonNil(keep), plan.ReferencedColumns(g.Arg))
	child := pruneColumns(g.Input, keep)
	if child.Schema().NumFields() > len(keep) {
		var cols []plan.Expr
		for _, f := range child.Schema().Fields() {
			if slices.Contains(keep, f.Name) {
				cols = append(cols, plan.Col(f.Name))
			}
		}
		if p, err := plan.NewProject(child, cols...); err == nil {
			child = p
		}
	}
	if out, err := g.WithChildren([]plan.Node{child}); err == nil {
		return out
	}
	return g
}
