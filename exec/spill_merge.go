package exec

import (
	"container/heap"
	"context"
	"errors"
	"io"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/internal/arrowmem"
	"github.com/ember-df/ember/internal/spill"
	"github.com/ember-df/ember/plan"
)

// merger is a k-way merge of sorted run files into one sorted stream. It
// reads each run one batch at a time; the batches it holds are forced
// onto the budget (a merge cannot spill), which makes the other
// consumers spill instead. Rows with equal keys come out in the order of
// the runs, so the merge of stable runs cut from the input in order is
// stable. The merger owns the files: it removes each one as it finishes
// reading it, and the rest on release.
type merger struct {
	ctx    context.Context
	job    *job
	mem    memory.Allocator
	schema *arrow.Schema
	keys   []plan.Expr
	orders []plan.SortOrder
	files  []*spill.File

	started bool
	cursors []*runCursor
	heap    []int                       // indices of the cursors with rows left, a min-heap
	cmps    [][]func(i, j int) int      // cmps[a][b] compares a row of cursor a with one of b; nil: not built
	picks   []struct{ cursor, row int } // the rows of the next output batch
	err     error                       // a comparator's failure, seen by next
}

// runCursor reads one run.
type runCursor struct {
	file   *spill.File
	reader *spill.Reader
	batch  arrow.RecordBatch // borrowed from reader; nil once the run is done
	keys   []arrow.Array
	row    int
	bytes  int64 // forced onto the budget for batch and keys
}

var _ sortedStream = (*merger)(nil)

func newMerger(ctx context.Context, j *job, mem memory.Allocator, schema *arrow.Schema, keys []plan.Expr, orders []plan.SortOrder, files []*spill.File) *merger {
	return &merger{ctx: ctx, job: j, mem: mem, schema: schema, keys: keys, orders: orders, files: files}
}

// start opens every run and reads its first batch.
func (m *merger) start(ctx context.Context) error {
	m.started = true
	m.cmps = make([][]func(i, j int) int, len(m.files))
	for i := range m.cmps {
		m.cmps[i] = make([]func(i, j int) int, len(m.files))
	}
	for i, f := range m.files {
		r, err := f.Open(m.mem)
		if err != nil {
			return err
		}
		c := &runCursor{file: f, reader: r}
		m.cursors = append(m.cursors, c)
		if err := m.advance(ctx, i); err != nil {
			return err
		}
		if c.batch != nil {
			m.heap = append(m.heap, i)
		}
	}
	heap.Init(m)
	return m.err
}

// advance moves cursor i to its run's next non-empty batch, or closes
// and removes the run at its end.
func (m *merger) advance(ctx context.Context, i int) error {
	c := m.cursors[i]
	eval.ReleaseArrays(c.keys)
	c.keys, c.batch, c.row = nil, nil, 0
	m.job.budget.free(c.bytes)
	c.bytes = 0
	for k := range m.cmps {
		m.cmps[i][k], m.cmps[k][i] = nil, nil
	}
	for {
		b, err := c.reader.Next(ctx)
		if errors.Is(err, io.EOF) {
			c.reader.Close()
			c.file.Remove()
			return nil
		}
		if err != nil {
			return err
		}
		if b.NumRows() == 0 {
			continue
		}
		keys, err := eval.New(m.ctx, m.mem, 0).Arrays(m.keys, b)
		if err != nil {
			return err
		}
		c.batch, c.keys = b, keys
		c.bytes = arrowmem.BatchBytes(b)
		c.bytes += keyBytes(keys, b)
		m.job.budget.force(c.bytes)
		return nil
	}
}

// keyBytes is the memory of sort keys computed over b, less the keys that
// are b's own columns.
func keyBytes(keys []arrow.Array, b arrow.RecordBatch) int64 {
	var n int64
	for _, k := range keys {
		if !slices.ContainsFunc(b.Columns(), func(c arrow.Array) bool { return c.Data() == k.Data() }) {
			n += arrowmem.ArrayBytes(k.Data())
		}
	}
	return n
}

