package jsonio

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/internal/jsonrows"
	"github.com/ember-df/ember/io/internal/javatime"
	"github.com/ember-df/ember/io/internal/textfile"
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
	for _, fld := range s.Fields() {
		if err := jsonrows.Writable(fld.Type); err != nil {
			return nil, fmt.Errorf("jsonio: column %q: %w", fld.Name, err)
		}
	}
	// Write dates and timestamps as the same options read them.
	eo := jsonrows.Options{IgnoreNullFields: f.Options.IgnoreNullFields, Float: plan.AppendFloat}
	if ls, _ := javatime.Layouts(f.Options.DateFormat, ""); ls != nil {
		eo.DateLayout = ls[0]
	}
	if ls, _ := javatime.Layouts(f.Options.TimestampFormat, ""); ls != nil {
		eo.TimestampLayout = ls[0]
	}
	return &Writer{w: w, finish: finish, schema: s, enc: jsonrows.NewEncoder(s.Fields(), eo)}, nil
}

// Writer writes batches as JSON lines: one object per row (see package
// internal/jsonrows for how values are written).
type Writer struct {
	w      io.Writer
	finish func() error // ends the compressed stream
	schema *arrow.Schema
	enc    *jsonrows.Encoder
	buf    []byte
}

const flushAt = 256 << 10

// Write implements plan.BatchWriter.
func (w *Writer) Write(b arrow.RecordBatch) error {
	if !b.Schema().Equal(w.schema) {
		return fmt.Errorf("jsonio: batch schema %s differs from the file's %s", b.Schema(), w.schema)
	}
	w.enc.Reset(b.Columns())
	defer w.enc.Reset(nil) // b is borrowed
	for row := 0; row < int(b.NumRows()); row++ {
		w.buf = w.enc.AppendObject(w.buf, row)
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
