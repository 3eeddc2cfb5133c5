package eval

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/plan"
)

// The kernels of the date and timestamp functions (plan/fn_date.go states
// their semantics). Dates are days since the epoch; timestamps reach them
// as plan.TimestampType (microseconds, UTC).

const microsPerDay = 86400 * 1e6

func init() {
	registerKernel("to_date", toDateKernel)
	registerKernel("to_timestamp", toTimestampKernel)
	registerKernel("date_format", dateFormatKernel)
	for name, part := range map[string]func(time.Time) int32{
		"year":       func(t time.Time) int32 { return int32(t.Year()) },
		"quarter":    func(t time.Time) int32 { return int32(t.Month()-1)/3 + 1 },
		"month":      func(t time.Time) int32 { return int32(t.Month()) },
		"day":        func(t time.Time) int32 { return int32(t.Day()) },
		"dayofweek":  func(t time.Time) int32 { return int32(t.Weekday()) + 1 },
		"dayofyear":  func(t time.Time) int32 { return int32(t.YearDay()) },
		"weekofyear": func(t time.Time) int32 { _, w := t.ISOWeek(); return int32(w) },
	} {
		registerKernel(name, datePartKernel(part))
	}
	registerKernel("hour", timePartKernel(3600e6, 24))
	registerKernel("minute", timePartKernel(60e6, 60))
	registerKernel("second", timePartKernel(1e6, 60))
	registerKernel("date_add", dateAddKernel(1))
	registerKernel("date_sub", dateAddKernel(-1))
	registerKernel("datediff", dateDiffKernel)
	registerKernel("current_date", func(ev *Evaluator, e *plan.Builtin, _ []arrow.Array, rows int) (arrow.Array, error) {
		return constInt(ev, e.Type(), rows, int64(arrow.Date32FromTime(time.Now().UTC())))
	})
	registerKernel("current_timestamp", func(ev *Evaluator, e *plan.Builtin, _ []arrow.Array, rows int) (arrow.Array, error) {
		return constInt(ev, e.Type(), rows, time.Now().UnixMicro())
	})
	registerKernel("date_trunc", dateTruncKernel)
	registerKernel("trunc", truncKernel)
}

// constInt is a column of one date32 or timestamp value (current_date
// evaluated without the optimizer's FoldCurrentTime).
func constInt(ev *Evaluator, t arrow.DataType, rows int, v int64) (arrow.Array, error) {
	b := array.NewBuilder(ev.mem, t)
	defer b.Release()
	b.Reserve(rows)
	for range rows {
		switch b := b.(type) {
		case *array.Date32Builder:
			b.UnsafeAppend(arrow.Date32(v))
		case *array.TimestampBuilder:
			b.UnsafeAppend(arrow.Timestamp(v))
		}
	}
	return b.NewArray(), nil
}

// patternCache compiles the datetime patterns a kernel meets, keeping
// the last one.
type patternCache struct {
	pattern string
	p       *plan.DatetimePattern
}

func (c *patternCache) get(pattern string) (*plan.DatetimePattern, error) {
	if c.p != nil && c.pattern == pattern {
		return c.p, nil
	}
	p, err := plan.CompileDatetimePattern(pattern)
	if err != nil {
		return nil, err
	}
	c.pattern, c.p = pattern, p
	return p, nil
}

// temporalMicros reads value i of a date32 or timestamp array as
// microseconds since the epoch.
func temporalMicros(a arrow.Array, i int) int64 {
	switch a := a.(type) {
	case *array.Date32:
		return int64(a.Value(i)) * microsPerDay
	case *array.Timestamp:
		return plan.UnitToMicros(int64(a.Value(i)), a.DataType().(*arrow.TimestampType).Unit)
	}
	return 0
}

func toDateKernel(ev *Evaluator, e *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	if args[0].DataType().ID() == arrow.DATE32 {
		args[0].Retain()
		return args[0], nil
	}
	b := array.NewDate32Builder(ev.mem)
	defer b.Release()
	b.Reserve(rows)
	err := eachTemporal(args, rows, true, func(v int64, ok bool) {
		if ok {
			b.UnsafeAppend(arrow.Date32(v))
		} else {
			b.UnsafeAppendBoolToBitmap(false)
		}
	})
	if err != nil {
		return nil, err
	}
	return b.NewArray(), nil
}

func toTimestampKernel(ev *Evaluator, e *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	unit := e.Type().(*arrow.TimestampType).Unit
	b := array.NewTimestampBuilder(ev.mem, e.Type().(*arrow.TimestampType))
	defer b.Release()
	b.Reserve(rows)
	err := eachTemporal(args, rows, false, func(v int64, ok bool) {
		if ok {
			v, _ = plan.MicrosToUnit(v, unit)
			b.UnsafeAppend(arrow.Timestamp(v))
		} else {
			b.UnsafeAppendBoolToBitmap(false)
		}
	})
	if err != nil {
		return nil, err
	}
	return b.NewArray(), nil
}

