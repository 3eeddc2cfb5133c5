package plan

import (
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// The date and timestamp functions, with Spark's semantics in the UTC
// session time zone (ember has no session time zone setting: timestamps
// are UTC instants, and a timestamp without a zone is read as UTC).
// Timestamps come back as TimestampType (microseconds, UTC); a string
// argument where a date or timestamp is expected parses as Spark's cast
// does (ParseDate, ParseTimestamp), NULL when it does not.
//
//	to_date(x[, fmt]), to_timestamp(x[, fmt])  x a string (parsed with the Spark datetime pattern fmt), date or timestamp
//	date_format(ts, fmt)                        formats with a Spark datetime pattern (docs/functions.md lists the letters)
//	year, quarter, month, day (dayofmonth), dayofweek (1 = Sunday), dayofyear, weekofyear (ISO) of a date: int
//	hour, minute, second of a timestamp: int
//	date_add(d, n), date_sub(d, n)              d ± n days: date
//	datediff(end, start)                         days from start to end: int
//	current_date(), current_timestamp() (now()) fixed once per query (FoldCurrentTime)
//	date_trunc(unit, ts)                         ts truncated to YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND: timestamp
//	trunc(d, unit)                               d truncated to YEAR, QUARTER, MONTH or WEEK: date
func init() {
	defineBuiltin("to_date", 1, 2, resolveParse(typDate))
	defineBuiltin("to_timestamp", 1, 2, resolveParse(typTimestamp))
	defineBuiltin("date_format", 2, 2, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		if err := checkPatternLiteral(fn, args, 1); err != nil {
			return nil, nil, err
		}
		return convertEach(fn, args, typString, asTimestamp, asString)
	})
	for _, name := range []string{"year", "quarter", "month", "day", "dayofweek", "dayofyear", "weekofyear"} {
		aliases := []string(nil)
		if name == "day" {
			aliases = []string{"dayofmonth"}
		}
		defineBuiltin(name, 1, 1, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
			return convertEach(fn, args, typInt32, asDate)
		}, aliases...)
	}
	for _, name := range []string{"hour", "minute", "second"} {
		defineBuiltin(name, 1, 1, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
			return convertEach(fn, args, typInt32, asTimestamp)
		})
	}
	for _, name := range []string{"date_add", "date_sub"} {
		defineBuiltin(name, 2, 2, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
			return convertEach(fn, args, typDate, asDate, asInt64)
		})
	}
	defineBuiltin("datediff", 2, 2, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		return convertEach(fn, args, typInt32, asDate, asDate)
	})
	defineBuiltin("current_date", 0, 0, func(string, []Expr) ([]Expr, arrow.DataType, error) {
		return nil, typDate, nil
	})
	defineBuiltin("current_timestamp", 0, 0, func(string, []Expr) ([]Expr, arrow.DataType, error) {
		return nil, typTimestamp, nil
	}, "now")
	defineBuiltin("date_trunc", 2, 2, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		return convertEach(fn, args, typTimestamp, asString, asTimestamp)
	})
	defineBuiltin("trunc", 2, 2, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		return convertEach(fn, args, typDate, asDate, asString)
	})
}

// resolveParse resolves to_date and to_timestamp: the value a string (or
// NULL), date or timestamp, the optional format a string.
func resolveParse(result arrow.DataType) func(string, []Expr) ([]Expr, arrow.DataType, error) {
	return func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		t := args[0].Type()
		switch {
		case isNull(t):
			args[0] = coerce(args[0], typString)
		case isString(t):
			args[0] = coerce(args[0], typString)
		case isTemporal(t):
			if len(args) == 2 {
				// Spark ignores the format of a date or timestamp value.
				args = args[:1]
			}
		default:
			return nil, nil, argTypeError(fn, 0, args[0], "a string, a date or a timestamp")
		}
		if len(args) == 2 {
			if err := checkPatternLiteral(fn, args, 1); err != nil {
				return nil, nil, err
			}
			if err := asString(fn, args, 1); err != nil {
				return nil, nil, err
			}
		}
		return args, result, nil
	}
}

