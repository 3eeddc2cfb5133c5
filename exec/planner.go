package exec

import (
	"fmt"

	"github.com/ember-df/ember/plan"
)

// build turns a logical plan into physical nodes, node by node, cutting a
// new stage at each exchange. It returns the node that produces n in the
// current stage.
func (g *Graph) build(n plan.Node) (PhysicalNode, error) {
	j := g.job
	if a, ok := n.(*plan.Aggregate); ok && a.HasDistinct() {
		// DISTINCT aggregates run as two aggregations (see
		// plan.RewriteDistinctAggregates), built from the input up.
		rewritten, err := plan.RewriteDistinctAggregates(a)
		if err != nil {
			return nil, err
		}
		return g.build(rewritten)
	}
	if l, ok := n.(*plan.Limit); ok {
		if s, ok := l.Input.(*plan.Sort); ok && l.N <= MaxTopNRows {
			input, err := g.build(s.Input)
			if err != nil {
				return nil, err
			}
			return g.topN(input, s.Orders, l.N), nil
		}
	}
	children := make([]PhysicalNode, len(n.Children()))
	for i, c := range n.Children() {
		pc, err := g.build(c)
		if err != nil {
			return nil, err
		}
		children[i] = pc
	}
	switch n := n.(type) {
	case *plan.Scan:
		return &scanExec{job: j, src: n.Source}, nil
	case *plan.Project:
		return &projectExec{input: children[0], exprs: n.Exprs, schema: n.Schema()}, nil
	case *plan.Filter:
		return &filterExec{input: children[0], cond: n.Cond}, nil
	case *plan.Limit:
		return &limitExec{input: children[0], n: n.N}, nil
	case *plan.Evaluate:
		return j.evaluate(n, children[0]), nil
	case *plan.MapBatches:
		return &mapBatchesExec{input: children[0], node: n}, nil
	case *plan.Coalesce:
		return newCoalesceExec(children[0], n.N), nil
	case *plan.Union:
		return g.buildUnion(n, children)
	case *plan.Join:
		return g.join(n, children[0], children[1])
	case *plan.Hint:
		return children[0], nil
	case *plan.Repartition:
		out := &Exchange{Kind: RoundRobin, Partitions: n.N, what: "repartition"}
		if len(n.Keys) > 0 {
			out.Kind, out.Keys = Hash, n.Keys
		}
		return g.cut(children[0], out), nil
	case *plan.Generate:
		return &generateExec{job: j, input: children[0], node: n}, nil
	case *plan.Aggregate:
		return g.aggregate(children[0], n.Keys, n.Aggs, n.Schema())
	case *plan.Distinct:
		keys := make([]plan.Expr, n.Schema().NumFields())
		for i := range n.Schema().Fields() {
			// By position: a join's output may hold two columns of a name.
			ref, err := plan.FieldRef(n.Schema(), i)
			if err != nil {
				return nil, err
			}
			c, err := ref.Resolve(n.Schema())
			if err != nil {
				return nil, err
			}
			keys[i] = c
		}
		return g.aggregate(children[0], keys, nil, n.Schema())
	case *plan.Sort:
		return g.sort(children[0], n.Orders), nil
	case *plan.Window:
		return g.window(children[0], n), nil
	case *plan.Write:
		if g.write == nil {
			return nil, fmt.Errorf("exec: a write plan runs through exec.Write, which stages its output")
		}
		return newWriteExec(j, children[0], n, *g.write), nil
	}
	return nil, fmt.Errorf("exec: no physical operator for %T", n)
}

// buildUnion casts inputs whose column types differ from the union's.
func (g *Graph) buildUnion(u *plan.Union, children []PhysicalNode) (PhysicalNode, error) {
	out := make([]PhysicalNode, len(children))
	for i, c := range children {
		out[i] = c
		if c.Schema().Equal(u.Schema()) {
			continue
		}
		exprs := make([]plan.Expr, u.Schema().NumFields())
		for k, f := range u.Schema().Fields() {
			ref, err := plan.FieldRef(c.Schema(), k)
			if err != nil {
				return nil, err
			}
			col, err := ref.Resolve(c.Schema())
			if err != nil {
				return nil, err
			}
			exprs[k] = &plan.Alias{Child: &plan.Cast{Child: col, To: f.Type}, Name: f.Name}
		}
		out[i] = &projectExec{input: c, exprs: exprs, schema: u.Schema()}
	}
	return &unionExec{inputs: out, schema: u.Schema()}, nil
}
