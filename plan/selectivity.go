package plan

import "math"

// Selectivity estimates the fraction of the rows of a unit of data whose
// columns lie within ranges (a Parquet row group's statistics) for which
// cond is true, as a planner without histograms does: values spread
// evenly between each column's Min and Max.
//
//   - Comparisons of a numeric column with a literal under AND narrow the
//     column's interval; the fraction is the interval's share of [Min,
//     Max] (for integers, counted in whole values, so that an equality is
//     1 / the values the range holds).
//   - OR adds its sides' fractions, up to 1; other AND operands multiply.
//   - Anything else — strings, columns without a range, expressions other
//     than comparisons with a literal — counts as 1: the estimate errs
//     high, never low, where it cannot tell.
//
// It is 0 when MayMatch is false: no row can match.
func Selectivity(cond Expr, ranges map[string]Range) float64 {
	if cond == nil {
		return 1
	}
	if !MayMatch(cond, ranges) {
		return 0
	}
	if b, ok := cond.(*Binary); ok && b.Op == OpOr {
		return math.Min(1, Selectivity(b.Left, ranges)+Selectivity(b.Right, ranges))
	}
	fraction := 1.0
	intervals := map[string]*interval{}
	for _, c := range conjuncts(cond) {
		col, iv, ok := comparisonInterval(c, ranges)
		if !ok {
			if b, isOr := c.(*Binary); isOr && b.Op == OpOr {
				fraction *= Selectivity(c, ranges)
			}
			continue
		}
		if have := intervals[col]; have != nil {
			have.intersect(iv)
		} else {
			intervals[col] = &iv
		}
	}
	for col, iv := range intervals {
		fraction *= iv.share(ranges[col])
	}
	return fraction
}

// conjuncts splits cond at its ANDs.
func conjuncts(cond Expr) []Expr {
	if b, ok := cond.(*Binary); ok && b.Op == OpAnd {
		return append(conjuncts(b.Left), conjuncts(b.Right)...)
	}
	return []Expr{cond}
}

// interval is the values a comparison allows: [lo, hi], each end open
// when its flag says so.
type interval struct {
	lo, hi         float64
	loOpen, hiOpen bool
}

func (iv *interval) intersect(o interval) {
	if o.lo > iv.lo || o.lo == iv.lo && o.loOpen {
		iv.lo, iv.loOpen = o.lo, o.loOpen
	}
	if o.hi < iv.hi || o.hi == iv.hi && o.hiOpen {
		iv.hi, iv.hiOpen = o.hi, o.hiOpen
	}
}

// share is the fraction of r's values the interval holds.
func (iv interval) share(r Range) float64 {
	lo, hi, integers, ok := numericRange(r)
	if !ok {
		return 1
	}
	if integers {
		// Whole values: x > 3 is x >= 4, x < 3.5 is x <= 3.
		from, to := math.Ceil(iv.lo), math.Floor(iv.hi)
		if iv.loOpen && from == iv.lo {
			from++
		}
		if iv.hiOpen && to == iv.hi {
			to--
		}
		from, to = math.Max(from, lo), math.Min(to, hi)
		if to < from {
			return 0
		}
		return (to - from + 1) / (hi - lo + 1)
	}
	if hi <= lo {
		return 1 // one value, which MayMatch found the interval holds
	}
	from, to := math.Max(iv.lo, lo), math.Min(iv.hi, hi)
	if to <= from {
		return 0
	}
	return (to - from) / (hi - lo)
}

// numericRange is r's bounds as float64, and whether they are integers.
func numericRange(r Range) (lo, hi float64, integers, ok bool) {
	switch mn := r.Min.(type) {
	case int64:
		mx, ok := r.Max.(int64)
		return float64(mn), float64(mx), true, ok && mx >= mn
	case float64:
		mx, ok := r.Max.(float64)
		return mn, mx, false, ok && !math.IsNaN(mn) && !math.IsNaN(mx) && mx >= mn
	}
	return 0, 0, false, false
}

// comparisonInterval is the interval of a comparison of a numeric column
// that has a range with a numeric literal, and the column's name. An
// equality with a float column has no useful share (it is one point of a
// continuum) and is not one.
func comparisonInterval(e Expr, ranges map[string]Range) (string, interval, bool) {
	b, ok := e.(*Binary)
	if !ok || !b.Op.IsComparison() {
		return "", interval{}, false
	}
	op, col, lit := b.Op, rangeColumn(b.Left), rangeLiteral(b.Right)
	if col == "" || lit == nil {
		col, lit, op = rangeColumn(b.Right), rangeLiteral(b.Left), mirror(op)
	}
	r, known := ranges[col]
	if col == "" || !known {
		return "", interval{}, false
	}
	_, _, integers, numeric := numericRange(r)
	var v float64
	switch l := lit.(type) {
	case int64:
		v = float64(l)
	case float64:
		if math.IsNaN(l) {
			return "", interval{}, false
		}
		v = l
	default:
		return "", interval{}, false
	}
	if !numeric {
		return "", interval{}, false
	}
	all := interval{lo: math.Inf(-1), hi: math.Inf(1)}
	switch op {
	case OpLt:
		all.hi, all.hiOpen = v, true
	case OpLe:
		all.hi = v
	case OpGt:
		all.lo, all.loOpen = v, true
	case OpGe:
		all.lo = v
	case OpEq:
		if !integers {
			return "", interval{}, false
		}
		all.lo, all.hi = v, v
	default:
		return "", interval{}, false
	}
	return col, all, true
}
