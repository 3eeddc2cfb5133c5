package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
)

// Sink receives the output of a job, partition by partition.
type Sink interface {
	// Consume receives one batch of partition p. The batch is borrowed for
	// the call; Retain it to keep it. Calls for one partition come from one
	// goroutine, in order; different partitions run concurrently.
	Consume(p int, batch arrow.RecordBatch) error
	// Done is called once after the last batch of partition p, unless the
	// partition failed.
	Done(p int) error
}

// Runner runs optimized logical plans. The local runner runs them on this
// machine's cores; other runners (Apache Beam) may run them elsewhere.
type Runner interface {
	Run(ctx context.Context, root plan.Node, sink Sink) (Metrics, error)
}

// Local runs plans in this process on a bounded pool of goroutines.
type Local struct {
	Config Config
}

// Run implements Runner: it builds the physical plan, runs every root
// partition (at most Config.Parallelism at once) and hands their batches to
// sink. It returns when every goroutine it started has ended; the first
// error cancels the rest.
func (l Local) Run(ctx context.Context, root plan.Node, sink Sink) (Metrics, error) {
	start := time.Now()
	j := newJob(l.Config)
	phys, err := j.build(root)
	if err != nil {
		return Metrics{}, err
	}
	ctx = compute.WithAllocator(ctx, j.cfg.Allocator)
	defer j.finish()
	err = j.runPartitions(ctx, phys, func(ctx context.Context, p int, op Operator) error {
		if err := drain(ctx, op, func(b arrow.RecordBatch) error {
			j.counters.rowsOutput.Add(b.NumRows())
			return sink.Consume(p, b)
		}); err != nil {
			return err
		}
		return sink.Done(p)
	})
	return j.metrics(phys, time.Since(start)), err
}

// Physical returns the physical plan the local runner would run for root.
func (l Local) Physical(root plan.Node) (PhysicalNode, error) {
	return newJob(l.Config).build(root)
}

// job is the state shared by the operators of one run.
type job struct {
	cfg      Config
	counters counters
	budget   budget

	mu       sync.Mutex
	finished []func()
	calls    []*callState
}

// onFinish registers fn to run when the job ends, whether it succeeded or
// not (exchanges release what no partition consumed).
func (j *job) onFinish(fn func()) {
	j.mu.Lock()
	j.finished = append(j.finished, fn)
	j.mu.Unlock()
}

func (j *job) finish() {
	j.mu.Lock()
	fns := j.finished
	j.finished = nil
	j.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

func newJob(cfg Config) *job {
	cfg = cfg.withDefaults()
	return &job{cfg: cfg, budget: budget{limit: cfg.MemoryBudget}}
}

func (j *job) metrics(root PhysicalNode, elapsed time.Duration) Metrics {
	m := Metrics{
		RowsRead:    j.counters.rowsRead.Load(),
		BatchesRead: j.counters.batchesRead.Load(),
		RowsOutput:  j.counters.rowsOutput.Load(),
		Elapsed:     elapsed,
	}
	if root != nil {
		m.Partitions = root.Partitions()
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range j.calls {
		m.UDFs = append(m.UDFs, c.metrics())
	}
	return m
}

// runPartitions opens every partition of n and calls fn with its operator,
// at most Parallelism at a time. The first error cancels the others; a
// panic becomes an error naming the partition. It returns once all
// goroutines have ended.
func (j *job) runPartitions(ctx context.Context, n PhysicalNode, fn func(context.Context, int, Operator) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	slots := make(chan struct{}, j.cfg.Parallelism)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	fail := func(err error) {
		once.Do(func() { first = err })
		cancel(err)
	}
	for p := 0; p < n.Partitions(); p++ {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			defer func() { <-slots }()
			if err := j.runPartition(ctx, n, p, fn); err != nil {
				fail(err)
			}
		}(p)
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

func (j *job) runPartition(ctx context.Context, n PhysicalNode, p int, fn func(context.Context, int, Operator) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("exec: partition %d panicked: %v\n%s", p, r, debug.Stack())
		}
	}()
	op, err := n.Operator(p)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := op.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err := op.Open(ctx); err != nil {
		return err
	}
	return fn(ctx, p, op)
}

// drain reads op to the end, handing each batch to fn.
func drain(ctx context.Context, op Operator, fn func(arrow.RecordBatch) error) error {
	for {
		b, err := op.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
	}
}

// AllocatorFrom returns the job's allocator, which Run puts in the
// context every operator and user function receives.
func AllocatorFrom(ctx context.Context) memory.Allocator { return compute.GetAllocator(ctx) }

func allocatorOf(ctx context.Context) memory.Allocator { return AllocatorFrom(ctx) }