func checkPatternLiteral(fn string, args []Expr, i int) error {
	lit, ok := Unalias(args[i]).(*Literal)
	if !ok {
		return nil
	}
	if s, ok := lit.Value.(string); ok {
		if _, err := CompileDatetimePattern(s); err != nil {
			return typeError("%s: argument %d: %v", fn, i+1, err)
		}
	}
	return nil
}

// coerceTemporal converts a resolved string, date or timestamp expression
// to the date or timestamp type t: a string literal parses now (a NULL
// literal when it does not parse, as Spark's cast gives NULL), anything
// else converts through to_date or to_timestamp.
func coerceTemporal(e Expr, t arrow.DataType) Expr {
	if arrow.TypeEqual(e.Type(), t) {
		return e
	}
	if lit, ok := Unalias(e).(*Literal); ok {
		switch v := lit.Value.(type) {
		case nil:
			return TypedLit(nil, t)
		case string:
			micros, ok := ParseTimestamp(v)
			if t.ID() == arrow.DATE32 {
				var days int32
				days, ok = ParseDate(v)
				micros = int64(days)
			}
			if !ok {
				return TypedLit(nil, t)
			}
			if ts, isTS := t.(*arrow.TimestampType); isTS {
				v, exact := MicrosToUnit(micros, ts.Unit)
				if !exact {
					return &Cast{Child: TypedLit(micros, typTimestamp), To: t}
				}
				micros = v
			}
			return TypedLit(micros, t)
		}
	}
	if !arrow.TypeEqual(t, typDate) && !arrow.TypeEqual(t, typTimestamp) {
		// Another timestamp unit or zone: the plan codec rebuilds the
		// to_timestamp builtin as TimestampType, so convert with a cast.
		return &Cast{Child: e, To: t}
	}
	if isString(e.Type()) && e.Type().ID() != arrow.STRING {
		e = &Cast{Child: e, To: typString}
	}
	name := "to_timestamp"
	if t.ID() == arrow.DATE32 {
		name = "to_date"
	}
	return &Builtin{Name: name, Args: []Expr{e}, typ: t}
}

// FoldCurrentTime replaces every current_date() and current_timestamp()
// in n's expressions by a literal of now, so that every row, batch and
// partition of one query (and every worker the plan travels to) sees one
// value, as Spark's ComputeCurrentTime rule does; the optimizer calls it
// once per query. It rewrites the expressions of Project, Filter, Sort,
// Aggregate, Repartition and Evaluate nodes; a call left in another node
// (none of ember's nodes today) is evaluated when its batch is, at the
// evaluator's clock.
func FoldCurrentTime(n Node, now time.Time) Node {
	date := TypedLit(int64(arrow.Date32FromTime(now.UTC())), typDate)
	ts := TypedLit(now.UnixMicro(), typTimestamp)
	fold := func(e Expr) Expr {
		if !callsCurrentTime(e) {
			return e
		}
		return Transform(e, func(x Expr) Expr {
			if b, ok := x.(*Builtin); ok {
				switch b.Name {
				case "current_date":
					return date
				case "current_timestamp":
					return ts
				}
			}
			return x
		})
	}
	var walk func(n Node) Node
	walk = func(n Node) Node {
		children := n.Children()
		next := make([]Node, len(children))
		same := true
		for i, c := range children {
			next[i] = walk(c)
			same = same && next[i] == c
		}
		if !same {
			m, err := n.WithChildren(next)
			if err != nil {
				return n
			}
			n = m
		}
		if m, err := mapNodeExprs(n, fold); err == nil {
			return m
		}
		return n
	}
	return walk(n)
}

func callsCurrentTime(e Expr) bool {
	found := false
	Walk(e, func(x Expr) bool {
		if b, ok := x.(*Builtin); ok && (b.Name == "current_date" || b.Name == "current_timestamp") {
			found = true
		}
		return !found
	})
	return found
}

