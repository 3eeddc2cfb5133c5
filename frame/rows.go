package frame

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/plan"
)

// ErrNoRows is returned by First when the DataFrame has no rows.
var ErrNoRows = errors.New("frame: no rows")

// errStreamClosed is the cause a stream's job is cancelled with when its
// reader stops before the end (a loop over Rows that breaks, a
// RecordReader released early).
var errStreamClosed = errors.New("frame: the reader stopped before the last row")

// streamDepth is how many batches each running partition of a streaming
// action may have waiting for the reader: with the batch being read and
// the one each task is computing, a stream holds at most
// parallelism × (streamDepth + 1) + 1 batches, however large the result.
const streamDepth = 2

// Rows runs df and streams its rows, in the order Collect returns them
// (partition by partition; sorted after OrderBy):
//
//	for row, err := range df.Rows(ctx) {
//		if err != nil {
//			return err
//		}
//		name, err := row.GetString("name")
//		…
//	}
//
// Rows are produced as the job's batches arrive: each running partition
// may run up to two batches ahead of the reader and then waits, so memory
// stays bounded whatever the size of df. Each batch is released once its
// last row has been yielded. A Row is valid only until the loop body
// returns (Row.Copy keeps one longer); the values its getters return are
// Go values the caller owns.
//
// Breaking out of the loop, or cancelling ctx, cancels the job; the loop
// statement returns only after the job has stopped and every batch it
// produced has been released. An error — df's sticky error, a closed
// session, the job's failure, ctx's — is yielded once, with a zero Row,
// and ends the sequence. Each range over the sequence runs the job anew.
func (df *DataFrame) Rows(ctx context.Context) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		if err := df.failure(); err != nil {
			yield(Row{}, err)
			return
		}
		s, err := df.stream(ctx, "Rows", df.node)
		if err != nil {
			yield(Row{}, err)
			return
		}
		defer s.close()
		schema := df.node.Schema()
		for {
			b, err := s.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(Row{}, err)
				return
			}
			cols := b.Columns()
			for i := range int(b.NumRows()) {
				if !yield(Row{schema: schema, cols: cols, row: i}, nil) {
					return
				}
			}
		}
	}
}

// RecordReader runs df and returns its result as an Arrow record reader,
// batch by batch in the order Collect returns them, streaming as Rows
// does: the job runs ahead of the reader by at most two batches per
// running partition. A batch returned by RecordBatch is valid until the
// next call to Next or the reader's release; Retain it to keep it.
//
// The caller releases the reader; releasing it before the end cancels the
// job, and the last Release returns once the job has stopped and every
// batch is released. Err reports the job's error (or ctx's) after Next
// returns false. It fails at once only with df's sticky error or a closed
// session.
func (df *DataFrame) RecordReader(ctx context.Context) (array.RecordReader, error) {
	if err := df.failure(); err != nil {
		return nil, err
	}
	s, err := df.stream(ctx, "RecordReader", df.node)
	if err != nil {
		return nil, err
	}
	r := &streamReader{stream: s, schema: df.node.Schema()}
	r.refs.Store(1)
	return r, nil
}

// First returns the first row, as Spark's first() (head(1)[0]); it reads
// only as much input as that row needs. It returns ErrNoRows when df is
// empty.
func (df *DataFrame) First(ctx context.Context) (Row, error) {
	rows, err := df.head(ctx, "First", 1)
	if err != nil {
		return Row{}, err
	}
	if len(rows) == 0 {
		return Row{}, fmt.Errorf("First: %w", ErrNoRows)
	}
	return rows[0], nil
}

// Head returns the first n rows (fewer when df has fewer), reading only as
// much input as they need. The rows hold copies of their values: they stay
// valid after the call and hold no Arrow memory.
func (df *DataFrame) Head(ctx context.Context, n int) ([]Row, error) {
	return df.head(ctx, fmt.Sprintf("Head(%d)", n), n)
}

func (df *DataFrame) head(ctx context.Context, action string, n int) ([]Row, error) {
	if err := df.failure(); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("frame: %s: negative row count", action)
	}
	limited := df.Limit(int64(n))
	if limited.err != nil {
		return nil, limited.err
	}
	tbl, err := limited.collect(ctx, action, limited.node)
	if err != nil {
		return nil, err
	}
	defer tbl.Release()
	rows := make([]Row, 0, tbl.NumRows())
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	for tr.Next() {
		b := tr.RecordBatch()
		for i := range int(b.NumRows()) {
			rows = append(rows, Row{schema: tbl.Schema(), cols: b.Columns(), row: i}.Copy())
		}
	}
	return rows, nil
}

// batchStream runs one job in the background and hands its batches to a
// single reader in partition order, with backpressure.
type batchStream struct {
	sink   *streamSink
	cancel context.CancelCauseFunc
	done   chan struct{} // closed when the job has returned
	err    error         // the job's error, set before done closes
	part   int           // the partition being read
	cur    arrow.RecordBatch
	closed bool
}

