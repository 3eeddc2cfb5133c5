package frame

import (
	"context"
	"time"

	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/plan"
)

// Job is one action's run: what it was, when, what it did and how it
// ended.
type Job struct {
	// ID numbers the session's jobs from 1, in the order they started.
	ID int64
	// Action names the action: "Count", "Collect", "Write CSV out/" …
	Action            string
	Started, Finished time.Time
	Metrics           exec.Metrics
	// Err is the job's error, nil when it succeeded.
	Err error
}

// maxJobs bounds the jobs a session remembers; older ones are forgotten.
const maxJobs = 1000

// Jobs returns the session's finished jobs (the last 1000), in the order
// they finished. Each action's job is its own entry, so actions that run
// concurrently do not overwrite each other's metrics.
func (s *Session) Jobs() []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Job(nil), s.jobs...)
}

type observerKey struct{}

// ObserveJobs returns a context that makes every action run with it call
// fn with its Job when it ends — the way to get the metrics of one
// particular action among concurrent ones:
//
//	var job frame.Job
//	err := df.Write().CSV(frame.ObserveJobs(ctx, func(j frame.Job) { job = j }), "out")
//	fmt.Println(job.Metrics)
//
// fn runs on the goroutine that called the action, before it returns.
func ObserveJobs(ctx context.Context, fn func(Job)) context.Context {
	prev, _ := ctx.Value(observerKey{}).(func(Job))
	return context.WithValue(ctx, observerKey{}, func(j Job) {
		if prev != nil {
			prev(j)
		}
		fn(j)
	})
}

// startJob numbers a new job of the session.
func (s *Session) startJob(action string) Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextJob++
	return Job{ID: s.nextJob, Action: action, Started: time.Now()}
}

// finishJob records a job's end and tells the context's observers.
func (s *Session) finishJob(ctx context.Context, j Job, m exec.Metrics, err error) {
	j.Finished, j.Metrics, j.Err = time.Now(), m, err
	s.mu.Lock()
	s.jobs = append(s.jobs, j)
	if len(s.jobs) > maxJobs {
		s.jobs = append(s.jobs[:0], s.jobs[len(s.jobs)-maxJobs:]...)
	}
	s.mu.Unlock()
	if fn, ok := ctx.Value(observerKey{}).(func(Job)); ok {
		fn(j)
	}
}

// WithListener makes every job of the session report its events to l (see
// exec.Listener): job, stage and task starts and ends, with a live view
// of the running job. Options add listeners; each gets every event.
// Progress displays, the web UI and the event log are listeners.
func WithListener(l exec.Listener) Option {
	return func(s *Session) { s.listeners = append(s.listeners, l) }
}

// jobConfig is the Config of one job of the session: cfg with the
// session's listeners, told the job's number and action and its logical
// plan (nil when not known).
func (s *Session) jobConfig(cfg exec.Config, j Job, logical plan.Node) exec.Config {
	if len(s.listeners) > 0 {
		cfg.Listener = &jobListener{job: j, logical: logical, to: s.listeners}
	}
	return cfg
}

// jobListener stamps a job's events with its number and action.
type jobListener struct {
	job     Job
	logical plan.Node
	to      exec.Listeners
}

// OnEvent implements exec.Listener.
func (l *jobListener) OnEvent(e exec.Event) {
	e.Job, e.Description = l.job.ID, l.job.Action
	if e.Kind == exec.JobStart && e.Plan != nil && l.logical != nil {
		p := *e.Plan
		p.Logical = plan.Explain(l.logical)
		e.Plan = &p
	}
	l.to.OnEvent(e)
}
