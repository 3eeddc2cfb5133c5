package frame

import (
	"fmt"

	"github.com/ember-df/ember/plan"
)

// The built-in column functions, named and argued as PySpark's
// pyspark.sql.functions (docs/functions.md lists them with their Spark
// semantics and the differences).
//
// Argument conventions follow PySpark's per function: where PySpark takes
// a "ColumnOrName", a Go string names a column and any other Go value is a
// literal (colArg); where PySpark takes a plain value (a pattern, a
// format, a scale, a separator), the Go parameter has that type or any
// value is a literal (litArg) — a Column is accepted wherever PySpark
// accepts one.

// colArg is a ColumnOrName argument: a string names a column, a Column or
// plan.Expr is itself, anything else is a literal.
func colArg(v any) plan.Expr {
	if s, ok := v.(string); ok {
		return plan.Col(s)
	}
	return expr(v)
}

// litArg is a value argument: a Column or plan.Expr is itself, anything
// else (a string included) is a literal.
func litArg(v any) plan.Expr { return expr(v) }

// call builds a registered built-in function's call; a build error (a
// wrong number of arguments) sticks to the column.
func call(name string, args ...plan.Expr) Column {
	e, err := plan.CallFunction(name, args...)
	if err != nil {
		return Column{&plan.Invalid{Err: fmt.Errorf("frame: %w", err)}}
	}
	return Column{e}
}

func colArgs(vs []any) []plan.Expr {
	out := make([]plan.Expr, len(vs))
	for i, v := range vs {
		out[i] = colArg(v)
	}
	return out
}

// Call calls a built-in function by its SQL name (plan.FunctionNames
// lists them) on columns: a string argument names a column, other values
// are literals (Lit("x") for a string constant).
func Call(name string, args ...any) Column { return call(name, colArgs(args)...) }

// IsIn is true where c equals one of values (literals, or Columns), NULL
// where c is NULL or where none matches and a value is NULL, as PySpark's
// Column.isin.
func (c Column) IsIn(values ...any) Column {
	args := []plan.Expr{c.expr()}
	for _, v := range values {
		args = append(args, litArg(v))
	}
	return call("in", args...)
}

// Between is lower <= c AND c <= upper (bounds are literals or Columns).
func (c Column) Between(lower, upper any) Column {
	return call("between", c.expr(), litArg(lower), litArg(upper))
}

// Like matches c against a SQL LIKE pattern: % is any run of characters,
// _ one character, \ escapes them.
func (c Column) Like(pattern any) Column { return call("like", c.expr(), litArg(pattern)) }

// ILike is Like ignoring case.
func (c Column) ILike(pattern any) Column {
	return call("like", plan.NewUnary(plan.OpLower, c.expr()), plan.NewUnary(plan.OpLower, litArg(pattern)))
}

// RLike is true where the regular expression (Go RE2 syntax) matches
// somewhere in c.
func (c Column) RLike(pattern any) Column { return call("rlike", c.expr(), litArg(pattern)) }

// Substr is substring(c, startPos, length): 1-based, negative positions
// count from the end (ints or Columns, as PySpark's Column.substr).
func (c Column) Substr(startPos, length any) Column {
	return call("substring", c.expr(), litArg(startPos), litArg(length))
}

// StartsWith is true where c starts with prefix (a string literal or a
// Column).
func (c Column) StartsWith(prefix any) Column {
	p := litArg(prefix)
	return call("substring", c.expr(), plan.Lit(1), call("length", p).Expr).eq(p)
}

// EndsWith is true where c ends with suffix.
func (c Column) EndsWith(suffix any) Column {
	s := litArg(suffix)
	n := call("length", s).Expr
	return When(Column{n}.Eq(0), true).Otherwise(call("substring", c.expr(), plan.NewUnary(plan.OpNegate, n)).eq(s))
}

func (c Column) eq(e plan.Expr) Column { return c.binary(plan.OpEq, e) }

// GetItem is element_at(c, index+1) for an array column: PySpark's
// Column.getItem is 0-based.
func (c Column) GetItem(index int) Column {
	return call("element_at", c.expr(), plan.Lit(int64(index)+1))
}

// Like is col LIKE pattern.
func Like(col any, pattern string) Column { return call("like", colArg(col), plan.Lit(pattern)) }

// RLike is col RLIKE pattern (Go RE2 syntax; see docs/functions.md).
func RLike(col any, pattern string) Column { return call("rlike", colArg(col), plan.Lit(pattern)) }

