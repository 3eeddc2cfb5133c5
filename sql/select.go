package sql

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/dolthub/vitess/go/vt/sqlparser"
	"github.com/ember-df/ember/plan"
)

// Generated column names; the "__ember_" prefix keeps them apart from
// the user's.
func keyName(i int) string    { return fmt.Sprintf("__ember_key%d", i) }
func aggName(i int) string    { return fmt.Sprintf("__ember_agg%d", i) }
func argName(i int) string    { return fmt.Sprintf("__ember_arg%d", i) }
func hiddenName(i int) string { return fmt.Sprintf("__ember_order%d", i) }

// item is one output column of a SELECT: its expression over the
// relation the projection reads, and its name.
type item struct {
	expr plan.Expr
	name string
	ast  *sqlparser.AliasedExpr // nil for a column of a star
}

// selectStmt translates one SELECT: FROM, WHERE, GROUP BY and the
// aggregates, HAVING, the select list, DISTINCT, ORDER BY, LIMIT — in
// that order, as SQL evaluates them.
func (p *planner) selectStmt(s *sqlparser.Select) (relation, error) {
	if err := p.with(s.With); err != nil {
		return relation{}, err
	}
	defer p.popWith(s.With)
	defer func(saved map[string]*sqlparser.WindowDef) { p.windows = saved }(p.windows)
	if err := p.windowClause(s.Window); err != nil {
		return relation{}, err
	}
	if s.Into != nil || s.Lock != "" {
		return relation{}, p.src.errorAt(p.from, ErrUnsupported, "SELECT … INTO and locking reads are not supported")
	}
	// Names are searched from this SELECT's list on.
	start := p.from
	if len(s.SelectExprs) > 0 {
		if ae, ok := s.SelectExprs[0].(*sqlparser.AliasedExpr); ok && ae.StartParsePos > 0 {
			start = p.src.origPos(ae.StartParsePos)
		}
	}
	defer func(saved int) { p.from = saved }(p.from)
	p.from = start

	rel, err := p.fromClause(s.From)
	if err != nil {
		return relation{}, err
	}
	p.from = start
	if s.Where != nil {
		if rel, err = p.where(s.Where.Expr, rel); err != nil {
			return relation{}, err
		}
	}

	if len(s.GroupBy) > 0 || p.hasAggregate(s) {
		return p.aggregateSelect(s, rel)
	}
	if rel, err = p.joinScalars(rel, s.SelectExprs, s.OrderBy); err != nil {
		return relation{}, err
	}
	if s.Having != nil {
		return relation{}, p.src.errorAt(p.src.find("HAVING", p.from, false), ErrSyntax, "HAVING without GROUP BY or an aggregate")
	}
	sc := &scope{rel: &rel, clause: "the select list"}
	items, err := p.selectItems(s.SelectExprs, rel, func(e sqlparser.Expr) (plan.Expr, error) { return p.expr(e, sc) })
	if err != nil {
		return relation{}, err
	}
	return p.finish(rel, items, s, func(e sqlparser.Expr) (plan.Expr, error) {
		return p.expr(e, &scope{rel: &rel, clause: "ORDER BY"})
	})
}

// windowClause records the named windows of a WINDOW clause for the
// OVER clauses of this SELECT (a nested SELECT sees its own).
func (p *planner) windowClause(w sqlparser.Window) error {
	p.windows = map[string]*sqlparser.WindowDef{}
	for _, d := range w {
		name := strings.ToLower(d.Name.String())
		if _, dup := p.windows[name]; dup {
			return p.src.errorAt(p.src.find(d.Name.String(), p.src.find("WINDOW", p.from, false), false), ErrSyntax, "window %q is defined twice", d.Name.String())
		}
		p.windows[name] = d
	}
	return nil
}

