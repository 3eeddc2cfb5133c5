package optimize

import "github.com/ember-df/ember/plan"

// inferJoinFilters runs once, after the repeated batch (Spark's
// PushExtraPredicateThroughJoin): a join condition's disjunction that
// reads both inputs, such as TPC-H Q19's
//
//	(p_brand = 'Brand#12' AND l_quantity <= 11 AND p_size <= 5) OR
//	(p_brand = 'Brand#23' AND l_quantity <= 20 AND p_size <= 10)
//
// implies, for each input, the disjunction of each branch's conjuncts
// that read that input alone — here (p_brand = 'Brand#12' AND p_size <=
// 5) OR (p_brand = 'Brand#23' AND p_size <= 10) of part and l_quantity <=
// 11 OR l_quantity <= 20 of lineitem — when every branch has some. The
// implied filter goes into the input where pushing a filter keeps the
// join's rows (as push_join_filters moves single-input conjuncts), and
// the disjunction stays in the condition: the inputs shrink before the
// join, the result is the same. Only cheap conditions (plan.IsCheap: no
// model calls) are inferred. It runs once because the implied filter,
// once pushed, moves where the repeated rules cannot tell it was inferred;
// applied again it would add it again.
type inferJoinFilters struct{}

func (inferJoinFilters) Name() string { return "infer_join_filters" }

// Apply implements Rule.
func (inferJoinFilters) Apply(n plan.Node) plan.Node {
	j, ok := n.(*plan.Join)
	if !ok || j.Cond == nil || len(j.Using) > 0 {
		return n
	}
	t := j.Type
	intoLeft := t == plan.InnerJoin || t == plan.LeftSemiJoin
	intoRight := t == plan.InnerJoin || t == plan.LeftSemiJoin || t == plan.LeftOuterJoin || t == plan.LeftAntiJoin
	nl := j.NumLeft()
	var toLeft, toRight []plan.Expr
	for _, c := range plan.Conjuncts(j.Cond) {
		branches := disjuncts(c)
		if l, r := j.Sides(c); len(branches) < 2 || !l || !r {
			continue
		}
		if intoLeft {
			if implied, ok := impliedBy(j, branches, true); ok {
				if moved, err := plan.RebindColumns(implied, j.Combined(), j.Left.Schema(), func(i int) int { return i }); err == nil && !filtersBy(j.Left, moved) {
					toLeft = append(toLeft, moved)
				}
			}
		}
		if intoRight {
			if implied, ok := impliedBy(j, branches, false); ok {
				if moved, err := plan.RebindColumns(implied, j.Combined(), j.Right.Schema(), func(i int) int { return i - nl }); err == nil && !filtersBy(j.Right, moved) {
					toRight = append(toRight, moved)
				}
			}
		}
	}
	if len(toLeft)+len(toRight) == 0 {
		return n
	}
	out, ok := rebuildJoin(j, j.Spec(), toLeft, toRight)
	if !ok {
		return n
	}
	return out
}

// impliedBy is the disjunction, over branches, of each branch's
// conjuncts that read only the left input (or only the right); ok is
// false when some branch has none, since then nothing is implied.
func impliedBy(j *plan.Join, branches []plan.Expr, left bool) (plan.Expr, bool) {
	var implied plan.Expr
	for _, b := range branches {
		var mine []plan.Expr
		for _, c := range plan.Conjuncts(b) {
			l, r := j.Sides(c)
			if (l && !r && left || r && !l && !left) && plan.IsCheap(c) {
				mine = append(mine, c)
			}
		}
		if len(mine) == 0 {
			return nil, false
		}
		if implied == nil {
			implied = plan.And(mine...)
		} else {
			implied = plan.NewBinary(plan.OpOr, implied, plan.And(mine...))
		}
	}
	return implied, implied != nil
}

// filtersBy reports whether a filter in n's chain of single-input nodes
// (where the repeated rules push filters down) already has cond as a
// conjunct, compared as written: so that optimizing an optimized plan
// again (a cached DataFrame's, a SQL subquery's) infers nothing twice. A
// match across a projection that renamed a column only skips a filter
// that would have been inferred: it never changes results.
func filtersBy(n plan.Node, cond plan.Expr) bool {
	want := cond.String()
	for {
		if f, ok := n.(*plan.Filter); ok {
			for _, c := range plan.Conjuncts(f.Cond) {
				if c.String() == want {
					return true
				}
			}
		}
		cs := n.Children()
		if len(cs) != 1 {
			return false
		}
		n = cs[0]
	}
}

// disjuncts splits e at its ORs.
func disjuncts(e plan.Expr) []plan.Expr {
	if b, ok := e.(*plan.Binary); ok && b.Op == plan.OpOr {
		return append(disjuncts(b.Left), disjuncts(b.Right)...)
	}
	return []plan.Expr{e}
}
