package optimize

import "github.com/ember-df/ember/plan"

type collapseProjects struct{}

func (collapseProjects) Name() string { return "collapse_projects" }

// Apply implements Rule: Project(outer, Project(inner, in)) becomes one
// Project over in when every inner expression the outer one reads is a
// plain column or literal, or is cheap and read once. A projection that
// passes its input through unchanged disappears.
func (collapseProjects) Apply(n plan.Node) plan.Node {
	outer, ok := n.(*plan.Project)
	if !ok {
		return n
	}
	if isIdentity(outer) {
		return outer.Input
	}
	inner, ok := outer.Input.(*plan.Project)
	if !ok {
		return n
	}
	// Outer columns are bound to inner expressions by position, not by
	// name: after a join, two inner columns may share a name and be told
	// apart by their plan-id tags only.
	innerSchema := inner.Schema()
	defs := make([]plan.Expr, len(inner.Exprs))
	for i, e := range inner.Exprs {
		defs[i] = plan.Unalias(e)
	}
	uses := make([]int, len(inner.Exprs))
	for _, e := range outer.Exprs {
		ok := true
		plan.Walk(e, func(x plan.Expr) bool {
			if c, isCol := x.(*plan.Column); isCol {
				i, err := plan.ColumnIndex(innerSchema, c)
				if err != nil {
					ok = false
					return false
				}
				uses[i]++
			}
			return true
		})
		if !ok {
			return n
		}
	}
	for i, count := range uses {
		if count == 0 {
			continue
		}
		switch defs[i].(type) {
		case *plan.Column, *plan.Literal:
			continue
		}
		if count > 1 || !plan.IsCheap(defs[i]) {
			return n
		}
	}
	merged := make([]plan.Expr, len(outer.Exprs))
	for i, e := range outer.Exprs {
		name := plan.OutputName(e)
		sub := plan.Transform(plan.Unalias(e), func(x plan.Expr) plan.Expr {
			if c, ok := x.(*plan.Column); ok {
				j, _ := plan.ColumnIndex(innerSchema, c)
				return defs[j]
			}
			return x
		})
		if plan.OutputName(sub) != name {
			sub = &plan.Alias{Child: sub, Name: name}
		}
		merged[i] = sub
	}
	p, err := plan.NewProject(inner.Input, merged...)
	if err != nil {
		return n
	}
	return p
}

func isIdentity(p *plan.Project) bool {
	in := p.Input.Schema()
	if len(p.Exprs) != in.NumFields() {
		return false
	}
	for i, e := range p.Exprs {
		c, ok := e.(*plan.Column)
		if !ok {
			return false
		}
		if j, err := plan.ColumnIndex(in, c); err != nil || j != i {
			return false
		}
	}
	return true
}