// mapNodeExprs rebuilds n with fn applied to its expressions, returning n
// itself when fn changes none.
func mapNodeExprs(n Node, fn func(Expr) Expr) (Node, error) {
	changed := false
	apply := func(e Expr) Expr {
		out := fn(e)
		changed = changed || out != e
		return out
	}
	switch n := n.(type) {
	case *Project:
		exprs := mapExprs(n.Exprs, apply)
		if changed {
			return NewProject(n.Input, exprs...)
		}
	case *Filter:
		cond := apply(n.Cond)
		if changed {
			return NewFilter(n.Input, cond)
		}
	case *Sort:
		orders := make([]SortOrder, len(n.Orders))
		for i, o := range n.Orders {
			orders[i] = o
			orders[i].Expr = apply(o.Expr)
		}
		if changed {
			return NewSort(n.Input, orders...)
		}
	case *Aggregate:
		keys := mapExprs(n.Keys, apply)
		aggs := make([]AggExpr, len(n.Aggs))
		for i, a := range n.Aggs {
			aggs[i] = a
			if a.Arg != nil {
				aggs[i].Arg = apply(a.Arg)
			}
		}
		if changed {
			return NewAggregate(n.Input, keys, aggs)
		}
	case *Repartition:
		keys := mapExprs(n.Keys, apply)
		if changed {
			return NewRepartition(n.Input, n.N, keys...)
		}
	case *Evaluate:
		args := mapExprs(n.Call.Args, apply)
		if changed {
			call := *n.Call
			call.Args = args
			return NewEvaluate(n.Input, &call, n.Name)
		}
	}
	return n, nil
}

// ParseDate parses a date string as Spark's cast to date does, returning
// days since the epoch: surrounding spaces are ignored, and the forms are
// yyyy, yyyy-[m]m, yyyy-[m]m-[d]d, optionally followed by a space or T and
// anything (a time, which is ignored). The year has 4 to 7 digits and may
// have a sign.
func ParseDate(s string) (int32, bool) {
	s = strings.TrimSpace(s)
	y, m, d, rest, ok := parseDatePart(s)
	if !ok || (rest != "" && rest[0] != ' ' && rest[0] != 'T') {
		return 0, false
	}
	t, ok := makeDate(y, m, d)
	if !ok {
		return 0, false
	}
	return int32(arrow.Date32FromTime(t)), true
}

// ParseTimestamp parses a timestamp string as Spark's cast to timestamp
// does, returning microseconds since the epoch: a date as ParseDate reads
// it, then optionally a space or T, h[h]:m[m][:s[s][.fraction]] (digits of
// the fraction beyond microseconds are dropped), then optionally a zone:
// Z, UTC, GMT, ±h[h][:mm], ±hhmm, or a region name (Europe/Paris). Without
// a zone the time is UTC.
func ParseTimestamp(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	y, mo, d, rest, ok := parseDatePart(s)
	if !ok {
		return 0, false
	}
	var h, mi, sec, nanos int
	loc := time.UTC
	if rest != "" {
		if rest[0] != ' ' && rest[0] != 'T' {
			return 0, false
		}
		rest = rest[1:]
		var digits int
		if h, rest, digits = leadingInt(rest, 2); digits == 0 || rest == "" || rest[0] != ':' {
			return 0, false
		}
		if mi, rest, digits = leadingInt(rest[1:], 2); digits == 0 {
			return 0, false
		}
		if rest != "" && rest[0] == ':' {
			if sec, rest, digits = leadingInt(rest[1:], 2); digits == 0 {
				return 0, false
			}
			if rest != "" && rest[0] == '.' {
				var frac int
				frac, rest, digits = leadingInt(rest[1:], 9)
				for ; digits < 9; digits++ {
					frac *= 10
				}
				for rest != "" && rest[0] >= '0' && rest[0] <= '9' {
					rest = rest[1:]
				}
				nanos = frac / 1000 * 1000
			}
		}
		if rest != "" {
			if loc, ok = parseZone(strings.TrimPrefix(rest, " ")); !ok {
				return 0, false
			}
		}
	}
	if h > 23 || mi > 59 || sec > 59 {
		return 0, false
	}
	if _, ok := makeDate(y, mo, d); !ok {
		return 0, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, nanos, loc).UnixMicro(), true
}

