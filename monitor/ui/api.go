package ui

import (
	"time"

	"github.com/ember-df/ember/exec"
)

// StageSkipped is the state of a stage of a finished job that ran no task
// (its exchange was never read).
const StageSkipped = "SKIPPED"

// JobSummary is one job as GET /api/jobs lists it.
type JobSummary struct {
	ID int64 `json:"id"`
	// Description is the action and its destination: "Count",
	// "Write csv out/".
	Description string `json:"description"`
	// State is RUNNING, SUCCEEDED or FAILED.
	State string `json:"state"`
	// Rows counts the rows the job's scans read (so far, while it runs);
	// RowsOutput the rows its last stage produced.
	Rows       int64 `json:"rows"`
	RowsOutput int64 `json:"rowsOutput"`
	// DurationMs is the job's wall time in milliseconds, so far while it
	// runs.
	DurationMs     int64      `json:"durationMs"`
	SubmissionTime time.Time  `json:"submissionTime"`
	CompletionTime *time.Time `json:"completionTime,omitempty"`
	NumStages      int        `json:"numStages"`
	// NumTasks is the tasks of every stage; the others count them by
	// state.
	NumTasks          int    `json:"numTasks"`
	NumActiveTasks    int    `json:"numActiveTasks"`
	NumCompletedTasks int    `json:"numCompletedTasks"`
	NumFailedTasks    int    `json:"numFailedTasks"`
	Error             string `json:"error,omitempty"`
}

// JobDetail is one job as GET /api/jobs/{id} shows it: its summary, its
// stages with their partitions, its plan and its model calls.
type JobDetail struct {
	JobSummary
	Stages []Stage `json:"stages"`
	Plan   Plan    `json:"plan"`
	Models []Model `json:"models"`
	// SpilledBytes is what the job wrote to disk past its memory budget
	// (known when it ends).
	SpilledBytes int64 `json:"spilledBytes"`
}

// Plan is a job's plan as text: as built, as optimized, and as stages of
// physical operators ("Stage 0 (4 tasks) → hash(…)" heads each stage).
type Plan struct {
	Logical   string `json:"logical"`
	Optimized string `json:"optimized"`
	Physical  string `json:"physical"`
}

// Stage is one stage of a job.
type Stage struct {
	ID int `json:"id"`
	// State is PENDING, ACTIVE, COMPLETE, FAILED or SKIPPED.
	State string `json:"state"`
	// Inputs are the stages whose output the stage reads; Output where it
	// writes ("result" for the job's last stage).
	Inputs    []int  `json:"inputs"`
	Output    string `json:"output"`
	Operators string `json:"operators"`
	// NumPartitions is the stage's tasks; the others count them by state.
	NumPartitions     int    `json:"numPartitions"`
	NumActiveTasks    int    `json:"numActiveTasks"`
	NumCompletedTasks int    `json:"numCompletedTasks"`
	NumFailedTasks    int    `json:"numFailedTasks"`
	Rows              int64  `json:"rows"`
	Bytes             int64  `json:"bytes"`
	RowsOutput        int64  `json:"rowsOutput"`
	DurationMs        int64  `json:"durationMs"`
	Error             string `json:"error,omitempty"`
	// Partitions has one entry per partition, in order.
	Partitions []Partition `json:"partitions"`
}

// Partition is one task of a stage: one partition's run, its last
// attempt's counters.
type Partition struct {
	Index int `json:"index"`
	// State is PENDING, RUNNING, SUCCEEDED or FAILED.
	State string `json:"state"`
	// Rows, Batches and Bytes count what the task's scans read (Bytes as
	// Arrow memory); RowsOutput what it wrote.
	Rows       int64 `json:"rows"`
	Batches    int64 `json:"batches"`
	Bytes      int64 `json:"bytes"`
	RowsOutput int64 `json:"rowsOutput"`
	DurationMs int64 `json:"durationMs"`
	// Attempts counts the task's runs, Retries the runs after the first,
	// Failures those that failed.
	Attempts int    `json:"attempts"`
	Retries  int    `json:"retries"`
	Failures int    `json:"failures"`
	Error    string `json:"error,omitempty"`
}

