package sql

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/dolthub/vitess/go/vt/sqlparser"
	"github.com/ember-df/ember/plan"
)

// Joins in FROM. Every join gives its two inputs fresh plan IDs
// (plan.NewPlanID), with which plan.Join tags their columns; a column
// that several of a relation's columns are named like is referred to by
// columnRef, qualified by a tag only it has, so t.k and u.k stay
// apart through joins, filters and projections (docs/joins.md). The
// relation's qualifiers (the tables' names and aliases) say which
// column t.k is.

// fromClause translates FROM: one table expression, or several
// separated by commas — cross joins, which plan's push_join_filters turns
// into equi-joins with the WHERE conditions that read both inputs.
func (p *planner) fromClause(from sqlparser.TableExprs) (relation, error) {
	if len(from) == 0 {
		n, err := oneRow()
		return relationOf(n, ""), err
	}
	rel, err := p.tableExpr(from[0])
	if err != nil {
		return relation{}, err
	}
	for _, te := range from[1:] {
		right, err := p.tableExpr(te)
		if err != nil {
			return relation{}, err
		}
		if rel, err = p.joinRelations(rel, right, plan.CrossJoin, nil, nil, p.src.find("FROM", p.from, false)); err != nil {
			return relation{}, err
		}
	}
	return rel, nil
}

func (p *planner) tableExpr(te sqlparser.TableExpr) (relation, error) {
	switch te := te.(type) {
	case *sqlparser.AliasedTableExpr:
		if te.AsOf != nil || len(te.Partitions) > 0 || te.Hints != nil || te.Lateral {
			return relation{}, p.src.errorAt(p.src.find("FROM", p.from, false), ErrUnsupported, "%s is not supported", sqlparser.String(te))
		}
		alias := te.As.String()
		switch e := te.Expr.(type) {
		case sqlparser.TableName:
			rel, err := p.table(e)
			if err != nil || alias == "" {
				return rel, err
			}
			return retag(rel, alias), nil
		case *sqlparser.Subquery:
			rel, err := p.query(e.Select)
			if err != nil {
				return relation{}, err
			}
			if rel, err = p.renameColumns(rel, e.Columns, alias); err != nil {
				return relation{}, err
			}
			return retag(rel, alias), nil
		}
	case *sqlparser.ParenTableExpr:
		return p.fromClause(te.Exprs)
	case *sqlparser.JoinTableExpr:
		return p.joinExpr(te)
	}
	return relation{}, p.src.errorAt(p.src.find("FROM", p.from, false), ErrUnsupported, "%s in FROM is not supported", sqlparser.String(te))
}

// joinExpr translates a JOIN: [INNER] JOIN, CROSS JOIN, LEFT/RIGHT/FULL
// [OUTER] JOIN, NATURAL joins, and LEFT SEMI/ANTI JOIN (which the bridge
// spells as a LEFT JOIN with a marker condition); ON or USING.
func (p *planner) joinExpr(te *sqlparser.JoinTableExpr) (relation, error) {
	at := p.src.find("JOIN", p.from, false)
	left, err := p.tableExpr(te.LeftExpr)
	if err != nil {
		return relation{}, err
	}
	if ate, ok := te.RightExpr.(*sqlparser.AliasedTableExpr); ok && ate.Lateral && te.Join == sqlparser.JoinStr && te.Condition.On == nil && te.Condition.Using == nil {
		return p.lateralView(left, ate)
	}
	right, err := p.tableExpr(te.RightExpr)
	if err != nil {
		return relation{}, err
	}
	on, using := te.Condition.On, []string(nil)
	for _, c := range te.Condition.Using {
		using = append(using, c.String())
	}
	var typ plan.JoinType
	natural := false
	switch te.Join {
	case sqlparser.JoinStr, sqlparser.StraightJoinStr:
		typ = plan.InnerJoin
	case sqlparser.LeftJoinStr:
		typ = plan.LeftOuterJoin
	case sqlparser.RightJoinStr:
		typ = plan.RightOuterJoin
	case sqlparser.FullOuterJoinStr:
		typ = plan.FullOuterJoin
	case sqlparser.NaturalJoinStr:
		typ, natural = plan.InnerJoin, true
	case sqlparser.NaturalLeftJoinStr:
		typ, natural = plan.LeftOuterJoin, true
	case sqlparser.NaturalRightJoinStr:
		typ, natural = plan.RightOuterJoin, true
	default:
		return relation{}, p.src.errorAt(at, ErrUnsupported, "%s is not supported", strings.ToUpper(te.Join))
	}
	if typ == plan.LeftOuterJoin {
		if kind, cond, cols, ok := semiMarker(on); ok {
			typ, on, using = kind, cond, cols
		}
	}
	if natural {
		for _, lf := range left.node.Schema().Fields() {
			if strings.HasPrefix(lf.Name, "__ember_") {
				continue
			}
			for _, rf := range right.node.Schema().Fields() {
				if strings.EqualFold(lf.Name, rf.Name) && !slices.Contains(using, lf.Name) {
					using = append(using, lf.Name)
				}
			}
		}
		if len(using) == 0 {
			typ = plan.CrossJoin // Spark: a natural join without common columns
		}
	}
	if typ == plan.InnerJoin && on == nil && len(using) == 0 {
		typ = plan.CrossJoin
	}
	return p.joinRelations(left, right, typ, on, using, at)
}

