// Package jsonrows writes Arrow rows as JSON objects, as Spark writes JSON
// lines: io/jsonio's writer and the dead letters of exec/call both encode
// rows with it, so a dead letter reads back as jsonio wrote it.
//
// Values are written so that they read back as the same value and type:
// integers and booleans as they are, floats with a fraction or exponent
// (NaN and the infinities as the strings "NaN", "Infinity" and
// "-Infinity"), strings with the control characters escaped and bytes
// that are not UTF-8 replaced by U+FFFD, binary as base64, dates and
// timestamps as strings in the layouts asked for (timestamps in UTC),
// decimals as plain numbers, structs as objects, lists as arrays, and
// dictionary-encoded values as their values.
package jsonrows

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// The layouts of dates and timestamps when Options leaves them empty:
// yyyy-MM-dd, and RFC 3339 with up to nanoseconds.
const (
	DateLayout      = time.DateOnly
	TimestampLayout = "2006-01-02T15:04:05.999999999Z07:00"
)

// Options say how values are written. The zero value writes NULL fields
// as null, dates and timestamps in DateLayout and TimestampLayout, and
// floats in strconv's shortest form.
type Options struct {
	// DateLayout and TimestampLayout are Go time layouts.
	DateLayout, TimestampLayout string
	// IgnoreNullFields leaves NULL fields out of objects, as Spark does
	// by default; false writes them as null.
	IgnoreNullFields bool
	// Float appends a finite float (bits is 32 or 64). ember's callers
	// pass plan.AppendFloat, Spark's format, which this package, below
	// plan, cannot import.
	Float func(dst []byte, v float64, bits int) []byte
}

// Writable reports whether values of type dt can be written, as io/jsonio
// promises: an error names the first type that cannot. Encoder writes the
// others too (a map as a list of key-value objects, other types as the
// string of their value), for dead letters, which must never fail.
func Writable(dt arrow.DataType) error {
	switch dt := dt.(type) {
	case *arrow.StructType:
		for _, f := range dt.Fields() {
			if err := Writable(f.Type); err != nil {
				return err
			}
		}
		return nil
	case arrow.ListLikeType:
		if _, ok := dt.(*arrow.MapType); ok {
			break
		}
		return Writable(dt.Elem())
	case *arrow.DictionaryType:
		return Writable(dt.ValueType)
	}
	switch dt.ID() {
	case arrow.NULL, arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64, arrow.FLOAT32, arrow.FLOAT64,
		arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY,
		arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.DECIMAL128:
		return nil
	}
	return fmt.Errorf("type %s cannot be written as JSON", dt)
}

// Encoder writes the rows of batches of one schema as JSON objects. It is
// not safe for concurrent use.
type Encoder struct {
	o    Options
	keys [][]byte // per column, its quoted name and a colon
	cols []arrow.Array
	encs []encoder
}

// encoder appends the JSON text of the value at a row (known not NULL).
type encoder func(dst []byte, i int) []byte

// NewEncoder returns an encoder of rows of the given fields.
func NewEncoder(fields []arrow.Field, o Options) *Encoder {
	if o.DateLayout == "" {
		o.DateLayout = DateLayout
	}
	if o.TimestampLayout == "" {
		o.TimestampLayout = TimestampLayout
	}
	if o.Float == nil {
		o.Float = func(dst []byte, v float64, bits int) []byte { return strconv.AppendFloat(dst, v, 'g', -1, bits) }
	}
	return &Encoder{o: o, keys: fieldKeys(fields)}
}

// Reset makes the encoder write the rows of cols, one array per field,
// which it borrows until the next Reset.
func (e *Encoder) Reset(cols []arrow.Array) {
	e.cols = cols
	e.encs = e.encs[:0]
	for _, c := range cols {
		e.encs = append(e.encs, e.encoder(c))
	}
}

// AppendObject appends a row of the columns as a JSON object.
func (e *Encoder) AppendObject(dst []byte, row int) []byte {
	return e.appendObject(dst, row, e.cols, e.encs, e.keys)
}

// AppendFields appends the fields of a row, "name":value separated by
// commas, without the braces around them, so that the caller may add
// fields of its own; wrote says whether it wrote any.
func (e *Encoder) AppendFields(dst []byte, row int) (out []byte, wrote bool) {
	n := len(dst)
	dst = e.appendFields(dst, row, e.cols, e.encs, e.keys)
	return dst, len(dst) > n
}

func (e *Encoder) appendObject(dst []byte, row int, cols []arrow.Array, encs []encoder, keys [][]byte) []byte {
	dst = append(dst, '{')
	dst = e.appendFields(dst, row, cols, encs, keys)
	return append(dst, '}')
}

func (e *Encoder) appendFields(dst []byte, row int, cols []arrow.Array, encs []encoder, keys [][]byte) []byte {
	first := true
	for k, c := range cols {
		null := c.IsNull(row) || c.DataType().ID() == arrow.NULL
		if null && e.o.IgnoreNullFields {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, keys[k]...)
		if null {
			dst = append(dst, "null"...)
		} else {
			dst = encs[k](dst, row)
		}
	}
	return dst
}