// Substring is substring(str, pos, length), 1-based with negative
// positions counting from the end.
func Substring(str any, pos, length int) Column {
	return call("substring", colArg(str), plan.Lit(pos), plan.Lit(length))
}

// Split splits str around matches of the regular expression pattern; a
// limit > 0 caps the number of pieces (the last holds the rest).
func Split(str any, pattern string, limit ...int) Column {
	args := []plan.Expr{colArg(str), plan.Lit(pattern)}
	for _, l := range limit {
		args = append(args, plan.Lit(l))
	}
	return call("split", args...)
}

// Trim strips spaces from both ends of col; PySpark 4's optional trim
// argument is ColumnOrName, so a string there names a column of the
// characters to strip (use Lit for constant characters).
func Trim(col any, trim ...any) Column {
	return call("trim", append([]plan.Expr{colArg(col)}, colArgs(trim)...)...)
}

// LTrim strips leading spaces (or the characters of trim).
func LTrim(col any, trim ...any) Column {
	return call("ltrim", append([]plan.Expr{colArg(col)}, colArgs(trim)...)...)
}

// RTrim strips trailing spaces (or the characters of trim).
func RTrim(col any, trim ...any) Column {
	return call("rtrim", append([]plan.Expr{colArg(col)}, colArgs(trim)...)...)
}

// LPad left-pads col with pad to length characters (or cuts it).
func LPad(col any, length int, pad string) Column {
	return call("lpad", colArg(col), plan.Lit(length), plan.Lit(pad))
}

// RPad right-pads col with pad to length characters (or cuts it).
func RPad(col any, length int, pad string) Column {
	return call("rpad", colArg(col), plan.Lit(length), plan.Lit(pad))
}

// RegexpExtract is group idx of the first match of pattern in str, ""
// when it does not match.
func RegexpExtract(str any, pattern string, idx int) Column {
	return call("regexp_extract", colArg(str), plan.Lit(pattern), plan.Lit(idx))
}

// RegexpReplace replaces every match of pattern in str by replacement
// ($1 is group 1, as in Java); pattern and replacement are literals or
// Columns, as in PySpark.
func RegexpReplace(str, pattern, replacement any) Column {
	return call("regexp_replace", colArg(str), litArg(pattern), litArg(replacement))
}

// Replace replaces every occurrence of search in src by replace (""
// when omitted). As PySpark's replace, every argument is ColumnOrName: a
// string names a column, so write Lit("abc") for constants.
func Replace(src, search any, replace ...any) Column {
	return call("replace", append([]plan.Expr{colArg(src), colArg(search)}, colArgs(replace)...)...)
}

// ConcatWS joins the non-NULL values of cols (strings or arrays of
// strings) with sep.
func ConcatWS(sep string, cols ...any) Column {
	return call("concat_ws", append([]plan.Expr{plan.Lit(sep)}, colArgs(cols)...)...)
}

// FormatString formats cols with a Java/printf format (%s, %d, %5.2f, …).
func FormatString(format string, cols ...any) Column {
	return call("format_string", append([]plan.Expr{plan.Lit(format)}, colArgs(cols)...)...)
}

// Round rounds col HALF_UP to scale decimal places (default 0).
func Round(col any, scale ...int) Column {
	args := []plan.Expr{colArg(col)}
	for _, s := range scale {
		args = append(args, plan.Lit(s))
	}
	return call("round", args...)
}

// Floor is the largest integer not above col, as a bigint.
func Floor(col any) Column { return call("floor", colArg(col)) }

// Ceil is the smallest integer not below col, as a bigint.
func Ceil(col any) Column { return call("ceil", colArg(col)) }

// Abs is the absolute value of col.
func Abs(col any) Column { return call("abs", colArg(col)) }

// Sqrt is the square root of col, a double.
func Sqrt(col any) Column { return call("sqrt", colArg(col)) }

// Exp is e to the power col.
func Exp(col any) Column { return call("exp", colArg(col)) }

// Log is PySpark's log(arg1, arg2=None): the natural logarithm of the
// column arg1, or, given arg2, the logarithm of the column arg2 in base
// arg1 (a number). NULL for values <= 0.
func Log(arg1 any, arg2 ...any) Column {
	if len(arg2) == 0 {
		return call("log", colArg(arg1))
	}
	return call("log", litArg(arg1), colArg(arg2[0]))
}

// Pow is col1 to the power col2 (names, Columns or numbers), a double.
func Pow(col1, col2 any) Column { return call("pow", colArg(col1), colArg(col2)) }