// selectItems translates the select list: stars expand to the columns of
// rel (t.* to those of table t), other items through translate.
func (p *planner) selectItems(list sqlparser.SelectExprs, rel relation, translate func(sqlparser.Expr) (plan.Expr, error)) ([]item, error) {
	var items []item
	for _, se := range list {
		switch se := se.(type) {
		case *sqlparser.StarExpr:
			qual := strings.ToLower(se.TableName.Name.String())
			n := 0
			for i, f := range rel.node.Schema().Fields() {
				if (qual == "" && !strings.HasPrefix(f.Name, "__ember_")) || rel.hasQual(i, qual) {
					ref, err := p.fieldRef(&rel, i, f.Name)
					if err != nil {
						return nil, err
					}
					items = append(items, item{expr: ref, name: f.Name})
					n++
				}
			}
			if qual != "" && n == 0 {
				return nil, p.src.errorAt(p.findFrom(se.TableName.Name.String(), false), ErrNotFound, "%s.*: no table %q in FROM%s", se.TableName.Name.String(), se.TableName.Name.String(), suggest(qual, rel.qualNames()))
			}
		case *sqlparser.AliasedExpr:
			if se.StartParsePos > 0 {
				p.from = p.src.origPos(se.StartParsePos)
			}
			e, err := translate(se.Expr)
			if err != nil {
				return nil, err
			}
			items = append(items, item{expr: e, name: p.itemName(se, e), ast: se})
		default:
			return nil, p.src.errorAt(p.from, ErrUnsupported, "%s in the select list is not supported", sqlparser.String(se))
		}
	}
	return items, nil
}

// itemName is the output name of a select item: its alias, a column's
// name, else the expression as the user wrote it.
func (p *planner) itemName(se *sqlparser.AliasedExpr, e plan.Expr) string {
	if !se.As.IsEmpty() {
		return se.As.String()
	}
	if _, ok := se.Expr.(*sqlparser.ColName); ok {
		switch e := e.(type) {
		case *plan.Column:
			return e.Name
		case *plan.GetField:
			return e.Name
		}
	}
	if se.EndParsePos > se.StartParsePos && se.StartParsePos > 0 {
		a, b := p.src.origPos(se.StartParsePos), p.src.origPos(se.EndParsePos)
		if a < b && b <= len(p.src.orig) {
			return strings.TrimSpace(p.src.orig[a:b])
		}
	}
	return strings.TrimSpace(sqlparser.String(se.Expr))
}

// generatedName is the name of the first column an unaliased generator
// gives over base: pos for posexplode, key for a map's entries, else col.
func generatedName(g *plan.Generator, base relation) string {
	if g.Func == plan.GenPosExplode {
		return "pos"
	}
	if r, err := g.Arg.Resolve(base.node.Schema()); err == nil && r.Type() != nil && r.Type().ID() == arrow.MAP {
		return "key"
	}
	return "col"
}

// finish adds the select list's projection, DISTINCT, ORDER BY and LIMIT
// over base. ORDER BY keys are a select item (by position, alias or the
// same expression) or an expression over base, computed as a hidden
// column of the projection and dropped after the sort.
func (p *planner) finish(base relation, items []item, s *sqlparser.Select, orderKey func(sqlparser.Expr) (plan.Expr, error)) (relation, error) {
	exprs := make([]plan.Expr, 0, len(items))
	for i, it := range items {
		if g, ok := it.expr.(*plan.Generator); ok && it.ast != nil && it.ast.As.IsEmpty() {
			// An unaliased generator's columns keep Spark's names (col,
			// pos, key, value); the item is named by its first one.
			exprs = append(exprs, g)
			items[i].name = generatedName(g, base)
			continue
		}
		if c, ok := it.expr.(*plan.Column); ok && c.Name == it.name {
			exprs = append(exprs, it.expr)
		} else {
			exprs = append(exprs, &plan.Alias{Child: it.expr, Name: it.name})
		}
	}
	distinct := s.QueryOpts.Distinct
	var hidden []plan.Expr
	orders, err := p.orderBy(s.OrderBy, func(e sqlparser.Expr) (plan.Expr, error) {
		if k, ok := ordinal(e); ok {
			if k < 1 || k > len(items) {
				return nil, p.src.errorAt(p.posOf(e), plan.ErrColumnNotFound, "ORDER BY position %d is not in the select list (1 to %d)", k, len(items))
			}
			return plan.Col(items[k-1].name), nil
		}
		if c, ok := e.(*sqlparser.ColName); ok && c.Qualifier.IsEmpty() {
			for _, it := range items {
				if it.ast != nil && !it.ast.As.IsEmpty() && strings.EqualFold(it.name, c.Name.String()) {
					return plan.Col(it.name), nil
				}
			}
		}
		x, err := orderKey(e)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if it.expr.String() == x.String() {
				return plan.Col(it.name), nil
			}
		}
		if distinct {
			return nil, p.src.errorAt(p.posOf(e), plan.ErrColumnNotFound, "with SELECT DISTINCT, ORDER BY %s must be in the select list", sqlparser.String(e))
		}
		name := hiddenName(len(hidden))
		hidden = append(hidden, &plan.Alias{Child: x, Name: name})
		return plan.Col(name), nil
	})
	if err != nil {
		return relation{}, err
	}
	var n plan.Node
	if len(hidden) == 0 && identity(base.node, exprs) {
		// SELECT * keeps a join's columns of one name, as Spark does: a
		// projection cannot (its names are unique).
		n = base.node
	} else {
		if n, err = plan.Projection(base.node, append(exprs, hidden...)...); err != nil {
			if strings.Contains(err.Error(), "duplicate column name") {
				return relation{}, p.duplicateName(items, err)
			}
			return relation{}, p.planError(err, s.SelectExprs)
		}
	}
	if distinct {
		if n, err = plan.NewDistinct(n); err != nil {
			return relation{}, p.planError(err, s.SelectExprs)
		}
	}
	if len(orders) > 0 {
		if n, err = plan.NewSort(n, orders...); err != nil {
			return relation{}, p.planError(err, s.OrderBy)
		}
	}
	if len(hidden) > 0 {
		// The projection's own columns: a generator's may be several.
		fields := n.Schema().Fields()
		keep := make([]plan.Expr, len(fields)-len(hidden))
		for i := range keep {
			keep[i] = plan.Col(fields[i].Name)
		}
		if n, err = plan.NewProject(n, keep...); err != nil {
			return relation{}, p.planError(err, s.SelectExprs)
		}
	}
	if n, err = p.limit(n, s.Limit); err != nil {
		return relation{}, err
	}
	return relationOf(n, ""), nil
}

