package exec

import (
	"context"
	"errors"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/internal/spill"
)

// spillDir returns the job's directory of spill files, creating the
// handle on first use; the job removes the directory, with whatever is
// left in it, when it finishes (Graph.Finish), whether it succeeded,
// failed or was cancelled.
func (j *job) spillDir() *spill.Dir {
	j.budget.spillOnce.Do(func() {
		d := spill.NewDir(j.cfg.SpillDir)
		j.budget.dir.Store(d)
		j.onFinish(func() { d.Remove() })
	})
	return j.budget.dir.Load()
}

// spillStats returns the bytes and files the job has spilled so far.
func (j *job) spillStats() (bytes, files int64) {
	if d := j.budget.dir.Load(); d != nil {
		return d.Bytes(), d.Files()
	}
	return 0, 0
}

// spillBatchBytes is the size of the batches that sorts write to their
// run files: small enough that a merge of mergeFanIn runs on each of
// Parallelism tasks at once holds about a quarter of the budget — a batch
// per run, and besides the batch, which the merge forces onto the budget,
// its compressed message, which the run's reader keeps until the next.
func (j *job) spillBatchBytes() int64 {
	n := j.budget.limit / int64(6*mergeFanIn*max(1, j.cfg.Parallelism))
	return min(max(n, 1<<10), j.cfg.BatchBytes)
}

// writeSpill writes batches to a new spill file of schema s.
func (j *job) writeSpill(s *arrow.Schema, batches ...arrow.RecordBatch) (*spill.File, error) {
	w, err := j.spillDir().Create(s)
	if err != nil {
		return nil, err
	}
	for _, b := range batches {
		if !b.Schema().Equal(s) { // the same columns under other metadata
			b = array.NewRecordBatch(s, b.Columns(), b.NumRows())
			defer b.Release()
		}
		if err := w.Write(b); err != nil {
			w.Abort()
			return nil, err
		}
	}
	return w.Finish()
}

// spillFilesReader reads spill files one after the other, each batch
// borrowed until the next call to Next. It removes each file once read
// when it owns them.
type spillFilesReader struct {
	mem    memory.Allocator
	files  []*spill.File
	owns   bool
	reader *spill.Reader
}

// Next returns the next batch of the files, or io.EOF after the last.
func (r *spillFilesReader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		if r.reader == nil {
			if len(r.files) == 0 {
				return nil, io.EOF
			}
			rd, err := r.files[0].Open(r.mem)
			if err != nil {
				return nil, err
			}
			r.reader = rd
		}
		b, err := r.reader.Next(ctx)
		if !errors.Is(err, io.EOF) {
			return b, err
		}
		r.reader.Close()
		r.reader = nil
		if r.owns {
			r.files[0].Remove()
		}
		r.files = r.files[1:]
	}
}

// Close closes the file being read and, when it owns them, removes the
// files not yet read. It is idempotent.
func (r *spillFilesReader) Close() error {
	if r.reader != nil {
		r.reader.Close()
		r.reader = nil
	}
	if r.owns {
		for _, f := range r.files {
			f.Remove()
		}
	}
	r.files = nil
	return nil
}

// mergeFanIn is the most runs a sort merges at once.
const mergeFanIn = 16

// writeStream writes every batch of stream, rows rows at a time, to a
// new spill file of schema s.
func (j *job) writeStream(ctx context.Context, s *arrow.Schema, stream sortedStream, rows int) (*spill.File, error) {
	w, err := j.spillDir().Create(s)
	if err != nil {
		return nil, err
	}
	for {
		b, err := stream.next(ctx, rows)
		if errors.Is(err, io.EOF) {
			return w.Finish()
		}
		if err == nil {
			err = w.Write(b)
			b.Release()
		}
		if err != nil {
			w.Abort()
			return nil, err
		}
	}
}
