package optimize

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// unwrapDateCasts rewrites a comparison of a date column with a timestamp
// literal, which resolution turns into to_timestamp(date) op literal (as
// Spark compares a date with a timestamp), into a comparison of the date
// itself with a date literal: Filter(Col("shipdate").Lt(Lit(time.Time)))
// then converts no value per row, and the Parquet scan can skip row groups
// by the date column's statistics.
//
// A date d converts to the timestamp of its midnight (UTC), so for a
// literal t on day D (midnight at or before t):
//
//	to_timestamp(d) <  t  ⇔  d < D, or d <= D when t is not a midnight
//	to_timestamp(d) <= t  ⇔  d <= D
//	to_timestamp(d) >  t  ⇔  d > D
//	to_timestamp(d) >= t  ⇔  d >= D, or d > D when t is not a midnight
//	to_timestamp(d) =  t  ⇔  d = D when t is a midnight
//
// NULLs are unchanged (either side NULL gives NULL both ways). The rule
// rewrites filter conditions; other comparisons are left as they are.
type unwrapDateCasts struct{}

func (unwrapDateCasts) Name() string { return "unwrap_date_casts" }

func (unwrapDateCasts) Apply(n plan.Node) plan.Node {
	f, ok := n.(*plan.Filter)
	if !ok {
		return n
	}
	in := f.Input.Schema()
	changed := false
	cond := plan.Transform(f.Cond, func(e plan.Expr) plan.Expr {
		out, ok := unwrapDateComparison(e, in)
		if ok {
			changed = true
			return out
		}
		return e
	})
	if !changed {
		return n
	}
	out, err := plan.NewFilter(f.Input, cond)
	if err != nil {
		return n
	}
	return out
}

const microsPerDay = 86_400_000_000

// unwrapDateComparison returns e rewritten when it is a comparison of
// to_timestamp(date) with a UTC microsecond timestamp literal (either
// side), resolved against in.
func unwrapDateComparison(e plan.Expr, in *arrow.Schema) (plan.Expr, bool) {
	b, ok := e.(*plan.Binary)
	if !ok || !b.Op.IsComparison() || b.Op == plan.OpNeq {
		return nil, false
	}
	op, date, lit := b.Op, b.Left, b.Right
	if _, isLit := plan.Unalias(date).(*plan.Literal); isLit {
		op, date, lit = flip(op), b.Right, b.Left
	}
	call, ok := plan.Unalias(date).(*plan.Builtin)
	if !ok || call.Name != "to_timestamp" || len(call.Args) != 1 || call.Args[0].Type().ID() != arrow.DATE32 {
		return nil, false
	}
	l, ok := plan.Unalias(lit).(*plan.Literal)
	if !ok {
		return nil, false
	}
	ts, ok := l.Type().(*arrow.TimestampType)
	micros, isInt := l.Value.(int64)
	if !ok || !isInt || ts.Unit != arrow.Microsecond || (ts.TimeZone != "UTC" && ts.TimeZone != "") {
		return nil, false
	}
	day := micros / microsPerDay
	if micros%microsPerDay < 0 { // floor, for instants before 1970
		day--
	}
	midnight := micros == day*microsPerDay
	switch {
	case midnight:
	case op == plan.OpLt:
		op = plan.OpLe
	case op == plan.OpGe:
		op = plan.OpGt
	case op == plan.OpEq:
		return nil, false // never true; left to the general path
	}
	if day < -1<<31 || day >= 1<<31 {
		return nil, false
	}
	out, err := plan.NewBinary(op, call.Args[0], plan.TypedLit(day, arrow.FixedWidthTypes.Date32)).Resolve(in)
	if err != nil || out.Type().ID() != arrow.BOOL {
		return nil, false
	}
	return out, true
}

// flip is op with its operands swapped: a < b ⇔ b > a.
func flip(op plan.BinaryOp) plan.BinaryOp {
	switch op {
	case plan.OpLt:
		return plan.OpGt
	case plan.OpLe:
		return plan.OpGe
	case plan.OpGt:
		return plan.OpLt
	case plan.OpGe:
		return plan.OpLe
	}
	return op
}
