package csvio

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"golang.org/x/text/transform"

	"github.com/ember-df/ember/io/internal/javatime"
	"github.com/ember-df/ember/io/internal/parsemode"
	"github.com/ember-df/ember/io/internal/textfile"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/plan"
)

// Format writes CSV part files; it implements plan.FileFormat.
type Format struct {
	Options Options
}

var _ plan.FileFormat = Format{}

// Name implements plan.FileFormat.
func (Format) Name() string { return "csv" }

// Extension implements plan.FileFormat: "csv", then the compression
// codec's extension ("csv.gz").
func (f Format) Extension() string { return textfile.Extension("csv", f.Options.Compression) }

// NewWriter implements plan.FileFormat. The header, if asked for, is
// written at once, so an empty result still records its columns.
func (f Format) NewWriter(w io.Writer, s *arrow.Schema) (plan.BatchWriter, error) {
	if err := f.Options.check(); err != nil {
		return nil, err
	}
	cs, err := lookupCharset(f.Options.Encoding)
	if err != nil {
		return nil, fmt.Errorf("csvio: encoding %q: %w", f.Options.Encoding, err)
	}
	w, finish, err := textfile.Compress(w, f.Options.Compression)
	if err != nil {
		return nil, fmt.Errorf("csvio: %w", err)
	}
	if cs.enc != nil {
		// The text is encoded, then compressed.
		encoded := transform.NewWriter(w, cs.enc.NewEncoder())
		finishCompression := finish
		w, finish = encoded, func() error {
			if err := encoded.Close(); err != nil {
				return fmt.Errorf("csvio: encoding as %s: %w", cs.name, err)
			}
			return finishCompression()
		}
	}
	cw := &Writer{w: w, finish: finish, o: f.Options, cs: cs, schema: s, dateLayout: time.DateOnly, tsLayout: "2006-01-02T15:04:05.999999999Z07:00"}
	for _, fld := range s.Fields() {
		if err := checkType(fld); err != nil {
			return nil, err
		}
	}
	// Write dates and timestamps as the same options read them.
	if ls, err := javatime.Layouts(f.Options.DateFormat, ""); err != nil {
		return nil, fmt.Errorf("csvio: %w", err)
	} else if ls != nil {
		cw.dateLayout = ls[0]
	}
	if ls, err := javatime.Layouts(f.Options.TimestampFormat, ""); err != nil {
		return nil, fmt.Errorf("csvio: %w", err)
	} else if ls != nil {
		cw.tsLayout = ls[0]
	}
	if f.Options.Header {
		for i, fld := range s.Fields() {
			if i > 0 {
				cw.buf = append(cw.buf, f.Options.Delimiter)
			}
			cw.buf = cw.appendString(cw.buf, fld.Name)
			if cw.bad != nil {
				return nil, fmt.Errorf("csvio: the header's column %q: %w", fld.Name, cw.bad)
			}
		}
		cw.buf = append(cw.buf, '\n')
	}
	return cw, nil
}

// Writer writes batches as CSV records.
type Writer struct {
	w          io.Writer
	finish     func() error // ends the encoded and compressed streams
	o          Options
	cs         *charset
	schema     *arrow.Schema
	dateLayout string
	tsLayout   string
	buf        []byte
	rows       int64 // rows written before the batch being written
	bad        error // why the value appendString was given last cannot be written
}

const flushAt = 256 << 10

