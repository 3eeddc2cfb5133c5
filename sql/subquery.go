package sql

import (
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/dolthub/vitess/go/vt/sqlparser"
	"github.com/ember-df/ember/plan"
)

// Subqueries in expressions are decorrelated into joins, as Spark's
// optimizer does:
//
//   - [NOT] EXISTS (…) and x [NOT] IN (SELECT v …), as conditions of
//     WHERE ANDed with the others, become left semi (anti) joins of the
//     query's rows with the subquery's. A correlated subquery's
//     conditions that read the enclosing query (WHERE u.k = t.k AND u.x
//     > t.x) become the join's condition — its equalities the hash keys,
//     the rest a residual — and the others filter the subquery.
//   - x NOT IN (subquery) is NULL, never true, when x is NULL or the
//     subquery holds a NULL, unless the subquery is empty (SQL's three
//     valued logic, Spark's null-aware anti join). Uncorrelated, it runs
//     as three anti joins: with one NULL row of the subquery (no
//     condition), with one row of it on x IS NULL, and with all of it on
//     x = v — the last a hash join. Correlated, as one anti join on the
//     correlation AND (x = v OR x IS NULL OR v IS NULL).
//   - A scalar subquery (in WHERE or the select list) is joined in as a
//     column: uncorrelated, by a cross join with its one row (it must be
//     an aggregate without GROUP BY, or LIMIT 1: ember cannot fail a job
//     that finds two rows, as Spark does); correlated on equalities
//     (TPC-H Q17: WHERE l_partkey = p_partkey), by a left join with the
//     subquery grouped by its side of the equalities. An aggregate
//     subquery of count gives 0, not NULL, for rows nothing matches.

// subqueryPredicate reads a WHERE conjunct that is [NOT] EXISTS (…) or x
// [NOT] IN (subquery), through NOT and parentheses.
func subqueryPredicate(e sqlparser.Expr) (sub *sqlparser.Subquery, left sqlparser.Expr, exists, negated, ok bool) {
	switch e := e.(type) {
	case *sqlparser.ParenExpr:
		return subqueryPredicate(e.Expr)
	case *sqlparser.NotExpr:
		sub, left, exists, negated, ok = subqueryPredicate(e.Expr)
		return sub, left, exists, !negated, ok
	case *sqlparser.ExistsExpr:
		return e.Subquery, nil, true, false, true
	case *sqlparser.ComparisonExpr:
		if s, is := e.Right.(*sqlparser.Subquery); is && (e.Operator == sqlparser.InStr || e.Operator == sqlparser.NotInStr) {
			return s, e.Left, false, e.Operator == sqlparser.NotInStr, true
		}
	}
	return nil, nil, false, false, false
}

// andConjuncts splits e at its top-level ANDs.
func andConjuncts(e sqlparser.Expr) []sqlparser.Expr {
	switch x := e.(type) {
	case *sqlparser.AndExpr:
		return append(andConjuncts(x.Left), andConjuncts(x.Right)...)
	case *sqlparser.ParenExpr:
		if _, ok := x.Expr.(*sqlparser.AndExpr); ok {
			return andConjuncts(x.Expr)
		}
	}
	return []sqlparser.Expr{e}
}

// andOf joins conditions with AND; nil for none.
func andOf(conds []sqlparser.Expr) sqlparser.Expr {
	var out sqlparser.Expr
	for _, c := range conds {
		if out == nil {
			out = c
		} else {
			out = &sqlparser.AndExpr{Left: out, Right: c}
		}
	}
	return out
}

// scalarSubqueries returns the subqueries in nodes that give a value: a
// scalar subquery (*Subquery), EXISTS (*ExistsExpr), x [NOT] IN
// (subquery) (*ComparisonExpr); not those nested in another subquery.
func scalarSubqueries(nodes ...sqlparser.SQLNode) []sqlparser.SQLNode {
	var out []sqlparser.SQLNode
	var visit func(n sqlparser.SQLNode) (bool, error)
	visit = func(n sqlparser.SQLNode) (bool, error) {
		switch n := n.(type) {
		case *sqlparser.Subquery:
			out = append(out, n)
			return false, nil
		case *sqlparser.ExistsExpr:
			out = append(out, n)
			return false, nil
		case *sqlparser.ComparisonExpr:
			if _, ok := n.Right.(*sqlparser.Subquery); ok && (n.Operator == sqlparser.InStr || n.Operator == sqlparser.NotInStr) {
				_ = sqlparser.Walk(visit, n.Left)
				out = append(out, n)
				return false, nil
			}
		}
		return true, nil
	}
	for _, n := range nodes {
		if n != nil {
			_ = sqlparser.Walk(visit, n)
		}
	}
	return out
}

