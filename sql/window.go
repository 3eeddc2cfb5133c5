package sql

import (
	"strconv"
	"strings"

	"github.com/dolthub/vitess/go/vt/sqlparser"
	"github.com/ember-df/ember/plan"
)

// windowRanking are the ranking and offset functions by SQL name.
var windowRanking = map[string]plan.WindowFunc{
	"row_number": plan.WinRowNumber, "rank": plan.WinRank, "dense_rank": plan.WinDenseRank,
	"percent_rank": plan.WinPercentRank, "cume_dist": plan.WinCumeDist, "ntile": plan.WinNtile, "lag": plan.WinLag, "lead": plan.WinLead,
}

// windowAggregates are the aggregates that run over a window frame, by
// the name of their plan.AggFunc.
var windowAggregates = map[string]plan.WindowFunc{
	"count": plan.WinCount, "sum": plan.WinSum, "avg": plan.WinAvg, "min": plan.WinMin, "max": plan.WinMax,
	"first": plan.WinFirst, "last": plan.WinLast,
}

// ignoresNulls are the window functions that take IGNORE NULLS.
var ignoresNulls = map[string]bool{"first_value": true, "last_value": true, "first": true, "last": true, "nth_value": true}

// windowClauses are the clauses where a window function may be called:
// those whose expressions become a projection's (plan.Projection moves
// the calls into Window nodes).
var windowClauses = map[string]bool{"the select list": true, "ORDER BY": true, "an expression": true}