// isAggregate reports whether f calls an aggregate function
// (plan.LookupAggregate knows its name) without a window.
func isAggregate(f *sqlparser.FuncExpr) bool {
	_, ok := plan.LookupAggregate(f.Name.String())
	return ok && f.Over == nil && f.Qualifier.IsEmpty()
}

// hasAggregate reports whether s's select list, HAVING or ORDER BY call
// an aggregate (not counting subqueries).
func (p *planner) hasAggregate(s *sqlparser.Select) bool {
	found := false
	_ = sqlparser.Walk(func(n sqlparser.SQLNode) (bool, error) {
		switch n := n.(type) {
		case *sqlparser.Subquery:
			return false, nil
		case *sqlparser.FuncExpr:
			if isAggregate(n) {
				found = true
			}
		}
		return !found, nil
	}, s.SelectExprs, s.Having, s.OrderBy)
	return found
}

// aggCall is one aggregate call of a query: the AggExpr that
// plan.CallAggregate built, its column arguments (Arg, More) over the
// aggregate's input and its constant parameters as written.
type aggCall struct {
	agg plan.AggExpr
	at  int // the call's offset in the query, for errors
}

// aggregates collects a query's aggregate calls; equal calls share one.
type aggregates struct {
	calls []aggCall
	index map[string]int
}

func (a *aggregates) add(c aggCall) plan.Expr {
	key := fmt.Sprintf("%s|%v|%s|%s", c.agg.Func, c.agg.Distinct, plan.FormatExprs(c.agg.Columns()), plan.FormatExprs(c.agg.Params))
	i, ok := a.index[key]
	if !ok {
		i = len(a.calls)
		a.calls = append(a.calls, c)
		a.index[key] = i
	}
	return plan.Col(aggName(i))
}