// where applies WHERE cond to rel: the plain conditions as a filter,
// then the scalar subqueries the others read (joined in as columns) and
// the conditions that read them, then EXISTS and IN subqueries as semi
// and anti joins.
func (p *planner) where(cond sqlparser.Expr, rel relation) (relation, error) {
	var plain, scalar, preds []sqlparser.Expr
	for _, c := range andConjuncts(cond) {
		if _, _, _, _, ok := subqueryPredicate(c); ok {
			preds = append(preds, c)
		} else if len(scalarSubqueries(c)) > 0 {
			scalar = append(scalar, c)
		} else {
			plain = append(plain, c)
		}
	}
	filter := func(rel relation, conds []sqlparser.Expr) (relation, error) {
		return p.filterBy(rel, conds, "WHERE")
	}
	rel, err := filter(rel, plain)
	if err != nil {
		return relation{}, err
	}
	if len(scalar) > 0 {
		nodes := make([]sqlparser.SQLNode, len(scalar))
		for i, c := range scalar {
			nodes[i] = c
		}
		if rel, err = p.joinScalars(rel, nodes...); err != nil {
			return relation{}, err
		}
		if rel, err = filter(rel, scalar); err != nil {
			return relation{}, err
		}
	}
	for _, c := range preds {
		if rel, err = p.subqueryJoin(rel, c); err != nil {
			return relation{}, err
		}
	}
	return rel, nil
}

// correlation translates sel's FROM (with outer as the enclosing query)
// and splits its WHERE into the conditions that read the enclosing
// queries (corr) and the others (local).
func (p *planner) correlation(sel *sqlparser.Select, outer relation) (from relation, corr, local []sqlparser.Expr, err error) {
	p.outer = append(p.outer, outer)
	defer func() { p.outer = p.outer[:len(p.outer)-1] }()
	defer func(saved int) { p.from = saved }(p.from)
	if err := p.with(sel.With); err != nil {
		return relation{}, nil, nil, err
	}
	defer p.popWith(sel.With)
	if from, err = p.fromClause(sel.From); err != nil {
		return relation{}, nil, nil, err
	}
	if sel.Where == nil {
		return from, nil, nil, nil
	}
	for _, c := range andConjuncts(sel.Where.Expr) {
		if p.refersOuter(c, from) {
			corr = append(corr, c)
		} else {
			local = append(local, c)
		}
	}
	return from, corr, local, nil
}

// refersOuter reports whether e reads a column that inner lacks and an
// enclosing query has (not counting nested subqueries).
func (p *planner) refersOuter(e sqlparser.SQLNode, inner relation) bool {
	found := false
	_ = sqlparser.Walk(func(n sqlparser.SQLNode) (bool, error) {
		switch n := n.(type) {
		case *sqlparser.Subquery:
			return false, nil
		case *sqlparser.ColName:
			if !resolves(n, inner) {
				for _, o := range p.outer {
					if resolves(n, o) {
						found = true
					}
				}
			}
		}
		return !found, nil
	}, e)
	return found
}

// resolves reports whether c names a column of rel (a struct field
// included).
func resolves(c *sqlparser.ColName, rel relation) bool {
	fields := rel.node.Schema().Fields()
	qual := strings.ToLower(c.Qualifier.Name.String())
	if qual != "" && !rel.knows(qual) {
		_, ok := lookupRange(fields, &rel, "", c.Qualifier.Name.String(), 0, len(fields))
		return ok
	}
	_, ok := lookupRange(fields, &rel, qual, c.Name.String(), 0, len(fields))
	return ok
}

