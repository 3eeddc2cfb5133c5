package exec

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/ember-df/ember/plan"
)

// Listener receives the events of the jobs whose Config names it: one
// stream that the progress display, the web UI, the event log and the
// metrics exporter all consume (docs/events.md).
//
// OnEvent is called synchronously from the job's goroutines — several at
// once, since tasks run concurrently — so it must be safe for concurrent
// use and return quickly: a listener with slow work (drawing, writing a
// file, serving a page) hands the event to a goroutine of its own. Events
// of one task arrive in order (TaskStart before TaskEnd), and a stage's
// StageStart precedes its tasks' events; JobStart comes first and JobEnd
// last.
type Listener interface {
	OnEvent(Event)
}

// ListenerFunc adapts a function to Listener.
type ListenerFunc func(Event)

// OnEvent implements Listener.
func (f ListenerFunc) OnEvent(e Event) { f(e) }

// Listeners fans events out to several listeners, in order.
type Listeners []Listener

// OnEvent implements Listener.
func (ls Listeners) OnEvent(e Event) {
	for _, l := range ls {
		l.OnEvent(e)
	}
}

// EventKind names what an Event reports.
type EventKind string

// The kinds of events, in the order a job emits them.
const (
	// JobStart: the job's graph is built and about to run. Stages,
	// Plan and Live are set.
	JobStart EventKind = "JobStart"
	// StageStart: the first task of Stage starts.
	StageStart EventKind = "StageStart"
	// TaskStart: the task (Stage, Partition) starts.
	TaskStart EventKind = "TaskStart"
	// TaskEnd: the task (Stage, Partition) ended; Task holds its metrics,
	// Error its failure.
	TaskEnd EventKind = "TaskEnd"
	// StageEnd: every task of Stage has ended; Stage holds the stage's
	// totals, Error the first task failure.
	StageEnd EventKind = "StageEnd"
	// JobEnd: the job ended (for a write job, after its commit or its
	// abort); Metrics holds its metrics, Error its failure.
	JobEnd EventKind = "JobEnd"
)

// Event is one thing that happened in a job. Kind says which of the
// optional fields are set. Events marshal to JSON (the event log's lines);
// Live does not travel.
type Event struct {
	Kind EventKind `json:"event"`
	Time time.Time `json:"time"`
	// Job and Description identify the job; the layer that starts jobs
	// (frame.Session) sets them through the Config's Listener: the
	// session's job number and its action ("Count", "Write parquet out/").
	Job         int64  `json:"job,omitempty"`
	Description string `json:"description,omitempty"`
	// Stage and Partition name the stage (Stage*) or the task (Task*).
	Stage     int `json:"stage"`
	Partition int `json:"partition"`
	// Stages describes the job's stages (JobStart).
	Stages []StageInfo `json:"stages,omitempty"`
	// Plan is the job's plan as text (JobStart).
	Plan *PlanText `json:"plan,omitempty"`
	// Task is the finished task's metrics (TaskEnd).
	Task *TaskMetrics `json:"task,omitempty"`
	// StageTotals are the stage's totals (StageEnd).
	StageTotals *StageProgress `json:"stageTotals,omitempty"`
	// Metrics are the job's metrics (JobEnd).
	Metrics *Metrics `json:"metrics,omitempty"`
	// Error is the failure of the task, stage or job, if any.
	Error string `json:"error,omitempty"`
	// Live gives the running job's progress at any moment until JobEnd
	// (JobStart); nil in an event read back from a log.
	Live LiveJob `json:"-"`
}

// StageInfo describes one stage of a job's graph.
type StageInfo struct {
	ID         int `json:"id"`
	Partitions int `json:"partitions"`
	// Inputs are the stages whose exchanges the stage reads.
	Inputs []int `json:"inputs,omitempty"`
	// Output is the exchange the stage writes ("result" for the last).
	Output string `json:"output"`
	// Operators is the stage's operator tree, as Explain prints it.
	Operators string `json:"operators"`
}

// PlanText is a job's plan rendered as text: the optimized logical plan
// and the physical plan, cut into stages. Logical, the plan as the user
// built it, is set by the layer that knows it (frame).
type PlanText struct {
	Logical   string `json:"logical,omitempty"`
	Optimized string `json:"optimized"`
	Physical  string `json:"physical"`
}

// LiveJob is a running job seen from outside: Progress may be called from
// any goroutine, as often as a display redraws.
type LiveJob interface {
	Progress() Progress
}

// Progress is a snapshot of a running (or finished) job.
type Progress struct {
	Stages []StageProgress `json:"stages"`
	// UDFs are the job's model calls so far.
	UDFs []UDFMetrics `json:"udfs,omitempty"`
}

// StageProgress is a snapshot of one stage's tasks and counters. Rows and
// bytes read count while tasks run, batch by batch.
type StageProgress struct {
	ID, Partitions                       int
	TasksRunning, TasksDone, TasksFailed int
	RowsRead, BatchesRead, BytesRead     int64
	RowsOutput                           int64
	// InputBytes is the estimated size of what the stage's sources read
	// (plan.EstimatedBytes), 0 when unknown or when the stage reads only
	// exchanges.
	InputBytes int64
	// Elapsed is the time since the stage's first task started, until its
	// last one ended.
	Elapsed time.Duration
}

// Done reports whether every task of the stage has ended.
func (s StageProgress) Done() bool { return s.TasksDone+s.TasksFailed >= s.Partitions }

// stageStats are the live counters of one stage in this process.
type stageStats struct {
	running, done, failed            atomic.Int64
	rowsRead, batchesRead, bytesRead atomic.Int64
	rowsOutput                       atomic.Int64
	started, ended                   atomic.Int64 // unix nanoseconds; 0 before
	firstError                       atomic.Pointer[string]
}