// parseDatePart reads [sign]yyyy[-[m]m[-[d]d]] from the start of s.
func parseDatePart(s string) (y, m, d int, rest string, ok bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	y, rest, digits := leadingInt(s, 7)
	if digits < 4 || (rest != "" && rest[0] >= '0' && rest[0] <= '9') {
		return 0, 0, 0, "", false
	}
	if neg {
		y = -y
	}
	m, d = 1, 1
	if rest != "" && rest[0] == '-' {
		if m, rest, digits = leadingInt(rest[1:], 2); digits == 0 {
			return 0, 0, 0, "", false
		}
		if rest != "" && rest[0] == '-' {
			if d, rest, digits = leadingInt(rest[1:], 2); digits == 0 {
				return 0, 0, 0, "", false
			}
		}
	}
	if rest != "" && rest[0] >= '0' && rest[0] <= '9' {
		return 0, 0, 0, "", false
	}
	return y, m, d, rest, true
}

// leadingInt reads at most max decimal digits from the start of s.
func leadingInt(s string, max int) (v int, rest string, digits int) {
	for digits < max && digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		v = v*10 + int(s[digits]-'0')
		digits++
	}
	return v, s[digits:], digits
}

// makeDate checks that y-m-d is a calendar date.
func makeDate(y, m, d int) (time.Time, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t, t.Day() == d
}

// parseZone reads a time zone: Z, UTC, GMT, UT, ±h[h][:mm], ±hhmm, or a
// region name.
func parseZone(z string) (*time.Location, bool) {
	switch z {
	case "Z", "UTC", "GMT", "UT":
		return time.UTC, true
	}
	for _, prefix := range []string{"UTC", "GMT", "UT"} {
		if strings.HasPrefix(z, prefix) && len(z) > len(prefix) && (z[len(prefix)] == '+' || z[len(prefix)] == '-') {
			z = z[len(prefix):]
			break
		}
	}
	if z != "" && (z[0] == '+' || z[0] == '-') {
		sign := 1
		if z[0] == '-' {
			sign = -1
		}
		h, rest, digits := leadingInt(z[1:], 2)
		if digits == 0 {
			return nil, false
		}
		m := 0
		if rest != "" {
			rest = strings.TrimPrefix(rest, ":")
			if m, rest, digits = leadingInt(rest, 2); digits != 2 || rest != "" {
				return nil, false
			}
		}
		if h > 18 || m > 59 {
			return nil, false
		}
		return time.FixedZone("", sign*(h*3600+m*60)), true
	}
	if !strings.Contains(z, "/") {
		return nil, false
	}
	loc, err := time.LoadLocation(z)
	return loc, err == nil
}

// MicrosToUnit converts microseconds since the epoch to unit; exact is
// false when seconds or milliseconds lose a fraction.
func MicrosToUnit(micros int64, unit arrow.TimeUnit) (v int64, exact bool) {
	switch unit {
	case arrow.Second:
		return floorDiv(micros, 1e6), micros%1e6 == 0
	case arrow.Millisecond:
		return floorDiv(micros, 1e3), micros%1e3 == 0
	case arrow.Nanosecond:
		return micros * 1e3, true
	}
	return micros, true
}

// UnitToMicros converts a timestamp value of unit to microseconds,
// rounding nanoseconds down.
func UnitToMicros(v int64, unit arrow.TimeUnit) int64 {
	switch unit {
	case arrow.Second:
		return v * 1e6
	case arrow.Millisecond:
		return v * 1e3
	case arrow.Nanosecond:
		return floorDiv(v, 1e3)
	}
	return v
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
