package cluster

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/plan"
)

// chunk is one element of an exchange: an Arrow IPC stream of batches of
// output partition To of exchange Exchange, written by task From of the
// writing stage as its Seq-th chunk for that partition. A seed (Exchange
// -1, no Data) only makes its task run. Fields are exported for Beam's
// schema coder.
type chunk struct {
	Exchange, To, From, Seq int
	Data                    []byte
}

const seedExchange = -1

// taskShuffle is the exec.Shuffle of one task on a worker: Read serves the
// chunks the task received through its GroupByKey, Write packs the task's
// output into chunks it emits.
type taskShuffle struct {
	mem   memory.Allocator
	in    []chunk // sorted by Exchange, To, From, Seq
	limit int64

	mu   sync.Mutex
	emit func(chunk)
	open map[int]*openChunk // by output partition
	seq  map[int]int
}

type openChunk struct {
	from int
	x    int
	buf  bytes.Buffer
	w    *ipc.Writer
}

var _ exec.Shuffle = (*taskShuffle)(nil)

func newTaskShuffle(mem memory.Allocator, in []chunk, limit int64, emit func(chunk)) *taskShuffle {
	slices.SortFunc(in, func(a, b chunk) int {
		return cmp.Or(cmp.Compare(a.Exchange, b.Exchange), cmp.Compare(a.To, b.To), cmp.Compare(a.From, b.From), cmp.Compare(a.Seq, b.Seq))
	})
	return &taskShuffle{mem: mem, in: in, limit: limit, emit: emit, open: map[int]*openChunk{}, seq: map[int]int{}}
}

// Write implements exec.Shuffle: it appends b to the open chunk of
// partition to, emitting the chunk once it holds limit bytes.
func (s *taskShuffle) Write(_ context.Context, x *exec.Exchange, from, to int, b arrow.RecordBatch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	oc := s.open[to]
	if oc == nil {
		oc = &openChunk{from: from, x: x.ID}
		oc.w = ipc.NewWriter(&oc.buf, ipc.WithSchema(x.Schema), ipc.WithAllocator(s.mem))
		s.open[to] = oc
	}
	if err := oc.w.Write(b); err != nil {
		return fmt.Errorf("cluster: encoding exchange %d partition %d: %w", x.ID, to, err)
	}
	if int64(oc.buf.Len()) >= s.limit {
		return s.emitLocked(to, oc)
	}
	return nil
}

func (s *taskShuffle) emitLocked(to int, oc *openChunk) error {
	delete(s.open, to)
	if err := oc.w.Close(); err != nil {
		return fmt.Errorf("cluster: encoding exchange %d partition %d: %w", oc.x, to, err)
	}
	s.emit(chunk{Exchange: oc.x, To: to, From: oc.from, Seq: s.seq[to], Data: oc.buf.Bytes()})
	s.seq[to]++
	return nil
}

// flush emits the open chunks, in partition order. The task's output is
// complete once it returns.
func (s *taskShuffle) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tos := make([]int, 0, len(s.open))
	for to := range s.open {
		tos = append(tos, to)
	}
	slices.Sort(tos)
	for _, to := range tos {
		if err := s.emitLocked(to, s.open[to]); err != nil {
			return err
		}
	}
	return nil
}

// Read implements exec.Shuffle: the batches of partition to of x, in the
// order of the writing tasks and each task's chunks.
func (s *taskShuffle) Read(_ context.Context, x *exec.Exchange, to int) (plan.BatchReader, error) {
	lo, _ := slices.BinarySearchFunc(s.in, [2]int{x.ID, to}, func(c chunk, k [2]int) int {
		return cmp.Or(cmp.Compare(c.Exchange, k[0]), cmp.Compare(c.To, k[1]))
	})
	hi := lo
	for hi < len(s.in) && s.in[hi].Exchange == x.ID && s.in[hi].To == to {
		hi++
	}
	return &chunkReader{mem: s.mem, chunks: s.in[lo:hi], what: x.String()}, nil
}

// chunkReader decodes chunks one after the other. A batch Next returns is
// valid until the next call.
type chunkReader struct {
	mem    memory.Allocator
	chunks []chunk
	what   string
	r      *ipc.Reader
}

// Next implements plan.BatchReader.
func (r *chunkReader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if r.r != nil {
			if r.r.Next() {
				return r.r.RecordBatch(), nil
			}
			err := r.r.Err()
			r.r.Release()
			r.r = nil
			if err != nil && err != io.EOF {
				return nil, fmt.Errorf("cluster: decoding %s: %w", r.what, err)
			}
		}
		if len(r.chunks) == 0 {
			return nil, io.EOF
		}
		c := r.chunks[0]
		r.chunks = r.chunks[1:]
		rd, err := ipc.NewReader(bytes.NewReader(c.Data), ipc.WithAllocator(r.mem))
		if err != nil {
			return nil, fmt.Errorf("cluster: decoding %s (chunk %d of task %d): %w", r.what, c.Seq, c.From, err)
		}
		r.r = rd
	}
}

// Close implements plan.BatchReader.
func (r *chunkReader) Close() error {
	if r.r != nil {
		r.r.Release()
		r.r = nil
	}
	r.chunks = nil
	return nil
}