// simpleSubquery refuses what a correlated subquery may not have: its
// rows are joined as they come out of FROM and WHERE.
func (p *planner) simpleSubquery(sel *sqlparser.Select, what string) error {
	var bad string
	switch {
	case len(sel.GroupBy) > 0:
		bad = "GROUP BY"
	case sel.Having != nil:
		bad = "HAVING"
	case p.hasAggregate(sel):
		bad = "an aggregate"
	case sel.Limit != nil:
		bad = "LIMIT"
	case sel.QueryOpts.Distinct:
		bad = "DISTINCT"
	}
	if bad == "" {
		return nil
	}
	return p.src.errorAt(p.posOf(sel), ErrUnsupported, "a correlated %s subquery with %s is not supported (decorrelating it needs the subquery's rows as FROM and WHERE give them)", what, bad)
}

// filterRel filters rel by conds (the subquery's own conditions).
func (p *planner) filterRel(rel relation, conds []sqlparser.Expr, outer relation) (relation, error) {
	if len(conds) == 0 {
		return rel, nil
	}
	p.outer = append(p.outer, outer)
	defer func() { p.outer = p.outer[:len(p.outer)-1] }()
	return p.filterBy(rel, conds, "the subquery's WHERE")
}

// filterBy filters rel by the AND of conds, resolved (and named in errors)
// as clause.
func (p *planner) filterBy(rel relation, conds []sqlparser.Expr, clause string) (relation, error) {
	if len(conds) == 0 {
		return rel, nil
	}
	c := andOf(conds)
	e, err := p.expr(c, &scope{rel: &rel, clause: clause})
	if err != nil {
		return relation{}, err
	}
	n, err := plan.Selection(rel.node, e)
	if err != nil {
		return relation{}, p.planError(err, c)
	}
	return relation{node: n, quals: rel.quals}, nil
}

// nested translates a whole subquery with outer as its enclosing query.
func (p *planner) nested(st sqlparser.SelectStatement, outer relation) (relation, error) {
	p.outer = append(p.outer, outer)
	defer func() { p.outer = p.outer[:len(p.outer)-1] }()
	defer func(saved int) { p.from = saved }(p.from)
	return p.query(st)
}

// oneColumn renames rel's only column to name; at places the error.
func (p *planner) oneColumn(rel relation, name, what string, at int) (relation, error) {
	s := rel.node.Schema()
	if s.NumFields() != 1 {
		return relation{}, p.src.errorAt(at, plan.ErrType, "%s subquery gives %d columns, not one", what, s.NumFields())
	}
	ref, _ := columnRef(s, 0) // the only column
	n, err := plan.NewProject(rel.node, &plan.Alias{Child: ref, Name: name})
	if err != nil {
		return relation{}, p.src.errorAt(at, err, "%s", strings.TrimPrefix(err.Error(), "plan: "))
	}
	return relationOf(n, ""), nil
}

// joinPlanned joins left and right on cond (nil: none), which reads
// their columns unqualified or qualified by plan IDs they already carry
// (or leftID/rightID, when not 0: the pair scope's).
func (p *planner) joinPlanned(left, right relation, typ plan.JoinType, cond plan.Expr, leftID, rightID int64, at int) (relation, error) {
	if leftID == 0 {
		leftID, rightID = plan.NewPlanID(), plan.NewPlanID()
	}
	j, err := plan.NewJoin(left.node, right.node, plan.JoinSpec{Type: typ, On: cond, LeftID: leftID, RightID: rightID})
	if err != nil {
		return relation{}, p.src.errorAt(at, err, "%s", strings.TrimPrefix(err.Error(), "plan: "))
	}
	out := relation{node: j, quals: make([][]string, len(j.Outputs()))}
	for i, o := range j.Outputs() {
		if o.Left >= 0 {
			out.quals[i] = left.quals[o.Left]
		} else {
			out.quals[i] = right.quals[o.Right]
		}
	}
	return out, nil
}

