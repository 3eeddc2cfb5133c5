// Package sql turns SQL text into ember's logical plans: the statements
// and expressions of Spark SQL that ember runs, over a Catalog of
// temporary views, models and functions callable by name.
//
// Parsing is done by github.com/dolthub/vitess's sqlparser (the parser of
// go-mysql-server; docs/sql.md records why it was chosen). Its grammar is
// MySQL's; the few Spark spellings it lacks are bridged by a lexical
// rewrite on its own tokenizer before parsing (see bridge.go): NULLS
// FIRST/LAST after an ORDER BY key, Spark's type names in CAST (int,
// bigint, string, boolean, timestamp, …), LEFT SEMI/ANTI JOIN, OFFSET
// without LIMIT and LATERAL VIEW. No grammar is written here.
//
// Translation builds plan nodes with plan's constructors (plan.NewProject,
// plan.NewFilter, plan.NewAggregate, plan.NewSort, plan.NewUnion,
// plan.NewDistinct, plan.Limit), so every name and type is resolved when
// the statement is planned. Names of tables, views, columns and functions
// are matched case-insensitively, as in Spark. A function name is looked
// up in the catalog's models and UDFs first, then among plan's built-in
// functions (plan.LookupFunction). Aggregates are plan's by name
// (plan.LookupAggregate, built with plan.CallAggregate), window functions
// become plan.WindowCall values (plan.Over) and explode and its kin
// plan.Generator values (plan.CallGenerator), which plan.Projection moves
// into Window and Generate nodes below the select list.
//
// Joins in FROM become plan.Join nodes whose inputs get fresh plan IDs,
// so that a qualified name (t.k) refers to one of a join's columns of a
// name (join.go). Subqueries in expressions are decorrelated into joins
// (subquery.go): EXISTS and IN into left semi and anti joins (NOT IN
// with SQL's NULL semantics), scalar subqueries into cross joins with
// their one row or, correlated on equalities, left joins with the
// subquery grouped on them. OFFSET numbers the rows of a Limit
// (offset.go).
//
// Errors are *Error values: they carry the line and column of the part of
// the query at fault, and for unknown names the names that exist and the
// closest one. They wrap ErrSyntax, ErrNotFound, ErrUnsupported, or plan's
// ErrColumnNotFound and ErrType, for errors.Is.
package sql