// Write implements plan.BatchWriter.
func (w *Writer) Write(b arrow.RecordBatch) error {
	if !b.Schema().Equal(w.schema) {
		return fmt.Errorf("csvio: batch schema %s differs from the file's %s", b.Schema(), w.schema)
	}
	cells := make([]func([]byte, int) []byte, b.NumCols())
	for i, c := range b.Columns() {
		cells[i] = w.cellWriter(c)
	}
	defer func() { w.rows += b.NumRows() }()
	for row := 0; row < int(b.NumRows()); row++ {
		rowStart := len(w.buf)
		for i, cell := range cells {
			if i > 0 {
				w.buf = append(w.buf, w.o.Delimiter)
			}
			if b.Column(i).IsNull(row) {
				w.buf = append(w.buf, w.o.NullValue...)
				if len(cells) == 1 && w.o.NullValue == "" && b.Column(i).DataType().ID() != arrow.STRING && w.o.Quote != 0 {
					// A blank line would be skipped when read; an empty
					// quoted field is NULL too, except for strings.
					w.buf = append(w.buf, w.o.Quote, w.o.Quote)
				}
				continue
			}
			w.buf = cell(w.buf, row)
			if w.bad != nil {
				err := fmt.Errorf("csvio: column %q, row %d of the file: %w", w.schema.Field(i).Name, w.rows+int64(row)+1, w.bad)
				w.bad, w.buf = nil, w.buf[:rowStart] // no part of the row is written
				return err
			}
		}
		w.buf = append(w.buf, '\n')
		if len(w.buf) >= flushAt {
			if err := w.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *Writer) flush() error {
	_, err := w.w.Write(w.buf)
	w.buf = w.buf[:0]
	return err
}

// Close implements plan.BatchWriter: it flushes, and ends the compressed
// stream; it does not close the io.Writer.
func (w *Writer) Close() error {
	if err := w.flush(); err != nil {
		return err
	}
	return w.finish()
}

// cellWriter returns a function appending the value at a row (known not
// NULL) of column c.
func (w *Writer) cellWriter(c arrow.Array) func([]byte, int) []byte {
	switch c := c.(type) {
	case *array.Float64:
		return func(dst []byte, i int) []byte { return plan.AppendFloat(dst, c.Value(i), 64) }
	case *array.Float32:
		return func(dst []byte, i int) []byte { return plan.AppendFloat(dst, float64(c.Value(i)), 32) }
	case *array.Int64:
		return func(dst []byte, i int) []byte { return strconv.AppendInt(dst, c.Value(i), 10) }
	case *array.Int32:
		return func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(c.Value(i)), 10) }
	case *array.Int16:
		return func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(c.Value(i)), 10) }
	case *array.Int8:
		return func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(c.Value(i)), 10) }
	case *array.Boolean:
		return func(dst []byte, i int) []byte { return strconv.AppendBool(dst, c.Value(i)) }
	case *array.String:
		return func(dst []byte, i int) []byte { return w.appendString(dst, c.Value(i)) }
	case *array.Date32:
		return func(dst []byte, i int) []byte { return c.Value(i).ToTime().AppendFormat(dst, w.dateLayout) }
	case *array.Timestamp:
		unit := c.DataType().(*arrow.TimestampType).Unit
		return func(dst []byte, i int) []byte {
			return c.Value(i).ToTime(unit).AppendFormat(dst, w.tsLayout)
		}
	}
	return func(dst []byte, i int) []byte { return w.appendString(dst, c.ValueStr(i)) }
}

// ErrCannotWrite is wrapped by the errors of values the writer cannot
// write so that they read back: a value holding the delimiter or a line
// end without quoting (quote=""), or a character the encoding lacks.
var ErrCannotWrite = errors.New("value cannot be written")

// appendString writes s, quoted when it holds the delimiter, a quote, a
// line break, or is empty or the null value (so that it is not read back
// as NULL). Inside quotes a quote is doubled, and the escape character
// (which the reader honours inside quotes) is escaped. Without quoting
// (quote=""), s is written as it is, and one holding the delimiter or a
// line end — which would read back as other fields or records — sets bad
// instead; an empty s or the null value then read back as NULL. A
// character the encoding lacks sets bad too.
func (w *Writer) appendString(dst []byte, s string) []byte {
	if w.cs.encodable != nil {
		w.checkEncodable(s)
	}
	q, esc := w.o.Quote, w.o.Escape
	if q == 0 {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == w.o.Delimiter || c == '\n' || c == '\r' {
				w.bad = fmt.Errorf("%w: %q holds %q, and with quote=\"\" (no quoting) it would read back as other fields or records (choose a delimiter it lacks, or quoting)",
					ErrCannotWrite, parsemode.Excerpt([]byte(s)), s[i:i+1])
				break
			}
		}
		return append(dst, s...)
	}
	if esc == q {
		esc = 0
	}
	needs := len(s) == 0 || s == w.o.NullValue
	for i := 0; i < len(s) && !needs; i++ {
		switch s[i] {
		case w.o.Delimiter, q, '\n', '\r':
			needs = true
		}
	}
	if !needs {
		return append(dst, s...)
	}
	dst = append(dst, q)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == q:
			dst = append(dst, q, q)
		case c == esc && esc != 0:
			dst = append(dst, esc, esc)
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, q)
}

// checkEncodable sets bad when s holds a character the encoding lacks.
func (w *Writer) checkEncodable(s string) {
	for i := 0; i < len(s); i++ {
		if s[i] < utf8.RuneSelf {
			continue
		}
		for _, r := range s[i:] {
			if !w.cs.encodable(r) {
				w.bad = fmt.Errorf("%w: %q holds %q (%U), which %s cannot encode", ErrCannotWrite, parsemode.Excerpt([]byte(s)), r, r, w.cs.name)
				return
			}
		}
		return
	}
}