// aggregateSelect translates a SELECT with GROUP BY or aggregates:
// the keys and the aggregates' arguments are computed by a projection
// over rel (so models in them run once, in their own stage), the
// Aggregate groups them, HAVING filters the groups, and the select list,
// ORDER BY and LIMIT read the Aggregate's columns.
func (p *planner) aggregateSelect(s *sqlparser.Select, rel relation) (relation, error) {
	aliases := map[string]*sqlparser.AliasedExpr{}
	for _, se := range s.SelectExprs {
		if ae, ok := se.(*sqlparser.AliasedExpr); ok && !ae.As.IsEmpty() {
			aliases[strings.ToLower(ae.As.String())] = ae
		}
	}
	// GROUP BY keys: a position in the select list, a select alias (when
	// no input column has the name), or an expression over rel.
	var keys []plan.Expr
	keyIndex := map[string]int{}
	for _, g := range s.GroupBy {
		e := g
		if k, ok := ordinal(g); ok {
			if k < 1 || k > len(s.SelectExprs) {
				return relation{}, p.src.errorAt(p.posOf(g), plan.ErrColumnNotFound, "GROUP BY position %d is not in the select list (1 to %d)", k, len(s.SelectExprs))
			}
			ae, ok := s.SelectExprs[k-1].(*sqlparser.AliasedExpr)
			if !ok {
				return relation{}, p.src.errorAt(p.posOf(g), ErrUnsupported, "GROUP BY position %d is a star", k)
			}
			e = ae.Expr
		} else if c, ok := g.(*sqlparser.ColName); ok && c.Qualifier.IsEmpty() {
			if ae, ok := aliases[strings.ToLower(c.Name.String())]; ok && !hasColumn(rel, c.Name.String()) {
				e = ae.Expr
			}
		}
		if containsAggregate(e) {
			return relation{}, p.src.errorAt(p.posOf(g), plan.ErrType, "GROUP BY %s is an aggregate", sqlparser.String(g))
		}
		x, err := p.expr(e, &scope{rel: &rel, clause: "GROUP BY"})
		if err != nil {
			return relation{}, err
		}
		if _, dup := keyIndex[x.String()]; !dup {
			keyIndex[x.String()] = len(keys)
			keys = append(keys, x)
		}
	}

	defer func(saved []relation) { p.postAgg = saved }(p.postAgg)
	p.postAgg = nil
	aggs := &aggregates{index: map[string]int{}}
	sc := &scope{rel: &rel, aggs: aggs, clause: "the select list"}
	items, err := p.selectItems(s.SelectExprs, rel, func(e sqlparser.Expr) (plan.Expr, error) { return p.expr(e, sc) })
	if err != nil {
		return relation{}, err
	}
	var having plan.Expr
	if s.Having != nil {
		if having, err = p.expr(s.Having.Expr, &scope{rel: &rel, aggs: aggs, clause: "HAVING"}); err != nil {
			return relation{}, err
		}
	}
	// ORDER BY keys are translated now, over rel, since they may add
	// aggregates; finish reads them back by their position.
	var orderExprs []plan.Expr
	for _, o := range s.OrderBy {
		if _, ok := ordinal(o.Expr); ok {
			orderExprs = append(orderExprs, nil)
			continue
		}
		if c, ok := o.Expr.(*sqlparser.ColName); ok && c.Qualifier.IsEmpty() {
			if _, ok := aliases[strings.ToLower(c.Name.String())]; ok || c.Name.String() == nullsFirstMarker || c.Name.String() == nullsLastMarker {
				orderExprs = append(orderExprs, nil)
				continue
			}
		}
		x, err := p.expr(o.Expr, &scope{rel: &rel, aggs: aggs, clause: "ORDER BY"})
		if err != nil {
			return relation{}, err
		}
		orderExprs = append(orderExprs, x)
	}

	agg, err := p.buildAggregate(rel, keys, aggs, s)
	if err != nil {
		return relation{}, err
	}
	// Rewrite over the Aggregate's columns: a key expression reads its key
	// column; any other column of rel is neither grouped nor aggregated.
	out := relationOf(agg, "")
	for _, r := range p.postAgg {
		if out, err = p.joinPlanned(out, r, plan.CrossJoin, nil, 0, 0, p.from); err != nil {
			return relation{}, err
		}
	}
	over := func(e plan.Expr, node sqlparser.SQLNode) (plan.Expr, error) {
		e = replaceKeys(e, keyIndex)
		var bad string
		plan.Walk(e, func(x plan.Expr) bool {
			if c, ok := x.(*plan.Column); ok && bad == "" && !strings.HasPrefix(c.Name, "__ember_") {
				bad = c.Name
			}
			return bad == ""
		})
		if bad != "" {
			return nil, p.src.errorAt(p.findFrom(bad, false), plan.ErrColumnNotFound, "column %q is neither in GROUP BY nor in an aggregate function (group by it, or aggregate it: max(%s))", bad, bad)
		}
		return e, nil
	}
	for i := range items {
		if items[i].expr, err = over(items[i].expr, items[i].ast); err != nil {
			return relation{}, err
		}
	}
	if having != nil {
		if having, err = over(having, s.Having); err != nil {
			return relation{}, err
		}
		n, err := plan.Selection(out.node, having)
		if err != nil {
			return relation{}, p.planError(err, s.Having)
		}
		out = relationOf(n, "")
	}
	k := 0
	return p.finish(out, items, s, func(e sqlparser.Expr) (plan.Expr, error) {
		// orderBy calls this for the keys that are not markers, in order.
		for k < len(s.OrderBy) && s.OrderBy[k].Expr != e {
			k++
		}
		if k >= len(orderExprs) || orderExprs[k] == nil {
			return p.expr(e, &scope{rel: &out, clause: "ORDER BY"})
		}
		return over(orderExprs[k], e)
	})
}

