package exec

import (
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// cheapFirst orders the terms of an AND for evaluation, by what a term
// costs a row: first the comparisons of a fixed-width column with a
// literal and the NULL tests of a column (one vectorized pass over one
// column), then the comparisons of two fixed-width columns, then the
// rest (strings, functions, model calls), each group in the order
// written. The filter evaluates a term over the rows the earlier ones
// kept, so a date range moved ahead of a string IN spares the IN most of
// its rows (TPC-H Q12). The result is the AND's; and since none of the
// terms moved ahead can fail, a term that fails on some rows (a division
// by zero, a bad cast) sees no more rows than as written.
func cheapFirst(conjuncts []plan.Expr) []plan.Expr {
	out := slices.Clone(conjuncts)
	slices.SortStableFunc(out, func(a, b plan.Expr) int { return termCost(a) - termCost(b) })
	return out
}

// termCost ranks a filter term: 0 for a fixed-width column against a
// literal or a NULL test of a column, 1 for two fixed-width columns
// compared, 2 for anything else.
func termCost(e plan.Expr) int {
	switch e := e.(type) {
	case *plan.Unary:
		if (e.Op == plan.OpIsNull || e.Op == plan.OpIsNotNull) && isColumn(e.Child) {
			return 0
		}
	case *plan.Binary:
		if !e.Op.IsComparison() {
			break
		}
		_, leftLit := e.Left.(*plan.Literal)
		_, rightLit := e.Right.(*plan.Literal)
		left, right := fixedWidthColumn(e.Left), fixedWidthColumn(e.Right)
		switch {
		case left && rightLit, leftLit && right:
			return 0
		case left && right:
			return 1
		}
	}
	return 2
}

func isColumn(e plan.Expr) bool {
	_, ok := e.(*plan.Column)
	return ok
}

// fixedWidthColumn reports whether e reads a column of a fixed-width
// type (numbers, dates, times, booleans), maybe cast from an integer to a
// float, which cannot fail.
func fixedWidthColumn(e plan.Expr) bool {
	if c, ok := e.(*plan.Cast); ok {
		return isColumn(c.Child) && c.Child.Type() != nil && arrow.IsInteger(c.Child.Type().ID()) && arrow.IsFloating(c.To.ID())
	}
	if !isColumn(e) || e.Type() == nil {
		return false
	}
	switch id := e.Type().ID(); id {
	case arrow.BOOL, arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64, arrow.DURATION,
		arrow.DECIMAL128, arrow.DECIMAL256:
		return true
	default:
		return arrow.IsInteger(id) || arrow.IsFloating(id)
	}
}
