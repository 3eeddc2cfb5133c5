package sql

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// testCatalog has views t(id bigint, k string, g int, x double, s
// struct<f: string>) and u(id bigint), over sources with no rows:
// translation needs schemas only.
func testCatalog(t testing.TB) *Catalog {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "g", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.StructOf(arrow.Field{Name: "f", Type: arrow.BinaryTypes.String}), Nullable: true},
	}, nil)
	cat := &Catalog{}
	for name, s := range map[string]*arrow.Schema{"t": schema, "u": arrow.NewSchema(schema.Fields()[:1], nil)} {
		src, err := plan.NewMemorySource(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := cat.CreateTempView(name, &plan.Scan{Source: src}, false); err != nil {
			t.Fatal(err)
		}
	}
	return cat
}

// TestTranslate checks the plans of statements: their output columns
// and types, and the lines of the plan that carry the translation.
func TestTranslate(t *testing.T) {
	cat := testCatalog(t)
	for _, c := range []struct {
		query   string
		columns string   // name:type, …
		plan    []string // substrings of plan.Explain
	}{
		{"SELECT * FROM t", "id:int64, k:utf8, g:int32, x:float64, s:struct<f: utf8>", []string{"Scan memory [id, k, g, x, s]"}},
		{"SELECT `ID`, K FROM T", "id:int64, k:utf8", nil},
		{"SELECT t.id, s.f FROM t", "id:int64, f:utf8", nil},
		{"SELECT id + 1 AS a, g * 2, 'x', 1.5, 2147483648, -2147483648 FROM t",
			"a:int64, g * 2:int32, 'x':utf8, 1.5:float64, 2147483648:int64, -2147483648:int32", nil},
		{"SELECT CAST(id AS int), CAST(g AS string) AS gs, CAST(x AS decimal(10, 2)), CAST(CAST(g AS bigint) AS double) FROM t",
			"CAST(id AS int):int32, gs:utf8, CAST(x AS decimal(10, 2)):decimal(10, 2), CAST(CAST(g AS bigint) AS double):float64", nil},
		{"SELECT id FROM t WHERE g IN (1, 2) AND k <=> 'a' AND x BETWEEN 0 AND 1", "id:int64", []string{"Filter"}},
		{"SELECT id FROM t ORDER BY g DESC NULLS FIRST, x NULLS LAST, k", "id:int64",
			[]string{"Sort [__ember_order0 DESC NULLS FIRST, __ember_order1 ASC NULLS LAST, __ember_order2 ASC NULLS FIRST]"}},
		{"SELECT id AS i FROM t ORDER BY i DESC", "i:int64", []string{"Sort [i DESC NULLS LAST]"}},
		{"SELECT k, count(*) AS n, sum(g) + 1 FROM t GROUP BY 1 HAVING count(*) > 1 ORDER BY n DESC", "k:utf8, n:int64, sum(g) + 1:int64",
			[]string{"Aggregate keys=[__ember_key0] aggs=[count(*) AS __ember_agg0, sum(__ember_arg0) AS __ember_agg1]", "Sort [n DESC NULLS LAST]"}},
		{"SELECT upper(k) AS uk, max(x) FROM t GROUP BY uk", "uk:utf8, max(x):float64", []string{"upper(k) AS __ember_key0"}},
		{"SELECT g, count(DISTINCT k) FROM t GROUP BY g", "g:int32, count(DISTINCT k):int64",
			[]string{"Aggregate keys=[__ember_key0] aggs=[count(DISTINCT __ember_arg0) AS __ember_agg0]"}},
		{"SELECT k, percentile_approx(x, 0.5, 100), approx_percentile(g, array(0.25, 0.75)), count(DISTINCT g, x), sum(x), stddev(x) FROM t GROUP BY k",
			"k:utf8, percentile_approx(x, 0.5, 100):float64, approx_percentile(g, array(0.25, 0.75)):list<item: int32, nullable>, count(DISTINCT g, x):int64, sum(x):float64, stddev(x):float64",
			[]string{"percentile_approx(__ember_arg0, 0.5, 100) AS __ember_agg0", "count(DISTINCT __ember_arg1, __ember_arg0) AS __ember_agg2"}},
		{"SELECT DISTINCT k FROM t ORDER BY k", "k:utf8", []string{"Distinct"}},
		{"WITH c(a) AS (SELECT id FROM t) SELECT a FROM c LIMIT 3", "a:int64", []string{"Limit 3"}},
		{"SELECT q.id FROM (SELECT id FROM t) AS q", "id:int64", nil},
		{"SELECT id FROM t UNION SELECT id FROM u ORDER BY 1", "id:int64", []string{"Union 2 inputs", "Distinct", "Sort [id ASC NULLS FIRST]"}},
		{"SELECT id FROM t UNION ALL SELECT id FROM u", "id:int64", []string{"Union 2 inputs"}},
		{"SELECT CASE WHEN g > 1 THEN 'a' ELSE 'b' END AS c, CASE k WHEN 'x' THEN 1 END AS d FROM t", "c:utf8, d:int32", nil},
		{"SELECT 1 AS one", "one:int32", nil},
		{"SHOW TABLES", "namespace:utf8, tableName:utf8, isTemporary:bool", nil},
		{"SHOW TABLES LIKE 'u*'", "namespace:utf8, tableName:utf8, isTemporary:bool", nil},
		{"SELECT id, row_number() OVER (PARTITION BY k ORDER BY g DESC NULLS FIRST, id) AS rn, lag(x, 2, 0.5) OVER w, sum(g) OVER (w ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t WINDOW w AS (PARTITION BY k ORDER BY id)",
			"id:int64, rn:int32, lag(x, 2, 0.5) OVER w:float64, sum(g) OVER (w ROWS BETWEEN 2 PRECEDING AND CURRENT ROW):int64",
			[]string{"order=[g DESC NULLS FIRST, id ASC NULLS FIRST]", "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW"}},
		{"SELECT id, cume_dist() OVER (PARTITION BY k ORDER BY g) AS cd, nth_value(x, 2) OVER (ORDER BY g) AS n2, nth_value(k, 3, true) OVER (ORDER BY g ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n3 FROM t",
			"id:int64, cd:float64, n2:float64, n3:utf8",
			[]string{"cume_dist() RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW AS cd", "nth_value(x, 2) RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW AS n2", "nth_value(k, 3, true) ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING AS n3"}},
		{"SELECT id, nth_value(x, 2) IGNORE NULLS OVER (ORDER BY g) AS a, first_value(x) IGNORE NULLS OVER (ORDER BY g) AS b, last_value(x) IGNORE NULLS OVER (ORDER BY g) AS c, nth_value(x, 1) RESPECT NULLS OVER (ORDER BY g) AS d FROM t",
			"id:int64, a:float64, b:float64, c:float64, d:float64",
			[]string{"nth_value(x, 2, true) RANGE", "first(x, true) RANGE", "last(x, true) RANGE", "nth_value(x, 1) RANGE"}},
		{"SELECT id, explode(split(k, ' ')) FROM t", "id:int64, col:utf8", []string{"Generate explode"}},
		{"SELECT posexplode(split(k, ' ')), id FROM t ORDER BY id DESC", "pos:int32, col:utf8, id:int64", []string{"Sort [id DESC NULLS LAST]"}},
		{"SELECT explode_outer(split(k, ' ')) AS w FROM t ORDER BY w, upper(k)", "w:utf8", []string{"Sort [w ASC NULLS FIRST, __ember_order0 ASC NULLS FIRST]"}},
		{"DESCRIBE t", "col_name:utf8, data_type:utf8, comment:utf8", nil},
		{"SELECT t.id, u.id AS uid, k FROM t JOIN u ON t.id = u.id", "id:int64, uid:int64, k:utf8", []string{"Join inner, (id = id)"}},
		{"SELECT * FROM t LEFT SEMI JOIN u USING (id)", "id:int64, k:utf8, g:int32, x:float64, s:struct<f: utf8>", []string{"Join left_semi, using [id]"}},
		{"SELECT * FROM t a ANTI JOIN t b ON a.g = b.g + 1", "id:int64, k:utf8, g:int32, x:float64, s:struct<f: utf8>", []string{"Join left_anti, (g = (g + 1))"}},
		{"SELECT a.id FROM t a, t b WHERE a.k = b.k", "id:int64", []string{"Join cross", "Filter (k = k)"}},
		{"SELECT id FROM t NATURAL FULL JOIN u", "id:int64", nil},
		{"SELECT id FROM t ORDER BY id LIMIT 3 OFFSET 2", "id:int64", []string{"Limit 5", "Filter (__ember_offset_row >= 2)"}},
		{"SELECT id FROM t OFFSET 2", "id:int64", []string{"Limit 9223372036854775807"}},
		{"SELECT id FROM t INTERSECT SELECT id FROM u", "id:int64", []string{"Distinct", "Join left_semi, (id <=> __ember_set0)"}},
		{"SELECT id, w FROM t LATERAL VIEW explode(split(k, ' ')) e AS w", "id:int64, w:utf8", []string{"Generate explode"}},
		{"SELECT e.p, c, id FROM t LATERAL VIEW OUTER posexplode(split(k, ' ')) e AS p, c WHERE id > 1", "p:int32, c:utf8, id:int64", []string{"Generate posexplode_outer"}},
		{"SELECT id FROM t WHERE k NOT IN (SELECT k FROM t WHERE g > 1)", "id:int64", []string{"Join left_anti, (k = __ember_in_value)", "Join left_anti, isnull(k)", "Limit 1"}},
	} {
		n, err := Plan(cat, c.query)
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		var cols []string
		for _, f := range n.Schema().Fields() {
			cols = append(cols, f.Name+":"+f.Type.String())
		}
		if got := strings.Join(cols, ", "); got != c.columns {
			t.Errorf("%s: columns\n  %s\nwant\n  %s", c.query, got, c.columns)
		}
		explain := plan.Explain(n)
		for _, want := range c.plan {
			if !strings.Contains(explain, want) {
				t.Errorf("%s: plan lacks %q:\n%s", c.query, want, explain)
			}
		}
	}
}

