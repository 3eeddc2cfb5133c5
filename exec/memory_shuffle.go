package exec

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/internal/arrowmem"
	"github.com/ember-df/ember/internal/spill"
	"github.com/ember-df/ember/plan"
)

// memoryShuffle is the local runner's Shuffle: it keeps each exchange in
// memory, accounted against the job's memory budget, and produces it on
// demand — the first task that reads an exchange runs every task of the
// stage that writes it, so a job that never reads an exchange (a limit
// satisfied early) never computes it.
//
// When the budget is reached, the shuffle spills: it is a spiller of the
// budget, so any consumer short of room (a Write, a sort, an aggregate)
// makes it move its largest unread batches to spill files, and a Write
// that still finds no room writes its batch straight to a file. Readers
// stream spilled batches back from disk, in the order they were written.
type memoryShuffle struct {
	job *job
	// produce runs every task of a stage, writing into this shuffle.
	produce func(ctx context.Context, stage int) error

	mu        sync.Mutex
	exchanges map[int]*memoryExchange
}

var (
	_ Shuffle = (*memoryShuffle)(nil)
	_ spiller = (*memoryShuffle)(nil)
)

// memoryExchange is one exchange's state.
type memoryExchange struct {
	done  chan struct{} // closed when production ended; nil before it starts
	err   error         // production's result, set before done closes
	parts []*shufflePartition
}

// shufflePartition is one output partition of an exchange: writing task
// → its batches, as segments in memory or in spill files. Each output
// partition is read once by each of the exchange's readers: the last
// read takes over the shuffle's references to its batches, and its files
// are removed when the last reader closes.
type shufflePartition struct {
	buckets [][]segment // per writing task, in the order written
	reads   int         // reads left
	open    int         // readers not yet closed
	files   []*spill.File
}

// segment is a run of one task's batches: in memory (batches, holding
// bytes of the budget) or in a spill file.
type segment struct {
	batches []*heldBatch
	bytes   int64
	file    *spill.File
}

// heldBatch is a batch an exchange holds in memory, with its bytes
// reserved against the budget until every reader of its partition has
// handed it on (or closed without reading it): readers run in any order
// and at once, and each one that has not passed the batch still holds
// it.
type heldBatch struct {
	batch  arrow.RecordBatch
	bytes  int64
	unread atomic.Int32 // readers that have not handed it on
}

// passed records that one reader handed h on; the last frees its bytes.
func (h *heldBatch) passed(b *budget) {
	if h.unread.Add(-1) == 0 {
		b.free(h.bytes)
	}
}

// drop frees h's bytes for the readers that will not pass it: the
// shuffle spilled it or the job ended.
func (h *heldBatch) drop(b *budget, readers int) {
	if readers > 0 && h.unread.Add(-int32(readers)) == 0 {
		b.free(h.bytes)
	}
}

func newMemoryShuffle(j *job) *memoryShuffle {
	s := &memoryShuffle{job: j, exchanges: map[int]*memoryExchange{}}
	j.onFinish(s.releaseAll)
	j.budget.addSpiller(s)
	return s
}

// exchange returns x's state, creating it on first use. Callers hold s.mu.
func (s *memoryShuffle) exchange(x *Exchange) *memoryExchange {
	e := s.exchanges[x.ID]
	if e == nil {
		e = &memoryExchange{parts: make([]*shufflePartition, x.Partitions)}
		for to := range e.parts {
			e.parts[to] = &shufflePartition{reads: max(1, x.Readers())}
		}
		s.exchanges[x.ID] = e
	}
	return e
}

// bucket returns the segments task from wrote to p. Callers hold s.mu.
func (p *shufflePartition) bucket(from int) *[]segment {
	for len(p.buckets) <= from {
		p.buckets = append(p.buckets, nil)
	}
	return &p.buckets[from]
}

// Write implements Shuffle: it keeps b in memory when the budget has
// room (after asking every spiller for some), else writes it to a spill
// file of its own. Only a batch larger than the whole budget fails.
func (s *memoryShuffle) Write(ctx context.Context, x *Exchange, from, to int, b arrow.RecordBatch) error {
	n := arrowmem.BatchBytes(b)
	if err := s.job.budget.check(n, x.what); err != nil {
		return err
	}
	ok, err := s.job.budget.reserve(n)
	if err != nil {
		return err
	}
	if !ok {
		f, err := s.job.writeSpill(b.Schema(), b)
		if err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		p := s.exchange(x).parts[to]
		bucket := p.bucket(from)
		*bucket = append(*bucket, segment{file: f})
		p.files = append(p.files, f)
		return nil
	}
	b.Retain()
	h := &heldBatch{batch: b, bytes: n}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.exchange(x).parts[to]
	h.unread.Store(int32(p.reads)) // every read comes after every write
	bucket := p.bucket(from)
	if k := len(*bucket) - 1; k >= 0 && (*bucket)[k].file == nil {
		(*bucket)[k].batches = append((*bucket)[k].batches, h)
		(*bucket)[k].bytes += n
	} else {
		*bucket = append(*bucket, segment{batches: []*heldBatch{h}, bytes: n})
	}
	return nil
}