// semiMarker reads the condition the bridge gives a LEFT SEMI/ANTI JOIN:
// marker, marker AND (cond), or marker AND __ember_using__(a, b).
func semiMarker(on sqlparser.Expr) (typ plan.JoinType, cond sqlparser.Expr, using []string, ok bool) {
	kind := func(e sqlparser.Expr) (plan.JoinType, bool) {
		c, is := e.(*sqlparser.ColName)
		if !is || !c.Qualifier.IsEmpty() {
			return 0, false
		}
		switch c.Name.String() {
		case semiJoinMarker:
			return plan.LeftSemiJoin, true
		case antiJoinMarker:
			return plan.LeftAntiJoin, true
		}
		return 0, false
	}
	if t, is := kind(on); is {
		return t, nil, nil, true
	}
	and, is := on.(*sqlparser.AndExpr)
	if !is {
		return 0, nil, nil, false
	}
	t, is := kind(and.Left)
	if !is {
		return 0, nil, nil, false
	}
	if f, is := and.Right.(*sqlparser.FuncExpr); is && f.Name.String() == usingMarker {
		for _, a := range f.Exprs {
			if ae, is := a.(*sqlparser.AliasedExpr); is {
				if c, is := ae.Expr.(*sqlparser.ColName); is {
					using = append(using, c.Name.String())
				}
			}
		}
		return t, nil, using, true
	}
	if pe, is := and.Right.(*sqlparser.ParenExpr); is {
		return t, pe.Expr, nil, true
	}
	return t, and.Right, nil, true
}

// joinRelations joins left and right: on a condition (over both), on
// the columns named by using, or neither.
func (p *planner) joinRelations(left, right relation, typ plan.JoinType, on sqlparser.Expr, using []string, at int) (relation, error) {
	spec := plan.JoinSpec{Type: typ, LeftID: plan.NewPlanID(), RightID: plan.NewPlanID()}
	if on != nil {
		both, err := p.pairScope(left, right, spec.LeftID, spec.RightID)
		if err != nil {
			return relation{}, p.src.errorAt(at, err, "%s", strings.TrimPrefix(err.Error(), "plan: "))
		}
		cond, err := p.expr(on, &scope{rel: &both, clause: "the ON condition"})
		if err != nil {
			return relation{}, err
		}
		spec.On = cond
	}
	for _, name := range using {
		var names [2]string
		for side, rel := range []relation{left, right} {
			fields := rel.node.Schema().Fields()
			i, ok := p.lookup(fields, &rel, "", name)
			if !ok {
				var known []string
				for _, f := range fields {
					known = append(known, f.Name)
				}
				return relation{}, p.src.errorAt(p.findFrom(name, false), plan.ErrColumnNotFound, "USING column %q not found in the %s input of the join%s (columns: %s)", name, [2]string{"left", "right"}[side], suggest(name, known), listNames(known))
			}
			if i < 0 {
				return relation{}, p.src.errorAt(p.findFrom(name, false), plan.ErrColumnNotFound, "USING column %q is ambiguous in the %s input of the join: it could be %s", name, [2]string{"left", "right"}[side], p.candidates(&rel, "", name))
			}
			names[side] = fields[i].Name
		}
		if names[0] != names[1] {
			return relation{}, p.src.errorAt(p.findFrom(name, false), ErrUnsupported, "USING column %q is spelled %q on the left and %q on the right: join ON their equality instead", name, names[0], names[1])
		}
		spec.Using = append(spec.Using, names[0])
	}
	j, err := plan.NewJoin(left.node, right.node, spec)
	if err != nil {
		if at < 0 {
			at = p.from
		}
		return relation{}, p.src.errorAt(at, err, "%s", strings.TrimPrefix(err.Error(), "plan: "))
	}
	out := relation{node: j, quals: make([][]string, len(j.Outputs()))}
	for i, o := range j.Outputs() {
		var q []string
		if o.Left >= 0 {
			q = append(q, left.quals[o.Left]...)
		}
		if o.Right >= 0 {
			q = append(q, right.quals[o.Right]...)
		}
		out.quals[i] = uniq(q)
	}
	return out, nil
}

