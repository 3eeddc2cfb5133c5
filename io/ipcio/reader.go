package ipcio

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/ember-df/ember/internal/arrowipc"
	"github.com/ember-df/ember/internal/arrowmem"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// reader reads one partition: a run of batches of an IPC file, or a whole
// stream. Every buffer comes from the scan's allocator (through a
// guarding allocator): the file is read with ReadAt, never memory-mapped,
// so batches own their memory and stay valid after Close.
type reader struct {
	file    file
	part    part
	schema  *arrow.Schema // of the output batches
	columns []column
	rows    int   // BatchRows bound; 0 means none
	bytes   int64 // BatchBytes bound; 0 means none
	mem     *arrowipc.Allocator
	castCtx context.Context // carries mem to compute's casts

	os     storage.File
	fr     *ipc.FileReader
	blocks []arrowipc.Block // of the record batches of an IPC file
	sr     *ipc.Reader
	batch  int // index of the next batch

	pending  arrow.RecordBatch // converted batch being cut into output batches
	pos      int64             // rows of pending already returned
	rowBytes int64             // average bytes per row of pending
	left     int64             // rows still allowed by the limit; negative means no limit
	current  arrow.RecordBatch // returned by the last Next
	err      error             // sticky; io.EOF at the end
	closed   bool
}

