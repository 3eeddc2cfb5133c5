package sql

import (
	"encoding/hex"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/dolthub/vitess/go/vt/sqlparser"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/udf"
)

// scope is what an expression's names refer to.
type scope struct {
	rel    *relation   // the input's columns; nil: names taken as written (ParseExpr)
	aggs   *aggregates // non-nil where aggregates may be called (select list, HAVING, ORDER BY of an aggregate query)
	clause string      // where the expression is, for messages
	// split > 0 marks the scope of a correlated subquery's condition: rel
	// is the enclosing query's columns [0, split) then the subquery's;
	// a name resolves in the subquery's first (SQL's scoping), or in the
	// enclosing query's first with preferOuter (IN's left operand).
	split       int
	preferOuter bool
}

// where names the clause for messages.
func (sc *scope) where() string {
	if sc.clause == "" {
		return "this expression"
	}
	return sc.clause
}

// scalarSubquery reads the column a scalar subquery was joined in as;
// in an aggregate query's select list, HAVING and ORDER BY it plans an
// uncorrelated one, cross-joined with the Aggregate's output.
func (p *planner) scalarSubquery(sub *sqlparser.Subquery, sc *scope) (plan.Expr, error) {
	if v, ok := p.scalars[sub]; ok {
		return v, nil
	}
	if sc.aggs != nil && sc.rel != nil {
		one, err := oneRow()
		if err != nil {
			return nil, err
		}
		rel, err := p.joinScalar(relationOf(one, ""), sub)
		if err != nil {
			return nil, err
		}
		if _, ok := rel.node.(*plan.Join); !ok {
			return nil, p.unsupported(sub, "a correlated scalar subquery in an aggregate query's "+sc.where())
		}
		if j := rel.node.(*plan.Join); j.Type != plan.CrossJoin {
			return nil, p.unsupported(sub, "a correlated scalar subquery in an aggregate query's "+sc.where())
		}
		p.postAgg = append(p.postAgg, relation{node: rel.node.(*plan.Join).Right, quals: make([][]string, rel.node.(*plan.Join).Right.Schema().NumFields())})
		return p.scalars[sub], nil
	}
	return nil, p.unsupported(sub, "a scalar subquery in "+sc.where()+" (scalar subqueries are supported in WHERE and the select list)")
}