// pairScope is the relation a join condition is translated over: the
// left input's columns then the right's, tagged as the join will tag
// them (a cross join of the two, never run).
func (p *planner) pairScope(left, right relation, leftID, rightID int64) (relation, error) {
	j, err := plan.NewJoin(left.node, right.node, plan.JoinSpec{Type: plan.CrossJoin, LeftID: leftID, RightID: rightID})
	if err != nil {
		return relation{}, err
	}
	return relation{node: j, quals: append(slices.Clone(left.quals), right.quals...)}, nil
}

// fieldRef is the reference to field i of rel (called name in the
// query): its name, qualified by a plan ID when other fields share it.
func (p *planner) fieldRef(rel *relation, i int, name string) (plan.Expr, error) {
	s := rel.node.Schema()
	f := s.Field(i)
	if len(s.FieldIndices(f.Name)) == 1 {
		return plan.Col(f.Name), nil
	}
	c, ok := columnRef(s, i)
	if !ok {
		return nil, p.src.errorAt(p.findFrom(name, false), plan.ErrColumnNotFound, "column %q is ambiguous: it could be %s, and nothing tells them apart (give each table of a self-join its own alias, or rename the columns in a subquery)", name, p.candidates(rel, "", name))
	}
	return c, nil
}

// candidates lists the columns a reference to name (with qualifier qual,
// or "") could be, qualified by their tables: "t.k, u.k".
func (p *planner) candidates(rel *relation, qual, name string) string {
	var out []string
	for i, f := range rel.node.Schema().Fields() {
		if !strings.EqualFold(f.Name, name) || (qual != "" && !rel.hasQual(i, qual)) {
			continue
		}
		if len(rel.quals[i]) == 0 {
			out = append(out, f.Name)
			continue
		}
		for _, q := range rel.quals[i] {
			out = append(out, q+"."+f.Name)
		}
	}
	return strings.Join(out, ", ")
}

// outerReference is the error of a column name that the current scope
// lacks but a query the subquery is nested in has: such correlated
// references are decorrelated only where subquery.go looks for them.
func (p *planner) outerReference(c *sqlparser.ColName, sc *scope) error {
	qual := strings.ToLower(c.Qualifier.Name.String())
	for k := len(p.outer) - 1; k >= 0; k-- {
		rel := p.outer[k]
		if qual != "" && !rel.knows(qual) {
			continue
		}
		i, ok := p.lookup(rel.node.Schema().Fields(), &rel, qual, c.Name.String())
		if !ok && qual != "" {
			var names []string
			for j, f := range rel.node.Schema().Fields() {
				if rel.hasQual(j, qual) {
					names = append(names, f.Name)
				}
			}
			return p.src.errorAt(p.columnPos(c), plan.ErrColumnNotFound, "column %q not found in %s%s (columns of %s: %s)", c.Name.String(), c.Qualifier.Name.String(), suggest(c.Name.String(), names), c.Qualifier.Name.String(), listNames(names))
		}
		if ok && i >= 0 {
			where := sc.clause
			if where == "" {
				where = "this expression"
			}
			return p.src.errorAt(p.columnPos(c), ErrUnsupported,
				"%s refers to a column of an enclosing query (a correlated reference) in %s of a subquery: correlated references are supported in conditions of the subquery's WHERE, ANDed together (%s)",
				sqlparser.String(c), where, correlationRules)
		}
	}
	return nil
}

// correlationRules says where correlated references are decorrelated.
const correlationRules = "EXISTS/IN subqueries take any such condition into their semi or anti join; scalar subqueries need equalities between a column of each query"

var _ = fmt.Sprint

// columnRef refers to field i of s: by its name when no other field has
// it, else qualified by a plan ID among its join tags (plan.PlanIDsKey)
// that no other field of the name carries; false when none does.
func columnRef(s *arrow.Schema, i int) (*plan.Column, bool) {
	f := s.Field(i)
	same := s.FieldIndices(f.Name)
	if len(same) <= 1 {
		return plan.Col(f.Name), true
	}
	k := f.Metadata.FindKey(plan.PlanIDsKey)
	if k < 0 {
		return nil, false
	}
	for _, tag := range strings.Split(f.Metadata.Values()[k], ",") {
		id, err := strconv.ParseInt(tag, 10, 64)
		if err != nil {
			continue
		}
		unique := true
		for _, j := range same {
			if j != i && plan.HasPlanID(s.Field(j), id) {
				unique = false
				break
			}
		}
		if unique {
			return plan.QualifiedCol(id, f.Name), true
		}
	}
	return nil, false
}

