package csvio

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/ember-df/ember/io/internal/javatime"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// column converts one CSV field per record into an Arrow builder.
type column struct {
	name      string
	typ       arrow.DataType
	field     int // index of the field in a record
	nullValue string

	parse func(v []byte) bool // appends v parsed, or reports false
	valid func(v []byte) bool // whether v parses, without appending
	b     array.Builder
	start func(mem memory.Allocator, rows int) array.Builder
}

// text views bytes as a string without copying; the string must not
// outlive the bytes.
func text(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// newColumn returns the converter of field number field of a record into
// a column of f's type; cs is the files' charset.
func newColumn(f arrow.Field, field int, o Options, cs *charset) (*column, error) {
	c := &column{name: f.Name, typ: f.Type, field: field, nullValue: o.NullValue}
	switch f.Type.ID() {
	case arrow.STRING:
		var sb *array.StringBuilder
		c.start = func(mem memory.Allocator, rows int) array.Builder {
			sb = array.NewStringBuilder(mem)
			sb.Reserve(rows)
			c.b = sb
			return sb
		}
		if cs.table != nil {
			var buf []byte
			c.parse = func(v []byte) bool { buf = cs.appendText(buf[:0], v); sb.BinaryBuilder.Append(buf); return true }
			c.valid = func([]byte) bool { return true }
			break
		}
		// A string that is not UTF-8 is a malformed field: Arrow strings
		// must be valid UTF-8.
		c.parse = func(v []byte) bool {
			if !utf8.Valid(v) {
				return false
			}
			sb.BinaryBuilder.Append(v)
			return true
		}
		c.valid = utf8.Valid
	case arrow.FLOAT64, arrow.FLOAT32:
		bits := 64
		if f.Type.ID() == arrow.FLOAT32 {
			bits = 32
		}
		var b64 *array.Float64Builder
		var b32 *array.Float32Builder
		c.start = func(mem memory.Allocator, rows int) array.Builder {
			b := array.NewBuilder(mem, f.Type)
			b.Reserve(rows)
			b64, _ = b.(*array.Float64Builder)
			b32, _ = b.(*array.Float32Builder)
			c.b = b
			return b
		}
		c.valid = func(v []byte) bool { _, err := strconv.ParseFloat(text(v), bits); return err == nil }
		c.parse = func(v []byte) bool {
			x, err := strconv.ParseFloat(text(v), bits)
			if err != nil {
				return false
			}
			if b64 != nil {
				b64.UnsafeAppend(x)
			} else {
				b32.UnsafeAppend(float32(x))
			}
			return true
		}
	case arrow.INT64, arrow.INT32, arrow.INT16, arrow.INT8:
		bits := f.Type.(arrow.FixedWidthDataType).BitWidth()
		var appendInt func(int64)
		c.start = func(mem memory.Allocator, rows int) array.Builder {
			b := array.NewBuilder(mem, f.Type)
			b.Reserve(rows)
			switch b := b.(type) {
			case *array.Int64Builder:
				appendInt = b.UnsafeAppend
			case *array.Int32Builder:
				appendInt = func(x int64) { b.UnsafeAppend(int32(x)) }
			case *array.Int16Builder:
				appendInt = func(x int64) { b.UnsafeAppend(int16(x)) }
			case *array.Int8Builder:
				appendInt = func(x int64) { b.UnsafeAppend(int8(x)) }
			}
			c.b = b
			return b
		}
		c.valid = func(v []byte) bool { _, err := strconv.ParseInt(text(v), 10, bits); return err == nil }
		c.parse = func(v []byte) bool {
			x, err := strconv.ParseInt(text(v), 10, bits)
			if err != nil {
				return false
			}
			appendInt(x)
			return true
		}
	case arrow.BOOL:
		var bb *array.BooleanBuilder
		c.start = func(mem memory.Allocator, rows int) array.Builder {
			bb = array.NewBooleanBuilder(mem)
			bb.Reserve(rows)
			c.b = bb
			return bb
		}
		c.valid = func(v []byte) bool { _, ok := parseBool(v); return ok }
		c.parse = func(v []byte) bool {
			x, ok := parseBool(v)
			if ok {
				bb.UnsafeAppend(x)
			}
			return ok
		}
	case arrow.DATE32:
		dateLayouts, err := javatime.Layouts(o.DateFormat, time.DateOnly)
		if err != nil {
			return nil, fmt.Errorf("csvio: %w", err)
		}
		var db *array.Date32Builder
		c.start = func(mem memory.Allocator, rows int) array.Builder {
			db = array.NewDate32Builder(mem)
			db.Reserve(rows)
			c.b = db
			return db
		}
		c.valid = func(v []byte) bool { _, ok := parseTime(text(v), dateLayouts); return ok }
		c.parse = func(v []byte) bool {
			t, ok := parseTime(text(v), dateLayouts)
			if ok {
				db.UnsafeAppend(arrow.Date32FromTime(t))
			}
			return ok
		}
	case arrow.TIMESTAMP:
		tsLayouts, err := javatime.Layouts(o.TimestampFormat, "")
		if err != nil {
			return nil, fmt.Errorf("csvio: %w", err)
		}
		if tsLayouts == nil {
			tsLayouts = timestampLayouts
		}
		unit := f.Type.(*arrow.TimestampType).Unit
		convert := func(v []byte) (arrow.Timestamp, bool) {
			t, ok := parseTime(text(v), tsLayouts)
			if !ok {
				return 0, false
			}
			ts, err := arrow.TimestampFromTime(t, unit)
			return ts, err == nil
		}
		var tb *array.TimestampBuilder
		c.start = func(mem memory.Allocator, rows int) array.Builder {
			tb = array.NewTimestampBuilder(mem, f.Type.(*arrow.TimestampType))
			tb.Reserve(rows)
			c.b = tb
			return tb
		}
		c.valid = func(v []byte) bool { _, ok := convert(v); return ok }
		c.parse = func(v []byte) bool {
			ts, ok := convert(v)
			if ok {
				tb.UnsafeAppend(ts)
			}
			return ok
		}
	default:
		return nil, checkType(f)
	}
	return c, nil
}

// isNull tells whether a field is NULL: an unquoted field that is empty or
// equal to the null value, or an empty field of a non-string column (a
// quoted empty string field is the empty string).
func (c *column) isNull(v []byte, quoted bool) bool {
	if len(v) == 0 {
		return !quoted || c.typ.ID() != arrow.STRING
	}
	return !quoted && text(v) == c.nullValue
}

// append adds the field; a value that does not parse becomes NULL and
// append reports false.
func (c *column) append(v []byte, quoted bool) bool {
	if c.isNull(v, quoted) {
		c.b.AppendNull()
		return true
	}
	if c.parse(v) {
		return true
	}
	c.b.AppendNull()
	return false
}

func (c *column) appendNull() { c.b.AppendNull() }

// validates reports whether the field is NULL or parses.
func (c *column) validates(v []byte, quoted bool) bool {
	return c.isNull(v, quoted) || c.valid(v)
}

func parseBool(v []byte) (bool, bool) {
	switch strings.ToLower(text(v)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// timestampLayouts are what timestamps are parsed with when no format is
// given: RFC 3339 and its variants with a space or without a zone, and a
// bare date.
var timestampLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", time.DateOnly}

// parseTime parses s with the first of layouts that fits.
func parseTime(s string, layouts []string) (time.Time, bool) {
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
