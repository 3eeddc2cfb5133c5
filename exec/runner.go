package exec

import (
	"context"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/call"
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

// Runner runs the stage graph of a job: every task of every stage its
// result needs, each through Execute, moving exchanges through a Shuffle
// of its own. The local runner runs tasks on this machine's cores; a
// distributed runner (package cluster) ships the graph (Graph.Marshal) to
// workers. Run calls g.Finish before it returns.
type Runner interface {
	Run(ctx context.Context, g *Graph, sink Sink) (Metrics, error)
}

// Local runs graphs in this process on a bounded pool of goroutines:
// Config.Parallelism tasks of a stage at once (the graph's own setting
// when zero). Exchanges stay in memory, and a stage runs when a task first
// reads its exchange.
type Local struct {
	Config Config
}

var _ Runner = Local{}

// Run implements Runner: it runs every task of g's last stage, handing
// their batches to sink; the stages before run as their exchanges are
// first read. It returns when every goroutine it started has ended; the
// first error cancels the rest.
func (l Local) Run(ctx context.Context, g *Graph, sink Sink) (Metrics, error) {
	start := time.Now()
	defer g.Finish()
	parallelism := g.job.cfg.Parallelism
	if l.Config.Parallelism > 0 {
		parallelism = l.Config.Parallelism
	}
	sh := newMemoryShuffle(g.job)
	sh.produce = func(ctx context.Context, stage int) error {
		return runTasks(ctx, parallelism, g.stages[stage].Partitions(), func(ctx context.Context, p int) error {
			_, err := Execute(ctx, g, stage, p, sh, nil)
			return err
		})
	}
	last := g.Result()
	err := runTasks(ctx, parallelism, last.Partitions(), func(ctx context.Context, p int) error {
		_, err := Execute(ctx, g, last.ID, p, sh, sink)
		return err
	})
	return g.metrics(time.Since(start)), err
}

// RunPlan builds the graph of an optimized logical plan with l.Config and
// runs it.
func (l Local) RunPlan(ctx context.Context, root plan.Node, sink Sink) (Metrics, error) {
	g, err := NewGraph(root, l.Config)
	if err != nil {
		return Metrics{}, err
	}
	return l.Run(ctx, g, sink)
}

// job is the state shared by the operators of one run.
type job struct {
	cfg      Config
	counters counters
	budget   budget

	mu       sync.Mutex
	finished []func()
	calls    []*call.Node
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

// evaluate builds the node of a batch call, whose function the job
// closes when it finishes and whose metrics it reports.
func (j *job) evaluate(n *plan.Evaluate, input PhysicalNode) *call.Node {
	c := call.New(n, input, call.Env{Parallelism: j.cfg.Parallelism, Owner: j.cfg.Owner, BatchRows: DefaultBatchRows, BatchBytes: DefaultBatchBytes})
	j.mu.Lock()
	j.calls = append(j.calls, c)
	j.mu.Unlock()
	j.onFinish(c.Close)
	return c
}

func newJob(cfg Config) *job {
	cfg = cfg.withDefaults()
	return &job{cfg: cfg, budget: budget{limit: cfg.MemoryBudget}}
}

// Metrics returns the metrics of the graph's job so far: its counters, and
// the metrics of its model calls (rows, batches, failed rows, loads). A
// distributed runner's worker, whose graph ran one task, reports them to
// the driver. Elapsed is left zero.
func (g *Graph) Metrics() Metrics { return g.metrics(0) }

func (g *Graph) metrics(elapsed time.Duration) Metrics {
	j := g.job
	m := Metrics{
		RowsRead:    j.counters.rowsRead.Load(),
		BatchesRead: j.counters.batchesRead.Load(),
		RowsOutput:  j.counters.rowsOutput.Load(),
		Partitions:  g.Result().Partitions(),
		Stages:      len(g.stages),
		Tasks:       j.counters.tasks.Load(),
		Elapsed:     elapsed,
	}
	m.SpilledBytes, m.SpillFiles = j.spillStats()
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range j.calls {
		m.UDFs = append(m.UDFs, c.Metrics())
	}
	return m
}

// runTasks calls fn for partitions 0..n-1, at most parallelism at a time.
// The first error cancels the others; it returns once all goroutines have
// ended.
func runTasks(ctx context.Context, parallelism, n int, fn func(context.Context, int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	slots := make(chan struct{}, max(1, parallelism))
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	fail := func(err error) {
		once.Do(func() { first = err })
		cancel(err)
	}
	for p := 0; p < n; p++ {
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
			if err := fn(ctx, p); err != nil {
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

// AllocatorFrom returns the job's allocator, which Run puts in the
// context every operator and user function receives.
func AllocatorFrom(ctx context.Context) memory.Allocator { return compute.GetAllocator(ctx) }

func allocatorOf(ctx context.Context) memory.Allocator { return AllocatorFrom(ctx) }
