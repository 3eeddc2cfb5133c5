package frame

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// Column is an expression over the columns of a DataFrame, built with Col,
// Lit and the functions of this package. It satisfies plan.Expr, so it can
// be passed wherever an expression is expected, as can the expressions
// other packages build (udf.Predict).
//
// Operand arguments (of Add, Gt, …) take a Column, any plan.Expr, or a
// plain Go value, which becomes a literal.
type Column struct{ plan.Expr }

// Col refers to the column called name.
func Col(name string) Column { return Column{plan.Col(name)} }

// Lit is a constant: nil, a bool, any integer or float, a string, []byte
// or time.Time. A numeric literal takes the type of the column it meets
// when it can do so exactly (Col("f32").Mul(Lit(2)) stays float32).
func Lit(v any) Column { return Column{plan.Lit(v)} }

// expr turns an operand into an expression.
func expr(v any) plan.Expr {
	switch v := v.(type) {
	case Column:
		return v.expr()
	case plan.Expr:
		return v
	case SortOrder:
		return &plan.Invalid{Err: fmt.Errorf("frame: a sort order (%s) is not a value", v.order)}
	}
	return plan.Lit(v)
}

// column turns a column argument (a Select item, a key, a condition,
// WithColumn's value) into an expression: unlike an operand, where nil is
// the NULL literal, a nil column is an error that names where it was.
func column(v any, where string) plan.Expr {
	if v == nil {
		return &plan.Invalid{Err: fmt.Errorf("frame: %s: nil expression (use Lit(nil) for a NULL value)", where)}
	}
	return expr(v)
}

// errEmptyColumn is the error of a Column{} used as a value.
var errEmptyColumn = errors.New("frame: an empty Column (Column{}): build columns with Col, Lit or this package's functions")

// expr is c's expression, or an invalid one for an empty Column.
func (c Column) expr() plan.Expr {
	if c.Expr == nil {
		return &plan.Invalid{Err: errEmptyColumn}
	}
	return c.Expr
}

func (c Column) binary(op plan.BinaryOp, other any) Column {
	return Column{plan.NewBinary(op, c.expr(), expr(other))}
}

// Add is c + other.
func (c Column) Add(other any) Column { return c.binary(plan.OpAdd, other) }

// Sub is c - other.
func (c Column) Sub(other any) Column { return c.binary(plan.OpSub, other) }

// Mul is c * other.
func (c Column) Mul(other any) Column { return c.binary(plan.OpMul, other) }

// Div is c / other: a float for integer operands, NULL when other is 0.
func (c Column) Div(other any) Column { return c.binary(plan.OpDiv, other) }

// Mod is c % other, NULL when other is 0.
func (c Column) Mod(other any) Column { return c.binary(plan.OpMod, other) }

// Eq is c = other.
func (c Column) Eq(other any) Column { return c.binary(plan.OpEq, other) }

// Neq is c != other.
func (c Column) Neq(other any) Column { return c.binary(plan.OpNeq, other) }

// Lt is c < other.
func (c Column) Lt(other any) Column { return c.binary(plan.OpLt, other) }

// Le is c <= other.
func (c Column) Le(other any) Column { return c.binary(plan.OpLe, other) }

// Gt is c > other.
func (c Column) Gt(other any) Column { return c.binary(plan.OpGt, other) }

// Ge is c >= other.
func (c Column) Ge(other any) Column { return c.binary(plan.OpGe, other) }

// And is c AND other, with SQL's three-valued logic.
func (c Column) And(other any) Column { return c.binary(plan.OpAnd, other) }

// Or is c OR other, with SQL's three-valued logic.
func (c Column) Or(other any) Column { return c.binary(plan.OpOr, other) }

// Contains reports whether the string c contains other.
func (c Column) Contains(other any) Column { return c.binary(plan.OpContains, other) }

// Not is NOT c.
func (c Column) Not() Column { return Column{plan.NewUnary(plan.OpNot, c.expr())} }

// Negate is -c.
func (c Column) Negate() Column { return Column{plan.NewUnary(plan.OpNegate, c.expr())} }

// IsNull is true where c is NULL.
func (c Column) IsNull() Column { return Column{plan.NewUnary(plan.OpIsNull, c.expr())} }

// IsNotNull is true where c is not NULL.
func (c Column) IsNotNull() Column { return Column{plan.NewUnary(plan.OpIsNotNull, c.expr())} }

// Upper upper-cases a string.
func (c Column) Upper() Column { return Column{plan.NewUnary(plan.OpUpper, c.expr())} }