// window translates f(…) OVER (…) into a plan.WindowCall.
func (p *planner) window(f *sqlparser.FuncExpr, sc *scope, at int) (plan.Expr, error) {
	name := strings.ToLower(f.Name.String())
	if sc.aggs != nil {
		return nil, p.src.errorAt(at, ErrUnsupported, "window functions in a query with GROUP BY or aggregates are not supported yet: compute the aggregate in a subquery, then %s(…) OVER (…) over it", name)
	}
	if !windowClauses[sc.clause] {
		return nil, p.src.errorAt(at, plan.ErrType, "window function %s is not allowed in %s: compute it in the select list of a subquery, then filter or group by its column", name, sc.clause)
	}
	if f.Distinct {
		return nil, p.src.errorAt(at, ErrUnsupported, "DISTINCT in a window function (%s(DISTINCT …) OVER) is not supported", name)
	}
	spec, err := p.windowSpec((*sqlparser.WindowDef)(f.Over), sc, at, 0)
	if err != nil {
		return nil, err
	}
	var args []sqlparser.Expr
	star, ignoreNulls := false, false
	for _, a := range f.Exprs {
		switch a := a.(type) {
		case *sqlparser.StarExpr:
			star = true
		case *sqlparser.AliasedExpr:
			e := a.Expr
			if c, ok := e.(*sqlparser.FuncExpr); ok && len(args) == 0 && c.Name.String() == ignoreNullsMarker && len(c.Exprs) == 1 {
				if inner, ok := c.Exprs[0].(*sqlparser.AliasedExpr); ok {
					e, ignoreNulls = inner.Expr, true
				}
			}
			args = append(args, e)
		}
	}
	if ignoreNulls && !ignoresNulls[name] {
		return nil, p.src.errorAt(at, ErrSyntax, "IGNORE NULLS applies to first_value, last_value and nth_value, not %s", name)
	}
	argScope := &scope{rel: sc.rel, clause: "a window function's argument"}
	x := plan.WindowExpr{IgnoreNulls: ignoreNulls}
	if name == "nth_value" {
		// nth_value(x, n[, ignoreNulls]) [IGNORE NULLS], as Spark.
		if star || len(args) < 2 || len(args) > 3 {
			return nil, p.src.errorAt(at, plan.ErrType, "nth_value takes 2 or 3 arguments (column, n[, ignoreNulls]), got %d", len(f.Exprs))
		}
		col, err := p.expr(args[0], argScope)
		if err != nil {
			return nil, err
		}
		x.Func, x.Args = plan.WinNthValue, []plan.Expr{col}
		if x.N, err = p.intLiteral(args[1], "nth_value's n", at); err != nil {
			return nil, err
		}
		if x.N <= 0 {
			return nil, p.src.errorAt(p.posOf(args[1]), plan.ErrType, "nth_value's n must be positive, got %d", x.N)
		}
		if len(args) == 3 {
			b, err := p.boolLiteral(args[2], "nth_value's ignoreNulls", at)
			if err != nil {
				return nil, err
			}
			x.IgnoreNulls = x.IgnoreNulls || b
		}
	} else if fn, ok := windowRanking[name]; ok {
		x.Func = fn
		nargs := map[plan.WindowFunc][2]int{plan.WinNtile: {1, 1}, plan.WinLag: {1, 3}, plan.WinLead: {1, 3}}[fn]
		if star || len(args) < nargs[0] || len(args) > nargs[1] {
			want := "no arguments"
			switch fn {
			case plan.WinNtile:
				want = "1 argument (the number of buckets)"
			case plan.WinLag, plan.WinLead:
				want = "1 to 3 arguments (column[, offset[, default]])"
			}
			return nil, p.src.errorAt(at, plan.ErrType, "%s takes %s, got %d", name, want, len(f.Exprs))
		}
		switch fn {
		case plan.WinNtile:
			n, err := p.intLiteral(args[0], name+"'s number of buckets", at)
			if err != nil {
				return nil, err
			}
			x.N = n
		case plan.WinLag, plan.WinLead:
			col, err := p.expr(args[0], argScope)
			if err != nil {
				return nil, err
			}
			x.Args, x.N = []plan.Expr{col}, 1
			if len(args) > 1 {
				if x.N, err = p.intLiteral(args[1], name+"'s offset", at); err != nil {
					return nil, err
				}
			}
			if len(args) > 2 {
				if x.Default, err = p.expr(args[2], argScope); err != nil {
					return nil, err
				}
			}
		}
	} else if agg, ok := plan.LookupAggregate(name); ok || name == "first_value" || name == "last_value" {
		if name == "first_value" {
			agg = plan.AggFirst
		} else if name == "last_value" {
			agg = plan.AggLast
		}
		fn, ok := windowAggregates[agg.String()]
		if !ok {
			return nil, p.src.errorAt(at, ErrUnsupported, "%s over a window is not supported yet; window aggregates are count, sum, avg, mean, min, max, first and last", name)
		}
		x.Func = fn
		switch {
		case star && fn == plan.WinCount && len(f.Exprs) == 1:
		case star:
			return nil, p.src.errorAt(at, ErrSyntax, "%s(*): only count takes *", name)
		case len(args) != 1:
			return nil, p.src.errorAt(at, plan.ErrType, "%s over a window takes one argument, got %d", name, len(args))
		default:
			col, err := p.expr(args[0], argScope)
			if err != nil {
				return nil, err
			}
			x.Args = []plan.Expr{col}
		}
	} else {
		known := append(append(plan.AggregateNames(), "first_value", "last_value", "nth_value"), "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead")
		return nil, p.src.errorAt(at, ErrNotFound, "window function %q not found%s (window functions: %s)", name, suggest(name, known), listNames(known))
	}
	return plan.Over(x, spec), nil
}

