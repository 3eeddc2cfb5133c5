package optimize

import (
	"slices"

	"github.com/ember-df/ember/plan"
)

// pruneJoin is pruneColumns for a join: each input keeps the columns of
// it that the output columns required above come from, and those its
// condition reads.
func pruneJoin(j *plan.Join, required []string) plan.Node {
	left, right := []string{}, []string{}
	add := func(names *[]string, name string) {
		if !slices.Contains(*names, name) {
			*names = append(*names, name)
		}
	}
	ls, rs := j.Left.Schema(), j.Right.Schema()
	for i, f := range j.Schema().Fields() {
		if required != nil && !slices.Contains(required, f.Name) {
			continue
		}
		o := j.Outputs()[i]
		if o.Left >= 0 {
			add(&left, ls.Field(o.Left).Name)
		}
		if o.Right >= 0 {
			add(&right, rs.Field(o.Right).Name)
		}
	}
	nl := j.NumLeft()
	combined := j.Combined()
	var err error
	if j.Cond != nil {
		plan.Walk(j.Cond, func(x plan.Expr) bool {
			c, ok := x.(*plan.Column)
			if !ok {
				return true
			}
			i, ierr := plan.ColumnIndex(combined, c)
			if ierr != nil {
				err = ierr
				return false
			}
			if i < nl {
				add(&left, ls.Field(i).Name)
			} else {
				add(&right, rs.Field(i-nl).Name)
			}
			return true
		})
	}
	if err != nil {
		return j
	}
	out, ok := rebuild(j, pruneColumns(j.Left, left), pruneColumns(j.Right, right))
	if !ok {
		return j
	}
	return out
}