func newReader(ctx context.Context, s *Source, p int, opts plan.ScanOptions) (*reader, error) {
	pt := s.parts[p]
	f := s.files[pt.file]
	r := &reader{file: f, part: pt, schema: s.Schema(), rows: max(opts.BatchRows, 0),
		bytes: max(opts.BatchBytes, 0), mem: arrowipc.NewAllocator(opts.Allocator, arrowipc.AllocationLimit(f.size)),
		batch: pt.first, left: s.Limit}
	r.castCtx = compute.WithAllocator(context.WithoutCancel(ctx), r.mem)
	osf, err := storage.OpenFile(ctx, f.path, f.size)
	if err != nil {
		return nil, fmt.Errorf("ipcio: %w", err)
	}
	r.os = osf
	if osf.Size() != f.size { // local files are measured again; elsewhere the listed size is taken
		r.Close()
		return nil, fmt.Errorf("ipcio: %s: the file changed since it was planned (%d bytes, was %d)", f.path, osf.Size(), f.size)
	}
	var stored *arrow.Schema
	err = guard(func() error {
		if f.layout == LayoutStream {
			if r.sr, err = openStream(osf, f.size, r.mem); err != nil {
				return err
			}
			stored = r.sr.Schema()
			return nil
		}
		if r.fr, r.blocks, err = openFile(osf, f.size, r.mem); err != nil {
			return err
		}
		if n := r.fr.NumRecords(); n != f.batches {
			return fmt.Errorf("the file changed since it was planned (%d record batches, was %d)", n, f.batches)
		}
		stored = r.fr.Schema()
		return nil
	}, r.closeArrow)
	if err == nil {
		r.columns, err = columnsFor(s.Schema().Fields(), stored, f.path)
	} else {
		err = fmt.Errorf("ipcio: %s: %w", f.path, err)
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// Next implements plan.BatchReader. A batch is at most BatchRows rows and,
// by the average row size of the batch it is cut from, about BatchBytes
// bytes; it is valid until the next call to Next or Close.
func (r *reader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if r.current != nil {
		r.current.Release()
		r.current = nil
	}
	if r.closed {
		return nil, errors.New("ipcio: Next on a closed reader")
	}
	if r.err != nil {
		return nil, r.err
	}
	for r.pending == nil || r.pos >= r.pending.NumRows() {
		if r.pending != nil {
			r.pending.Release()
			r.pending = nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if r.left == 0 {
			return nil, r.fail(io.EOF)
		}
		b, err := r.load()
		if err != nil {
			return nil, r.fail(err)
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		r.mem.Export(b)
		r.pending, r.pos = b, 0
		r.rowBytes = max(arrowmem.BatchBytes(b)/b.NumRows(), 1)
	}
	if r.left == 0 {
		return nil, r.fail(io.EOF)
	}
	n := r.pending.NumRows() - r.pos
	if r.rows > 0 {
		n = min(n, int64(r.rows))
	}
	if r.bytes > 0 {
		n = min(n, max(r.bytes/r.rowBytes, 1))
	}
	if r.left >= 0 {
		n = min(n, r.left)
		r.left -= n
	}
	if r.pos == 0 && n == r.pending.NumRows() {
		r.current, r.pending = r.pending, nil
	} else {
		r.current = r.pending.NewSlice(r.pos, r.pos+n)
		r.pos += n
	}
	return r.current, nil
}

// fail makes err sticky and lets go of the file.
func (r *reader) fail(err error) error {
	r.err = err
	r.closeArrow()
	return err
}

// load reads the next batch of the partition and converts it to the
// output schema; io.EOF after the last.
func (r *reader) load() (arrow.RecordBatch, error) {
	var out arrow.RecordBatch
	index := r.batch
	err := guard(func() error {
		var raw arrow.RecordBatch
		if r.fr != nil {
			if r.batch >= r.part.end {
				return io.EOF
			}
			if err := checkBlock(r.os, r.file.size, r.blocks[r.batch]); err != nil {
				return err
			}
			var err error
			if raw, err = r.fr.RecordBatchAt(r.batch); err != nil {
				return err
			}
		} else {
			if !r.sr.Next() {
				if err := r.sr.Err(); err != nil {
					return err
				}
				return io.EOF
			}
			raw = r.sr.RecordBatch()
			raw.Retain()
		}
		r.batch++
		defer raw.Release()
		var err error
		out, err = r.convert(raw)
		return err
	}, r.closeArrow)
	switch {
	case err == io.EOF:
		return nil, io.EOF
	case err != nil:
		return nil, fmt.Errorf("ipcio: %s: record batch %d: %w", r.file.path, index, err)
	}
	return out, nil
}

// convert keeps the output columns of a batch read from the file, checks
// them (a corrupt file must give an error here, not a panic downstream),
// decodes dictionaries and widens types, and fills the columns the file
// lacks with NULLs.
func (r *reader) convert(raw arrow.RecordBatch) (arrow.RecordBatch, error) {
	n := raw.NumRows()
	cols := make([]arrow.Array, 0, len(r.columns))
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	for _, c := range r.columns {
		if c.index < 0 {
			cols = append(cols, array.MakeArrayOfNull(r.mem, c.field.Type, int(n)))
			continue
		}
		if c.index >= int(raw.NumCols()) {
			return nil, fmt.Errorf("column %q missing", c.field.Name)
		}
		a := raw.Column(c.index)
		if err := arrowipc.Validate(a); err != nil {
			return nil, fmt.Errorf("column %q: corrupt data: %w", c.field.Name, err)
		}
		a.Retain()
		if c.decode {
			plain, err := plainArray(r.castCtx, a)
			a.Release()
			if err != nil {
				return nil, fmt.Errorf("column %q (%s): %w", c.field.Name, raw.Schema().Field(c.index).Type, err)
			}
			a = plain
		}
		if c.cast {
			out, err := compute.CastArray(r.castCtx, a, compute.SafeCastOptions(c.field.Type))
			a.Release()
			if err != nil {
				return nil, fmt.Errorf("column %q: converting %s to %s: %w", c.field.Name, plainType(raw.Schema().Field(c.index).Type), c.field.Type, err)
			}
			a = out
		}
		cols = append(cols, a)
	}
	return array.NewRecordBatch(r.schema, cols, n), nil
}

// closeArrow releases the arrow-go reader and the file.
func (r *reader) closeArrow() {
	if r.fr != nil {
		r.fr.Close()
		r.fr = nil
	}
	if r.sr != nil {
		r.sr.Release()
		r.sr = nil
	}
	if r.os != nil {
		r.os.Close()
		r.os = nil
	}
}

// Close implements plan.BatchReader; it is idempotent.
func (r *reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	for _, b := range []arrow.RecordBatch{r.current, r.pending} {
		if b != nil {
			b.Release()
		}
	}
	r.current, r.pending = nil, nil
	r.closeArrow()
	r.mem.Sweep()
	return nil
}
