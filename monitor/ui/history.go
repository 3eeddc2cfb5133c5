package ui

import (
	"context"

	"github.com/ember-df/ember/monitor/eventlog"
)

// LoadHistory reads the event logs of dir (package eventlog: one file per
// session, jobs renumbered across files) into a new Store that keeps
// their last max jobs. A job whose log ends before its JobEnd (a process
// that was killed) shows as RUNNING, with what it had done.
func LoadHistory(dir string, max int) (*Store, error) {
	s := NewStore(max)
	if err := eventlog.Replay(dir, s); err != nil {
		return nil, err
	}
	return s, nil
}

// ServeHistory serves the jobs of the event logs of dir — Spark's history
// server — on addr until ctx is done. ready, when not nil, is called with
// the server once it listens.
func ServeHistory(ctx context.Context, dir, addr string, ready func(*Server), opts ...Option) error {
	s, err := LoadHistory(dir, DefaultMaxJobs)
	if err != nil {
		return err
	}
	return Serve(ctx, addr, s, ready, opts...)
}