// Model is one model call (batch function) of a job.
type Model struct {
	Function string `json:"function"`
	Column   string `json:"column"`
	// Rows and Batches count what the model was given; FailedRows the
	// rows it failed on (what the call's error policy — fail, NULL or
	// dead-letter files — did with them), DeadLetters those written to
	// dead-letter files, Retries the extra runs.
	Rows        int64   `json:"rows"`
	Batches     int64   `json:"batches"`
	FailedRows  int64   `json:"failedRows"`
	DeadLetters int64   `json:"deadLetters"`
	Retries     int64   `json:"retries"`
	Loads       int64   `json:"loads"`
	LoadTimeMs  float64 `json:"loadTimeMs"`
	Latency     Latency `json:"latency"`
}

// Latency is the distribution of a model's run time per batch.
type Latency struct {
	Count  int     `json:"count"`
	MeanMs float64 `json:"meanMs"`
	P50Ms  float64 `json:"p50Ms"`
	P90Ms  float64 `json:"p90Ms"`
	P99Ms  float64 `json:"p99Ms"`
	MaxMs  float64 `json:"maxMs"`
	// Buckets is the histogram over exec/call's fixed bounds, every
	// bucket listed.
	Buckets []Bucket `json:"buckets"`
}

// Bucket is one bar of a latency histogram: the batches whose latency
// was at most LeMs (and above the bucket before); the last bucket has no
// bound (LeMs null, Le "+Inf").
type Bucket struct {
	Le    string   `json:"le"`
	LeMs  *float64 `json:"leMs"`
	Count int64    `json:"count"`
}

// Jobs returns the jobs the store keeps, oldest first.
func (s *Store) Jobs() []JobSummary {
	details := s.snapshot(0, false)
	out := make([]JobSummary, len(details))
	for i, d := range details {
		out[i] = d.JobSummary
	}
	return out
}

// Job returns job id with its stages, plan and models, and whether the
// store has it.
func (s *Store) Job(id int64) (JobDetail, bool) {
	d := s.snapshot(id, true)
	if len(d) == 0 {
		return JobDetail{}, false
	}
	return d[0], true
}

// snapshot renders the store's jobs (only job id when one), then
// overlays the live counters of those still running — outside the lock,
// since a live view takes the job's own locks.
func (s *Store) snapshot(id int64, one bool) []JobDetail {
	now := time.Now()
	var details []JobDetail
	var lives []exec.LiveJob
	s.mu.Lock()
	for _, jid := range s.order {
		if one && jid != id {
			continue
		}
		j := s.jobs[jid]
		details = append(details, j.render(now))
		lives = append(lives, j.live)
	}
	s.mu.Unlock()
	for i, live := range lives {
		if live != nil && details[i].State == StateRunning {
			details[i].overlay(live.Progress())
		}
	}
	return details
}

// render turns a record into its JSON form, with what the events said.
func (j *jobRecord) render(now time.Time) JobDetail {
	d := JobDetail{JobSummary: JobSummary{ID: j.id, Description: j.description, SubmissionTime: j.started, NumStages: len(j.stages), State: StateRunning}}
	end := now
	if !j.ended.IsZero() {
		end = j.ended
		ended := j.ended
		d.CompletionTime = &ended
		d.State, d.Error = StateSucceeded, j.err
		if j.err != "" {
			d.State = StateFailed
		}
	}
	d.DurationMs = end.Sub(j.started).Milliseconds()
	if j.plan != nil {
		d.Plan = Plan{Logical: j.plan.Logical, Optimized: j.plan.Optimized, Physical: j.plan.Physical}
	}
	d.Stages = make([]Stage, 0, len(j.stages))
	for _, st := range j.stages {
		d.Stages = append(d.Stages, st.render(now, !j.ended.IsZero()))
	}
	d.totalTasks()
	if m := j.metrics; m != nil {
		d.Rows, d.RowsOutput, d.SpilledBytes = m.RowsRead, m.RowsOutput, m.SpilledBytes
		d.Models = models(m.UDFs)
	} else {
		for _, st := range d.Stages {
			d.Rows += st.Rows
			if st.Output == "result" {
				d.RowsOutput += st.RowsOutput
			}
		}
	}
	if d.Models == nil {
		d.Models = []Model{}
	}
	return d
}