// columnPos is the offset of the column name c in the user's text: its
// qualifier when it has one (t.k), from the current clause on.
func (p *planner) columnPos(c *sqlparser.ColName) int {
	name := c.Name.String()
	qual := c.Qualifier.Name.String()
	if qual == "" {
		return p.findFrom(name, false)
	}
	for _, from := range []int{p.from, 0} {
		toks := p.src.tokens
		for i := 0; i+2 < len(toks); i++ {
			if toks[i].start >= from && strings.EqualFold(toks[i].val, qual) && toks[i+1].typ == '.' && strings.EqualFold(toks[i+2].val, name) {
				return toks[i].start
			}
		}
	}
	return p.findFrom(name, false)
}

// subqueryPos is the offset of sub's first select item in the user's
// text (just inside "(SELECT "), else of its first name.
func (p *planner) subqueryPos(sub *sqlparser.Subquery) int {
	if sel, ok := sub.Select.(*sqlparser.Select); ok && len(sel.SelectExprs) > 0 {
		if ae, ok := sel.SelectExprs[0].(*sqlparser.AliasedExpr); ok && ae.StartParsePos > 0 {
			return p.src.origPos(ae.StartParsePos)
		}
	}
	return p.posOf(sub)
}

// lateralView translates LATERAL VIEW [OUTER] f(args) alias [AS c1, c2]
// (JOIN LATERAL (SELECT f(args)) alias(c1, c2) after the bridge): each
// row of left with the rows the generator f makes of it, a Generate of
// left's columns and the generated ones, which alias qualifies.
func (p *planner) lateralView(left relation, ate *sqlparser.AliasedTableExpr) (relation, error) {
	at := p.src.find("LATERAL", p.from, false)
	sub, _ := ate.Expr.(*sqlparser.Subquery)
	var call *sqlparser.FuncExpr
	if sub != nil {
		if sel, ok := sub.Select.(*sqlparser.Select); ok && len(sel.From) == 0 && len(sel.SelectExprs) == 1 && sel.Where == nil {
			if ae, ok := sel.SelectExprs[0].(*sqlparser.AliasedExpr); ok {
				call, _ = ae.Expr.(*sqlparser.FuncExpr)
			}
		}
	}
	if call == nil || !plan.LookupGenerator(call.Name.String()) {
		return relation{}, p.src.errorAt(at, ErrUnsupported, "LATERAL takes a generator (LATERAL VIEW [OUTER] explode|posexplode(…) alias AS names); lateral subqueries are not supported (generators: %s)", strings.Join(plan.GeneratorNames(), ", "))
	}
	var args []plan.Expr
	for _, a := range call.Exprs {
		ae, ok := a.(*sqlparser.AliasedExpr)
		if !ok {
			return relation{}, p.src.errorAt(at, ErrSyntax, "%s(*) is not a generator call", call.Name.String())
		}
		x, err := p.expr(ae.Expr, &scope{rel: &left, clause: "LATERAL VIEW"})
		if err != nil {
			return relation{}, err
		}
		args = append(args, x)
	}
	g, err := plan.CallGenerator(call.Name.String(), args...)
	if err != nil {
		return relation{}, p.src.errorAt(p.findFrom(strings.TrimSuffix(call.Name.String(), "_outer"), true), err, "%s", strings.TrimPrefix(err.Error(), "plan: "))
	}
	for _, c := range sub.Columns {
		g.Names = append(g.Names, c.String())
	}
	s := left.node.Schema()
	exprs := make([]plan.Expr, 0, s.NumFields()+1)
	for i := range s.NumFields() {
		ref, ok := columnRef(s, i)
		if !ok {
			return relation{}, p.src.errorAt(at, plan.ErrColumnNotFound, "LATERAL VIEW over columns of one name (%q) that nothing tells apart: alias them in a subquery", s.Field(i).Name)
		}
		exprs = append(exprs, ref)
	}
	n, err := plan.Projection(left.node, append(exprs, g)...)
	if err != nil {
		return relation{}, p.src.errorAt(at, err, "%s", strings.TrimPrefix(err.Error(), "plan: "))
	}
	out := relation{node: n, quals: slices.Clone(left.quals)}
	alias := strings.ToLower(ate.As.String())
	for range n.Schema().NumFields() - s.NumFields() {
		var q []string
		if alias != "" {
			q = []string{alias}
		}
		out.quals = append(out.quals, q)
	}
	return out, nil
}
