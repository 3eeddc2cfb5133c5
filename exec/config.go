package exec

import (
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
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

// UDFMetrics describe one batch function's work in a job.
type UDFMetrics struct {
	// Function is the function's name, Column the column it computed.
	Function, Column string
	// Rows and Batches count what the function was given (a batch tried
	// again counts once).
	Rows, Batches int64
	// FailedRows counts rows the function failed on; Retries the extra
	// runs transient errors earned.
	FailedRows, Retries int64
	// Loads counts the model loads this job made (0 when the model was
	// already loaded in this process, never more than one per model),
	// LoadTime what they took.
	Loads    int64
	LoadTime time.Duration
	// Latency is the distribution of the function's run times per batch.
	Latency Latency
}

func (u UDFMetrics) String() string {
	return fmt.Sprintf("%s AS %s: %d rows in %d batches, %d failed, %d retries, %d loads (%s), batch latency %s",
		u.Function, u.Column, u.Rows, u.Batches, u.FailedRows, u.Retries, u.Loads, u.LoadTime.Round(time.Microsecond), u.Latency)
}

// Latency summarizes a distribution of durations.
type Latency struct {
	Count                    int
	Mean, P50, P90, P99, Max time.Duration
}

func (l Latency) String() string {
	r := func(d time.Duration) time.Duration { return d.Round(time.Microsecond) }
	return fmt.Sprintf("p50 %s, p90 %s, p99 %s, max %s over %d runs", r(l.P50), r(l.P90), r(l.P99), r(l.Max), l.Count)
}

// summarize computes a Latency from samples (it sorts them).
func summarize(samples []time.Duration) Latency {
	if len(samples) == 0 {
		return Latency{}
	}
	slices.Sort(samples)
	var sum time.Duration
	for _, d := range samples {
		sum += d
	}
	at := func(q float64) time.Duration { return samples[int(q*float64(len(samples)-1)+0.5)] }
	return Latency{Count: len(samples), Mean: sum / time.Duration(len(samples)), P50: at(0.5), P90: at(0.9), P99: at(0.99), Max: samples[len(samples)-1]}
}

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