func (st *stageRecord) render(now time.Time, jobEnded bool) Stage {
	s := Stage{ID: st.info.ID, Inputs: st.info.Inputs, Output: st.info.Output, Operators: st.info.Operators, NumPartitions: st.info.Partitions}
	if s.Inputs == nil {
		s.Inputs = []int{}
	}
	switch {
	case !st.ended.IsZero() && st.err != "":
		s.State, s.Error = StageFailed, st.err
	case !st.ended.IsZero():
		s.State = StageComplete
	case !st.started.IsZero():
		s.State = StageActive
	case jobEnded:
		s.State = StageSkipped
	default:
		s.State = StagePending
	}
	s.Partitions = make([]Partition, len(st.partitions))
	for i, p := range st.partitions {
		s.Partitions[i] = p.render(i, now)
		switch s.Partitions[i].State {
		case TaskRunning:
			s.NumActiveTasks++
		case TaskSucceeded:
			s.NumCompletedTasks++
		case TaskFailed:
			s.NumFailedTasks++
		}
		s.Rows += s.Partitions[i].Rows
		s.Bytes += s.Partitions[i].Bytes
		s.RowsOutput += s.Partitions[i].RowsOutput
	}
	if t := st.totals; t != nil {
		s.Rows, s.Bytes, s.RowsOutput, s.DurationMs = t.RowsRead, t.BytesRead, t.RowsOutput, t.Elapsed.Milliseconds()
	} else if !st.started.IsZero() {
		s.DurationMs = now.Sub(st.started).Milliseconds()
	}
	return s
}

func (p partitionRecord) render(index int, now time.Time) Partition {
	out := Partition{Index: index, State: TaskPending, Attempts: p.attempts, Retries: max(p.attempts-1, 0), Failures: p.failures, Error: p.err}
	switch {
	case p.running:
		out.State, out.DurationMs = TaskRunning, now.Sub(p.started).Milliseconds()
	case p.metrics != nil && p.err != "":
		out.State = TaskFailed
	case p.metrics != nil:
		out.State = TaskSucceeded
	}
	if m := p.metrics; m != nil && !p.running {
		out.Rows, out.Batches, out.Bytes, out.RowsOutput, out.DurationMs = m.RowsRead, m.BatchesRead, m.BytesRead, m.RowsOutput, m.Elapsed.Milliseconds()
	}
	return out
}

// totalTasks sums the stages' task counts into the job's.
func (d *JobDetail) totalTasks() {
	for _, st := range d.Stages {
		d.NumTasks += st.NumPartitions
		d.NumActiveTasks += st.NumActiveTasks
		d.NumCompletedTasks += st.NumCompletedTasks
		d.NumFailedTasks += st.NumFailedTasks
	}
}

// overlay replaces a running job's counters with its live view's, which
// count batch by batch where events count task by task.
func (d *JobDetail) overlay(p exec.Progress) {
	d.Rows, d.RowsOutput = 0, 0
	for _, sp := range p.Stages {
		for i := range d.Stages {
			st := &d.Stages[i]
			if st.ID != sp.ID {
				continue
			}
			st.Rows, st.Bytes, st.RowsOutput = sp.RowsRead, sp.BytesRead, sp.RowsOutput
			if sp.Elapsed > 0 {
				st.DurationMs = sp.Elapsed.Milliseconds()
			}
			d.Rows += sp.RowsRead
			if st.Output == "result" {
				d.RowsOutput += sp.RowsOutput
			}
		}
	}
	d.Models = models(p.UDFs)
}

func models(udfs []exec.UDFMetrics) []Model {
	out := make([]Model, 0, len(udfs))
	for _, u := range udfs {
		out = append(out, Model{
			Function: u.Function, Column: u.Column, Rows: u.Rows, Batches: u.Batches, FailedRows: u.FailedRows, DeadLetters: u.DeadLetters,
			Retries: u.Retries, Loads: u.Loads, LoadTimeMs: ms(u.LoadTime), Latency: latency(u.Latency),
		})
	}
	return out
}

func latency(l exec.Latency) Latency {
	out := Latency{Count: l.Count, MeanMs: ms(l.Mean), P50Ms: ms(l.P50), P90Ms: ms(l.P90), P99Ms: ms(l.P99), MaxMs: ms(l.Max)}
	for i, n := range l.Buckets {
		b := Bucket{Le: "+Inf", Count: n}
		if i < len(exec.LatencyBounds) {
			le := ms(exec.LatencyBounds[i])
			b.Le, b.LeMs = exec.LatencyBounds[i].String(), &le
		}
		out.Buckets = append(out.Buckets, b)
	}
	return out
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
