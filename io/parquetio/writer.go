package parquetio

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/ember-df/ember/plan"
)

// Format writes Parquet part files; it implements plan.FileFormat.
type Format struct {
	Options Options
}

var _ plan.FileFormat = Format{}

// Name implements plan.FileFormat.
func (Format) Name() string { return "parquet" }

// Extension implements plan.FileFormat.
func (Format) Extension() string { return "parquet" }

// NewWriter implements plan.FileFormat. The Arrow schema is stored in the
// file, so time zones and nested types read back exactly.
func (f Format) NewWriter(w io.Writer, s *arrow.Schema) (plan.BatchWriter, error) {
	codec, err := f.Options.codec()
	if err != nil {
		return nil, fmt.Errorf("parquetio: %w", err)
	}
	rows := f.Options.RowGroupRows
	if rows <= 0 {
		rows = DefaultOptions().RowGroupRows
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(codec), parquet.WithMaxRowGroupLength(rows),
		parquet.WithStats(true))
	// Hide any Close method: pqarrow's Close closes an io.Closer it
	// writes to, and a BatchWriter must leave w open.
	fw, err := pqarrow.NewFileWriter(s, struct{ io.Writer }{w}, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return nil, fmt.Errorf("parquetio: %w", err)
	}
	return &writer{fw: fw, rows: rows}, nil
}

type writer struct {
	fw   *pqarrow.FileWriter
	rows int64
}

// Write implements plan.BatchWriter: batches accumulate into row groups of
// the configured size.
func (w *writer) Write(b arrow.RecordBatch) error {
	for off := int64(0); off < b.NumRows(); {
		n, err := w.fw.RowGroupNumRows()
		if err != nil {
			return fmt.Errorf("parquetio: %w", err)
		}
		if int64(n) >= w.rows {
			w.fw.NewBufferedRowGroup()
			n = 0
		}
		take := min(b.NumRows()-off, w.rows-int64(n))
		part := b.NewSlice(off, off+take)
		err = w.fw.WriteBuffered(part)
		part.Release()
		if err != nil {
			return fmt.Errorf("parquetio: %w", err)
		}
		off += take
	}
	return nil
}

// Close implements plan.BatchWriter: it writes the footer.
func (w *writer) Close() error {
	if err := w.fw.Close(); err != nil {
		return fmt.Errorf("parquetio: %w", err)
	}
	return nil
}
