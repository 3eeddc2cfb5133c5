package exec

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/call"
	"github.com/ember-df/ember/plan"
)

// Defaults for Config's zero fields.
const (
	DefaultBatchRows    = 16384
	DefaultBatchBytes   = 8 << 20
	DefaultMemoryBudget = 2 << 30
)

// Config holds the settings of one job.
type Config struct {
	// Parallelism is the number of partitions that run at once
	// (default GOMAXPROCS).
	Parallelism int
	// MemoryBudget bounds the bytes an exchange (repartition, aggregate,
	// sort, distinct) may hold (default 2 GiB).
	MemoryBudget int64
	// BatchRows and BatchBytes bound the batches sources produce.
	BatchRows  int
	BatchBytes int64
	// Allocator allocates all Arrow memory (default memory.DefaultAllocator).
	Allocator memory.Allocator
	// Owner, when set, keeps the models the job loads until it closes
	// (frame.Session sets itself); without one they stay loaded in the
	// process.
	Owner plan.ResourceOwner
}

func (c Config) withDefaults() Config {
	if c.Parallelism <= 0 {
		c.Parallelism = runtime.GOMAXPROCS(0)
	}
	if c.MemoryBudget <= 0 {
		c.MemoryBudget = DefaultMemoryBudget
	}
	if c.BatchRows <= 0 {
		c.BatchRows = DefaultBatchRows
	}
	if c.BatchBytes <= 0 {
		c.BatchBytes = DefaultBatchBytes
	}
	if c.Allocator == nil {
		c.Allocator = memory.DefaultAllocator
	}
	return c
}

// Metrics describe one finished job.
type Metrics struct {
	// RowsRead and BatchesRead count what scans produced.
	RowsRead    int64
	BatchesRead int64
	// RowsOutput counts the rows the job's root produced.
	RowsOutput int64
	// Partitions is the number of partitions of the job's result (its
	// last stage).
	Partitions int
	// Stages is the number of stages of the job's graph; Tasks the tasks
	// that ran (a stage whose exchange nobody read runs none).
	Stages int
	Tasks  int64
	// Elapsed is the job's wall time.
	Elapsed time.Duration
	// UDFs has one entry per batch function (model) the job ran.
	UDFs []UDFMetrics
}

// UDFMetrics describe one batch function's work in a job (see
// call.Metrics: the model-call runtime in exec/call computes them).
type UDFMetrics = call.Metrics

// Latency summarizes a distribution of durations: see call.Latency.
type Latency = call.Latency

func (m Metrics) String() string {
	return fmt.Sprintf("read %d rows in %d batches, output %d rows from %d partitions in %s (%d stages, %d tasks)",
		m.RowsRead, m.BatchesRead, m.RowsOutput, m.Partitions, m.Elapsed.Round(time.Microsecond), m.Stages, m.Tasks)
}

// counters are the live, concurrently updated form of Metrics.
type counters struct {
	rowsRead, batchesRead, rowsOutput, tasks atomic.Int64
}

// add counts a finished task; only the result stage's output is the job's.
func (c *counters) add(m TaskMetrics, result bool) {
	c.tasks.Add(1)
	c.rowsRead.Add(m.RowsRead)
	c.batchesRead.Add(m.BatchesRead)
	if result {
		c.rowsOutput.Add(m.RowsOutput)
	}
}

// budget tracks bytes held by exchanges against Config.MemoryBudget.
type budget struct {
	limit int64
	used  atomic.Int64
}

// reserve accounts n more bytes, failing when that would exceed the limit.
func (b *budget) reserve(n int64, what string) error {
	if b.used.Add(n) > b.limit {
		b.used.Add(-n)
		return fmt.Errorf("exec: %s needs more than the memory budget of %d MiB; raise it with frame.WithMemoryBudget", what, b.limit>>20)
	}
	return nil
}

func (b *budget) free(n int64) { b.used.Add(-n) }

// Parallelism is the number of partitions the runner runs at once.
func (l Local) Parallelism() int { return l.Config.withDefaults().Parallelism }
