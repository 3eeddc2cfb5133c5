package frame

import (
	"context"
	"errors"
	"fmt"
	"github.com/ember-df/ember/internal/arrowmem"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/sql"
)

// Session is the entry point: it reads data into DataFrames and runs
// their jobs. It is safe for concurrent use.
type Session struct {
	cfg       exec.Config
	runner    exec.Runner
	keepAlive time.Duration
	catalog   *sql.Catalog // temporary views, models and UDFs by name, for SQL
	listeners exec.Listeners
	ui        uiState // the web UI that WithUI serves (frame/ui.go)
	// closers stop what options started for the session's lifetime (a web
	// UI server, an event log), last first, when it closes.
	closers []func() error

	mu      sync.Mutex
	jobs    []Job                   // finished jobs, oldest first
	nextJob int64                   // the ID of the next job
	sources []*plan.MemorySource    // released by Close
	held    map[string]func() error // what the session's jobs loaded (models), released by Close
	caches  []*cacheState           // cached DataFrames, freed by Close
	// cachedBytes is what cached DataFrames hold in memory, within the
	// memory budget.
	cachedBytes int64
	closed      bool
}

// Option configures a Session.
type Option func(*Session)

// WithRunner makes the session run its jobs with r instead of the local
// runner (exec.Local): r receives each job's stage graph, built with the
// session's settings. Package cluster provides runners on Apache Beam.
func WithRunner(r exec.Runner) Option { return func(s *Session) { s.runner = r } }

// DefaultModelKeepAlive is how long the models a session loaded stay
// loaded after it closes, unless WithModelKeepAlive says otherwise.
const DefaultModelKeepAlive = time.Minute

// WithModelKeepAlive sets how long the models the session's jobs loaded
// stay loaded after Close, for the next session of the process to reuse —
// a program that opens a session per request or per task then loads each
// model once, as a worker must. A model another session or a running job
// uses stays loaded anyway; 0 closes the others at Close. Default
// DefaultModelKeepAlive.
func WithModelKeepAlive(d time.Duration) Option { return func(s *Session) { s.keepAlive = max(d, 0) } }

// WithParallelism sets how many partitions run at once (default
// GOMAXPROCS). It also sets how many splits file readers aim for.
func WithParallelism(n int) Option { return func(s *Session) { s.cfg.Parallelism = n } }

// WithMemoryBudget bounds the bytes that blocking operators (exchanges,
// GroupBy, OrderBy, Distinct) hold in memory; beyond it they spill to
// local disk (WithSpillDir) as compressed Arrow IPC, and only a budget too
// small for one batch fails the job (exec.ErrMemoryBudget). Default 2 GiB.
func WithMemoryBudget(bytes int64) Option { return func(s *Session) { s.cfg.MemoryBudget = bytes } }

// WithSpillDir sets the directory that jobs spill to when they reach the
// memory budget (default $TMPDIR/ember-spill-<pid>); each job spills into
// a directory of its own there, removed when the job ends.
func WithSpillDir(dir string) Option { return func(s *Session) { s.cfg.SpillDir = dir } }

// WithBatchSize bounds the batches that sources produce, in rows and in
// bytes (defaults 16384 rows, 8 MiB); zero keeps a default.
func WithBatchSize(rows int, bytes int64) Option {
	return func(s *Session) { s.cfg.BatchRows, s.cfg.BatchBytes = rows, bytes }
}

// WithAllocator makes every job allocate Arrow memory from mem (tests use
// a memory.CheckedAllocator to prove nothing leaks).
func WithAllocator(mem memory.Allocator) Option { return func(s *Session) { s.cfg.Allocator = mem } }

// NewSession returns a session with the given options.
func NewSession(opts ...Option) *Session {
	s := &Session{keepAlive: DefaultModelKeepAlive}
	for _, o := range opts {
		o(s)
	}
	if s.cfg.Allocator == nil {
		s.cfg.Allocator = arrowmem.Default()
	}
	if s.runner == nil {
		s.runner = exec.Local{}
		if s.cfg.BroadcastThreshold == 0 {
			s.cfg.BroadcastThreshold = exec.LocalBroadcastThreshold(s.cfg.MemoryBudget, s.cfg.Parallelism)
		}
	}
	s.cfg.Owner = s
	s.catalog = &sql.Catalog{ReadFile: s.readFile}
	return s
}

