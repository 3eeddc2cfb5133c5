package exectest

import (
	"context"
	"errors"
	"fmt"
	"github.com/ember-df/ember/internal/arrowmem"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/plan"
)

// CheckedAlloc returns an allocator that fails the test if anything it
// allocated is still held when the test ends (after its deferred calls and
// the cleanups registered later). Freed buffers are poisoned
// (arrowmem.PoisonAllocator), so a read after release shows as garbage.
func CheckedAlloc(t testing.TB) *memory.CheckedAllocator {
	t.Helper()
	mem := memory.NewCheckedAllocator(arrowmem.NewPoisonAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// ErrBoom is the error scripted failures return.
var ErrBoom = errors.New("boom")

// Must returns v, panicking on err.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// IntSchema is the schema of ScriptSource: one nullable int64 column "v".
var IntSchema = arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)

// ScriptSource yields int64 batches of Rows rows (value p*1000 + row
// number) per partition, Batches of them per partition (-1: until
// cancelled). Before is called before each batch and may fail or panic.
type ScriptSource struct {
	Parts   int
	Batches int
	Rows    int
	Before  func(ctx context.Context, p, batch int) error
	// Opened and Closed count the readers opened and closed.
	Opened atomic.Int32
	Closed atomic.Int32
}

func (s *ScriptSource) String() string        { return "script" }
func (s *ScriptSource) Schema() *arrow.Schema { return IntSchema }
func (s *ScriptSource) Partitions() int       { return s.Parts }

// Scan is a plan node that scans the source.
func (s *ScriptSource) Scan() *plan.Scan { return &plan.Scan{Source: s} }

// Open implements plan.Source.
func (s *ScriptSource) Open(ctx context.Context, p int, opts plan.ScanOptions) (plan.BatchReader, error) {
	s.Opened.Add(1)
	return &scriptReader{src: s, p: p, mem: opts.Allocator}, nil
}

type scriptReader struct {
	src    *ScriptSource
	p, n   int
	mem    memory.Allocator
	last   arrow.RecordBatch
	closed bool
}

func (r *scriptReader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	r.release()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.src.Batches >= 0 && r.n >= r.src.Batches {
		return nil, io.EOF
	}
	if r.src.Before != nil {
		if err := r.src.Before(ctx, r.p, r.n); err != nil {
			return nil, err
		}
	}
	b := array.NewInt64Builder(r.mem)
	defer b.Release()
	for i := 0; i < r.src.Rows; i++ {
		b.Append(int64(r.p*1000 + r.n*r.src.Rows + i))
	}
	col := b.NewArray()
	defer col.Release()
	r.n++
	r.last = array.NewRecordBatch(IntSchema, []arrow.Array{col}, int64(r.src.Rows))
	return r.last, nil
}

func (r *scriptReader) release() {
	if r.last != nil {
		r.last.Release()
		r.last = nil
	}
}

func (r *scriptReader) Close() error {
	r.release()
	if !r.closed {
		r.closed = true
		r.src.Closed.Add(1)
	}
	return nil
}

// CollectSink is an exec.Sink that keeps every row it receives, rendered
// by RenderBatch, per partition.
type CollectSink struct {
	// OnBatch, when set, is called for every batch.
	OnBatch func(p int, b arrow.RecordBatch) error
	// Rows holds each partition's rows, Finished the partitions that
	// ended (Done). Read them after the job.
	Rows     map[int][]string
	Finished map[int]bool
	mu       sync.Mutex
}

// NewCollectSink returns an empty sink.
func NewCollectSink() *CollectSink {
	return &CollectSink{Rows: map[int][]string{}, Finished: map[int]bool{}}
}

// Consume implements exec.Sink.
func (s *CollectSink) Consume(p int, b arrow.RecordBatch) error {
	if s.OnBatch != nil {
		if err := s.OnBatch(p, b); err != nil {
			return err
		}
	}
	rows := RenderBatch(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Finished[p] {
		return fmt.Errorf("batch for partition %d after Done", p)
	}
	s.Rows[p] = append(s.Rows[p], rows...)
	return nil
}

// Done implements exec.Sink.
func (s *CollectSink) Done(p int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Finished[p] {
		return fmt.Errorf("Done(%d) twice", p)
	}
	s.Finished[p] = true
	return nil
}

// All returns every row, partitions in order.
func (s *CollectSink) All() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ps []int
	for p := range s.Rows {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	out := []string{}
	for _, p := range ps {
		out = append(out, s.Rows[p]...)
	}
	return out
}

// RenderBatch renders each row of b as "v1|v2", each value as Spark
// prints it (eval.AppendValue), NULL for nulls.
func RenderBatch(b arrow.RecordBatch) []string {
	var rows []string
	for r := 0; r < int(b.NumRows()); r++ {
		cells := make([]string, b.NumCols())
		for c, col := range b.Columns() {
			if col.IsNull(r) {
				cells[c] = "NULL"
			} else {
				cells[c] = string(eval.AppendValue(nil, col, r))
			}
		}
		rows = append(rows, strings.Join(cells, "|"))
	}
	return rows
}