// expr translates a scalar expression.
func (p *planner) expr(e sqlparser.Expr, sc *scope) (plan.Expr, error) {
	switch e := e.(type) {
	case *sqlparser.ColName:
		return p.column(e, sc)
	case *sqlparser.SQLVal:
		return p.literal(e)
	case *sqlparser.NullVal:
		return plan.Lit(nil), nil
	case sqlparser.BoolVal:
		return plan.Lit(bool(e)), nil
	case *sqlparser.ParenExpr:
		return p.expr(e.Expr, sc)
	case *sqlparser.AndExpr:
		return p.binary(plan.OpAnd, e.Left, e.Right, sc)
	case *sqlparser.OrExpr:
		return p.binary(plan.OpOr, e.Left, e.Right, sc)
	case *sqlparser.NotExpr:
		x, err := p.expr(e.Expr, sc)
		if err != nil {
			return nil, err
		}
		return plan.NewUnary(plan.OpNot, x), nil
	case *sqlparser.ComparisonExpr:
		return p.comparison(e, sc)
	case *sqlparser.RangeCond:
		x, err := p.expr(e.Left, sc)
		if err != nil {
			return nil, err
		}
		lo, err := p.expr(e.From, sc)
		if err != nil {
			return nil, err
		}
		hi, err := p.expr(e.To, sc)
		if err != nil {
			return nil, err
		}
		between := plan.NewBinary(plan.OpAnd, plan.NewBinary(plan.OpGe, x, lo), plan.NewBinary(plan.OpLe, x, hi))
		if e.Operator == sqlparser.NotBetweenStr {
			return plan.NewUnary(plan.OpNot, between), nil
		}
		return between, nil
	case *sqlparser.IsExpr:
		return p.is(e, sc)
	case *sqlparser.BinaryExpr:
		ops := map[string]plan.BinaryOp{
			sqlparser.PlusStr: plan.OpAdd, sqlparser.MinusStr: plan.OpSub, sqlparser.MultStr: plan.OpMul,
			sqlparser.DivStr: plan.OpDiv, sqlparser.ModStr: plan.OpMod,
		}
		op, ok := ops[e.Operator]
		if !ok {
			return nil, p.unsupported(e, "the operator "+strings.TrimSpace(e.Operator))
		}
		return p.binary(op, e.Left, e.Right, sc)
	case *sqlparser.UnaryExpr:
		return p.unary(e, sc)
	case *sqlparser.CaseExpr:
		return p.caseExpr(e, sc)
	case *sqlparser.ConvertExpr:
		return p.cast(e, sc)
	case *sqlparser.FuncExpr:
		return p.call(e, sc)
	case *sqlparser.SubstrExpr:
		var str sqlparser.Expr = e.Name
		if e.StrVal != nil {
			str = e.StrVal
		}
		args := []sqlparser.Expr{str, e.From}
		if e.To != nil {
			args = append(args, e.To)
		}
		return p.builtin("substring", args, sc, e)
	case *sqlparser.TrimExpr:
		if e.Pattern != nil {
			return nil, p.unsupported(e, "TRIM(… FROM …) with characters")
		}
		fn := map[string]string{sqlparser.Leading: "ltrim", sqlparser.Trailing: "rtrim"}[e.Dir]
		if fn == "" {
			fn = "trim"
		}
		return p.builtin(fn, []sqlparser.Expr{e.Str}, sc, e)
	case *sqlparser.Subquery:
		return p.scalarSubquery(e, sc)
	case *sqlparser.ExistsExpr:
		if v, ok := p.scalars[e]; ok {
			return v, nil
		}
		return nil, p.src.errorAt(p.findFrom("EXISTS", false), ErrUnsupported, "EXISTS is supported in WHERE and in a query's select list (without GROUP BY or aggregates), not in %s", sc.where())
	}
	return nil, p.unsupported(e, sqlparser.String(e))
}

// unsupported is the error of an expression ember does not run.
func (p *planner) unsupported(e sqlparser.SQLNode, what string) error {
	at := p.posOf(e)
	if at < 0 {
		at = p.from
	}
	return p.src.errorAt(at, ErrUnsupported, "%s is not supported", what)
}

// column resolves a column name against the scope: case-insensitive, a
// qualifier names a table of FROM or, failing that, a struct column
// whose field is read (s.f).
func (p *planner) column(c *sqlparser.ColName, sc *scope) (plan.Expr, error) {
	name := c.Name.String()
	qual := c.Qualifier.Name.String()
	if !c.Qualifier.DbQualifier.IsEmpty() {
		return nil, p.src.errorAt(p.findFrom(name, false), ErrUnsupported, "a column name with three parts (%s) is not supported", sqlparser.String(c))
	}
	if name == nullsFirstMarker || name == nullsLastMarker {
		return nil, p.src.errorAt(p.findFrom("NULLS", false), ErrSyntax, "NULLS FIRST/LAST outside ORDER BY")
	}
	if sc.rel == nil {
		if qual != "" {
			return &plan.GetField{Child: plan.Col(qual), Name: name}, nil
		}
		return plan.Col(name), nil
	}
	rel := sc.rel
	fields := rel.node.Schema().Fields()
	if qual != "" && !rel.knows(strings.ToLower(qual)) {
		if err := p.outerReference(c, sc); err != nil {
			return nil, err
		}
		// Not a table: a struct column's field.
		if i, ok := p.lookup(fields, nil, "", qual); ok {
			if i < 0 {
				return nil, p.src.errorAt(p.columnPos(c), plan.ErrColumnNotFound, "%s.%s: %q is no table, and several columns are called so (%s)", qual, name, qual, p.candidates(rel, "", qual))
			}
			ref, err := p.fieldRef(rel, i, qual)
			if err != nil {
				return nil, err
			}
			return &plan.GetField{Child: ref, Name: name}, nil
		}
		return nil, p.src.errorAt(p.findFrom(qual, false), plan.ErrColumnNotFound, "%s.%s: no table or struct column %q in scope%s (tables: %s)", qual, name, qual, suggest(qual, rel.qualNames()), listNames(rel.qualNames()))
	}
	i, ok := p.resolveIn(sc, strings.ToLower(qual), name)
	if ok {
		if i < 0 {
			return nil, p.src.errorAt(p.findFrom(name, false), plan.ErrColumnNotFound, "column %q is ambiguous: it could be %s (qualify it)", name, p.candidates(rel, qual, name))
		}
		return p.fieldRef(rel, i, name)
	}
	if qual == "" || rel.knows(strings.ToLower(qual)) {
		if err := p.outerReference(c, sc); err != nil {
			return nil, err
		}
	}
	var names []string
	for _, f := range fields {
		if !strings.HasPrefix(f.Name, "__ember_") {
			names = append(names, f.Name)
		}
	}
	names = uniq(names)
	where := ""
	if sc.clause != "" {
		where = " in " + sc.clause
	}
	return nil, p.src.errorAt(p.columnPos(c), plan.ErrColumnNotFound, "column %q not found%s%s (columns: %s)", name, where, suggest(name, names), listNames(names))
}