// TestErrors checks each error's place in the query (line:column), what
// it wraps and what it says.
func TestErrors(t *testing.T) {
	cat := testCatalog(t)
	for _, c := range []struct {
		query     string
		line, col int
		is        error
		says      []string
	}{
		{"SELECT idd FROM t", 1, 8, plan.ErrColumnNotFound, []string{`column "idd" not found`, `did you mean "id"?`, "columns: g, id, k, s, x"}},
		{"SELECT id\nFROM tt", 2, 6, ErrNotFound, []string{`table or view "tt" not found`, `did you mean "t"?`, "views: t, u"}},
		{"SELECT id FROM t\nWHERE gg > 1", 2, 7, plan.ErrColumnNotFound, []string{`"gg" not found in WHERE`, `did you mean "g"?`}},
		{"SELECT id FROM t WHERE", 1, 23, ErrSyntax, []string{"syntax error at the end of the statement"}},
		{"SELECT id FROM t WHERE id = = 1", 1, 29, ErrSyntax, []string{`syntax error near "="`}},
		{"SELECT id FROM t WHERE id >", 1, 28, ErrSyntax, []string{"at the end of the statement"}},
		{"SELECT  id,\n  k FROM t WHERE count(*) > 1", 2, 18, plan.ErrType, []string{"aggregate function count is not allowed in WHERE"}},
		{"SELECT k, id FROM t GROUP BY k", 1, 11, plan.ErrColumnNotFound, []string{`column "id" is neither in GROUP BY nor in an aggregate`}},
		{"SELECT id FROM t WHERE rank() OVER (ORDER BY id) < 3", 1, 24, plan.ErrType, []string{"window function rank is not allowed in WHERE"}},
		{"SELECT k, rank() OVER (ORDER BY count(*)) FROM t GROUP BY k", 1, 11, ErrUnsupported, []string{"GROUP BY or aggregates are not supported yet"}},
		{"SELECT id, sum(g) OVER ww FROM t WINDOW w AS (ORDER BY id)", 1, 24, ErrNotFound, []string{`window "ww" not defined`, `did you mean "w"?`}},
		{"SELECT id,\n  ntile(g) OVER (ORDER BY id) FROM t", 2, 9, ErrUnsupported, []string{"ntile's number of buckets must be an integer literal"}},
		{"SELECT id, stddev(x) OVER (ORDER BY id) FROM t", 1, 12, ErrUnsupported, []string{"stddev over a window is not supported yet"}},
		{"SELECT id, sum(g, x) OVER (ORDER BY id) FROM t", 1, 12, plan.ErrType, []string{"sum over a window takes one argument, got 2"}},
		{"SELECT id, nth_value(x) OVER (ORDER BY id) FROM t", 1, 12, plan.ErrType, []string{"nth_value takes 2 or 3 arguments"}},
		{"SELECT id, nth_value(x, g) OVER (ORDER BY id) FROM t", 1, 25, ErrUnsupported, []string{"nth_value's n must be an integer literal"}},
		{"SELECT id, nth_value(x, 0) OVER (ORDER BY id) FROM t", 1, 25, plan.ErrType, []string{"nth_value's n must be positive, got 0"}},
		{"SELECT id, nth_value(x, 1, 'yes') OVER (ORDER BY id) FROM t", 1, 28, ErrUnsupported, []string{"nth_value's ignoreNulls must be true or false"}},
		{"SELECT id, nth_value(x, 1) OVER (PARTITION BY k) FROM t", 1, 8, plan.ErrType, []string{"needs an ORDER BY"}},
		{"SELECT id, cume_dist() OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t", 1, 39, plan.ErrType, []string{"must be RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"}},
		{"SELECT id, sum(x) IGNORE NULLS OVER (ORDER BY id) FROM t", 1, 12, ErrSyntax, []string{"IGNORE NULLS applies to first_value, last_value and nth_value, not sum"}},
		{"SELECT * FROM t JOIN LATERAL (SELECT id FROM u) x", 1, 22, ErrUnsupported, []string{"LATERAL takes a generator"}},
		{"SELECT * FROM t LATERAL VIEW explode(k, g) e AS w", 1, 30, plan.ErrType, []string{"explode takes 1 argument, got 2"}},
		{"SELECT id FROM t JOIN u ON t.id = u.id", 1, 8, plan.ErrColumnNotFound, []string{`column "id" is ambiguous: it could be t.id, u.id`}},
		{"SELECT t.id FROM t\nJOIN u USING (kk)", 2, 15, plan.ErrColumnNotFound, []string{`USING column "kk" not found in the left input`, "columns: g, id, k, s, x"}},
		{"SELECT a.id FROM t a JOIN t b ON a.id = b.id WHERE c.id = 1", 1, 52, plan.ErrColumnNotFound, []string{"no table or struct column \"c\"", "tables: a, b"}},
		{"SELECT a.k FROM t a JOIN t b ON a.id = b.idd", 1, 40, plan.ErrColumnNotFound, []string{`column "idd" not found in the ON condition`, `did you mean "id"?`}},
		{"SELECT id, (SELECT max(g) FROM t WHERE t.id > u.id) FROM u", 1, 40, ErrUnsupported, []string{"not an equality between a column of each query"}},
		{"SELECT id, (SELECT id FROM u) FROM t", 1, 20, ErrUnsupported, []string{"a scalar subquery must give one row"}},
		{"SELECT id FROM u WHERE id IN (SELECT id, k FROM t)", 1, 38, plan.ErrType, []string{"gives 2 columns, not one"}},
		{"SELECT id FROM u WHERE EXISTS (SELECT k FROM t WHERE t.id = u.id GROUP BY k)", 1, 39, ErrUnsupported, []string{"a correlated EXISTS subquery with GROUP BY"}},
		{"SELECT id FROM u WHERE id IN (SELECT t.id FROM t WHERE t.g = u.idd)", 1, 62, plan.ErrColumnNotFound, []string{`column "idd" not found in u (did you mean "id"?) (columns of u: id)`}},
		{"SELECT CAST(id AS varchr) FROM t", 1, 19, plan.ErrType, []string{`unknown type "varchr"`}},
		{"SELECT fooo(id) FROM t", 1, 8, ErrNotFound, []string{`function "fooo" not found`, "RegisterModel"}},
		{"SELECT uper(k) FROM t", 1, 8, ErrNotFound, []string{`did you mean "upper"?`}},
		{"SELECT k FROM t GROUP BY k HAVING k IN (SELECT k FROM t)", 1, 37, ErrUnsupported, []string{"IN (subquery) is supported in WHERE", "not in HAVING"}},
		{"SELECT id, EXISTS (SELECT 1 FROM t WHERE t.id = u.id) FROM u", 1, 27, ErrUnsupported, []string{"a correlated EXISTS subquery is supported as a condition of WHERE"}},
		{"SELECT id FROM t GROUP BY id HAVING stdev(x) > 1", 1, 37, ErrNotFound, []string{`did you mean "stddev"?`}},
		{"SELECT k,\n  percentile_approx(x, 2) FROM t GROUP BY k", 2, 3, plan.ErrType, []string{"percentile_approx"}},
		{"SELECT count(x, g) FROM t", 1, 8, plan.ErrType, []string{"count takes one argument"}},
		{"SELECT id FROM t WHERE explode(split(s, ' ')) = 'a'", 1, 24, plan.ErrType, []string{"generator explode is allowed only in the select list, not in WHERE"}},
		{"SELECT k, explode(split(s, ' ')) FROM t GROUP BY k, s", 1, 11, ErrUnsupported, []string{"generator explode in a query with GROUP BY"}},
		{"SELECT explode(s, k) FROM t", 1, 8, plan.ErrType, []string{"explode takes 1 argument, got 2"}},
		{"SELECT posexplode(split(k, ' ')) AS p FROM t", 1, 8, plan.ErrType, []string{"one alias is not enough"}},
		{"SELECT id FROM t ORDER BY 3", 1, 27, plan.ErrColumnNotFound, []string{"ORDER BY position 3"}},
		{"SELECT k FROM t GROUP BY 2", 1, 26, plan.ErrColumnNotFound, []string{"GROUP BY position 2"}},
		{"SELECT id FROM t INTERSECT ALL SELECT id FROM u", 1, 18, ErrUnsupported, []string{"INTERSECT ALL is not supported"}},
		{"SELECT id, k FROM t EXCEPT SELECT id FROM u", 1, 21, plan.ErrType, []string{"the queries have 2 and 1 columns"}},
		{"INSERT INTO t VALUES (1)", 1, 1, ErrUnsupported, []string{"only queries"}},
		{"SELECT id FROM parquet.`/x`", 1, 16, ErrNotFound, []string{"parquet./x"}},
		{"SELECT zz.id FROM t", 1, 8, plan.ErrColumnNotFound, []string{"no table or struct column"}},
		{"SELECT DISTINCT k FROM t ORDER BY g", 1, 35, plan.ErrColumnNotFound, []string{"SELECT DISTINCT"}},
		{"SELECT 'é', nope FROM t", 1, 13, plan.ErrColumnNotFound, nil}, // columns count characters
	} {
		_, err := Plan(cat, c.query)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q: %v, want an *Error", c.query, err)
			continue
		}
		if e.Line != c.line || e.Column != c.col || !errors.Is(err, c.is) {
			t.Errorf("%q: %v (at %d:%d), want at %d:%d wrapping %v", c.query, err, e.Line, e.Column, c.line, c.col, c.is)
		}
		for _, s := range c.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%q: %v\n  does not say %q", c.query, err, s)
			}
		}
	}
}

