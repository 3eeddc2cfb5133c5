package jsonio

import (
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ember-df/ember/io/internal/javatime"
	"github.com/ember-df/ember/io/internal/textfile"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/plan"
)

// Format writes JSON-lines part files; it implements plan.FileFormat and
// plan.Portable.
type Format struct {
	Options Options
}

var _ plan.FileFormat = Format{}

// Name implements plan.FileFormat.
func (Format) Name() string { return "json" }

// Extension implements plan.FileFormat: "json", then the compression
// codec's extension ("json.gz").
func (f Format) Extension() string { return textfile.Extension("json", f.Options.Compression) }

// NewWriter implements plan.FileFormat. Every column type must be one
// that can be written (see the package doc).
func (f Format) NewWriter(w io.Writer, s *arrow.Schema) (plan.BatchWriter, error) {
	if err := f.Options.check(); err != nil {
		return nil, err
	}
	w, finish, err := textfile.Compress(w, f.Options.Compression)
	if err != nil {
		return nil, fmt.Errorf("jsonio: %w", err)
	}
	jw := &Writer{w: w, finish: finish, o: f.Options, schema: s, dateLayout: time.DateOnly, tsLayout: "2006-01-02T15:04:05.999999999Z07:00"}
	for _, fld := range s.Fields() {
		if err := writable(fld.Type); err != nil {
			return nil, fmt.Errorf("jsonio: column %q: %w", fld.Name, err)
		}
	}
	// Write dates and timestamps as the same options read them.
	if ls, _ := javatime.Layouts(f.Options.DateFormat, ""); ls != nil {
		jw.dateLayout = ls[0]
	}
	if ls, _ := javatime.Layouts(f.Options.TimestampFormat, ""); ls != nil {
		jw.tsLayout = ls[0]
	}
	jw.keys = fieldKeys(s.Fields())
	return jw, nil
}

// Writer writes batches as JSON lines: one object per row.
type Writer struct {
	w          io.Writer
	finish     func() error // ends the compressed stream
	o          Options
	schema     *arrow.Schema
	dateLayout string
	tsLayout   string
	keys       [][]byte // per column, its quoted name and a colon
	buf        []byte
}

const flushAt = 256 << 10

// encoder appends the JSON text of the value at a row (known not NULL).
type encoder func(dst []byte, i int) []byte

