package frame

import (
	"github.com/ember-df/ember/monitor/progress"
)

// WithProgress draws the session's running jobs on a terminal — per
// stage, partitions done out of total, rows and bytes read, rows per
// second and an ETA; per job, its model calls — redrawn in place, each
// job leaving a one-line summary when it ends. By default it draws on
// os.Stderr, and only when that is a terminal: pipes and CI logs get
// nothing (progress.Options.Mode Always draws anyway). The last options
// given count; none keeps the defaults. Close stops the display.
func WithProgress(opts ...progress.Options) Option {
	var o progress.Options
	if len(opts) > 0 {
		o = opts[len(opts)-1]
	}
	return func(s *Session) {
		d := progress.New(o)
		if !d.Active() {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.listeners = append(s.listeners, d)
		s.closers = append(s.closers, d.Close)
	}
}