// Close releases what the session holds: the batches of in-memory
// DataFrames at once, and the models its jobs loaded after the model
// keep-alive (WithModelKeepAlive): each then closes unless another
// session, or a running job, uses it. Actions on DataFrames of a closed
// session fail with ErrSessionClosed.
func (s *Session) Close() error {
	s.mu.Lock()
	for _, src := range s.sources {
		src.Release()
	}
	s.sources = nil
	caches := s.caches
	s.caches = nil
	held := s.held
	s.held = nil
	closers := s.closers
	s.closers = nil
	s.closed = true
	s.mu.Unlock()
	for _, c := range caches {
		c.drop()
	}
	var errs []error
	for i := len(closers) - 1; i >= 0; i-- {
		errs = append(errs, closers[i]())
	}
	for _, release := range held {
		if s.keepAlive > 0 {
			time.AfterFunc(s.keepAlive, func() { release() })
			continue
		}
		errs = append(errs, release())
	}
	return errors.Join(errs...)
}

// ErrSessionClosed is wrapped by the error of every action on a DataFrame
// whose session has closed.
var ErrSessionClosed = errors.New("frame: the session is closed")

// checkOpen is the error of running action on a closed session, or nil.
// A closed session has released its in-memory data and models: running
// would read nothing and, for a write, commit an empty dataset.
func (s *Session) checkOpen(action string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("%s: %w (create the DataFrame from an open session)", action, ErrSessionClosed)
	}
	return nil
}

// Hold implements plan.ResourceOwner: the session keeps what its jobs load
// until Close. A closed session holds nothing more.
func (s *Session) Hold(key string, release func() error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.held[key]; ok || s.closed {
		return false
	}
	if s.held == nil {
		s.held = map[string]func() error{}
	}
	s.held[key] = release
	return true
}

// Allocator returns the allocator the session's jobs use, for building
// the batches handed to CreateDataFrame.
func (s *Session) Allocator() memory.Allocator { return s.cfg.Allocator }

// LastMetrics returns the metrics of the job that finished last. With
// actions running concurrently, use Jobs or ObserveJobs instead, which
// keep each job's own.
func (s *Session) LastMetrics() exec.Metrics {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.jobs) == 0 {
		return exec.Metrics{}
	}
	return s.jobs[len(s.jobs)-1].Metrics
}

// parallelism is the configured parallelism, or GOMAXPROCS.
func (s *Session) parallelism() int {
	return exec.Local{Config: s.cfg}.Parallelism()
}

// CreateDataFrame returns a DataFrame over data held in memory, as
// PySpark's createDataFrame. data is either
//
//   - an *arrow.Schema, with the batches of that schema, one slice of
//     batches per partition (a single partition when called with none):
//     the session retains the batches until Close; the caller keeps its
//     own references; or
//   - a slice of structs, or of pointers to structs, and no batches: one
//     row per element, one column per exported field, named by its
//     `ember:"name"` tag or its Go name (`ember:"-"` skips a field).
//     bool, integers, floats and string become their Arrow types (int and
//     uint 64-bit), []byte binary, time.Time a UTC timestamp in
//     microseconds, time.Duration a duration; *T is a nullable T (nil is
//     NULL), []T a list, map[K]V a map, a nested struct a struct column.
//     The rows are copied into Arrow memory, split into as many
//     partitions as the session's parallelism.
//
// Anything else is an error the DataFrame holds.
func (s *Session) CreateDataFrame(data any, partitions ...[]arrow.RecordBatch) *DataFrame {
	schema, ok := data.(*arrow.Schema)
	if !ok && data != nil {
		return s.createFromGo(data, partitions)
	}
	if schema == nil {
		return s.failed(errors.New("frame: CreateDataFrame: nil schema"))
	}
	src, err := plan.NewMemorySource(schema, partitions)
	if err != nil {
		return s.failed(err)
	}
	s.mu.Lock()
	s.sources = append(s.sources, src)
	s.mu.Unlock()
	return &DataFrame{sess: s, node: &plan.Scan{Source: src}}
}

// FromTable returns a single-partition DataFrame over an Arrow table.
func (s *Session) FromTable(tbl arrow.Table) *DataFrame {
	if tbl == nil {
		return s.failed(errors.New("frame: FromTable: nil table"))
	}
	tr := arrowTableBatches(tbl)
	defer func() {
		for _, b := range tr {
			b.Release()
		}
	}()
	return s.CreateDataFrame(tbl.Schema(), tr)
}

// FromPlan returns a DataFrame over a logical plan, such as one that
// plan.Unmarshal rebuilt from another process's DataFrame.Plan.
func (s *Session) FromPlan(n plan.Node) *DataFrame { return &DataFrame{sess: s, node: n} }

func (s *Session) failed(err error) *DataFrame { return &DataFrame{sess: s, err: err} }

// AllocatorFrom returns the allocator of the job running a user function
// (MapBatches, a UDF) from the context it was called with, so that the
// batches the function builds are accounted like the engine's own. Outside
// a job it returns memory.DefaultAllocator.
func AllocatorFrom(ctx context.Context) memory.Allocator { return exec.AllocatorFrom(ctx) }