// lookup finds the column name (with qualifier qual, unless "") among
// fields: the exact spelling first, else the only case-insensitive
// match. It reports true with -1 for an ambiguous name.
func (p *planner) lookup(fields []arrow.Field, rel *relation, qual, name string) (int, bool) {
	return lookupRange(fields, rel, qual, name, 0, len(fields))
}

// resolveIn is lookup over sc's relation, in the order a correlated
// scope asks for (see scope.split).
func (p *planner) resolveIn(sc *scope, qual, name string) (int, bool) {
	fields := sc.rel.node.Schema().Fields()
	if sc.split <= 0 {
		return p.lookup(fields, sc.rel, qual, name)
	}
	ranges := [][2]int{{sc.split, len(fields)}, {0, sc.split}}
	if sc.preferOuter {
		ranges[0], ranges[1] = ranges[1], ranges[0]
	}
	for _, r := range ranges {
		if i, ok := lookupRange(fields, sc.rel, qual, name, r[0], r[1]); ok {
			return i, true
		}
	}
	return -1, false
}

// lookupRange is lookup among fields[lo:hi].
func lookupRange(fields []arrow.Field, rel *relation, qual, name string, lo, hi int) (int, bool) {
	find := func(eq func(a, b string) bool) (int, bool) {
		found := -1
		for i := lo; i < hi; i++ {
			f := fields[i]
			if eq(f.Name, name) && (qual == "" || rel.hasQual(i, qual)) {
				if found >= 0 {
					return -1, true
				}
				found = i
			}
		}
		return found, found >= 0
	}
	if i, ok := find(func(a, b string) bool { return a == b }); ok {
		return i, true
	}
	return find(strings.EqualFold)
}

func uniq(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// literal translates a constant. Integers are int (int32) when they fit,
// else bigint, as in Spark; numbers with a point or exponent are double
// (Spark reads 1.5 as a decimal: ember as a double).
func (p *planner) literal(v *sqlparser.SQLVal) (plan.Expr, error) {
	s := string(v.Val)
	switch v.Type {
	case sqlparser.StrVal:
		return plan.Lit(s), nil
	case sqlparser.IntVal:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, p.src.errorAt(p.findFrom(s, false), plan.ErrType, "integer %s is out of range for bigint", s)
		}
		if n >= math.MinInt32 && n <= math.MaxInt32 {
			return plan.Lit(int32(n)), nil
		}
		return plan.Lit(n), nil
	case sqlparser.FloatVal:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, p.src.errorAt(p.findFrom(s, false), plan.ErrType, "bad number %s", s)
		}
		return plan.Lit(f), nil
	case sqlparser.HexVal:
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, p.src.errorAt(p.findFrom(s, false), ErrSyntax, "bad binary literal X'%s'", s)
		}
		return plan.Lit(b), nil
	}
	return nil, p.unsupported(v, "the literal "+sqlparser.String(v))
}