// Greatest is the largest non-NULL value of cols.
func Greatest(cols ...any) Column { return call("greatest", colArgs(cols)...) }

// Least is the smallest non-NULL value of cols.
func Least(cols ...any) Column { return call("least", colArgs(cols)...) }

// Coalesce is the first non-NULL value of cols.
func Coalesce(cols ...any) Column { return call("coalesce", colArgs(cols)...) }

// Nvl is col2 where col1 is NULL, col1 elsewhere.
func Nvl(col1, col2 any) Column { return call("nvl", colArg(col1), colArg(col2)) }

// NullIf is NULL where col1 equals col2, col1 elsewhere.
func NullIf(col1, col2 any) Column { return call("nullif", colArg(col1), colArg(col2)) }

// ToDate converts col (a string, parsed with the Spark datetime format
// when given, or a timestamp) to a date; NULL where it does not parse.
func ToDate(col any, format ...string) Column {
	args := []plan.Expr{colArg(col)}
	for _, f := range format {
		args = append(args, plan.Lit(f))
	}
	return call("to_date", args...)
}

// ToTimestamp converts col to a timestamp (microseconds, UTC), parsing
// strings with the Spark datetime format when given.
func ToTimestamp(col any, format ...string) Column {
	args := []plan.Expr{colArg(col)}
	for _, f := range format {
		args = append(args, plan.Lit(f))
	}
	return call("to_timestamp", args...)
}

// DateFormat formats a date or timestamp with a Spark datetime pattern
// ("yyyy-MM-dd HH:mm:ss", "EEE, d MMM yyyy", …).
func DateFormat(date any, format string) Column {
	return call("date_format", colArg(date), plan.Lit(format))
}

// Year of a date or timestamp.
func Year(col any) Column { return call("year", colArg(col)) }

// Quarter (1-4) of a date or timestamp.
func Quarter(col any) Column { return call("quarter", colArg(col)) }

// Month (1-12) of a date or timestamp.
func Month(col any) Column { return call("month", colArg(col)) }

// DayOfMonth (1-31) of a date or timestamp.
func DayOfMonth(col any) Column { return call("day", colArg(col)) }

// DayOfWeek (1 = Sunday … 7 = Saturday) of a date or timestamp.
func DayOfWeek(col any) Column { return call("dayofweek", colArg(col)) }

// DayOfYear (1-366) of a date or timestamp.
func DayOfYear(col any) Column { return call("dayofyear", colArg(col)) }

// WeekOfYear is the ISO week number of a date or timestamp.
func WeekOfYear(col any) Column { return call("weekofyear", colArg(col)) }

// Hour (0-23) of a timestamp.
func Hour(col any) Column { return call("hour", colArg(col)) }

// Minute (0-59) of a timestamp.
func Minute(col any) Column { return call("minute", colArg(col)) }

// Second (0-59) of a timestamp.
func Second(col any) Column { return call("second", colArg(col)) }

// DateAdd is start plus days (a number, a name or a Column), a date.
func DateAdd(start, days any) Column { return call("date_add", colArg(start), colArg(days)) }

// DateSub is start minus days, a date.
func DateSub(start, days any) Column { return call("date_sub", colArg(start), colArg(days)) }

// DateDiff is the number of days from start to end.
func DateDiff(end, start any) Column { return call("datediff", colArg(end), colArg(start)) }

// CurrentDate is today's date (UTC), the same for every row of a query.
func CurrentDate() Column { return call("current_date") }

// CurrentTimestamp is the query's start time, the same for every row.
func CurrentTimestamp() Column { return call("current_timestamp") }

// DateTrunc truncates a timestamp to format: "year", "quarter", "month",
// "week", "day", "hour", "minute", "second", "millisecond", "microsecond".
func DateTrunc(format string, timestamp any) Column {
	return call("date_trunc", plan.Lit(format), colArg(timestamp))
}

// Array builds an array column from cols (names, Columns or literals).
func Array(cols ...any) Column { return call("array", colArgs(cols)...) }

// ElementAt is element index (1-based; negative counts from the end) of
// an array column; NULL beyond its end.
func ElementAt(col any, index any) Column { return call("element_at", colArg(col), litArg(index)) }

// Size is the number of elements of an array column.
func Size(col any) Column { return call("size", colArg(col)) }

// ArrayContains is true where the array col holds value (a literal or a
// Column).
func ArrayContains(col any, value any) Column {
	return call("array_contains", colArg(col), litArg(value))
}