// stream starts root as the job of action.
func (df *DataFrame) stream(ctx context.Context, action string, root plan.Node) (*batchStream, error) {
	if err := df.sess.checkOpen(action); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	sink := &streamSink{parts: map[int]*streamPart{}, stop: make(chan struct{})}
	// The job's tasks run under a context the runner derives from ctx and
	// cancels when one of them fails; tasks waiting in the sink for the
	// reader must then give up, or the runner would wait for them forever.
	// The local runner hands that context to the operators only, so a
	// pass-through step at the root watches it; other runners (package
	// cluster) hand the result over in partition order from one goroutine
	// after their tasks ended, and need no watch.
	if _, local := df.sess.runner.(exec.Local); local {
		root = &plan.MapBatches{Input: root, Name: "rows", OutSchema: root.Schema(), Fn: sink.watch}
	}
	sink.watchContext(ctx)
	s := &batchStream{sink: sink, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.err = df.run(ctx, action, root, sink)
	}()
	return s, nil
}

// next returns the next batch, valid until the next call or close, or
// io.EOF after the last, or the job's error.
func (s *batchStream) next() (arrow.RecordBatch, error) {
	s.releaseCurrent()
	if s.closed {
		return nil, io.EOF
	}
	for {
		q := s.sink.part(s.part)
		var b arrow.RecordBatch
		var ok bool
		select {
		case b, ok = <-q.batches:
		case <-s.done:
			// The job ended: what it queued is still to be read.
			select {
			case b, ok = <-q.batches:
			default:
				if s.err != nil {
					return nil, s.err
				}
				return nil, io.EOF
			}
		}
		if !ok {
			s.finishPart(q)
			continue
		}
		s.cur = b
		return b, nil
	}
}

// finishPart moves past partition q, whose task may end now.
func (s *batchStream) finishPart(q *streamPart) {
	close(q.read)
	s.part++
}

func (s *batchStream) releaseCurrent() {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
}

// close cancels the job if it is still running, waits for it to end and
// releases every batch it queued. It is idempotent.
func (s *batchStream) close() {
	s.releaseCurrent()
	if s.closed {
		return
	}
	s.closed = true
	s.cancel(errStreamClosed)
	<-s.done
	s.sink.drain()
}

// streamSink queues each partition's batches for the reader.
type streamSink struct {
	mu    sync.Mutex
	parts map[int]*streamPart

	stop     chan struct{} // closed when the job is being cancelled
	stopOnce sync.Once
	cause    error // why stop closed, set before it closes
	watched  atomic.Bool
}

// streamPart is the queue of one partition.
type streamPart struct {
	batches chan arrow.RecordBatch // closed by Done
	read    chan struct{}          // closed by the reader once it has read them all
	queued  bool                   // a batch was queued (written by the partition's task only)
}

var _ exec.Sink = (*streamSink)(nil)

func (s *streamSink) part(p int) *streamPart {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.parts[p]
	if !ok {
		q = &streamPart{batches: make(chan arrow.RecordBatch, streamDepth), read: make(chan struct{})}
		s.parts[p] = q
	}
	return q
}

// watchContext makes the sink give up waiting once ctx ends.
func (s *streamSink) watchContext(ctx context.Context) {
	context.AfterFunc(ctx, func() {
		s.stopOnce.Do(func() {
			s.cause = context.Cause(ctx)
			close(s.stop)
		})
	})
}

// watch is the pass-through step that registers the context of the
// result stage's tasks (one for all of them) when it first sees it.
func (s *streamSink) watch(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	if !s.watched.Load() && s.watched.CompareAndSwap(false, true) {
		s.watchContext(ctx)
	}
	b.Retain()
	return b, nil
}

// Consume implements exec.Sink: it queues the batch, waiting while the
// partition's queue is full.
func (s *streamSink) Consume(p int, b arrow.RecordBatch) error {
	q := s.part(p)
	b.Retain()
	select {
	case q.batches <- b:
		q.queued = true
		return nil
	case <-s.stop:
		b.Release()
		return s.cause
	}
}

// Done implements exec.Sink. A partition that queued batches waits until
// the reader has read them all, so that at most as many partitions hold
// batches as run at once.
func (s *streamSink) Done(p int) error {
	q := s.part(p)
	close(q.batches)
	if !q.queued {
		return nil
	}
	select {
	case <-q.read:
		return nil
	case <-s.stop:
		return s.cause
	}
}

// drain releases what the job queued and nobody read; the job has ended.
func (s *streamSink) drain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range s.parts {
	queue:
		for {
			select {
			case b, ok := <-q.batches:
				if !ok {
					break queue
				}
				b.Release()
			default:
				break queue
			}
		}
	}
}

// streamReader is RecordReader's array.RecordReader.
type streamReader struct {
	refs   atomic.Int64
	stream *batchStream
	schema *arrow.Schema
	cur    arrow.RecordBatch
	err    error
	ended  bool
}

var _ array.RecordReader = (*streamReader)(nil)

func (r *streamReader) Retain() { r.refs.Add(1) }

// Release drops a reference; the last one stops the job and waits for it.
func (r *streamReader) Release() {
	if r.refs.Add(-1) == 0 {
		r.cur = nil
		r.stream.close()
	}
}

func (r *streamReader) Schema() *arrow.Schema { return r.schema }

func (r *streamReader) Next() bool {
	r.cur = nil
	if r.ended {
		return false
	}
	b, err := r.stream.next()
	if err != nil {
		r.ended = true
		if err != io.EOF {
			r.err = err
		}
		return false
	}
	r.cur = b
	return true
}

func (r *streamReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is RecordBatch.
//
// Deprecated: Use RecordBatch.
func (r *streamReader) Record() arrow.RecordBatch { return r.cur }

func (r *streamReader) Err() error { return r.err }
