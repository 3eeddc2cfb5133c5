package sql

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/dolthub/vitess/go/vt/sqlparser"
	"github.com/ember-df/ember/plan"
)

// Plan translates one SQL statement into a logical plan: a query
// (SELECT, WITH, UNION), SHOW TABLES or DESCRIBE name. Names are
// looked up in cat (nil: an empty catalog). The plan reads the views'
// plans as they are now: replacing a view later does not change it.
// Errors are *Error values.
func Plan(cat *Catalog, query string) (plan.Node, error) {
	if cat == nil {
		cat = &Catalog{}
	}
	p := &planner{cat: cat, src: newSource(query, "", "")}
	st, err := p.parse()
	if err != nil {
		return nil, err
	}
	return p.statement(st)
}

// Filter plans input filtered by the SQL condition cond ("a > 1 AND b
// IS NOT NULL"), as DataFrame.Filter does with a string: cond's column
// names are input's (case-insensitive), its functions cat's and the
// built-in ones.
func Filter(cat *Catalog, input plan.Node, cond string) (plan.Node, error) {
	p := &planner{cat: cat, src: newSource(cond, "SELECT 1 FROM t WHERE ", "")}
	st, err := p.parse()
	if err != nil {
		return nil, err
	}
	sel, ok := st.(*sqlparser.Select)
	if !ok || sel.Where == nil || len(sel.SelectExprs) != 1 || sel.GroupBy != nil || sel.OrderBy != nil || sel.Limit != nil {
		return nil, p.src.errorAt(0, ErrSyntax, "not a single condition: %q", cond)
	}
	rel := relationOf(input, "")
	e, err := p.expr(sel.Where.Expr, &scope{rel: &rel, clause: "a filter"})
	if err != nil {
		return nil, err
	}
	n, err := plan.Selection(input, e)
	return n, p.planError(err, sel.Where.Expr)
}

// Select plans the SQL select-list items exprs ("a + 1 AS b", "*",
// "count(*)") over input, as DataFrame.SelectExpr does: the items are
// those of SELECT exprs… FROM input, aggregates included (a query with
// an aggregate and no GROUP BY gives one row). Positions in errors count
// in the items joined by ", ".
func Select(cat *Catalog, input plan.Node, exprs ...string) (plan.Node, error) {
	if len(exprs) == 0 {
		return nil, &Error{Msg: "no expressions to select", Err: ErrSyntax}
	}
	p := &planner{cat: cat, input: input, src: newSource(strings.Join(exprs, ", "), "SELECT ", " FROM "+inputName)}
	st, err := p.parse()
	if err != nil {
		return nil, err
	}
	sel, ok := st.(*sqlparser.Select)
	if !ok || sel.Where != nil || sel.GroupBy != nil || sel.OrderBy != nil || sel.Limit != nil || len(sel.From) != 1 {
		return nil, p.src.errorAt(0, ErrSyntax, "not a list of select items: %q", strings.Join(exprs, ", "))
	}
	rel, err := p.selectStmt(sel)
	if err != nil {
		return nil, err
	}
	return rel.node, nil
}

// ParseExpr translates one SQL expression ("a + 1 AS b", "upper(name)")
// without an input: column names are taken as written (case-sensitive,
// resolved when the expression is used), "s.f" reads field f of struct
// column s. Functions are cat's (nil: none) and the built-in ones;
// aggregates are refused.
func ParseExpr(cat *Catalog, text string) (plan.Expr, error) {
	p := &planner{cat: cat, src: newSource(text, "SELECT ", "")}
	st, err := p.parse()
	if err != nil {
		return nil, err
	}
	sel, ok := st.(*sqlparser.Select)
	if !ok || len(sel.SelectExprs) != 1 || sel.From != nil && len(sel.From) > 0 {
		return nil, p.src.errorAt(0, ErrSyntax, "not a single expression: %q", text)
	}
	ae, ok := sel.SelectExprs[0].(*sqlparser.AliasedExpr)
	if !ok {
		return nil, p.src.errorAt(0, ErrSyntax, "not a single expression: %q", text)
	}
	e, err := p.expr(ae.Expr, &scope{clause: "an expression"})
	if err != nil {
		return nil, err
	}
	if !ae.As.IsEmpty() {
		e = &plan.Alias{Child: e, Name: ae.As.String()}
	}
	return e, nil
}