func (p *planner) binary(op plan.BinaryOp, l, r sqlparser.Expr, sc *scope) (plan.Expr, error) {
	left, err := p.expr(l, sc)
	if err != nil {
		return nil, err
	}
	right, err := p.expr(r, sc)
	if err != nil {
		return nil, err
	}
	return plan.NewBinary(op, left, right), nil
}

func (p *planner) unary(e *sqlparser.UnaryExpr, sc *scope) (plan.Expr, error) {
	switch e.Operator {
	case sqlparser.UMinusStr:
		// A negative number is one literal, so -2147483648 stays an int.
		if v, ok := e.Expr.(*sqlparser.SQLVal); ok && (v.Type == sqlparser.IntVal || v.Type == sqlparser.FloatVal) {
			return p.literal(&sqlparser.SQLVal{Type: v.Type, Val: append([]byte("-"), v.Val...)})
		}
		x, err := p.expr(e.Expr, sc)
		if err != nil {
			return nil, err
		}
		return plan.NewUnary(plan.OpNegate, x), nil
	case sqlparser.UPlusStr:
		return p.expr(e.Expr, sc)
	case sqlparser.BangStr:
		x, err := p.expr(e.Expr, sc)
		if err != nil {
			return nil, err
		}
		return plan.NewUnary(plan.OpNot, x), nil
	}
	return nil, p.unsupported(e, "the operator "+strings.TrimSpace(e.Operator))
}

// comparison translates =, <, …, <=>, [NOT] IN (list), [NOT] LIKE and
// [NOT] RLIKE/REGEXP.
func (p *planner) comparison(e *sqlparser.ComparisonExpr, sc *scope) (plan.Expr, error) {
	ops := map[string]plan.BinaryOp{
		sqlparser.EqualStr: plan.OpEq, sqlparser.LessThanStr: plan.OpLt, sqlparser.GreaterThanStr: plan.OpGt,
		sqlparser.LessEqualStr: plan.OpLe, sqlparser.GreaterEqualStr: plan.OpGe, sqlparser.NotEqualStr: plan.OpNeq,
		"<>": plan.OpNeq,
	}
	if op, ok := ops[e.Operator]; ok {
		return p.binary(op, e.Left, e.Right, sc)
	}
	if e.Escape != nil {
		return nil, p.unsupported(e, "LIKE … ESCAPE")
	}
	switch e.Operator {
	case sqlparser.NullSafeEqualStr:
		l, err := p.expr(e.Left, sc)
		if err != nil {
			return nil, err
		}
		r, err := p.expr(e.Right, sc)
		if err != nil {
			return nil, err
		}
		// x <=> NULL is x IS NULL.
		if _, ok := e.Right.(*sqlparser.NullVal); ok {
			return plan.NewUnary(plan.OpIsNull, l), nil
		}
		if _, ok := e.Left.(*sqlparser.NullVal); ok {
			return plan.NewUnary(plan.OpIsNull, r), nil
		}
		return nullSafeEqual(l, r), nil
	case sqlparser.InStr, sqlparser.NotInStr:
		if _, ok := e.Right.(*sqlparser.Subquery); ok {
			if v, ok := p.scalars[e]; ok {
				return v, nil
			}
			return nil, p.src.errorAt(p.findFrom("IN", false), ErrUnsupported, "IN (subquery) is supported in WHERE and in a query's select list (without GROUP BY or aggregates), not in %s", sc.where())
		}
		list, ok := e.Right.(sqlparser.ValTuple)
		if !ok {
			return nil, p.unsupported(e, sqlparser.String(e))
		}
		x, err := p.expr(e.Left, sc)
		if err != nil {
			return nil, err
		}
		// x IN (a, b) is x = a OR x = b: the same three-valued logic
		// (NULL when no value matches and one is NULL).
		var in plan.Expr
		for _, v := range list {
			y, err := p.expr(v, sc)
			if err != nil {
				return nil, err
			}
			eq := plan.NewBinary(plan.OpEq, x, y)
			if in == nil {
				in = eq
			} else {
				in = plan.NewBinary(plan.OpOr, in, eq)
			}
		}
		if e.Operator == sqlparser.NotInStr {
			return plan.NewUnary(plan.OpNot, in), nil
		}
		return in, nil
	case sqlparser.LikeStr, sqlparser.NotLikeStr, sqlparser.RegexpStr, sqlparser.NotRegexpStr:
		fn := "like"
		if e.Operator == sqlparser.RegexpStr || e.Operator == sqlparser.NotRegexpStr {
			fn = "rlike"
		}
		x, err := p.builtin(fn, []sqlparser.Expr{e.Left, e.Right}, sc, e)
		if err != nil {
			return nil, err
		}
		if e.Operator == sqlparser.NotLikeStr || e.Operator == sqlparser.NotRegexpStr {
			return plan.NewUnary(plan.OpNot, x), nil
		}
		return x, nil
	}
	return nil, p.unsupported(e, "the operator "+e.Operator)
}