// subqueryJoin applies one EXISTS or IN conjunct of WHERE to rel.
func (p *planner) subqueryJoin(rel relation, pred sqlparser.Expr) (relation, error) {
	sub, left, exists, negated, _ := subqueryPredicate(pred)
	at := p.subqueryPos(sub)
	what := "an IN"
	if exists {
		what = "an EXISTS"
	}
	typ := plan.LeftSemiJoin
	if negated {
		typ = plan.LeftAntiJoin
	}
	sel, isSelect := sub.Select.(*sqlparser.Select)
	var from relation
	var corr, local []sqlparser.Expr
	if isSelect {
		var err error
		if from, corr, local, err = p.correlation(sel, rel); err != nil {
			return relation{}, err
		}
	}
	if len(corr) == 0 {
		r, err := p.nested(sub.Select, rel)
		if err != nil {
			return relation{}, err
		}
		if exists {
			// One row tells whether there are any.
			return p.joinPlanned(rel, relation{node: &plan.Limit{Input: r.node, N: 1}, quals: r.quals}, typ, nil, 0, 0, at)
		}
		const value = "__ember_in_value"
		if r, err = p.oneColumn(r, value, "an IN", at); err != nil {
			return relation{}, err
		}
		x, err := p.expr(left, &scope{rel: &rel, clause: "IN"})
		if err != nil {
			return relation{}, err
		}
		eq := plan.NewBinary(plan.OpEq, x, plan.Col(value))
		if !negated {
			return p.joinPlanned(rel, r, plan.LeftSemiJoin, eq, 0, 0, at)
		}
		// x NOT IN (…): no row when the subquery holds a NULL; none with
		// x NULL unless it is empty; else the rows it does not hold.
		nulls, err := plan.Selection(r.node, plan.NewUnary(plan.OpIsNull, plan.Col(value)))
		if err != nil {
			return relation{}, p.src.errorAt(at, err, "%v", err)
		}
		if rel, err = p.joinPlanned(rel, relationOf(&plan.Limit{Input: nulls, N: 1}, ""), plan.LeftAntiJoin, nil, 0, 0, at); err != nil {
			return relation{}, err
		}
		if rel, err = p.joinPlanned(rel, relationOf(&plan.Limit{Input: r.node, N: 1}, ""), plan.LeftAntiJoin, plan.NewUnary(plan.OpIsNull, x), 0, 0, at); err != nil {
			return relation{}, err
		}
		return p.joinPlanned(rel, r, plan.LeftAntiJoin, eq, 0, 0, at)
	}
	if err := p.simpleSubquery(sel, strings.TrimPrefix(strings.TrimPrefix(what, "an "), "a ")); err != nil {
		return relation{}, err
	}
	r, err := p.filterRel(from, local, rel)
	if err != nil {
		return relation{}, err
	}
	lid, rid := plan.NewPlanID(), plan.NewPlanID()
	pair, err := p.pairScope(rel, r, lid, rid)
	if err != nil {
		return relation{}, p.src.errorAt(at, err, "%v", err)
	}
	split := rel.node.Schema().NumFields()
	p.outer = append(p.outer, rel)
	defer func() { p.outer = p.outer[:len(p.outer)-1] }()
	cond, err := p.expr(andOf(corr), &scope{rel: &pair, split: split, clause: "a correlated condition"})
	if err != nil {
		return relation{}, err
	}
	if !exists {
		if len(sel.SelectExprs) != 1 {
			return relation{}, p.src.errorAt(at, plan.ErrType, "an IN subquery gives %d columns, not one", len(sel.SelectExprs))
		}
		ae, ok := sel.SelectExprs[0].(*sqlparser.AliasedExpr)
		if !ok {
			return relation{}, p.src.errorAt(at, ErrUnsupported, "an IN subquery's column must be an expression, not *")
		}
		x, err := p.expr(left, &scope{rel: &pair, split: split, preferOuter: true, clause: "IN"})
		if err != nil {
			return relation{}, err
		}
		v, err := p.expr(ae.Expr, &scope{rel: &pair, split: split, clause: "the subquery's select list"})
		if err != nil {
			return relation{}, err
		}
		match := plan.NewBinary(plan.OpEq, x, v)
		if negated {
			match = plan.NewBinary(plan.OpOr, match, plan.NewBinary(plan.OpOr, plan.NewUnary(plan.OpIsNull, x), plan.NewUnary(plan.OpIsNull, v)))
		}
		cond = plan.And(cond, match)
	}
	return p.joinPlanned(rel, r, typ, cond, lid, rid, at)
}

