package sql

import (
	"math"
	"strconv"

	"github.com/dolthub/vitess/go/vt/sqlparser"
	"github.com/ember-df/ember/plan"
)

// offset skips the first m rows of n, after keeping the first count of
// the rest (count < 0: all): LIMIT count OFFSET m. plan has no offset
// node; a Limit gathers its rows into one partition in order, where
// monotonically_increasing_id numbers them from 0, so the rows numbered
// m and more are kept: Limit(count+m), numbered, filtered, the number
// dropped.
func (p *planner) offset(n plan.Node, count, m int64, at int) (plan.Node, error) {
	keep := int64(math.MaxInt64)
	if count >= 0 && count <= math.MaxInt64-m {
		keep = count + m
	}
	var limited plan.Node = &plan.Limit{Input: n, N: keep}
	if m == 0 {
		return limited, nil
	}
	s := n.Schema()
	cols := make([]plan.Expr, s.NumFields())
	for i := range cols {
		ref, ok := columnRef(s, i)
		if !ok || len(s.FieldIndices(s.Field(i).Name)) > 1 {
			return nil, p.src.errorAt(at, ErrUnsupported, "OFFSET over columns of one name (%q): select them under different aliases", s.Field(i).Name)
		}
		cols[i] = ref
	}
	const row = "__ember_offset_row"
	numbered, err := plan.NewProject(limited, append(cols, &plan.Alias{Child: &plan.MonotonicID{}, Name: row})...)
	if err != nil {
		return nil, p.src.errorAt(at, err, "%v", err)
	}
	kept, err := plan.NewFilter(numbered, plan.NewBinary(plan.OpGe, plan.Col(row), plan.Lit(m)))
	if err != nil {
		return nil, p.src.errorAt(at, err, "%v", err)
	}
	out, err := plan.NewProject(kept, cols...)
	if err != nil {
		return nil, p.src.errorAt(at, err, "%v", err)
	}
	return out, nil
}

// nonNegative reads a LIMIT or OFFSET count: a non-negative integer
// literal.
func (p *planner) nonNegative(e sqlparser.Expr, clause string) (int64, error) {
	v, ok := e.(*sqlparser.SQLVal)
	var count int64
	var err error
	if ok && v.Type == sqlparser.IntVal {
		count, err = strconv.ParseInt(string(v.Val), 10, 64)
	}
	if !ok || v.Type != sqlparser.IntVal || err != nil || count < 0 {
		return 0, p.src.errorAt(p.src.find(clause, p.from, false), ErrSyntax, "%s takes a non-negative integer, not %s", clause, sqlparser.String(e))
	}
	return count, nil
}
