package optimize

import "github.com/ember-df/ember/plan"

type pushJoinFilters struct{}

func (pushJoinFilters) Name() string { return "push_join_filters" }

// Apply implements Rule, as Spark's PushPredicateThroughJoin: the
// conjuncts of a filter above a join, and of the join's own condition,
// move into the input whose columns they read when that cannot change
// which rows the join keeps — into either input of an inner or cross
// join, into the left of left, semi and anti joins and the right of a
// right join (the side whose unmatched rows are dropped anyway). A
// filter that reads both inputs of an inner or cross join becomes part
// of its condition (a cross join with an equality becomes a hash join).
// Inside the condition, a conjunct that reads one input moves into it
// when that input's unmatched rows are dropped: either input of an inner
// or semi join, the right of a left or anti join.
func (pushJoinFilters) Apply(n plan.Node) plan.Node {
	switch n := n.(type) {
	case *plan.Filter:
		if j, ok := n.Input.(*plan.Join); ok && positionFree(n.Cond) {
			return pushFilterIntoJoin(n, j)
		}
	case *plan.Join:
		return pushJoinCondition(n)
	}
	return n
}

// sideOf says which input gives the value of a join's output column i:
// 'L', 'R', or 'X' for a full join's key (either).
func sideOf(j *plan.Join, i int) byte {
	o := j.Outputs()[i]
	switch {
	case o.Left >= 0 && o.Right >= 0 && j.Type == plan.RightOuterJoin:
		return 'R'
	case o.Left >= 0 && o.Right >= 0 && j.Type == plan.FullOuterJoin:
		return 'X'
	case o.Left >= 0:
		return 'L'
	}
	return 'R'
}

// readsSides reports which inputs' values e (over the join's output)
// reads; ok is false when it reads a full join's key or a column it
// cannot place.
func readsSides(j *plan.Join, e plan.Expr) (left, right, ok bool) {
	ok = true
	plan.Walk(e, func(x plan.Expr) bool {
		if c, is := x.(*plan.Column); is {
			i, err := plan.ColumnIndex(j.Schema(), c)
			if err != nil {
				ok = false
				return false
			}
			switch sideOf(j, i) {
			case 'L':
				left = true
			case 'R':
				right = true
			default:
				ok = false
			}
		}
		return ok
	})
	return left, right, ok
}

func pushFilterIntoJoin(f *plan.Filter, j *plan.Join) plan.Node {
	t := j.Type
	nl := j.NumLeft()
	outs := j.Outputs()
	var toLeft, toRight, toCond, keep []plan.Expr
	for _, c := range plan.Conjuncts(f.Cond) {
		l, r, ok := readsSides(j, c)
		var moved plan.Expr
		var err error
		switch {
		case !ok || (!l && !r):
		case l && !r && (t == plan.InnerJoin || t == plan.CrossJoin || t == plan.LeftOuterJoin || t.LeftOnly()):
			if moved, err = plan.RebindColumns(c, j.Schema(), j.Left.Schema(), func(i int) int { return outs[i].Left }); err == nil {
				toLeft = append(toLeft, moved)
				continue
			}
		case r && !l && (t == plan.InnerJoin || t == plan.CrossJoin || t == plan.RightOuterJoin):
			if moved, err = plan.RebindColumns(c, j.Schema(), j.Right.Schema(), func(i int) int { return outs[i].Right }); err == nil {
				toRight = append(toRight, moved)
				continue
			}
		case l && r && (t == plan.InnerJoin || t == plan.CrossJoin) && len(j.Using) == 0:
			mapping := func(i int) int {
				if sideOf(j, i) == 'L' {
					return outs[i].Left
				}
				return nl + outs[i].Right
			}
			if moved, err = plan.RebindColumns(c, j.Schema(), j.Combined(), mapping); err == nil {
				toCond = append(toCond, moved)
				continue
			}
		}
		keep = append(keep, c)
	}
	if len(toLeft)+len(toRight)+len(toCond) == 0 {
		return f
	}
	spec := j.Spec()
	if len(toCond) > 0 {
		spec.On = plan.And(append(plan.Conjuncts(j.Cond), toCond...)...)
		spec.Type = plan.InnerJoin
	}
	out, ok := rebuildJoin(j, spec, toLeft, toRight)
	if !ok {
		return f
	}
	if len(keep) == 0 {
		return out
	}
	above, err := plan.NewFilter(out, plan.And(keep...))
	if err != nil {
		return f
	}
	return above
}

func pushJoinCondition(j *plan.Join) plan.Node {
	if j.Cond == nil || len(j.Using) > 0 {
		return j
	}
	t := j.Type
	nl := j.NumLeft()
	var toLeft, toRight, keep []plan.Expr
	for _, c := range plan.Conjuncts(j.Cond) {
		l, r := j.Sides(c)
		switch {
		case l && !r && (t == plan.InnerJoin || t == plan.LeftSemiJoin):
			if moved, err := plan.RebindColumns(c, j.Combined(), j.Left.Schema(), func(i int) int { return i }); err == nil {
				toLeft = append(toLeft, moved)
				continue
			}
		case r && !l && (t == plan.InnerJoin || t == plan.LeftSemiJoin || t == plan.LeftOuterJoin || t == plan.LeftAntiJoin):
			if moved, err := plan.RebindColumns(c, j.Combined(), j.Right.Schema(), func(i int) int { return i - nl }); err == nil {
				toRight = append(toRight, moved)
				continue
			}
		}
		keep = append(keep, c)
	}
	if len(toLeft)+len(toRight) == 0 {
		return j
	}
	spec := j.Spec()
	spec.On = plan.And(keep...)
	out, ok := rebuildJoin(j, spec, toLeft, toRight)
	if !ok {
		return j
	}
	return out
}

// rebuildJoin builds j again from spec, its inputs filtered by the
// conditions given for each.
func rebuildJoin(j *plan.Join, spec plan.JoinSpec, toLeft, toRight []plan.Expr) (plan.Node, bool) {
	left, right := j.Left, j.Right
	var err error
	if len(toLeft) > 0 {
		if left, err = plan.NewFilter(left, plan.And(toLeft...)); err != nil {
			return nil, false
		}
	}
	if len(toRight) > 0 {
		if right, err = plan.NewFilter(right, plan.And(toRight...)); err != nil {
			return nil, false
		}
	}
	out, err := plan.NewJoin(left, right, spec)
	if err != nil {
		return nil, false
	}
	return out, true
}
