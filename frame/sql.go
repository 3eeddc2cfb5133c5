package frame

import (
	"fmt"

	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/sql"
)

// SQL runs a Spark SQL statement lazily and returns its result: a query
// over the session's temporary views (CreateTempView) calling built-in
// functions, registered models (RegisterModel) and UDFs (RegisterUDF);
// files read directly as parquet.`path`, csv.`path`, json.`path` or
// arrow.`path`; SHOW TABLES; DESCRIBE name. Package sql lists what is
// supported. An error — with the line and column of the query at fault
// and, for an unknown name, the names that exist — sticks to the
// DataFrame (a *sql.Error inside).
func (s *Session) SQL(query string) *DataFrame {
	n, err := sql.Plan(s.catalog, query)
	if err != nil {
		return s.failed(fmt.Errorf("frame: SQL: %w", err))
	}
	return &DataFrame{sess: s, node: n}
}

// SelectExpr selects SQL select-list items: "a + 1 AS b", "*",
// "upper(name) AS n", "count(*)" — aggregates without GROUP BY give one
// row. Names are df's columns (case-insensitive), and functions the
// session's models, UDFs and the built-in ones.
func (df *DataFrame) SelectExpr(exprs ...string) *DataFrame {
	return df.derive("SelectExpr", func(in plan.Node) (plan.Node, error) {
		return sql.Select(df.sess.catalog, in, exprs...)
	})
}

// Expr parses a SQL expression into a Column: Expr("a + 1"),
// Expr("upper(name) AS n"). Column names are taken as written
// (case-sensitive) and resolved where the Column is used; functions are
// the built-in ones (a session's models and UDFs are callable from
// SelectExpr, Filter and SQL). A syntax error is held by the Column and
// surfaces where it is used.
func Expr(text string) Column {
	e, err := sql.ParseExpr(nil, text)
	if err != nil {
		return Column{&plan.Invalid{Err: fmt.Errorf("frame: Expr(%q): %w", text, err)}}
	}
	return Column{e}
}

// filterSQL is Filter with a SQL condition.
func filterSQL(s *Session, in plan.Node, cond string) (plan.Node, error) {
	var cat *sql.Catalog
	if s != nil {
		cat = s.catalog
	}
	return sql.Filter(cat, in, cond)
}

// readFile reads the files of a table named format.`path` in SQL.
func (s *Session) readFile(format, path string) (plan.Node, bool, error) {
	var df *DataFrame
	switch format {
	case "parquet":
		df = s.Read().Parquet(path)
	case "csv":
		df = s.Read().CSV(path) // as Spark: no header (_c0, _c1, …)
	case "json":
		df = s.Read().JSON(path)
	case "arrow":
		df = s.Read().Arrow(path)
	default:
		return nil, false, nil
	}
	if err := df.Err(); err != nil {
		return nil, true, err
	}
	return df.node, true, nil
}