// Lower lower-cases a string.
func (c Column) Lower() Column { return Column{plan.NewUnary(plan.OpLower, c.expr())} }

// Length is the number of characters of a string.
func (c Column) Length() Column { return Column{plan.NewUnary(plan.OpLength, c.expr())} }

// Field reads a field of a struct column (a model's several outputs), as
// Spark's col("p.label") does.
func (c Column) Field(name string) Column { return Column{&plan.GetField{Child: c.expr(), Name: name}} }

// Cast converts c to type t (strings that do not parse become NULL).
func (c Column) Cast(t arrow.DataType) Column {
	if t == nil {
		return Column{&plan.Invalid{Err: fmt.Errorf("frame: Cast(%s) to no type (nil)", c.expr())}}
	}
	return Column{&plan.Cast{Child: c.expr(), To: t}}
}

// Alias names the column c becomes.
func (c Column) Alias(name string) Column { return Column{&plan.Alias{Child: c.expr(), Name: name}} }

// As is Alias.
func (c Column) As(name string) Column { return c.Alias(name) }

// SortOrder is a sort key for OrderBy, made by Column.Asc, Desc and their
// variants.
type SortOrder struct{ order plan.SortOrder }

// Asc sorts ascending, NULLs first (Spark's default).
func (c Column) Asc() SortOrder { return SortOrder{plan.SortOrder{Expr: c.expr(), NullsFirst: true}} }

// AscNullsLast sorts ascending, NULLs last.
func (c Column) AscNullsLast() SortOrder { return SortOrder{plan.SortOrder{Expr: c.expr()}} }

// Desc sorts descending, NULLs last (Spark's default).
func (c Column) Desc() SortOrder { return SortOrder{plan.SortOrder{Expr: c.expr(), Descending: true}} }

// DescNullsFirst sorts descending, NULLs first.
func (c Column) DescNullsFirst() SortOrder {
	return SortOrder{plan.SortOrder{Expr: c.expr(), Descending: true, NullsFirst: true}}
}

// CaseBuilder builds a When(...).When(...).Otherwise(...) expression.
type CaseBuilder struct{ branches []plan.When }

// When starts a CASE expression: value where cond is true. As in
// PySpark's when(condition, value), value is a literal unless it is a
// Column: When(cond, "x") yields the string "x".
func When(cond, value any) CaseBuilder {
	return CaseBuilder{branches: []plan.When{{Cond: expr(cond), Value: expr(value)}}}
}

// When adds a branch, tried after the earlier ones.
func (b CaseBuilder) When(cond, value any) CaseBuilder {
	branches := append(append([]plan.When(nil), b.branches...), plan.When{Cond: expr(cond), Value: expr(value)})
	return CaseBuilder{branches: branches}
}

// Otherwise ends the expression with the value for rows no branch took.
func (b CaseBuilder) Otherwise(value any) Column {
	return Column{&plan.CaseWhen{Branches: b.branches, Else: expr(value)}}
}

// End ends the expression; rows no branch took get NULL.
func (b CaseBuilder) End() Column { return Column{&plan.CaseWhen{Branches: b.branches}} }

// Concat joins strings (other values are cast to string); NULL if any
// argument is NULL. As in PySpark, a Go string argument names a column:
// Concat(Lit("Prefixo"), "descricao") prefixes the column descricao (use
// Lit for a constant string).
func Concat(cols ...any) Column {
	args := make([]plan.Expr, len(cols))
	for i, c := range cols {
		args[i] = colArg(c)
	}
	return Column{&plan.Concat{Args: args}}
}

// Upper upper-cases a string column (a Column or a column name).
func Upper(col any) Column { return Column{plan.NewUnary(plan.OpUpper, colArg(col))} }

// Lower lower-cases a string column (a Column or a column name).
func Lower(col any) Column { return Column{plan.NewUnary(plan.OpLower, colArg(col))} }

// Length is the number of characters of a string column (a Column or a
// column name).
func Length(col any) Column { return Column{plan.NewUnary(plan.OpLength, colArg(col))} }

// Not negates a boolean column.
func Not(c Column) Column { return c.Not() }

// MonotonicallyIncreasingID is Spark's monotonically_increasing_id(): a
// unique, increasing int64 per row — the partition index in the upper 31
// bits and the row's position in the partition in the lower 33 — not
// consecutive across partitions.
func MonotonicallyIncreasingID() Column { return Column{&plan.MonotonicID{}} }