// inputName is the table name the wrappers of Select and Filter give
// their input.
const inputName = "__ember_input__"

// planner translates one statement.
type planner struct {
	cat   *Catalog
	src   *source
	input plan.Node        // the input of Select and Filter, or nil
	ctes  []map[string]cte // WITH scopes, innermost last
	from  int              // offset in the user's text where names are searched from
	// windows are the named windows of the current SELECT's WINDOW clause.
	windows map[string]*sqlparser.WindowDef
	// outer are the relations of the queries a subquery is nested in,
	// innermost last: a name found there is a correlated reference.
	outer []relation
	// scalars are the values that scalar subqueries, and IN and EXISTS
	// subqueries used as values, were joined in as (subquery.go): keyed
	// by the *Subquery, *ComparisonExpr or *ExistsExpr.
	scalars map[sqlparser.SQLNode]plan.Expr
	// nextScalar numbers the scalar subqueries' columns.
	nextScalar int
	// postAgg are the uncorrelated scalar subqueries of the current
	// aggregate SELECT's list, HAVING and ORDER BY, cross-joined with the
	// Aggregate's output.
	postAgg []relation
}

type cte struct {
	name string
	rel  relation
}

// relation is a plan with the table qualifiers of each of its columns.
type relation struct {
	node plan.Node
	// quals are per field, lower-case: none, one (the table or alias it
	// came from), or several (a USING join's key is both tables').
	quals [][]string
}

func relationOf(n plan.Node, qual string) relation {
	q := make([][]string, n.Schema().NumFields())
	if qual != "" {
		for i := range q {
			q[i] = []string{strings.ToLower(qual)}
		}
	}
	return relation{node: n, quals: q}
}

// hasQual reports whether field i of r is qualified by qual (lower-case).
func (r relation) hasQual(i int, qual string) bool { return slices.Contains(r.quals[i], qual) }

// qualNames returns the qualifiers of r's fields, each once, sorted.
func (r relation) qualNames() []string {
	var out []string
	for _, q := range r.quals {
		out = append(out, q...)
	}
	return uniq(out)
}

// knows reports whether some field of r is qualified by qual.
func (r relation) knows(qual string) bool {
	for _, q := range r.quals {
		if slices.Contains(q, qual) {
			return true
		}
	}
	return false
}

func (p *planner) parse() (st sqlparser.Statement, err error) {
	// The parser panics on a few malformed statements (SELECT'' slices
	// an empty quoted alias; found by FuzzPlan): a syntax error, not a
	// crash of the caller.
	defer func() {
		if r := recover(); r != nil {
			st, err = nil, p.src.errorAt(-1, ErrSyntax, "syntax error: the parser failed on this statement (%v)", r)
		}
	}()
	st, err = sqlparser.Parse(p.src.text)
	if err != nil {
		return nil, p.src.syntaxError(err)
	}
	return st, nil
}

// statement translates a parsed statement.
func (p *planner) statement(st sqlparser.Statement) (plan.Node, error) {
	switch st := st.(type) {
	case sqlparser.SelectStatement:
		rel, err := p.query(st)
		if err != nil {
			return nil, err
		}
		return rel.node, nil
	case *sqlparser.Show:
		return p.show(st)
	}
	return nil, p.src.errorAt(0, ErrUnsupported, "%s statements are not supported (only queries, SHOW TABLES and DESCRIBE)", statementKind(st))
}

func statementKind(st sqlparser.Statement) string {
	s := strings.TrimPrefix(fmt.Sprintf("%T", st), "*sqlparser.")
	return strings.ToUpper(s)
}

// query translates SELECT, a set operation, or one in parentheses.
func (p *planner) query(st sqlparser.SelectStatement) (relation, error) {
	switch st := st.(type) {
	case *sqlparser.Select:
		return p.selectStmt(st)
	case *sqlparser.ParenSelect:
		return p.query(st.Select)
	case *sqlparser.SetOp:
		return p.setOp(st)
	}
	return relation{}, p.src.errorAt(0, ErrUnsupported, "%s is not supported", sqlparser.String(st))
}

