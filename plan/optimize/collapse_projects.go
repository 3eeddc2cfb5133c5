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
	defs := map[string]plan.Expr{}
	for _, e := range inner.Exprs {
		defs[plan.OutputName(e)] = plan.Unalias(e)
	}
	uses := map[string]int{}
	for _, e := range outer.Exprs {
		plan.Walk(e, func(x plan.Expr) bool {
			if c, ok := x.(*plan.Column); ok {
				uses[c.Name]++
			}
			return true
		})
	}
	for name, count := range uses {
		def := defs[name]
		switch def.(type) {
		case *plan.Column, *plan.Literal:
			continue
		}
		if count > 1 || !plan.IsCheap(def) {
			return n
		}
	}
	merged := make([]plan.Expr, len(outer.Exprs))
	for i, e := range outer.Exprs {
		name := plan.OutputName(e)
		sub := plan.Transform(plan.Unalias(e), func(x plan.Expr) plan.Expr {
			if c, ok := x.(*plan.Column); ok {
				return defs[c.Name]
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
		if !ok || c.Name != in.Field(i).Name {
			return false
		}
	}
	return true
}
