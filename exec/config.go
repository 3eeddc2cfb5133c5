package exec

import (
	"errors"
	"fmt"
	"github.com/ember-df/ember/internal/arrowmem"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/call"
	"github.com/ember-df/ember/internal/bytesize"
	"github.com/ember-df/ember/internal/spill"
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
	// MemoryBudget bounds the bytes that exchanges, sorts and aggregate
	// hash tables (repartition, aggregate, distinct, sort) hold in memory
	// together (default 2 GiB). Beyond it they spill to files in
	// SpillDir; only a budget smaller than one batch fails
	// (ErrMemoryBudget).
	MemoryBudget int64
	// SpillDir is the directory under which a job keeps its spill files,
	// in a directory of its own that it removes when it finishes
	// (default os.TempDir()/ember-spill-<pid>). It is a setting of the
	// machine that runs the tasks: it does not travel with the graph.
	SpillDir string
	// BatchRows and BatchBytes bound the batches sources produce.
	BatchRows  int
	BatchBytes int64
	// BroadcastThreshold is the estimated size in bytes up to which a
	// join input is broadcast to every partition of the other instead of
	// both being shuffled (Spark's spark.sql.autoBroadcastJoinThreshold;
	// docs/joins.md). Zero means DefaultBroadcastThreshold (10 MiB); a
	// negative value broadcasts only inputs hinted with plan.Hint.
	BroadcastThreshold int64
	// Allocator allocates all Arrow memory (default arrowmem.Default(): a
	// pool that reuses freed buffers).
	Allocator memory.Allocator
	// Owner, when set, keeps the models the job loads until it closes
	// (frame.Session sets itself); without one they stay loaded in the
	// process.
	Owner plan.ResourceOwner
	// Listener, when set, receives the job's events (see Listener): the
	// tasks that run in this process report theirs. It stays with the
	// driver: it does not travel with the graph.
	Listener Listener
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
		c.Allocator = arrowmem.Default()
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
	// SpilledBytes and SpillFiles count what exchanges, sorts and
	// aggregates wrote to disk because the memory budget was reached
	// (bytes as on disk, compressed); zero when everything fit.
	SpilledBytes int64
	SpillFiles   int64
}

// UDFMetrics describe one batch function's work in a job (see
// call.Metrics: the model-call runtime in exec/call computes them).
type UDFMetrics = call.Metrics

// Latency summarizes a distribution of durations: see call.Latency.
type Latency = call.Latency

// LatencyBounds are the upper bounds of Latency's histogram buckets: see
// call.LatencyBounds.
var LatencyBounds = call.LatencyBounds

func (m Metrics) String() string {
	s := fmt.Sprintf("read %d rows in %d batches, output %d rows from %d partitions in %s (%d stages, %d tasks)",
		m.RowsRead, m.BatchesRead, m.RowsOutput, m.Partitions, m.Elapsed.Round(time.Microsecond), m.Stages, m.Tasks)
	if m.SpillFiles > 0 {
		s += fmt.Sprintf(", spilled %s in %d files", formatBytes(m.SpilledBytes), m.SpillFiles)
	}
	return s
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

// ErrMemoryBudget is the error (wrapped, with what and how much) of a job
// whose memory budget is smaller than one batch of an operator that must
// hold it: spilling cannot help then. Test for it with errors.Is.
var ErrMemoryBudget = errors.New("exec: memory budget too small")

// budget tracks the bytes that exchanges, sorts and aggregates hold in
// memory against Config.MemoryBudget. Consumers reserve before they hold
// and free after; when a reservation does not fit, the budget first asks
// its shared spillers (the memory shuffle, whose batches any goroutine
// may move to disk) to make room, and a consumer that still gets no room
// spills what it holds itself. It is safe for concurrent use.
type budget struct {
	limit int64
	used  atomic.Int64
	// peak is the most used has been, forced bytes included.
	peak atomic.Int64

	mu       sync.Mutex
	spillers []spiller

	// The job's spill directory, created on first use (job.spillDir).
	spillOnce sync.Once
	dir       atomic.Pointer[spill.Dir]
}

// spiller is a consumer of the budget that can move what it holds to
// disk from any goroutine.
type spiller interface {
	// spill writes at least need bytes of what it holds to disk and frees
	// their reservation, or as much as it can; it returns the bytes
	// freed. It must not reserve.
	spill(need int64) (int64, error)
}

// addSpiller registers s: reserve asks it for room.
func (b *budget) addSpiller(s spiller) {
	b.mu.Lock()
	b.spillers = append(b.spillers, s)
	b.mu.Unlock()
}

// check fails with ErrMemoryBudget when n bytes (one batch of what)
// could not fit even in an empty budget.
func (b *budget) check(n int64, what string) error {
	if n > b.limit {
		return fmt.Errorf("%w: %s needs %s for one batch, more than the memory budget of %s; raise it with frame.WithMemoryBudget or make batches smaller",
			ErrMemoryBudget, what, formatBytes(n), formatBytes(b.limit))
	}
	return nil
}

// tryReserve accounts n more bytes if they fit under the limit.
func (b *budget) tryReserve(n int64) bool {
	u := b.used.Add(n)
	if u > b.limit {
		b.used.Add(-n)
		return false
	}
	b.raisePeak(u)
	return true
}

// raisePeak makes u the peak if it is higher.
func (b *budget) raisePeak(u int64) {
	for p := b.peak.Load(); u > p && !b.peak.CompareAndSwap(p, u); p = b.peak.Load() {
	}
}

// reserve accounts n more bytes if they fit, after asking the spillers
// for room if they do not at first. It reports whether it reserved; the
// caller that gets false spills what it holds or writes straight to disk.
func (b *budget) reserve(n int64) (bool, error) {
	if b.tryReserve(n) {
		return true, nil
	}
	b.mu.Lock()
	spillers := b.spillers
	b.mu.Unlock()
	// Make room for more than n, so that the next reservations do not
	// each spill a little.
	need := max(n, b.limit/8)
	for _, s := range spillers {
		if _, err := s.spill(need); err != nil {
			return false, err
		}
		if b.tryReserve(n) {
			return true, nil
		}
	}
	return false, nil
}

// reserveOrFail reserves n bytes for what, failing when they do not fit
// even after the spillers made room: for consumers that cannot spill.
func (b *budget) reserveOrFail(n int64, what string) error {
	ok, err := b.reserve(n)
	if err != nil || ok {
		return err
	}
	return fmt.Errorf("%w: %s needs more than the memory budget of %s; raise it with frame.WithMemoryBudget",
		ErrMemoryBudget, what, formatBytes(b.limit))
}

// force accounts n bytes whatever the limit: memory an operator needs to
// make progress (the read buffers of a merge). Other consumers then find
// less room and spill.
func (b *budget) force(n int64) { b.raisePeak(b.used.Add(n)) }

func (b *budget) free(n int64) { b.used.Add(-n) }

// formatBytes renders n for messages: "4.0 KiB".
var formatBytes = bytesize.Format

// Parallelism is the number of partitions the runner runs at once.
func (l Local) Parallelism() int { return l.Config.withDefaults().Parallelism }
