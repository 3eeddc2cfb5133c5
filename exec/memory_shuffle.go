package exec

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/internal/arrowmem"
	"github.com/ember-df/ember/plan"
)

// memoryShuffle is the local runner's Shuffle: it keeps each exchange in
// memory, accounted against the job's memory budget, and produces it on
// demand — the first task that reads an exchange runs every task of the
// stage that writes it, so a job that never reads an exchange (a limit
// satisfied early) never computes it.
type memoryShuffle struct {
	job *job
	// produce runs every task of a stage, writing into this shuffle.
	produce func(ctx context.Context, stage int) error

	mu        sync.Mutex
	exchanges map[int]*memoryExchange
}

var _ Shuffle = (*memoryShuffle)(nil)

// memoryExchange is one exchange's batches: output partition → writing
// task → batches. Each output partition is read once by each of the
// exchange's readers: the exchange lets go of a partition's batches at its
// last read, and its bytes are freed when the last reader closes.
type memoryExchange struct {
	done    chan struct{} // closed when production ended; nil before it starts
	err     error         // production's result, set before done closes
	buckets [][][]arrow.RecordBatch
	bytes   []int64 // reserved per output partition, until freed
	reads   []int   // reads left per output partition
	open    []int   // readers of each output partition not yet closed
}

func newMemoryShuffle(j *job) *memoryShuffle {
	s := &memoryShuffle{job: j, exchanges: map[int]*memoryExchange{}}
	j.onFinish(s.releaseAll)
	return s
}

// exchange returns x's state, creating it on first use. Callers hold s.mu.
func (s *memoryShuffle) exchange(x *Exchange) *memoryExchange {
	e := s.exchanges[x.ID]
	if e == nil {
		e = &memoryExchange{buckets: make([][][]arrow.RecordBatch, x.Partitions), bytes: make([]int64, x.Partitions),
			reads: make([]int, x.Partitions), open: make([]int, x.Partitions)}
		for to := range e.reads {
			e.reads[to] = max(1, x.Readers())
		}
		s.exchanges[x.ID] = e
	}
	return e
}

// Write implements Shuffle.
func (s *memoryShuffle) Write(_ context.Context, x *Exchange, from, to int, b arrow.RecordBatch) error {
	n := arrowmem.BatchBytes(b)
	if err := s.job.budget.reserve(n, x.what); err != nil {
		return err
	}
	b.Retain()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.exchange(x)
	bucket := e.buckets[to]
	for len(bucket) <= from {
		bucket = append(bucket, nil)
	}
	bucket[from] = append(bucket[from], b)
	e.buckets[to] = bucket
	e.bytes[to] += n
	return nil
}

// Read implements Shuffle: it produces the exchange if no task has, then
// hands partition to's batches to the reader — the last of the
// exchange's readers takes them over — and frees their bytes when the
// last reader closes.
func (s *memoryShuffle) Read(ctx context.Context, x *Exchange, to int) (plan.BatchReader, error) {
	if err := s.ensure(ctx, x); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.exchange(x)
	if e.reads[to] == 0 {
		return nil, fmt.Errorf("exec: %s partition %d read more often than it has readers (%d)", x, to, x.Readers())
	}
	var batches []arrow.RecordBatch
	for _, fromTask := range e.buckets[to] {
		batches = append(batches, fromTask...)
	}
	e.reads[to]--
	if e.reads[to] > 0 {
		for _, b := range batches {
			b.Retain()
		}
	} else {
		e.buckets[to] = nil
	}
	e.open[to]++
	return &sliceReader{batches: batches, release: func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		e.open[to]--
		if e.reads[to] == 0 && e.open[to] == 0 {
			s.job.budget.free(e.bytes[to])
			e.bytes[to] = 0
		}
	}}, nil
}

// ensure produces exchange x exactly once, on the goroutine of the first
// caller; the others wait for it, or for their own context.
func (s *memoryShuffle) ensure(ctx context.Context, x *Exchange) error {
	s.mu.Lock()
	e := s.exchange(x)
	first := e.done == nil
	if first {
		e.done = make(chan struct{})
	}
	done := e.done
	s.mu.Unlock()
	if first {
		func() {
			defer close(done)
			defer func() {
				if r := recover(); r != nil {
					e.err = fmt.Errorf("exec: producing %s panicked: %v\n%s", x, r, debug.Stack())
				}
			}()
			e.err = s.produce(ctx, x.ID)
		}()
		return e.err
	}
	select {
	case <-done:
		return e.err
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// releaseAll releases what not every reader took (a failed or cut-short
// job). Readers still open release their own batches as they close.
func (s *memoryShuffle) releaseAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.exchanges {
		for to, bucket := range e.buckets {
			for _, batches := range bucket {
				for _, b := range batches {
					b.Release()
				}
			}
			e.buckets[to], e.reads[to] = nil, 0
			if e.open[to] == 0 {
				s.job.budget.free(e.bytes[to])
				e.bytes[to] = 0
			}
		}
	}
}