func fieldKeys(fields []arrow.Field) [][]byte {
	keys := make([][]byte, len(fields))
	for k, f := range fields {
		keys[k] = append(AppendString(nil, f.Name), ':')
	}
	return keys
}

// encoder returns the encoder of an array's values.
func (e *Encoder) encoder(c arrow.Array) encoder {
	switch c := c.(type) {
	case *array.Int64:
		return func(dst []byte, i int) []byte { return strconv.AppendInt(dst, c.Value(i), 10) }
	case *array.Int32:
		return func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(c.Value(i)), 10) }
	case *array.Int16:
		return func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(c.Value(i)), 10) }
	case *array.Int8:
		return func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(c.Value(i)), 10) }
	case *array.Uint64:
		return func(dst []byte, i int) []byte { return strconv.AppendUint(dst, c.Value(i), 10) }
	case *array.Uint32:
		return func(dst []byte, i int) []byte { return strconv.AppendUint(dst, uint64(c.Value(i)), 10) }
	case *array.Uint16:
		return func(dst []byte, i int) []byte { return strconv.AppendUint(dst, uint64(c.Value(i)), 10) }
	case *array.Uint8:
		return func(dst []byte, i int) []byte { return strconv.AppendUint(dst, uint64(c.Value(i)), 10) }
	case *array.Float64:
		return func(dst []byte, i int) []byte { return e.appendFloat(dst, c.Value(i), 64) }
	case *array.Float32:
		return func(dst []byte, i int) []byte { return e.appendFloat(dst, float64(c.Value(i)), 32) }
	case *array.Boolean:
		return func(dst []byte, i int) []byte { return strconv.AppendBool(dst, c.Value(i)) }
	case *array.String:
		return func(dst []byte, i int) []byte { return AppendString(dst, c.Value(i)) }
	case *array.LargeString:
		return func(dst []byte, i int) []byte { return AppendString(dst, c.Value(i)) }
	case *array.Binary:
		return func(dst []byte, i int) []byte { return appendBase64(dst, c.Value(i)) }
	case *array.LargeBinary:
		return func(dst []byte, i int) []byte { return appendBase64(dst, c.Value(i)) }
	case *array.Date32:
		return func(dst []byte, i int) []byte { return appendTime(dst, c.Value(i).ToTime(), e.o.DateLayout) }
	case *array.Date64:
		return func(dst []byte, i int) []byte { return appendTime(dst, c.Value(i).ToTime(), e.o.DateLayout) }
	case *array.Timestamp:
		unit := c.DataType().(*arrow.TimestampType).Unit
		return func(dst []byte, i int) []byte { return appendTime(dst, c.Value(i).ToTime(unit), e.o.TimestampLayout) }
	case *array.Decimal128:
		scale := c.DataType().(*arrow.Decimal128Type).Scale
		return func(dst []byte, i int) []byte { return append(dst, c.Value(i).ToString(scale)...) }
	case *array.Struct:
		st := c.DataType().(*arrow.StructType)
		kids := make([]arrow.Array, st.NumFields())
		encs := make([]encoder, st.NumFields())
		for k := range kids {
			kids[k] = c.Field(k)
			encs[k] = e.encoder(kids[k])
		}
		keys := fieldKeys(st.Fields())
		return func(dst []byte, i int) []byte { return e.appendObject(dst, i, kids, encs, keys) }
	case array.ListLike:
		values := c.ListValues()
		enc := e.encoder(values)
		return func(dst []byte, i int) []byte {
			start, end := c.ValueOffsets(i)
			dst = append(dst, '[')
			for j := start; j < end; j++ {
				if j > start {
					dst = append(dst, ',')
				}
				if values.IsNull(int(j)) {
					dst = append(dst, "null"...)
				} else {
					dst = enc(dst, int(j))
				}
			}
			return append(dst, ']')
		}
	case *array.Dictionary:
		dict := c.Dictionary()
		enc := e.encoder(dict)
		return func(dst []byte, i int) []byte {
			k := c.GetValueIndex(i)
			if dict.IsNull(k) {
				return append(dst, "null"...)
			}
			return enc(dst, k)
		}
	case *array.Null:
		// Every value is NULL, so the encoder is never called.
		return func(dst []byte, _ int) []byte { return append(dst, "null"...) }
	}
	// A type Writable refuses.
	return func(dst []byte, i int) []byte { return AppendString(dst, c.ValueStr(i)) }
}

// appendFloat writes a float so that it reads back as the same value and
// as a float; NaN and the infinities, which JSON cannot hold, are written
// as the strings Spark writes and reads for them.
func (e *Encoder) appendFloat(dst []byte, v float64, bits int) []byte {
	switch {
	case math.IsNaN(v):
		return append(dst, `"NaN"`...)
	case math.IsInf(v, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(v, -1):
		return append(dst, `"-Infinity"`...)
	}
	return e.o.Float(dst, v, bits)
}

func appendTime(dst []byte, t time.Time, layout string) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, layout)
	return append(dst, '"')
}

func appendBase64(dst, v []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, v)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string: quotes, backslashes and
// control characters escaped, other characters as they are (UTF-8), and
// bytes that are not valid UTF-8 replaced by U+FFFD so that the output
// always is.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
