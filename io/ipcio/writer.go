package ipcio

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/ember-df/ember/plan"
)

// Format writes Arrow IPC part files; it implements plan.FileFormat and
// plan.Portable. Options.Layout chooses IPC files (the default, and for
// LayoutAuto) or streams; Options.Compression the codec.
type Format struct {
	Options Options
}

var _ plan.FileFormat = Format{}

// Name implements plan.FileFormat.
func (Format) Name() string { return "arrow" }

// Extension implements plan.FileFormat: "arrow" for IPC files, "arrows"
// for streams.
func (f Format) Extension() string {
	if f.Options.layout() == LayoutStream {
		return "arrows"
	}
	return "arrow"
}

// NewWriter implements plan.FileFormat. Even a part file that gets no
// batch holds the schema, so an empty result still records its columns.
func (f Format) NewWriter(w io.Writer, s *arrow.Schema) (plan.BatchWriter, error) {
	if err := f.Options.check(); err != nil {
		return nil, err
	}
	opts := append([]ipc.Option{ipc.WithSchema(s)}, f.Options.writeOptions()...)
	// arrow-go's writers do not close w, as BatchWriter.Close must not.
	out := &Writer{schema: s}
	if f.Options.layout() == LayoutStream {
		out.w = ipc.NewWriter(w, opts...)
		return out, nil
	}
	fw, err := ipc.NewFileWriter(w, opts...)
	if err != nil {
		return nil, fmt.Errorf("ipcio: %w", err)
	}
	out.w = fw
	return out, nil
}

// Writer writes batches to one Arrow IPC file or stream.
type Writer struct {
	w interface {
		Write(arrow.RecordBatch) error
		Close() error
	}
	schema *arrow.Schema
	closed bool
}

// Write implements plan.BatchWriter; the batch stays owned by the caller.
func (w *Writer) Write(b arrow.RecordBatch) error {
	if w.closed {
		return fmt.Errorf("ipcio: Write after Close")
	}
	if !b.Schema().Equal(w.schema) {
		return fmt.Errorf("ipcio: batch schema %s differs from the file's %s", b.Schema(), w.schema)
	}
	if err := w.w.Write(b); err != nil {
		return fmt.Errorf("ipcio: %w", err)
	}
	return nil
}

// Close implements plan.BatchWriter: it writes the footer of an IPC file
// or the end-of-stream marker; it does not close the io.Writer.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.w.Close(); err != nil {
		return fmt.Errorf("ipcio: %w", err)
	}
	return nil
}