// with adds the CTEs of w to the scope; the caller pops them.
func (p *planner) with(w *sqlparser.With) error {
	if w == nil {
		return nil
	}
	if w.Recursive {
		return p.src.errorAt(p.src.find("RECURSIVE", 0, false), ErrUnsupported, "WITH RECURSIVE is not supported")
	}
	scope := map[string]cte{}
	p.ctes = append(p.ctes, scope)
	for _, c := range w.Ctes {
		name := c.As.String()
		sub, ok := c.Expr.(*sqlparser.Subquery)
		if !ok {
			return p.src.errorAt(p.src.find(name, 0, false), ErrUnsupported, "CTE %s is not a query", name)
		}
		rel, err := p.query(sub.Select)
		if err != nil {
			return err
		}
		if rel, err = p.renameColumns(rel, c.Columns, name); err != nil {
			return err
		}
		scope[strings.ToLower(name)] = cte{name: name, rel: retag(rel, name)}
	}
	return nil
}

func (p *planner) popWith(w *sqlparser.With) {
	if w != nil && !w.Recursive {
		p.ctes = p.ctes[:len(p.ctes)-1]
	}
}

// renameColumns applies a column list (WITH c(x, y) AS …, (…) AS s(x, y)).
func (p *planner) renameColumns(rel relation, cols sqlparser.Columns, name string) (relation, error) {
	if len(cols) == 0 {
		return rel, nil
	}
	s := rel.node.Schema()
	if len(cols) != s.NumFields() {
		return relation{}, p.src.errorAt(p.src.find(name, 0, false), plan.ErrType, "%s names %d columns, its query has %d", name, len(cols), s.NumFields())
	}
	exprs := make([]plan.Expr, len(cols))
	for i, c := range cols {
		exprs[i] = &plan.Alias{Child: plan.Col(s.Field(i).Name), Name: c.String()}
	}
	n, err := plan.NewProject(rel.node, exprs...)
	if err != nil {
		return relation{}, p.src.errorAt(p.src.find(name, 0, false), err, "%v", err)
	}
	return relation{node: n, quals: rel.quals}, nil
}

// retag gives every column of rel the qualifier name.
func retag(rel relation, name string) relation { return relationOf(rel.node, name) }

// setOp translates UNION [ALL | DISTINCT], INTERSECT [DISTINCT] and
// EXCEPT [DISTINCT].
func (p *planner) setOp(st *sqlparser.SetOp) (relation, error) {
	if err := p.with(st.With); err != nil {
		return relation{}, err
	}
	defer p.popWith(st.With)
	at := p.src.find(strings.Fields(st.Type)[0], p.from, false)
	distinct := false
	switch st.Type {
	case sqlparser.UnionAllStr:
	case sqlparser.UnionStr, sqlparser.UnionDistinctStr, sqlparser.IntersectStr, sqlparser.IntersectDistinctStr, sqlparser.ExceptStr, sqlparser.ExceptDistinctStr:
		distinct = true
	default:
		return relation{}, p.src.errorAt(at, ErrUnsupported, "%s is not supported (INTERSECT and EXCEPT are, without ALL)", strings.ToUpper(st.Type))
	}
	left, err := p.query(st.Left)
	if err != nil {
		return relation{}, err
	}
	right, err := p.query(st.Right)
	if err != nil {
		return relation{}, err
	}
	var n plan.Node
	switch st.Type {
	case sqlparser.IntersectStr, sqlparser.IntersectDistinctStr:
		n, err = p.setJoin(left, right, plan.LeftSemiJoin, at)
	case sqlparser.ExceptStr, sqlparser.ExceptDistinctStr:
		n, err = p.setJoin(left, right, plan.LeftAntiJoin, at)
	default:
		n, err = plan.NewUnion(left.node, right.node)
	}
	if err == nil && distinct {
		n, err = plan.NewDistinct(n)
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return relation{}, err
		}
		return relation{}, p.src.errorAt(at, err, "%v", err)
	}
	out := relationOf(n, "")
	// ORDER BY and LIMIT after a set operation read its output columns.
	orders, err := p.orderBy(st.OrderBy, func(e sqlparser.Expr) (plan.Expr, error) {
		if k, ok := ordinal(e); ok {
			if k < 1 || k > n.Schema().NumFields() {
				return nil, p.src.errorAt(p.posOf(e), plan.ErrColumnNotFound, "ORDER BY position %d is not in the select list (1 to %d)", k, n.Schema().NumFields())
			}
			return plan.Col(n.Schema().Field(k - 1).Name), nil
		}
		return p.expr(e, &scope{rel: &out, clause: "ORDER BY"})
	})
	if err != nil {
		return relation{}, err
	}
	if len(orders) > 0 {
		if n, err = plan.NewSort(n, orders...); err != nil {
			return relation{}, p.planError(err, nil)
		}
	}
	if n, err = p.limit(n, st.Limit); err != nil {
		return relation{}, err
	}
	return relationOf(n, ""), nil
}