// TestBridge checks the lexical rewrite of Spark's spellings and that
// positions map back through it.
func TestBridge(t *testing.T) {
	q := "SELECT CAST(CAST(a AS bigint) AS string), b FROM t ORDER BY a DESC NULLS  FIRST, b nulls last"
	s := newSource(q, "", "")
	want := "SELECT CAST(CAST(a AS char(7000000001)) AS char(7000000000)), b FROM t ORDER BY a DESC , " + nullsFirstMarker + ", b , " + nullsLastMarker
	if s.text != want {
		t.Fatalf("rewritten\n  %s\nwant\n  %s", s.text, want)
	}
	if len(s.casts) != 2 || s.casts[0].text != "string" || s.casts[1].text != "bigint" {
		t.Fatalf("casts %+v", s.casts)
	}
	// "b FROM" after the edits maps back to the b of the user's text.
	if got, want := s.origPos(strings.Index(s.text, "b FROM")), strings.Index(q, "b FROM"); got != want {
		t.Fatalf("origPos: %d, want %d", got, want)
	}
	// Inside an edit, a position maps to the edit's start.
	if got, want := s.origPos(strings.Index(s.text, nullsFirstMarker)), strings.Index(q, "NULLS"); got != want {
		t.Fatalf("origPos in an edit: %d, want %d", got, want)
	}
	// IGNORE NULLS wraps the first argument; RESPECT NULLS goes.
	s = newSource("SELECT nth_value(f(x, 1), 2) IGNORE NULLS OVER w, first_value(x) respect nulls OVER w FROM t", "", "")
	if want := "SELECT nth_value(" + ignoreNullsMarker + "(f(x, 1)), 2)  OVER w, first_value(x)  OVER w FROM t"; s.text != want {
		t.Fatalf("rewritten\n  %s\nwant\n  %s", s.text, want)
	}
	// Strings and backticks are left alone.
	s = newSource("SELECT 'NULLS FIRST', `CAST` FROM t", "", "")
	if s.text != "SELECT 'NULLS FIRST', `CAST` FROM t" {
		t.Fatalf("rewrote a string: %s", s.text)
	}
}

