package plan

import (
	"cmp"
	"math"
)

// Range is what is known of a column's values in some unit of data (a
// Parquet row group, a Hive partition directory): every non-NULL value lies
// in [Min, Max]. Min and Max are both int64, both float64 or both string.
// A partition directory's value is a Range with Min == Max. AllNull says
// every value is NULL, so no comparison with the column is true.
type Range struct {
	Min, Max any
	AllNull  bool
}

// MayMatch reports whether cond can be true for some row whose columns lie
// within their ranges. It answers true whenever it cannot tell (columns
// without a range, expressions other than comparisons of a column with a
// literal under AND/OR), so sources may skip a unit of data only when it
// answers false.
func MayMatch(cond Expr, ranges map[string]Range) bool {
	b, ok := cond.(*Binary)
	if !ok {
		return true
	}
	switch b.Op {
	case OpAnd:
		return MayMatch(b.Left, ranges) && MayMatch(b.Right, ranges)
	case OpOr:
		return MayMatch(b.Left, ranges) || MayMatch(b.Right, ranges)
	}
	if !b.Op.IsComparison() {
		return true
	}
	op, col, lit := b.Op, rangeColumn(b.Left), rangeLiteral(b.Right)
	if col == "" || lit == nil {
		col, lit, op = rangeColumn(b.Right), rangeLiteral(b.Left), mirror(op)
	}
	r, known := ranges[col]
	if col == "" || lit == nil || !known {
		return true
	}
	if r.AllNull {
		return false
	}
	lo, okLo := compareBound(r.Min, lit)
	hi, okHi := compareBound(r.Max, lit)
	if !okLo || !okHi {
		return true
	}
	switch op {
	case OpEq:
		return lo <= 0 && hi >= 0
	case OpNeq:
		return !(lo == 0 && hi == 0)
	case OpLt:
		return lo < 0
	case OpLe:
		return lo <= 0
	case OpGt:
		return hi > 0
	case OpGe:
		return hi >= 0
	}
	return true
}

func mirror(op BinaryOp) BinaryOp {
	switch op {
	case OpLt:
		return OpGt
	case OpLe:
		return OpGe
	case OpGt:
		return OpLt
	case OpGe:
		return OpLe
	}
	return op
}

// rangeColumn is the name of a column reference, looking through casts
// between numeric types (which keep order); "" for anything else.
func rangeColumn(e Expr) string {
	for {
		switch x := e.(type) {
		case *Column:
			return x.Name
		case *Cast:
			if !IsNumeric(x.To) || x.Child.Type() == nil || !IsNumeric(x.Child.Type()) {
				return ""
			}
			e = x.Child
		default:
			return ""
		}
	}
}

// rangeLiteral is a non-NULL literal's value as int64, float64 or string.
func rangeLiteral(e Expr) any {
	l, ok := e.(*Literal)
	if !ok {
		return nil
	}
	switch v := l.Value.(type) {
	case int64, float64, string:
		return v
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v)
		}
		return float64(v)
	}
	return nil
}

// compareBound orders a range bound against a literal; ok is false when
// their kinds cannot be compared.
func compareBound(bound, lit any) (int, bool) {
	switch s := bound.(type) {
	case int64:
		switch l := lit.(type) {
		case int64:
			return cmp.Compare(s, l), true
		case float64:
			return cmp.Compare(float64(s), l), !math.IsNaN(l)
		}
	case float64:
		if math.IsNaN(s) {
			return 0, false
		}
		switch l := lit.(type) {
		case int64:
			return cmp.Compare(s, float64(l)), true
		case float64:
			return cmp.Compare(s, l), !math.IsNaN(l)
		}
	case string:
		if l, ok := lit.(string); ok {
			return cmp.Compare(s, l), true
		}
	}
	return 0, false
}