// ordinal reports whether e is an integer literal (a position in the
// select list), and which.
func ordinal(e sqlparser.Expr) (int, bool) {
	v, ok := e.(*sqlparser.SQLVal)
	if !ok || v.Type != sqlparser.IntVal {
		return 0, false
	}
	k, err := strconv.Atoi(string(v.Val))
	return k, err == nil
}

// limit adds LIMIT n [OFFSET m] (also LIMIT m, n; and OFFSET alone).
func (p *planner) limit(n plan.Node, l *sqlparser.Limit) (plan.Node, error) {
	if l == nil {
		return n, nil
	}
	count := int64(-1)
	if l.Rowcount != nil {
		c, err := p.nonNegative(l.Rowcount, "LIMIT")
		if err != nil {
			return nil, err
		}
		count = c
	}
	if l.Offset != nil {
		m, err := p.nonNegative(l.Offset, "OFFSET")
		if err != nil {
			return nil, err
		}
		return p.offset(n, count, m, p.src.find("OFFSET", p.from, false))
	}
	if count < 0 {
		return n, nil
	}
	return &plan.Limit{Input: n, N: count}, nil
}

// orderBy translates ORDER BY keys with key, folding the NULLS FIRST/LAST
// markers (bridge.go) into the key before them. Spark's defaults: ASC
// sorts NULLs first, DESC last.
func (p *planner) orderBy(ob sqlparser.OrderBy, key func(sqlparser.Expr) (plan.Expr, error)) ([]plan.SortOrder, error) {
	var out []plan.SortOrder
	for _, o := range ob {
		if c, ok := o.Expr.(*sqlparser.ColName); ok && c.Qualifier.IsEmpty() {
			if name := c.Name.String(); name == nullsFirstMarker || name == nullsLastMarker {
				if len(out) == 0 {
					return nil, p.src.errorAt(p.src.find("NULLS", p.from, false), ErrSyntax, "NULLS FIRST/LAST follows no ORDER BY key")
				}
				out[len(out)-1].NullsFirst = name == nullsFirstMarker
				continue
			}
		}
		e, err := key(o.Expr)
		if err != nil {
			return nil, err
		}
		desc := o.Direction == sqlparser.DescScr
		out = append(out, plan.SortOrder{Expr: e, Descending: desc, NullsFirst: !desc})
	}
	return out, nil
}