// eachTemporal hands emit, per row, the value of a string (parsed, with
// the format of args[1] when given), date or timestamp argument as days
// (days) or microseconds since the epoch; ok is false for NULL or a
// string that does not parse.
func eachTemporal(args []arrow.Array, rows int, days bool, emit func(v int64, ok bool)) error {
	in := args[0]
	floorDays := func(micros int64) int64 {
		d := micros / microsPerDay
		if micros%microsPerDay < 0 {
			d--
		}
		return d
	}
	str, isString := in.(*array.String)
	var format argCol[*array.String]
	hasFormat := len(args) == 2
	if hasFormat {
		format = argOf[*array.String](args[1], rows)
	}
	var cache patternCache
	for r := 0; r < rows; r++ {
		if in.IsNull(r) || (hasFormat && format.null(r)) {
			emit(0, false)
			continue
		}
		if !isString {
			m := temporalMicros(in, r)
			if days {
				m = floorDays(m)
			}
			emit(m, true)
			continue
		}
		s := str.Value(r)
		if hasFormat {
			p, err := cache.get(format.a.Value(format.at(r)))
			if err != nil {
				return err
			}
			t, ok := p.Parse(s)
			if !ok {
				emit(0, false)
				continue
			}
			if days {
				emit(floorDays(t.UnixMicro()), true)
			} else {
				emit(t.UnixMicro(), true)
			}
			continue
		}
		if days {
			d, ok := plan.ParseDate(s)
			emit(int64(d), ok)
		} else {
			emit(plan.ParseTimestamp(s))
		}
	}
	return nil
}

func dateFormatKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	ts := argOf[*array.Timestamp](args[0], rows)
	format := argOf[*array.String](args[1], rows)
	b := array.NewStringBuilder(ev.mem)
	defer b.Release()
	b.Reserve(rows)
	var cache patternCache
	var buf []byte
	for r := range validRows(b, rows, args...) {
		p, err := cache.get(format.a.Value(format.at(r)))
		if err != nil {
			return nil, err
		}
		buf = p.Append(buf[:0], time.UnixMicro(int64(ts.a.Value(ts.at(r)))))
		b.BinaryBuilder.Append(buf)
	}
	return b.NewArray(), nil
}

func datePartKernel(part func(time.Time) int32) builtinKernel {
	return func(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
		in := args[0].(*array.Date32)
		b := array.NewInt32Builder(ev.mem)
		defer b.Release()
		b.Reserve(rows)
		for r := range validRows(b, in.Len(), in) {
			b.UnsafeAppend(part(in.Value(r).ToTime()))
		}
		return b.NewArray(), nil
	}
}

func timePartKernel(unit, modulo int64) builtinKernel {
	return func(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
		in := args[0].(*array.Timestamp)
		b := array.NewInt32Builder(ev.mem)
		defer b.Release()
		b.Reserve(rows)
		for r := range validRows(b, in.Len(), in) {
			v := int64(in.Value(r)) % microsPerDay
			if v < 0 {
				v += microsPerDay
			}
			b.UnsafeAppend(int32(v / unit % modulo))
		}
		return b.NewArray(), nil
	}
}

func dateAddKernel(sign int64) builtinKernel {
	return func(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
		d := argOf[*array.Date32](args[0], rows)
		n := argOf[*array.Int64](args[1], rows)
		b := array.NewDate32Builder(ev.mem)
		defer b.Release()
		b.Reserve(rows)
		for r := range validRows(b, rows, args...) {
			v := int64(d.a.Value(d.at(r))) + sign*n.a.Value(n.at(r))
			if v != int64(int32(v)) {
				return nil, fmt.Errorf("date overflow: %d days from the epoch", v)
			}
			b.UnsafeAppend(arrow.Date32(v))
		}
		return b.NewArray(), nil
	}
}

func dateDiffKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	end := argOf[*array.Date32](args[0], rows)
	start := argOf[*array.Date32](args[1], rows)
	b := array.NewInt32Builder(ev.mem)
	defer b.Release()
	b.Reserve(rows)
	for r := range validRows(b, rows, args...) {
		b.UnsafeAppend(int32(end.a.Value(end.at(r)) - start.a.Value(start.at(r))))
	}
	return b.NewArray(), nil
}

// truncTime truncates t (UTC) to unit, reporting false for an unknown
// unit. Weeks start on Monday.
func truncTime(t time.Time, unit string, dateOnly bool) (time.Time, bool) {
	y, m, d := t.Date()
	switch strings.ToUpper(unit) {
	case "YEAR", "YYYY", "YY":
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), true
	case "QUARTER":
		return time.Date(y, (m-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC), true
	case "MONTH", "MM", "MON":
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC), true
	case "WEEK":
		back := (int(t.Weekday()) + 6) % 7
		return time.Date(y, m, d-back, 0, 0, 0, 0, time.UTC), true
	}
	if dateOnly {
		return t, false
	}
	switch strings.ToUpper(unit) {
	case "DAY", "DD":
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), true
	case "HOUR":
		return t.Truncate(time.Hour), true
	case "MINUTE":
		return t.Truncate(time.Minute), true
	case "SECOND":
		return t.Truncate(time.Second), true
	case "MILLISECOND":
		return t.Truncate(time.Millisecond), true
	case "MICROSECOND":
		return t, true
	}
	return t, false
}

func dateTruncKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	unit := argOf[*array.String](args[0], rows)
	ts := argOf[*array.Timestamp](args[1], rows)
	b := array.NewTimestampBuilder(ev.mem, plan.TimestampType.(*arrow.TimestampType))
	defer b.Release()
	b.Reserve(rows)
	for r := range validRows(b, rows, args...) {
		t, ok := truncTime(time.UnixMicro(int64(ts.a.Value(ts.at(r)))).UTC(), unit.a.Value(unit.at(r)), false)
		if !ok {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		b.UnsafeAppend(arrow.Timestamp(t.UnixMicro()))
	}
	return b.NewArray(), nil
}

func truncKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	d := argOf[*array.Date32](args[0], rows)
	unit := argOf[*array.String](args[1], rows)
	b := array.NewDate32Builder(ev.mem)
	defer b.Release()
	b.Reserve(rows)
	for r := range validRows(b, rows, args...) {
		t, ok := truncTime(d.a.Value(d.at(r)).ToTime(), unit.a.Value(unit.at(r)), true)
		if !ok {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		b.UnsafeAppend(arrow.Date32FromTime(t))
	}
	return b.NewArray(), nil
}