// nullSafeEqual is l <=> r: true when both are NULL, false when one is.
func nullSafeEqual(l, r plan.Expr) plan.Expr {
	lNull, rNull := plan.NewUnary(plan.OpIsNull, l), plan.NewUnary(plan.OpIsNull, r)
	return &plan.CaseWhen{
		Branches: []plan.When{
			{Cond: plan.NewBinary(plan.OpAnd, lNull, rNull), Value: plan.Lit(true)},
			{Cond: plan.NewBinary(plan.OpOr, lNull, rNull), Value: plan.Lit(false)},
		},
		Else: plan.NewBinary(plan.OpEq, l, r),
	}
}

// is translates IS [NOT] NULL / TRUE / FALSE.
func (p *planner) is(e *sqlparser.IsExpr, sc *scope) (plan.Expr, error) {
	x, err := p.expr(e.Expr, sc)
	if err != nil {
		return nil, err
	}
	switch e.Operator {
	case sqlparser.IsNullStr:
		return plan.NewUnary(plan.OpIsNull, x), nil
	case sqlparser.IsNotNullStr:
		return plan.NewUnary(plan.OpIsNotNull, x), nil
	}
	// IS TRUE is never NULL: CASE WHEN x THEN true ELSE false END.
	cond := x
	if e.Operator == sqlparser.IsFalseStr || e.Operator == sqlparser.IsNotFalseStr {
		cond = plan.NewUnary(plan.OpNot, x)
	}
	yes := e.Operator == sqlparser.IsTrueStr || e.Operator == sqlparser.IsFalseStr
	return &plan.CaseWhen{Branches: []plan.When{{Cond: cond, Value: plan.Lit(yes)}}, Else: plan.Lit(!yes)}, nil
}

func (p *planner) caseExpr(e *sqlparser.CaseExpr, sc *scope) (plan.Expr, error) {
	var operand plan.Expr
	if e.Expr != nil {
		x, err := p.expr(e.Expr, sc)
		if err != nil {
			return nil, err
		}
		operand = x
	}
	out := &plan.CaseWhen{}
	for _, w := range e.Whens {
		cond, err := p.expr(w.Cond, sc)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			cond = plan.NewBinary(plan.OpEq, operand, cond)
		}
		val, err := p.expr(w.Val, sc)
		if err != nil {
			return nil, err
		}
		out.Branches = append(out.Branches, plan.When{Cond: cond, Value: val})
	}
	if e.Else != nil {
		x, err := p.expr(e.Else, sc)
		if err != nil {
			return nil, err
		}
		out.Else = x
	}
	return out, nil
}