// show translates SHOW TABLES and DESCRIBE.
func (p *planner) show(st *sqlparser.Show) (plan.Node, error) {
	switch strings.ToLower(st.Type) {
	case "tables":
		var like string
		if st.ShowTablesOpt != nil && st.ShowTablesOpt.Filter != nil {
			if st.ShowTablesOpt.Filter.Filter != nil {
				return nil, p.src.errorAt(p.src.find("WHERE", 0, false), ErrUnsupported, "SHOW TABLES … WHERE is not supported (LIKE is)")
			}
			like = st.ShowTablesOpt.Filter.Like
		}
		if st.ShowTablesOpt != nil && st.ShowTablesOpt.DbName != "" {
			return nil, p.src.errorAt(p.src.find(st.ShowTablesOpt.DbName, 0, false), ErrNotFound, "namespace %q not found (temporary views have none)", st.ShowTablesOpt.DbName)
		}
		var ns, names []string
		var temp []bool
		for _, t := range p.cat.ListTables() {
			if like != "" && !matchShowPattern(like, t.Name) {
				continue
			}
			ns, names, temp = append(ns, t.Namespace), append(names, t.Name), append(temp, t.IsTemporary)
		}
		return memoryTable(
			[]arrow.Field{{Name: "namespace", Type: arrow.BinaryTypes.String}, {Name: "tableName", Type: arrow.BinaryTypes.String}, {Name: "isTemporary", Type: arrow.FixedWidthTypes.Boolean}},
			func(b *array.RecordBuilder) {
				b.Field(0).(*array.StringBuilder).AppendValues(ns, nil)
				b.Field(1).(*array.StringBuilder).AppendValues(names, nil)
				b.Field(2).(*array.BooleanBuilder).AppendValues(temp, nil)
			})
	case "columns":
		rel, err := p.table(st.Table)
		if err != nil {
			return nil, err
		}
		s := rel.node.Schema()
		var names, types []string
		for _, f := range s.Fields() {
			names, types = append(names, f.Name), append(types, TypeName(f.Type))
		}
		return memoryTable(
			[]arrow.Field{{Name: "col_name", Type: arrow.BinaryTypes.String}, {Name: "data_type", Type: arrow.BinaryTypes.String}, {Name: "comment", Type: arrow.BinaryTypes.String, Nullable: true}},
			func(b *array.RecordBuilder) {
				b.Field(0).(*array.StringBuilder).AppendValues(names, nil)
				b.Field(1).(*array.StringBuilder).AppendValues(types, nil)
				b.Field(2).AppendNulls(len(names))
			})
	}
	return nil, p.src.errorAt(0, ErrUnsupported, "SHOW %s is not supported (SHOW TABLES and DESCRIBE are)", strings.ToUpper(st.Type))
}

// matchShowPattern matches Spark's SHOW TABLES LIKE pattern: '*' for any
// characters, '|' between alternatives, case-insensitive.
func matchShowPattern(pattern, name string) bool {
	for _, alt := range strings.Split(pattern, "|") {
		if globMatch(strings.ToLower(strings.TrimSpace(alt)), strings.ToLower(name)) {
			return true
		}
	}
	return false
}

func globMatch(pattern, s string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == s
	}
	if !strings.HasPrefix(s, pattern[:star]) {
		return false
	}
	rest := pattern[star+1:]
	for i := star; i <= len(s); i++ {
		if globMatch(rest, s[i:]) {
			return true
		}
	}
	return false
}

// memoryTable is a one-batch in-memory table (SHOW TABLES, DESCRIBE, the
// row of a SELECT without FROM), in Go-managed memory: the garbage
// collector frees it with the plan, so nobody needs to release it.
func memoryTable(fields []arrow.Field, fill func(*array.RecordBuilder)) (plan.Node, error) {
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	fill(b)
	rec := b.NewRecordBatch()
	defer rec.Release()
	src, err := plan.NewMemorySource(schema, [][]arrow.RecordBatch{{rec}})
	if err != nil {
		return nil, err
	}
	return &plan.Scan{Source: src}, nil
}

// oneRow is the input of a SELECT without FROM: one row, no columns.
func oneRow() (plan.Node, error) {
	schema := arrow.NewSchema(nil, nil)
	rec := array.NewRecordBatch(schema, nil, 1)
	defer rec.Release()
	src, err := plan.NewMemorySource(schema, [][]arrow.RecordBatch{{rec}})
	if err != nil {
		return nil, err
	}
	return &plan.Scan{Source: src}, nil
}

