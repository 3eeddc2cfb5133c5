package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
)

// checkedAlloc returns an allocator that fails the test if anything it
// allocated is still held when the test ends (after its deferred calls and
// the cleanups registered later).
func checkedAlloc(t *testing.T) *memory.CheckedAllocator {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// memScan scans JSON rows of schema s: one slice of JSON arrays (one per
// batch) per partition.
func memScan(t *testing.T, mem memory.Allocator, s *arrow.Schema, partitions ...[]string) *plan.Scan {
	t.Helper()
	parts := make([][]arrow.RecordBatch, len(partitions))
	for p, batches := range partitions {
		for _, rows := range batches {
			b, _, err := array.RecordFromJSON(mem, s, strings.NewReader(rows))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Release()
			parts[p] = append(parts[p], b)
		}
	}
	src, err := plan.NewMemorySource(s, parts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.Release)
	return &plan.Scan{Source: src}
}

// collectSink keeps every row it receives, rendered as "v1|v2" (NULL for
// nulls), per partition.
type collectSink struct {
	mu   sync.Mutex
	rows map[int][]string
	done map[int]bool
	// onBatch, when set, is called for every batch.
	onBatch func(p int, b arrow.RecordBatch) error
}

func newCollectSink() *collectSink {
	return &collectSink{rows: map[int][]string{}, done: map[int]bool{}}
}

func (s *collectSink) Consume(p int, b arrow.RecordBatch) error {
	if s.onBatch != nil {
		if err := s.onBatch(p, b); err != nil {
			return err
		}
	}
	rows := renderBatch(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done[p] {
		return fmt.Errorf("batch for partition %d after Done", p)
	}
	s.rows[p] = append(s.rows[p], rows...)
	return nil
}

func (s *collectSink) Done(p int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done[p] {
		return fmt.Errorf("Done(%d) twice", p)
	}
	s.done[p] = true
	return nil
}

// all returns every row, partitions in order.
func (s *collectSink) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ps []int
	for p := range s.rows {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	out := []string{}
	for _, p := range ps {
		out = append(out, s.rows[p]...)
	}
	return out
}

func renderBatch(b arrow.RecordBatch) []string {
	var rows []string
	for r := 0; r < int(b.NumRows()); r++ {
		cells := make([]string, b.NumCols())
		for c, col := range b.Columns() {
			if col.IsNull(r) {
				cells[c] = "NULL"
			} else {
				cells[c] = string(AppendValue(nil, col, r))
			}
		}
		rows = append(rows, strings.Join(cells, "|"))
	}
	return rows
}

// run runs root on the local runner with a checked allocator.
func run(t *testing.T, ctx context.Context, mem memory.Allocator, batchRows int, root plan.Node) (*collectSink, error) {
	t.Helper()
	sink := newCollectSink()
	_, err := Local{Config: Config{Allocator: mem, Parallelism: 2, BatchRows: batchRows}}.RunPlan(ctx, root, sink)
	return sink, err
}

// runJob runs root like Local.RunPlan but hands back the job, so tests
// can see its memory budget after the end.
func runJob(ctx context.Context, cfg Config, root plan.Node, sink Sink) (*job, error) {
	g, err := NewGraph(root, cfg)
	if err != nil {
		return nil, err
	}
	_, err = Local{}.Run(ctx, g, sink)
	return g.job, err
}

var intSchema = arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)

// scriptSource yields int64 batches of rows rows (value p*1000 + row
// number) per partition, batches of them per partition (-1: until
// cancelled). before is called before each batch and may fail or panic.
type scriptSource struct {
	parts   int
	batches int
	rows    int
	before  func(ctx context.Context, p, batch int) error
	opened  atomic.Int32
	closed  atomic.Int32
}

func (s *scriptSource) String() string        { return "script" }
func (s *scriptSource) Schema() *arrow.Schema { return intSchema }
func (s *scriptSource) Partitions() int       { return s.parts }
func (s *scriptSource) scan() *plan.Scan      { return &plan.Scan{Source: s} }
func (s *scriptSource) Open(ctx context.Context, p int, opts plan.ScanOptions) (plan.BatchReader, error) {
	s.opened.Add(1)
	return &scriptReader{src: s, p: p, mem: opts.Allocator}, nil
}

type scriptReader struct {
	src    *scriptSource
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
	if r.src.batches >= 0 && r.n >= r.src.batches {
		return nil, io.EOF
	}
	if r.src.before != nil {
		if err := r.src.before(ctx, r.p, r.n); err != nil {
			return nil, err
		}
	}
	b := array.NewInt64Builder(r.mem)
	defer b.Release()
	for i := 0; i < r.src.rows; i++ {
		b.Append(int64(r.p*1000 + r.n*r.src.rows + i))
	}
	col := b.NewArray()
	defer col.Release()
	r.n++
	r.last = array.NewRecordBatch(intSchema, []arrow.Array{col}, int64(r.src.rows))
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
		r.src.closed.Add(1)
	}
	return nil
}

var errBoom = errors.New("boom")

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