// joinScalars joins in the subqueries of nodes that give values (not
// yet joined): scalar subqueries, and EXISTS and IN that are not
// conditions of WHERE on their own.
func (p *planner) joinScalars(rel relation, nodes ...sqlparser.SQLNode) (relation, error) {
	for _, n := range scalarSubqueries(nodes...) {
		if _, done := p.scalars[n]; done {
			continue
		}
		var err error
		switch n := n.(type) {
		case *sqlparser.Subquery:
			rel, err = p.joinScalar(rel, n)
		case *sqlparser.ExistsExpr:
			rel, err = p.joinExistsValue(rel, n)
		case *sqlparser.ComparisonExpr:
			rel, err = p.joinInValue(rel, n)
		}
		if err != nil {
			return relation{}, err
		}
	}
	return rel, nil
}

// uncorrelated translates sub, refusing a correlated one: used as a
// value (in OR, the select list), EXISTS and IN are decorrelated only
// when uncorrelated.
func (p *planner) uncorrelated(rel relation, sub *sqlparser.Subquery, what string) (relation, error) {
	at := p.subqueryPos(sub)
	if sel, ok := sub.Select.(*sqlparser.Select); ok {
		_, corr, _, err := p.correlation(sel, rel)
		if err != nil {
			return relation{}, err
		}
		if len(corr) > 0 {
			return relation{}, p.src.errorAt(at, ErrUnsupported, "a correlated %s subquery is supported as a condition of WHERE, ANDed with the others, not as a value (in OR, NOT of a combination, the select list)", what)
		}
	}
	return p.nested(sub.Select, rel)
}

// joinExistsValue joins in EXISTS (q) as a boolean column: the count of
// q LIMIT 1, cross-joined, compared with 0.
func (p *planner) joinExistsValue(rel relation, e *sqlparser.ExistsExpr) (relation, error) {
	at := p.subqueryPos(e.Subquery)
	r, err := p.uncorrelated(rel, e.Subquery, "EXISTS")
	if err != nil {
		return relation{}, err
	}
	name := p.scalarName()
	count, err := plan.CallAggregate("count", false)
	if err != nil {
		return relation{}, p.src.errorAt(at, err, "%v", err)
	}
	count.Name = name
	n, err := plan.NewAggregate(&plan.Limit{Input: r.node, N: 1}, nil, []plan.AggExpr{count})
	if err != nil {
		return relation{}, p.src.errorAt(at, err, "%v", err)
	}
	out, err := p.joinPlanned(rel, relationOf(n, ""), plan.CrossJoin, nil, 0, 0, at)
	if err != nil {
		return relation{}, err
	}
	if p.scalars == nil {
		p.scalars = map[sqlparser.SQLNode]plan.Expr{}
	}
	p.scalars[e] = plan.NewBinary(plan.OpGt, plan.Col(name), plan.Lit(int64(0)))
	return out, nil
}

// joinInValue joins in x [NOT] IN (q) as a boolean column with SQL's
// three-valued logic: q's distinct values marked true, left-joined on x
// = v, and q's counts of rows and of non-NULL values cross-joined; true
// when marked, false when q is empty, NULL when x or a value of q is
// NULL, else false.
func (p *planner) joinInValue(rel relation, c *sqlparser.ComparisonExpr) (relation, error) {
	sub := c.Right.(*sqlparser.Subquery)
	at := p.subqueryPos(sub)
	r, err := p.uncorrelated(rel, sub, "IN")
	if err != nil {
		return relation{}, err
	}
	name := p.scalarName()
	value, mark, rows, values := name+"_value", name+"_mark", name+"_rows", name+"_values"
	if r, err = p.oneColumn(r, value, "an IN", at); err != nil {
		return relation{}, err
	}
	x, err := p.expr(c.Left, &scope{rel: &rel, clause: "IN"})
	if err != nil {
		return relation{}, err
	}
	fail := func(err error) (relation, error) { return relation{}, p.src.errorAt(at, err, "%v", err) }
	countRows, err := plan.CallAggregate("count", false)
	if err != nil {
		return fail(err)
	}
	countValues, err := plan.CallAggregate("count", false, plan.Col(value))
	if err != nil {
		return fail(err)
	}
	countRows.Name, countValues.Name = rows, values
	stats, err := plan.NewAggregate(r.node, nil, []plan.AggExpr{countRows, countValues})
	if err != nil {
		return fail(err)
	}
	distinct, err := plan.NewDistinct(r.node)
	if err != nil {
		return fail(err)
	}
	marks, err := plan.NewProject(distinct, plan.Col(value), &plan.Alias{Child: plan.Lit(true), Name: mark})
	if err != nil {
		return fail(err)
	}
	out, err := p.joinPlanned(rel, relationOf(stats, ""), plan.CrossJoin, nil, 0, 0, at)
	if err != nil {
		return relation{}, err
	}
	if out, err = p.joinPlanned(out, relationOf(marks, ""), plan.LeftOuterJoin, plan.NewBinary(plan.OpEq, x, plan.Col(value)), 0, 0, at); err != nil {
		return relation{}, err
	}
	in := plan.Expr(&plan.CaseWhen{
		Branches: []plan.When{
			{Cond: plan.NewUnary(plan.OpIsNotNull, plan.Col(mark)), Value: plan.Lit(true)},
			{Cond: plan.NewBinary(plan.OpEq, plan.Col(rows), plan.Lit(int64(0))), Value: plan.Lit(false)},
			{Cond: plan.NewBinary(plan.OpOr, plan.NewUnary(plan.OpIsNull, x), plan.NewBinary(plan.OpLt, plan.Col(values), plan.Col(rows))), Value: &plan.Cast{Child: plan.Lit(nil), To: arrow.FixedWidthTypes.Boolean}},
		},
		Else: plan.Lit(false),
	})
	if c.Operator == sqlparser.NotInStr {
		in = plan.NewUnary(plan.OpNot, in)
	}
	if p.scalars == nil {
		p.scalars = map[sqlparser.SQLNode]plan.Expr{}
	}
	p.scalars[c] = in
	return out, nil
}