// table looks a table name up: a file (format.`path`), a CTE, the input
// of Select/Filter, or a view.
func (p *planner) table(t sqlparser.TableName) (relation, error) {
	name := t.Name.String()
	qual := t.DbQualifier.String()
	at := p.findFrom(name, false)
	if qual != "" {
		at = p.findFrom(qual, false)
		if p.cat.ReadFile != nil {
			n, ok, err := p.cat.ReadFile(strings.ToLower(qual), name)
			if err != nil {
				return relation{}, p.src.errorAt(at, err, "reading %s.`%s`: %v", qual, name, err)
			}
			if ok {
				return relationOf(n, name), nil
			}
		}
		return relation{}, p.src.errorAt(at, ErrNotFound, "table or view %s.%s not found (files are read as parquet.`path`, csv.`path`, json.`path`, arrow.`path`; temporary views have no namespace)", qual, name)
	}
	key := strings.ToLower(name)
	for i := len(p.ctes) - 1; i >= 0; i-- {
		if c, ok := p.ctes[i][key]; ok {
			return c.rel, nil
		}
	}
	if p.input != nil && name == inputName {
		return relationOf(p.input, ""), nil
	}
	if n, ok := p.cat.View(name); ok {
		return relationOf(n, name), nil
	}
	known := p.cat.viewNames()
	for _, scope := range p.ctes {
		for _, c := range scope {
			known = append(known, c.name)
		}
	}
	return relation{}, p.src.errorAt(at, ErrNotFound, "table or view %q not found%s (views: %s)", name, suggest(name, known), listNames(known))
}

// planError turns an error of a plan constructor into an Error at the
// first name of node that it names (or at no place).
func (p *planner) planError(err error, node sqlparser.SQLNode) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	at := -1
	if node != nil {
		at = p.posOf(node)
	}
	return p.src.errorAt(at, err, "%s", strings.TrimPrefix(err.Error(), "plan: "))
}

// posOf returns the offset of node in the user's text, found by the first
// column or function name in it; -1 when none is found.
func (p *planner) posOf(node sqlparser.SQLNode) int {
	at := -1
	_ = sqlparser.Walk(func(n sqlparser.SQLNode) (bool, error) {
		if at >= 0 {
			return false, nil
		}
		switch n := n.(type) {
		case *sqlparser.ColName:
			at = p.columnPos(n)
		case *sqlparser.FuncExpr:
			at = p.findFrom(n.Name.String(), true)
		case *sqlparser.SQLVal:
			at = p.findFrom(string(n.Val), false)
		}
		return true, nil
	}, node)
	return at
}

// findFrom finds name from the current clause, else anywhere.
func (p *planner) findFrom(name string, call bool) int {
	if at := p.src.find(name, p.from, call); at >= 0 {
		return at
	}
	return p.src.find(name, 0, call)
}

// setJoin is INTERSECT (a semi join) or EXCEPT (an anti join) of left
// and right before DISTINCT: rows of left that some row of right equals
// (or none does), column by column, NULL equal to NULL as in Spark.
func (p *planner) setJoin(left, right relation, typ plan.JoinType, at int) (plan.Node, error) {
	ls, rs := left.node.Schema(), right.node.Schema()
	if ls.NumFields() != rs.NumFields() {
		return nil, p.src.errorAt(at, plan.ErrType, "the queries have %d and %d columns", ls.NumFields(), rs.NumFields())
	}
	renamed := make([]plan.Expr, rs.NumFields())
	for i := range renamed {
		ref, ok := columnRef(rs, i)
		if !ok {
			return nil, p.src.errorAt(at, plan.ErrColumnNotFound, "the right query has columns of one name (%q) that nothing tells apart: alias them", rs.Field(i).Name)
		}
		renamed[i] = &plan.Alias{Child: ref, Name: fmt.Sprintf("__ember_set%d", i)}
	}
	r, err := plan.NewProject(right.node, renamed...)
	if err != nil {
		return nil, err
	}
	var conds []plan.Expr
	for i := range ls.NumFields() {
		ref, ok := columnRef(ls, i)
		if !ok {
			return nil, p.src.errorAt(at, plan.ErrColumnNotFound, "the left query has columns of one name (%q) that nothing tells apart: alias them", ls.Field(i).Name)
		}
		conds = append(conds, plan.NewBinary(plan.OpEqNullSafe, ref, plan.Col(fmt.Sprintf("__ember_set%d", i))))
	}
	j, err := plan.NewJoin(left.node, r, plan.JoinSpec{Type: typ, On: plan.And(conds...), LeftID: plan.NewPlanID(), RightID: plan.NewPlanID()})
	if err != nil {
		return nil, err
	}
	return j, nil
}