// compare orders the current rows of cursors a and b.
func (m *merger) compare(a, b int) int {
	f := m.cmps[a][b]
	if f == nil {
		var err error
		if f, err = rowComparator(m.cursors[a].keys, m.cursors[b].keys, m.orders); err != nil {
			m.err = err
			return 0
		}
		m.cmps[a][b] = f
	}
	return f(m.cursors[a].row, m.cursors[b].row)
}

// Len, Less, Swap, Push and Pop make the merger a heap of its cursors
// (container/heap).
func (m *merger) Len() int { return len(m.heap) }
func (m *merger) Less(i, j int) bool {
	a, b := m.heap[i], m.heap[j]
	if r := m.compare(a, b); r != 0 {
		return r < 0
	}
	return a < b // equal keys: the earlier run first
}
func (m *merger) Swap(i, j int) { m.heap[i], m.heap[j] = m.heap[j], m.heap[i] }
func (m *merger) Push(x any)    { m.heap = append(m.heap, x.(int)) }
func (m *merger) Pop() any {
	x := m.heap[len(m.heap)-1]
	m.heap = m.heap[:len(m.heap)-1]
	return x
}

// next implements sortedStream. An output batch ends early when a run's
// batch is used up, since the run's reader lets go of it on the next
// read.
func (m *merger) next(ctx context.Context, rows int) (arrow.RecordBatch, error) {
	if !m.started {
		if err := m.start(ctx); err != nil {
			return nil, err
		}
	}
	for len(m.heap) > 0 && len(m.picks) < rows {
		i := m.heap[0]
		c := m.cursors[i]
		m.picks = append(m.picks, struct{ cursor, row int }{i, c.row})
		c.row++
		if c.row < int(c.batch.NumRows()) {
			heap.Fix(m, 0)
			continue
		}
		out, err := m.flush()
		if err != nil {
			return nil, err
		}
		if err := m.advance(ctx, i); err != nil {
			out.Release()
			return nil, err
		}
		if c.batch == nil {
			heap.Pop(m)
		} else {
			heap.Fix(m, 0)
		}
		return out, m.err
	}
	if m.err != nil {
		return nil, m.err
	}
	if len(m.picks) == 0 {
		return nil, io.EOF
	}
	return m.flush()
}

// flush builds the batch of the picked rows.
func (m *merger) flush() (arrow.RecordBatch, error) {
	// The chunks are the batches of the cursors picked from, in cursor
	// order; a pick's index is its row plus its chunk's offset.
	offset := make([]int, len(m.cursors))
	for i := range offset {
		offset[i] = -1
	}
	for _, p := range m.picks {
		offset[p.cursor] = 0
	}
	at := 0
	for i, c := range m.cursors {
		if offset[i] >= 0 {
			offset[i] = at
			at += int(c.batch.NumRows())
		}
	}
	indices := make([]int32, len(m.picks))
	for k, p := range m.picks {
		indices[k] = int32(offset[p.cursor] + p.row)
	}
	m.picks = m.picks[:0]
	cols := make([][]arrow.Array, m.schema.NumFields())
	for c := range cols {
		for i, cur := range m.cursors {
			if offset[i] >= 0 {
				cols[c] = append(cols[c], cur.batch.Column(c))
			}
		}
	}
	return gatherRows(m.ctx, m.schema, cols, indices)
}

// release implements sortedStream: it closes the runs and removes their
// files.
func (m *merger) release() {
	for i, c := range m.cursors {
		eval.ReleaseArrays(c.keys)
		c.keys, c.batch = nil, nil
		m.job.budget.free(c.bytes)
		c.bytes = 0
		c.reader.Close()
		m.cursors[i] = c
	}
	removeFiles(m.files)
	m.files, m.cursors, m.heap = nil, nil, nil
}
