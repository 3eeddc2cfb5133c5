package ui

import (
	"sync"
	"time"

	"github.com/ember-df/ember/exec"
)

// DefaultMaxJobs is how many jobs a Store keeps unless NewStore is told
// otherwise; older finished jobs are forgotten first.
const DefaultMaxJobs = 1000

// Job states, as the JSON API spells them.
const (
	StateRunning   = "RUNNING"
	StateSucceeded = "SUCCEEDED"
	StateFailed    = "FAILED"
)

// Stage states.
const (
	StagePending  = "PENDING"
	StageActive   = "ACTIVE"
	StageComplete = "COMPLETE"
	StageFailed   = "FAILED"
)

// Partition (task) states.
const (
	TaskPending   = "PENDING"
	TaskRunning   = "RUNNING"
	TaskSucceeded = "SUCCEEDED"
	TaskFailed    = "FAILED"
)

// Store keeps the jobs a listener was told about: it is an exec.Listener
// (give it to frame.WithListener, or let frame.WithUI do so) and the data
// behind the pages and the JSON API. OnEvent only updates a few fields
// under a mutex: a task never waits on a page being served. A running
// job's live counters are read when a page or the API asks, not pushed.
// It is safe for concurrent use.
type Store struct {
	max int

	mu   sync.Mutex
	jobs map[int64]*jobRecord
	// order holds the jobs' numbers, oldest first.
	order []int64
}

// NewStore returns a Store that keeps the last max jobs (DefaultMaxJobs
// when max ≤ 0).
func NewStore(max int) *Store {
	if max <= 0 {
		max = DefaultMaxJobs
	}
	return &Store{max: max, jobs: map[int64]*jobRecord{}}
}

// jobRecord is what the store knows of one job.
type jobRecord struct {
	id          int64
	description string
	started     time.Time
	ended       time.Time // zero while running
	stages      []*stageRecord
	plan        *exec.PlanText
	live        exec.LiveJob // nil once ended, or in a replayed log
	metrics     *exec.Metrics
	err         string
}

// stageRecord is what the store knows of one stage.
type stageRecord struct {
	info           exec.StageInfo
	started, ended time.Time
	totals         *exec.StageProgress
	err            string
	partitions     []partitionRecord
}

// partitionRecord is one task of a stage: its last attempt's metrics and
// its attempts so far.
type partitionRecord struct {
	attempts, failures int
	running            bool
	started            time.Time
	metrics            *exec.TaskMetrics
	err                string
}

// OnEvent implements exec.Listener.
func (s *Store) OnEvent(e exec.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Kind == exec.JobStart {
		s.startJob(e)
		return
	}
	j := s.jobs[e.Job]
	if j == nil {
		return // forgotten, or never started here
	}
	switch e.Kind {
	case exec.StageStart:
		if st := j.stage(e.Stage); st != nil {
			st.started = e.Time
		}
	case exec.TaskStart:
		if st := j.stage(e.Stage); st != nil && st.started.IsZero() {
			st.started = e.Time // a log that lost the StageStart
		}
		if p := j.partition(e.Stage, e.Partition); p != nil {
			p.attempts++
			p.running, p.started = true, e.Time
		}
	case exec.TaskEnd:
		if p := j.partition(e.Stage, e.Partition); p != nil {
			if p.attempts == 0 {
				p.attempts = 1 // a log that lost the start
			}
			p.running = false
			p.metrics, p.err = e.Task, e.Error
			if e.Error != "" {
				p.failures++
			}
		}
	case exec.StageEnd:
		if st := j.stage(e.Stage); st != nil {
			st.ended, st.totals, st.err = e.Time, e.StageTotals, e.Error
		}
	case exec.JobEnd:
		j.ended, j.metrics, j.err, j.live = e.Time, e.Metrics, e.Error, nil
		if j.metrics == nil {
			j.metrics = &exec.Metrics{}
		}
	}
}

// startJob records a job that starts, forgetting the oldest beyond max
// (finished ones first).
func (s *Store) startJob(e exec.Event) {
	j := &jobRecord{id: e.Job, description: e.Description, started: e.Time, plan: e.Plan, live: e.Live}
	for _, info := range e.Stages {
		j.stages = append(j.stages, &stageRecord{info: info, partitions: make([]partitionRecord, max(info.Partitions, 0))})
	}
	if _, seen := s.jobs[e.Job]; seen {
		s.forget(e.Job)
	}
	s.jobs[e.Job] = j
	s.order = append(s.order, e.Job)
	for len(s.order) > s.max {
		victim := s.order[0]
		for _, id := range s.order {
			if !s.jobs[id].ended.IsZero() {
				victim = id
				break
			}
		}
		s.forget(victim)
	}
}

func (s *Store) forget(id int64) {
	delete(s.jobs, id)
	for i, o := range s.order {
		if o == id {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
}

func (j *jobRecord) stage(id int) *stageRecord {
	for _, st := range j.stages {
		if st.info.ID == id {
			return st
		}
	}
	return nil
}

func (j *jobRecord) partition(stage, partition int) *partitionRecord {
	st := j.stage(stage)
	if st == nil || partition < 0 {
		return nil
	}
	for partition >= len(st.partitions) {
		st.partitions = append(st.partitions, partitionRecord{})
	}
	return &st.partitions[partition]
}