// windowSpec translates an OVER clause: a named window of the WINDOW
// clause, refined by the clause's own PARTITION BY, ORDER BY and frame
// (as SQL allows: OVER (w ORDER BY x)).
func (p *planner) windowSpec(def *sqlparser.WindowDef, sc *scope, at, depth int) (plan.WindowSpec, error) {
	var spec plan.WindowSpec
	if !def.NameRef.IsEmpty() {
		ref := strings.ToLower(def.NameRef.String())
		base, ok := p.windows[ref]
		if !ok {
			var names []string
			for n := range p.windows {
				names = append(names, n)
			}
			return spec, p.src.errorAt(p.findFrom(def.NameRef.String(), false), ErrNotFound, "window %q not defined in a WINDOW clause%s", def.NameRef.String(), suggest(ref, names))
		}
		if depth > len(p.windows) {
			return spec, p.src.errorAt(at, ErrSyntax, "window %q refers to itself", def.NameRef.String())
		}
		var err error
		if spec, err = p.windowSpec(base, sc, at, depth+1); err != nil {
			return spec, err
		}
	}
	keyScope := &scope{rel: sc.rel, clause: "a window's PARTITION BY"}
	if len(def.PartitionBy) > 0 {
		if len(spec.PartitionBy) > 0 {
			return spec, p.src.errorAt(p.findFrom("PARTITION", false), ErrSyntax, "window %q has a PARTITION BY already", def.NameRef.String())
		}
		for _, e := range def.PartitionBy {
			x, err := p.expr(e, keyScope)
			if err != nil {
				return spec, err
			}
			spec.PartitionBy = append(spec.PartitionBy, x)
		}
	}
	if len(def.OrderBy) > 0 {
		if len(spec.OrderBy) > 0 {
			return spec, p.src.errorAt(p.findFrom("ORDER", false), ErrSyntax, "window %q has an ORDER BY already", def.NameRef.String())
		}
		orders, err := p.orderBy(def.OrderBy, func(e sqlparser.Expr) (plan.Expr, error) {
			return p.expr(e, &scope{rel: sc.rel, clause: "a window's ORDER BY"})
		})
		if err != nil {
			return spec, err
		}
		spec.OrderBy = orders
	}
	if def.Frame != nil {
		f, err := p.frame(def.Frame, at)
		if err != nil {
			return spec, err
		}
		spec.Frame = &f
	}
	return spec, nil
}

// frame translates ROWS|RANGE [BETWEEN] start [AND end]; an end left out
// is CURRENT ROW.
func (p *planner) frame(f *sqlparser.Frame, at int) (plan.Frame, error) {
	out := plan.Frame{Type: plan.RangeFrame, End: plan.CurrentRow}
	if f.Unit == sqlparser.RowsUnit {
		out.Type = plan.RowsFrame
	}
	bound := func(b *sqlparser.FrameBound) (int64, error) {
		switch b.Type {
		case sqlparser.CurrentRow:
			return plan.CurrentRow, nil
		case sqlparser.UnboundedPreceding:
			return plan.UnboundedPreceding, nil
		case sqlparser.UnboundedFollowing:
			return plan.UnboundedFollowing, nil
		}
		n, err := p.intLiteral(b.Expr, "a frame bound", at)
		if err != nil {
			return 0, err
		}
		if b.Type == sqlparser.ExprPreceding {
			n = -n
		}
		return n, nil
	}
	if f.Extent == nil || f.Extent.Start == nil {
		return out, p.src.errorAt(at, ErrSyntax, "a window frame without bounds")
	}
	var err error
	if out.Start, err = bound(f.Extent.Start); err != nil {
		return out, err
	}
	if f.Extent.End != nil {
		if out.End, err = bound(f.Extent.End); err != nil {
			return out, err
		}
	}
	return out, nil
}

// boolLiteral reads a boolean literal: nth_value's ignoreNulls.
func (p *planner) boolLiteral(e sqlparser.Expr, what string, at int) (bool, error) {
	if v, ok := e.(sqlparser.BoolVal); ok {
		return bool(v), nil
	}
	if pos := p.posOf(e); pos >= 0 {
		at = pos
	}
	return false, p.src.errorAt(at, ErrUnsupported, "%s must be true or false, not %s", what, sqlparser.String(e))
}

// intLiteral reads a non-negative integer literal: a frame bound, ntile's
// buckets, lag's offset.
func (p *planner) intLiteral(e sqlparser.Expr, what string, at int) (int64, error) {
	if v, ok := e.(*sqlparser.SQLVal); ok && v.Type == sqlparser.IntVal {
		if n, err := strconv.ParseInt(string(v.Val), 10, 64); err == nil {
			return n, nil
		}
	}
	if pos := p.posOf(e); pos >= 0 {
		at = pos
	}
	return 0, p.src.errorAt(at, ErrUnsupported, "%s must be an integer literal, not %s", what, sqlparser.String(e))
}