// spill implements spiller: it writes the largest in-memory segments of
// the partitions no reader holds to spill files until need bytes are
// freed or none is left. It holds the shuffle's lock while it writes.
func (s *memoryShuffle) spill(need int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	type candidate struct {
		p   *shufflePartition
		seg *segment
	}
	var cands []candidate
	for _, e := range s.exchanges {
		for _, p := range e.parts {
			if p.reads == 0 || p.open > 0 {
				continue
			}
			for from := range p.buckets {
				for k := range p.buckets[from] {
					if seg := &p.buckets[from][k]; seg.file == nil && seg.bytes > 0 {
						cands = append(cands, candidate{p, seg})
					}
				}
			}
		}
	}
	slices.SortFunc(cands, func(a, b candidate) int { return int(b.seg.bytes - a.seg.bytes) })
	var freed int64
	for _, c := range cands {
		if freed >= need {
			break
		}
		batches := make([]arrow.RecordBatch, len(c.seg.batches))
		for i, h := range c.seg.batches {
			batches[i] = h.batch
		}
		f, err := s.job.writeSpill(batches[0].Schema(), batches...)
		if err != nil {
			return freed, err
		}
		// No reader is open: the shuffle's are the only references.
		for _, h := range c.seg.batches {
			h.batch.Release()
			h.drop(&s.job.budget, c.p.reads)
		}
		c.p.files = append(c.p.files, f)
		freed += c.seg.bytes
		*c.seg = segment{file: f}
	}
	return freed, nil
}

// Read implements Shuffle: it produces the exchange if no task has, then
// hands partition to's batches to the reader — the last of the
// exchange's readers takes over the shuffle's references to those in
// memory; a batch's budget is freed once every reader has handed it on —
// and removes the partition's spill files when the last reader closes.
func (s *memoryShuffle) Read(ctx context.Context, x *Exchange, to int) (plan.BatchReader, error) {
	if err := s.ensure(ctx, x); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.exchange(x).parts[to]
	if p.reads == 0 {
		return nil, fmt.Errorf("exec: %s partition %d read more often than it has readers (%d)", x, to, x.Readers())
	}
	p.reads--
	last := p.reads == 0
	r := &shuffleReader{shuffle: s, part: p}
	for _, bucket := range p.buckets {
		for _, seg := range bucket {
			if !last {
				for _, h := range seg.batches {
					h.batch.Retain()
				}
			}
			r.segs = append(r.segs, seg)
		}
	}
	if last {
		p.buckets = nil
	}
	p.open++
	return r, nil
}

// shuffleReader serves one read of a shuffle partition: its segments in
// order, batches in memory as they are (it owns a reference to each) and
// spill files streamed back batch by batch. Each batch is valid until
// the next call to Next.
type shuffleReader struct {
	shuffle *memoryShuffle
	part    *shufflePartition
	segs    []segment
	file    *spill.Reader
	out     op.Holder
}

// Next implements plan.BatchReader.
func (r *shuffleReader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.out.Release()
	for len(r.segs) > 0 {
		seg := &r.segs[0]
		if seg.file == nil {
			if len(seg.batches) == 0 {
				r.segs = r.segs[1:]
				continue
			}
			h := seg.batches[0]
			seg.batches = seg.batches[1:]
			h.passed(&r.shuffle.job.budget)
			return r.out.Set(h.batch), nil
		}
		if r.file == nil {
			f, err := seg.file.Open(r.shuffle.job.cfg.Allocator)
			if err != nil {
				return nil, err
			}
			r.file = f
		}
		b, err := r.file.Next(ctx)
		if err == io.EOF {
			r.file.Close()
			r.file = nil
			r.segs = r.segs[1:]
			continue
		}
		return b, err
	}
	return nil, io.EOF
}

// Close implements plan.BatchReader.
func (r *shuffleReader) Close() error {
	if r.shuffle == nil {
		return nil
	}
	r.out.Release()
	if r.file != nil {
		r.file.Close()
		r.file = nil
	}
	s := r.shuffle
	for _, seg := range r.segs {
		for _, h := range seg.batches {
			h.batch.Release()
			h.passed(&s.job.budget)
		}
	}
	r.segs = nil
	r.shuffle = nil
	s.mu.Lock()
	defer s.mu.Unlock()
	p := r.part
	p.open--
	if p.reads == 0 && p.open == 0 {
		removeFiles(p.files)
		p.files = nil
	}
	return nil
}

func removeFiles(files []*spill.File) {
	for _, f := range files {
		f.Remove()
	}
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
					e.err = plan.Recovered(fmt.Sprintf("exec: producing %s", x), r)
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
// job) and removes its spill files. Readers still open release their own
// batches as they close.
func (s *memoryShuffle) releaseAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.exchanges {
		for _, p := range e.parts {
			for _, bucket := range p.buckets {
				for _, seg := range bucket {
					for _, h := range seg.batches {
						h.batch.Release()
						h.drop(&s.job.budget, p.reads)
					}
				}
			}
			p.buckets, p.reads = nil, 0
			if p.open == 0 {
				removeFiles(p.files)
				p.files = nil
			}
		}
	}
}