func TestParseType(t *testing.T) {
	for in, want := range map[string]string{
		"int": "int32", "INTEGER": "int32", "bigint": "int64", "long": "int64", "smallint": "int16", "tinyint": "int8",
		"string": "utf8", "varchar(10)": "utf8", "double": "float64", "float": "float32", "boolean": "bool",
		"date": "date32", "timestamp": "timestamp[us, tz=UTC]", "timestamp_ntz": "timestamp[us]",
		"decimal(10, 2)": "decimal(10, 2)", "decimal": "decimal(10, 0)", "binary": "binary",
	} {
		got, err := ParseType(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseType(%q) = %v, %v; want %s", in, got, err, want)
		}
		if err == nil {
			back, err := ParseType(TypeName(got))
			if err != nil || !arrow.TypeEqual(back, got) {
				t.Errorf("TypeName(%s) = %q does not parse back: %v", got, TypeName(got), err)
			}
		}
	}
	for _, bad := range []string{"varchr", "int(3)", "decimal(40, 2)", "array<int>"} {
		if _, err := ParseType(bad); err == nil {
			t.Errorf("ParseType(%q) accepted", bad)
		}
	}
}

func TestCatalogNames(t *testing.T) {
	cat := testCatalog(t)
	if err := cat.CreateTempView("T", cat.mustView(t, "u"), false); !errors.Is(err, ErrExists) {
		t.Fatalf("a view under a taken name (other case): %v", err)
	}
	if err := cat.CreateTempView("T", cat.mustView(t, "u"), true); err != nil {
		t.Fatal(err)
	}
	if n, _ := cat.View("t"); n.Schema().NumFields() != 1 {
		t.Fatal("replace did not replace")
	}
	if got := cat.ListTables(); len(got) != 2 || got[0].Name != "T" {
		t.Fatalf("ListTables %+v (want the replacing name's spelling)", got)
	}
	if err := cat.CreateTempView(" ", cat.mustView(t, "u"), false); err == nil {
		t.Fatal("a blank view name was accepted")
	}
	for _, q := range []string{"SHOW TABLES LIKE 'x*|u'", "SHOW TABLES LIKE 'U'"} {
		if _, err := Plan(cat, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if !matchShowPattern("x*|u", "U") || matchShowPattern("x*", "u") || !matchShowPattern("*a*", "bAc") {
		t.Fatal("matchShowPattern")
	}
}

func (c *Catalog) mustView(t *testing.T, name string) plan.Node {
	n, ok := c.View(name)
	if !ok {
		t.Fatalf("no view %s", name)
	}
	return n
}

func TestParseExprAndFilter(t *testing.T) {
	e, err := ParseExpr(nil, "upper(k) AS u")
	if err != nil || e.String() != "upper(k) AS u" {
		t.Fatalf("ParseExpr: %v, %v", e, err)
	}
	if _, err := ParseExpr(nil, "count(*)"); !errors.Is(err, plan.ErrType) {
		t.Fatalf("ParseExpr of an aggregate: %v", err)
	}
	if _, err := ParseExpr(nil, "a +"); !errors.Is(err, ErrSyntax) {
		t.Fatalf("ParseExpr syntax: %v", err)
	}
	cat := testCatalog(t)
	in := cat.mustView(t, "t")
	n, err := Filter(cat, in, "G > 1 AND k LIKE 'a%'")
	if err != nil || !strings.Contains(plan.Explain(n), "Filter") {
		t.Fatalf("Filter: %v\n%s", err, plan.Explain(n))
	}
	if _, err := Filter(cat, in, "g > 1 ORDER BY g"); !errors.Is(err, ErrSyntax) {
		t.Fatalf("Filter with ORDER BY: %v", err)
	}
	n, err = Select(cat, in, "id", "g + 1 AS h")
	if err != nil || n.Schema().NumFields() != 2 || n.Schema().Field(1).Name != "h" {
		t.Fatalf("Select: %v %v", n, err)
	}
}
