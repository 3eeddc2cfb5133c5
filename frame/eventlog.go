package frame

import (
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/monitor/eventlog"
)

// WithEventLog writes the events of every job of the session to a new
// file in dir (created if needed) as JSON lines — one file per session,
// named so that files sort by time (see package eventlog and
// docs/monitoring.md). Writing never holds up tasks; the file is synced
// after each job and closed by Close. eventlog.Replay reads it back, and
// `ember ui DIR` serves it.
//
// If the file cannot be created the session runs without it and Close
// returns the error; open it with eventlog.Open and pass it to
// WithListener to handle the error at once.
func WithEventLog(dir string) Option {
	return func(s *Session) {
		log, err := eventlog.Open(dir)
		s.mu.Lock()
		defer s.mu.Unlock()
		if err != nil {
			s.closers = append(s.closers, func() error { return err })
			return
		}
		s.listeners = append(s.listeners, exec.Listener(log))
		s.closers = append(s.closers, log.Close)
	}
}