// hasColumn reports whether rel has a column called name
// (case-insensitive).
func hasColumn(rel relation, name string) bool {
	for _, f := range rel.node.Schema().Fields() {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// containsAggregate reports whether e calls an aggregate function.
func containsAggregate(e sqlparser.Expr) bool {
	found := false
	_ = sqlparser.Walk(func(n sqlparser.SQLNode) (bool, error) {
		if f, ok := n.(*sqlparser.FuncExpr); ok && isAggregate(f) {
			found = true
		}
		return !found, nil
	}, e)
	return found
}

// replaceKeys replaces the subexpressions of e that are GROUP BY keys by
// the key columns of the Aggregate.
func replaceKeys(e plan.Expr, keys map[string]int) plan.Expr {
	if i, ok := keys[e.String()]; ok {
		return plan.Col(keyName(i))
	}
	children := e.Children()
	if len(children) == 0 {
		return e
	}
	out := make([]plan.Expr, len(children))
	changed := false
	for i, c := range children {
		out[i] = replaceKeys(c, keys)
		changed = changed || out[i] != c
	}
	if !changed {
		return e
	}
	return e.WithChildren(out)
}

// buildAggregate builds Aggregate(keys, aggs) over rel, after a
// projection that computes the keys and the aggregates' column arguments
// (constant parameters stay literals, as plan.CallAggregate expects).
// DISTINCT aggregates, mixed with plain ones or of different arguments,
// are plan's to rewrite (plan.RewriteDistinctAggregates, in the
// executor).
func (p *planner) buildAggregate(rel relation, keys []plan.Expr, aggs *aggregates, s *sqlparser.Select) (plan.Node, error) {
	var pre, keyCols []plan.Expr
	for i, k := range keys {
		pre = append(pre, &plan.Alias{Child: k, Name: keyName(i)})
		keyCols = append(keyCols, plan.Col(keyName(i)))
	}
	args := map[string]string{} // an argument's text → its column
	arg := func(e plan.Expr) plan.Expr {
		name, ok := args[e.String()]
		if !ok {
			name = argName(len(args))
			args[e.String()] = name
			pre = append(pre, &plan.Alias{Child: e, Name: name})
		}
		return plan.Col(name)
	}
	list := make([]plan.AggExpr, len(aggs.calls))
	for i, c := range aggs.calls {
		a := c.agg
		a.Name = aggName(i)
		if a.Arg != nil {
			a.Arg = arg(a.Arg)
		}
		if len(a.More) > 0 {
			more := make([]plan.Expr, len(a.More))
			for j, m := range a.More {
				more[j] = arg(m)
			}
			a.More = more
		}
		list[i] = a
	}
	in := rel.node
	if len(pre) > 0 {
		n, err := plan.Projection(in, pre...)
		if err != nil {
			return nil, p.planError(err, s.SelectExprs)
		}
		in = n
	}
	n, err := plan.NewAggregate(in, keyCols, list)
	if err != nil {
		// Name the aggregate at fault where plan's message says which.
		for _, c := range aggs.calls {
			if strings.Contains(err.Error(), c.agg.Func.String()) && c.at >= 0 {
				return nil, p.src.errorAt(c.at, err, "%s", strings.TrimPrefix(err.Error(), "plan: "))
			}
		}
		return nil, p.planError(err, s.SelectExprs)
	}
	return n, nil
}

// identity reports whether exprs are the columns of n, in order (SELECT
// * over n).
func identity(n plan.Node, exprs []plan.Expr) bool {
	s := n.Schema()
	if len(exprs) != s.NumFields() {
		return false
	}
	for i, e := range exprs {
		c, ok := e.(*plan.Column)
		if !ok {
			return false
		}
		if j, err := plan.ColumnIndex(s, c); err != nil || j != i {
			return false
		}
	}
	return true
}

// duplicateName is the error of a select list with two items of one
// name that plan's projection refuses (those that no join tag tells
// apart): it points at the second.
func (p *planner) duplicateName(items []item, err error) error {
	seen := map[string]bool{}
	for _, it := range items {
		if seen[it.name] {
			at := p.from
			if it.ast != nil {
				at = p.src.origPos(it.ast.StartParsePos)
			}
			return p.src.errorAt(at, err, "the select list names two columns %q: give one an alias (… AS %s_2)", it.name, it.name)
		}
		seen[it.name] = true
	}
	return p.planError(err, nil)
}