// cast translates CAST(x AS type); the bridge numbered the Spark type.
func (p *planner) cast(e *sqlparser.ConvertExpr, sc *scope) (plan.Expr, error) {
	if !strings.EqualFold(e.Name, "cast") || e.Type == nil || e.Type.Length == nil || !strings.EqualFold(e.Type.Type, "char") {
		return nil, p.unsupported(e, strings.ToUpper(e.Name)+"(…)")
	}
	n, err := strconv.ParseInt(string(e.Type.Length.Val), 10, 64)
	if k := n - castMarkerBase; err != nil || k < 0 || k >= int64(len(p.src.casts)) {
		return nil, p.unsupported(e, sqlparser.String(e))
	}
	spec := p.src.casts[n-castMarkerBase]
	t, err := ParseType(spec.text)
	if err != nil {
		return nil, p.src.errorAt(spec.at, plan.ErrType, "CAST: %v (types: boolean, tinyint, smallint, int, bigint, float, double, decimal(p,s), string, binary, date, timestamp)", err)
	}
	x, err := p.expr(e.Expr, sc)
	if err != nil {
		return nil, err
	}
	return &plan.Cast{Child: x, To: t}, nil
}

// call translates a function call: an aggregate, a model or UDF of the
// catalog, or a built-in function.
func (p *planner) call(f *sqlparser.FuncExpr, sc *scope) (plan.Expr, error) {
	name := f.Name.String()
	at := p.findFrom(name, true)
	if !f.Qualifier.IsEmpty() {
		return nil, p.src.errorAt(at, ErrNotFound, "function %s.%s not found (functions have no namespace)", f.Qualifier.String(), name)
	}
	if f.Over != nil {
		return p.window(f, sc, at)
	}
	if _, ok := plan.LookupAggregate(name); ok {
		return p.aggregate(f, sc, at)
	}
	if plan.LookupGenerator(name) {
		return p.generator(f, sc, at)
	}
	if f.Distinct {
		return nil, p.src.errorAt(at, ErrSyntax, "DISTINCT in %s(…), which is not an aggregate", name)
	}
	args := make([]sqlparser.Expr, len(f.Exprs))
	for i, a := range f.Exprs {
		ae, ok := a.(*sqlparser.AliasedExpr)
		if !ok {
			return nil, p.src.errorAt(at, ErrSyntax, "%s(*): only count takes *", name)
		}
		args[i] = ae.Expr
	}
	return p.builtin(name, args, sc, f)
}

// generator translates explode(x), posexplode(x) and their _outer forms
// into a plan.Generator, which plan.Projection turns into a Generate node
// below the select list.
func (p *planner) generator(f *sqlparser.FuncExpr, sc *scope, at int) (plan.Expr, error) {
	name := strings.ToLower(f.Name.String())
	if sc.aggs != nil {
		return nil, p.src.errorAt(at, ErrUnsupported, "generator %s in a query with GROUP BY or aggregates is not supported yet: explode in a subquery, then aggregate over it", name)
	}
	if sc.clause != "the select list" {
		return nil, p.src.errorAt(at, plan.ErrType, "generator %s is allowed only in the select list, not in %s", name, sc.clause)
	}
	if f.Distinct {
		return nil, p.src.errorAt(at, ErrSyntax, "DISTINCT in %s(…), which is not an aggregate", name)
	}
	var args []plan.Expr
	for _, a := range f.Exprs {
		ae, ok := a.(*sqlparser.AliasedExpr)
		if !ok {
			return nil, p.src.errorAt(at, ErrSyntax, "%s(*): only count takes *", name)
		}
		x, err := p.expr(ae.Expr, &scope{rel: sc.rel, clause: "a generator's argument"})
		if err != nil {
			return nil, err
		}
		args = append(args, x)
	}
	g, err := plan.CallGenerator(name, args...)
	if err != nil {
		return nil, p.src.errorAt(at, err, "%s", strings.TrimPrefix(err.Error(), "plan: "))
	}
	return g, nil
}