// Write implements plan.BatchWriter.
func (w *Writer) Write(b arrow.RecordBatch) error {
	if !b.Schema().Equal(w.schema) {
		return fmt.Errorf("jsonio: batch schema %s differs from the file's %s", b.Schema(), w.schema)
	}
	cols := b.Columns()
	encs := make([]encoder, len(cols))
	for k, c := range cols {
		encs[k] = w.encoder(c)
	}
	for row := 0; row < int(b.NumRows()); row++ {
		w.buf = w.appendObject(w.buf, row, cols, encs, w.keys)
		w.buf = append(w.buf, '\n')
		if len(w.buf) >= flushAt {
			if err := w.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendObject writes the fields of one row as an object, leaving NULL
// fields out when IgnoreNullFields is set.
func (w *Writer) appendObject(dst []byte, row int, cols []arrow.Array, encs []encoder, keys [][]byte) []byte {
	dst = append(dst, '{')
	first := true
	for k, c := range cols {
		null := c.IsNull(row) || c.DataType().ID() == arrow.NULL
		if null && w.o.IgnoreNullFields {
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
	return append(dst, '}')
}

func (w *Writer) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.w.Write(w.buf)
	w.buf = w.buf[:0]
	if err != nil {
		return fmt.Errorf("jsonio: %w", err)
	}
	return nil
}

// Close implements plan.BatchWriter.
func (w *Writer) Close() error {
	if err := w.flush(); err != nil {
		return err
	}
	if err := w.finish(); err != nil {
		return fmt.Errorf("jsonio: %w", err)
	}
	return nil
}

func fieldKeys(fields []arrow.Field) [][]byte {
	keys := make([][]byte, len(fields))
	for k, f := range fields {
		keys[k] = append(appendQuoted(nil, f.Name), ':')
	}
	return keys
}

// writable reports whether values of type dt can be written.
func writable(dt arrow.DataType) error {
	switch dt := dt.(type) {
	case *arrow.StructType:
		for _, f := range dt.Fields() {
			if err := writable(f.Type); err != nil {
				return err
			}
		}
		return nil
	case arrow.ListLikeType:
		if _, ok := dt.(*arrow.MapType); ok {
			break
		}
		return writable(dt.Elem())
	case *arrow.DictionaryType:
		return writable(dt.ValueType)
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

// encoder returns the encoder of an array's values (writable checked its
// type).
func (w *Writer) encoder(c arrow.Array) encoder {
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
		return func(dst []byte, i int) []byte { return appendFloat(dst, c.Value(i), 64) }
	case *array.Float32:
		return func(dst []byte, i int) []byte { return appendFloat(dst, float64(c.Value(i)), 32) }
	case *array.Boolean:
		return func(dst []byte, i int) []byte { return strconv.AppendBool(dst, c.Value(i)) }
	case *array.String:
		return func(dst []byte, i int) []byte { return appendQuoted(dst, c.Value(i)) }
	case *array.LargeString:
		return func(dst []byte, i int) []byte { return appendQuoted(dst, c.Value(i)) }
	case *array.Binary:
		return func(dst []byte, i int) []byte { return appendBase64(dst, c.Value(i)) }
	case *array.LargeBinary:
		return func(dst []byte, i int) []byte { return appendBase64(dst, c.Value(i)) }
	case *array.Date32:
		return func(dst []byte, i int) []byte { return w.appendTime(dst, c.Value(i).ToTime(), w.dateLayout) }
	case *array.Date64:
		return func(dst []byte, i int) []byte { return w.appendTime(dst, c.Value(i).ToTime(), w.dateLayout) }
	case *array.Timestamp:
		unit := c.DataType().(*arrow.TimestampType).Unit
		return func(dst []byte, i int) []byte { return w.appendTime(dst, c.Value(i).ToTime(unit), w.tsLayout) }
	case *array.Decimal128:
		scale := c.DataType().(*arrow.Decimal128Type).Scale
		return func(dst []byte, i int) []byte { return append(dst, c.Value(i).ToString(scale)...) }
	case *array.Struct:
		st := c.DataType().(*arrow.StructType)
		kids := make([]arrow.Array, st.NumFields())
		encs := make([]encoder, st.NumFields())
		for k := range kids {
			kids[k] = c.Field(k)
			encs[k] = w.encoder(kids[k])
		}
		keys := fieldKeys(st.Fields())
		return func(dst []byte, i int) []byte { return w.appendObject(dst, i, kids, encs, keys) }
	case array.ListLike:
		values := c.ListValues()
		enc := w.encoder(values)
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
		enc := w.encoder(dict)
		return func(dst []byte, i int) []byte {
			k := c.GetValueIndex(i)
			if dict.IsNull(k) {
				return append(dst, "null"...)
			}
			return enc(dst, k)
		}
	}
	// The null type: every value is NULL, so the encoder is never called.
	return func(dst []byte, _ int) []byte { return append(dst, "null"...) }
}

// appendFloat writes a float so that it reads back as the same value and
// as a float (1.0, not 1); NaN and the infinities, which JSON cannot
// hold, are written as the strings Spark writes and reads for them.
func appendFloat(dst []byte, v float64, bits int) []byte {
	switch {
	case math.IsNaN(v):
		return append(dst, `"NaN"`...)
	case math.IsInf(v, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(v, -1):
		return append(dst, `"-Infinity"`...)
	}
	return plan.AppendFloat(dst, v, bits)
}

func (w *Writer) appendTime(dst []byte, t time.Time, layout string) []byte {
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

// appendQuoted writes s as a JSON string: quotes, backslashes and control
// characters escaped, other characters as they are (UTF-8), and bytes
// that are not valid UTF-8 replaced by U+FFFD so that the output always is.
func appendQuoted(dst []byte, s string) []byte {
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