// singleRow reports whether st gives at most one row: an aggregate
// without GROUP BY, LIMIT 0 or 1, or no FROM.
func (p *planner) singleRow(st sqlparser.SelectStatement) bool {
	switch st := st.(type) {
	case *sqlparser.ParenSelect:
		return p.singleRow(st.Select)
	case *sqlparser.Select:
		if st.Limit != nil && st.Limit.Offset == nil {
			if v, ok := st.Limit.Rowcount.(*sqlparser.SQLVal); ok && (string(v.Val) == "1" || string(v.Val) == "0") {
				return true
			}
		}
		if len(st.GroupBy) == 0 && p.hasAggregate(st) {
			return true
		}
		return len(st.From) == 0
	}
	return false
}

// scalarName names the column of the next scalar subquery.
func (p *planner) scalarName() string {
	p.nextScalar++
	return "__ember_scalar" + strconv.Itoa(p.nextScalar)
}

// joinScalar joins the value of the scalar subquery sub into rel as a
// column, and records the expression that reads it.
func (p *planner) joinScalar(rel relation, sub *sqlparser.Subquery) (relation, error) {
	at := p.subqueryPos(sub)
	if p.scalars == nil {
		p.scalars = map[sqlparser.SQLNode]plan.Expr{}
	}
	sel, isSelect := sub.Select.(*sqlparser.Select)
	var corr, local []sqlparser.Expr
	if isSelect {
		var err error
		if _, corr, local, err = p.correlation(sel, rel); err != nil {
			return relation{}, err
		}
	}
	name := p.scalarName()
	if len(corr) == 0 {
		if !p.singleRow(sub.Select) {
			return relation{}, p.src.errorAt(at, ErrUnsupported, "a scalar subquery must give one row: make it an aggregate without GROUP BY (SELECT max(x) …) or add LIMIT 1 (ember cannot fail the query when it finds several, as Spark does)")
		}
		r, err := p.nested(sub.Select, rel)
		if err != nil {
			return relation{}, err
		}
		if r, err = p.oneColumn(r, name, "a scalar", at); err != nil {
			return relation{}, err
		}
		out, err := p.joinPlanned(rel, r, plan.CrossJoin, nil, 0, 0, at)
		if err != nil {
			return relation{}, err
		}
		p.scalars[sub] = plan.Col(name)
		return out, nil
	}
	// Correlated: one aggregate over the subquery's rows, on equalities
	// between its columns and the enclosing query's.
	if len(sel.GroupBy) > 0 || sel.Having != nil || sel.Limit != nil || sel.QueryOpts.Distinct || len(sel.SelectExprs) != 1 {
		return relation{}, p.src.errorAt(at, ErrUnsupported, "a correlated scalar subquery must be one aggregate without GROUP BY, HAVING, LIMIT or DISTINCT: (SELECT avg(x) FROM u WHERE u.k = t.k)")
	}
	ae, ok := sel.SelectExprs[0].(*sqlparser.AliasedExpr)
	if !ok || !containsAggregate(ae.Expr) {
		return relation{}, p.src.errorAt(at, ErrUnsupported, "a correlated scalar subquery must aggregate its rows, as in (SELECT avg(x) FROM u WHERE u.k = t.k)")
	}
	from, _, _, err := p.correlation(sel, rel)
	if err != nil {
		return relation{}, err
	}
	var innerKeys, outerKeys []sqlparser.Expr
	p.outer = append(p.outer, rel)
	defer func() { p.outer = p.outer[:len(p.outer)-1] }()
	for _, c := range corr {
		cmp, ok := c.(*sqlparser.ComparisonExpr)
		if ok && cmp.Operator == sqlparser.EqualStr {
			lOuter, rOuter := p.refersOuter(cmp.Left, from), p.refersOuter(cmp.Right, from)
			lInner, rInner := p.refersInner(cmp.Left, from), p.refersInner(cmp.Right, from)
			switch {
			case lInner && !lOuter && rOuter && !rInner:
				innerKeys, outerKeys = append(innerKeys, cmp.Left), append(outerKeys, cmp.Right)
				continue
			case rInner && !rOuter && lOuter && !lInner:
				innerKeys, outerKeys = append(innerKeys, cmp.Right), append(outerKeys, cmp.Left)
				continue
			}
		}
		return relation{}, p.src.errorAt(p.posOf(c), ErrUnsupported, "the correlated condition %s of a scalar subquery is not an equality between a column of each query: scalar subqueries are decorrelated on equalities only (%s)", sqlparser.String(c), correlationRules)
	}
	grouped := *sel
	grouped.With = sel.With
	grouped.Where = nil
	if len(local) > 0 {
		grouped.Where = &sqlparser.Where{Type: sqlparser.WhereStr, Expr: andOf(local)}
	}
	grouped.GroupBy = nil
	grouped.SelectExprs = nil
	keyNames := make([]string, len(innerKeys))
	for i, k := range innerKeys {
		keyNames[i] = name + "_key" + strconv.Itoa(i)
		grouped.GroupBy = append(grouped.GroupBy, k)
		grouped.SelectExprs = append(grouped.SelectExprs, &sqlparser.AliasedExpr{Expr: k, As: sqlparser.NewColIdent(keyNames[i])})
	}
	grouped.SelectExprs = append(grouped.SelectExprs, &sqlparser.AliasedExpr{Expr: ae.Expr, As: sqlparser.NewColIdent(name)})
	r, err := p.nested(&grouped, rel)
	if err != nil {
		return relation{}, err
	}
	var cond []plan.Expr
	for i, k := range outerKeys {
		x, err := p.expr(k, &scope{rel: &rel, clause: "a correlated condition"})
		if err != nil {
			return relation{}, err
		}
		cond = append(cond, plan.NewBinary(plan.OpEq, x, plan.Col(keyNames[i])))
	}
	out, err := p.joinPlanned(rel, r, plan.LeftOuterJoin, plan.And(cond...), 0, 0, at)
	if err != nil {
		return relation{}, err
	}
	var value plan.Expr = plan.Col(name)
	if f, ok := ae.Expr.(*sqlparser.FuncExpr); ok && strings.EqualFold(f.Name.String(), "count") {
		// count over no rows is 0, not the NULL of an unmatched row.
		coalesce, _ := plan.LookupFunction("coalesce")
		if value, err = coalesce(value, plan.Lit(int64(0))); err != nil {
			return relation{}, p.src.errorAt(at, err, "%v", err)
		}
	}
	p.scalars[sub] = value
	return out, nil
}

// refersInner reports whether e reads a column of inner.
func (p *planner) refersInner(e sqlparser.SQLNode, inner relation) bool {
	found := false
	_ = sqlparser.Walk(func(n sqlparser.SQLNode) (bool, error) {
		switch n := n.(type) {
		case *sqlparser.Subquery:
			return false, nil
		case *sqlparser.ColName:
			if resolves(n, inner) {
				found = true
			}
		}
		return !found, nil
	}, e)
	return found
}