// builtin calls the function name on args: a model or UDF of the catalog
// first, then plan's built-in functions and the few SQL functions that
// are plan operators (if, isnull, isnotnull).
func (p *planner) builtin(name string, astArgs []sqlparser.Expr, sc *scope, node sqlparser.SQLNode) (plan.Expr, error) {
	at := p.findFrom(name, true)
	if at < 0 {
		at = p.posOf(node)
	}
	args := make([]plan.Expr, len(astArgs))
	for i, a := range astArgs {
		x, err := p.expr(a, sc)
		if err != nil {
			return nil, err
		}
		args[i] = x
	}
	model, fn := p.cat.function(name)
	switch {
	case model != nil:
		in := make([]any, len(args))
		for i, a := range args {
			in[i] = a
		}
		return udf.Predict(model, in...), nil
	case fn != nil:
		return &plan.Call{Fn: fn, Args: args}, nil
	}
	lower := strings.ToLower(name)
	if b, ok := plan.LookupFunction(lower); ok {
		x, err := b(args...)
		if err != nil {
			return nil, p.src.errorAt(at, err, "%s", strings.TrimPrefix(err.Error(), "plan: "))
		}
		return x, nil
	}
	switch lower {
	case "if":
		if len(args) != 3 {
			return nil, p.src.errorAt(at, plan.ErrType, "if takes 3 arguments, got %d", len(args))
		}
		return &plan.CaseWhen{Branches: []plan.When{{Cond: args[0], Value: args[1]}}, Else: args[2]}, nil
	case "isnull", "isnotnull":
		if len(args) != 1 {
			return nil, p.src.errorAt(at, plan.ErrType, "%s takes 1 argument, got %d", lower, len(args))
		}
		op := plan.OpIsNull
		if lower == "isnotnull" {
			op = plan.OpIsNotNull
		}
		return plan.NewUnary(op, args[0]), nil
	}
	known := append(append(plan.FunctionNames(), p.cat.functionNames()...), "if", "isnull", "isnotnull")
	known = append(append(known, plan.AggregateNames()...), plan.GeneratorNames()...)
	return nil, p.src.errorAt(at, ErrNotFound, "function %q not found%s (register a model with RegisterModel or a UDF with RegisterUDF; functions: %s)", name, suggest(name, known), listNames(known))
}

// aggregate translates an aggregate call into its column of the query's
// Aggregate: plan.CallAggregate builds it from the arguments as written
// (the column, the further columns of count(DISTINCT a, b), constant
// parameters such as percentile_approx's percentage and accuracy).
func (p *planner) aggregate(f *sqlparser.FuncExpr, sc *scope, at int) (plan.Expr, error) {
	name := strings.ToLower(f.Name.String())
	if sc.aggs == nil {
		where := sc.clause
		if where == "" {
			where = "this expression"
		}
		return nil, p.src.errorAt(at, plan.ErrType, "aggregate function %s is not allowed in %s", name, where)
	}
	var args []plan.Expr
	for i, a := range f.Exprs {
		switch a := a.(type) {
		case *sqlparser.StarExpr:
			fn, _ := plan.LookupAggregate(name)
			if fn != plan.AggCount || f.Distinct || !a.TableName.IsEmpty() || len(f.Exprs) != 1 {
				return nil, p.src.errorAt(at, ErrSyntax, "%s(*): only count takes *", name)
			}
		case *sqlparser.AliasedExpr:
			if containsAggregate(a.Expr) {
				return nil, p.src.errorAt(at, plan.ErrType, "an aggregate inside the aggregate %s", name)
			}
			clause := "an aggregate's argument"
			if i > 0 {
				clause = "an aggregate's parameter"
			}
			x, err := p.expr(a.Expr, &scope{rel: sc.rel, clause: clause})
			if err != nil {
				return nil, err
			}
			args = append(args, x)
		default:
			return nil, p.src.errorAt(at, ErrSyntax, "%s in %s(…) is not supported", sqlparser.String(a), name)
		}
	}
	if len(f.Exprs) == 0 {
		return nil, p.src.errorAt(at, plan.ErrType, "%s needs an argument", name)
	}
	agg, err := plan.CallAggregate(name, f.Distinct, args...)
	if err != nil {
		return nil, p.src.errorAt(at, err, "%s", strings.TrimPrefix(err.Error(), "plan: "))
	}
	return sc.aggs.add(aggCall{agg: agg, at: at}), nil
}