// Progress implements LiveJob: the graph's stages as they stand, and its
// model calls' metrics so far.
func (g *Graph) Progress() Progress {
	p := Progress{Stages: make([]StageProgress, len(g.stages))}
	for i, s := range g.stages {
		p.Stages[i] = s.progress()
	}
	g.job.mu.Lock()
	for _, c := range g.job.calls {
		p.UDFs = append(p.UDFs, c.Metrics())
	}
	g.job.mu.Unlock()
	return p
}

func (s *Stage) progress() StageProgress {
	l := &s.live
	p := StageProgress{
		ID: s.ID, Partitions: s.Partitions(),
		TasksRunning: int(l.running.Load()), TasksDone: int(l.done.Load()), TasksFailed: int(l.failed.Load()),
		RowsRead: l.rowsRead.Load(), BatchesRead: l.batchesRead.Load(), BytesRead: l.bytesRead.Load(),
		RowsOutput: l.rowsOutput.Load(), InputBytes: s.inputBytes,
	}
	if start := l.started.Load(); start != 0 {
		end := l.ended.Load()
		if end == 0 {
			end = time.Now().UnixNano()
		}
		p.Elapsed = time.Duration(end - start)
	}
	return p
}

// info describes the stage for JobStart.
func (s *Stage) info() StageInfo {
	out := "result"
	if s.output != nil {
		out = s.output.String()
	}
	return StageInfo{ID: s.ID, Partitions: s.Partitions(), Inputs: s.inputs, Output: out, Operators: ExplainPhysical(s.root)}
}

// sourceBytes estimates what a stage's scans read.
func sourceBytes(root PhysicalNode) int64 {
	var total int64
	walkPhysical(root, func(n PhysicalNode) {
		if s, ok := n.(*scanExec); ok {
			if e, ok := s.src.(plan.SizeEstimator); ok {
				if b, ok := e.EstimatedBytes(); ok {
					total += b
				}
			}
		}
	})
	return total
}

// emit hands e to the job's listener, if any.
func (j *job) emit(e Event) {
	if j.cfg.Listener == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	j.cfg.Listener.OnEvent(e)
}

// taskStarted counts a task of st as running and emits its events.
func (j *job) taskStarted(st *Stage, partition int) {
	l := &st.live
	now := time.Now()
	first := l.started.CompareAndSwap(0, now.UnixNano())
	l.running.Add(1)
	if j.cfg.Listener == nil {
		return
	}
	if first {
		j.emit(Event{Kind: StageStart, Time: now, Stage: st.ID})
	}
	j.emit(Event{Kind: TaskStart, Time: now, Stage: st.ID, Partition: partition})
}

// taskEnded counts a task of st as ended and emits its events; the last
// task of the stage ends the stage.
func (j *job) taskEnded(st *Stage, m TaskMetrics, err error) {
	l := &st.live
	l.running.Add(-1)
	if err != nil {
		msg := err.Error()
		l.firstError.CompareAndSwap(nil, &msg)
		l.failed.Add(1)
	} else {
		l.done.Add(1)
	}
	last := l.done.Load()+l.failed.Load() == int64(st.Partitions())
	if last {
		l.ended.CompareAndSwap(0, time.Now().UnixNano())
	}
	if j.cfg.Listener == nil {
		return
	}
	e := Event{Kind: TaskEnd, Stage: st.ID, Partition: m.Partition, Task: &m}
	if err != nil {
		e.Error = err.Error()
	}
	j.emit(e)
	if last {
		totals := st.progress()
		e := Event{Kind: StageEnd, Stage: st.ID, StageTotals: &totals}
		if msg := l.firstError.Load(); msg != nil {
			e.Error = *msg
		}
		j.emit(e)
	}
}

// jobStarted emits JobStart for g.
func (g *Graph) jobStarted() {
	if g.job.cfg.Listener == nil {
		return
	}
	e := Event{Kind: JobStart, Live: g, Plan: &PlanText{Optimized: plan.Explain(g.root), Physical: g.Explain()}}
	for _, s := range g.stages {
		e.Stages = append(e.Stages, s.info())
	}
	g.job.emit(e)
}

// jobEnded emits JobEnd for g.
func (g *Graph) jobEnded(m Metrics, err error) {
	if g.job.cfg.Listener == nil {
		return
	}
	e := Event{Kind: JobEnd, Metrics: &m}
	if err != nil {
		e.Error = err.Error()
	}
	g.job.emit(e)
}

// RunJob runs g with r as one job of the graph's listener (Config.Listener):
// JobStart before, JobEnd after, the stage and task events in between from
// the tasks that run in this process. Callers that run jobs — frame's
// actions — use it rather than r.Run; Write does the same around its
// commit.
func RunJob(ctx context.Context, r Runner, g *Graph, sink Sink) (Metrics, error) {
	g.jobStarted()
	m, err := r.Run(ctx, g, sink)
	g.jobEnded(m, err)
	return m, err
}

// ReportFailedJob tells cfg's listener about a job that failed before its
// graph ran (its plan did not build, its destination was refused): a
// JobStart and a JobEnd with err, so that listeners see every action.
func ReportFailedJob(cfg Config, err error) {
	if cfg.Listener == nil || err == nil {
		return
	}
	now := time.Now()
	cfg.Listener.OnEvent(Event{Kind: JobStart, Time: now})
	cfg.Listener.OnEvent(Event{Kind: JobEnd, Time: now, Metrics: &Metrics{}, Error: err.Error()})
}
