package cli

import (
	"fmt"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/monitor/progress"
)

// progressMode is the root's --progress flag: when a command draws its
// jobs' progress on stderr.
type progressMode string

// The values of --progress.
const (
	progressAuto   progressMode = "auto"   // when stderr is a terminal (the default)
	progressAlways progressMode = "always" // even into a pipe or a file
	progressNever  progressMode = "never"
)

// String implements pflag.Value.
func (m *progressMode) String() string { return string(*m) }

// Set implements pflag.Value.
func (m *progressMode) Set(s string) error {
	switch v := progressMode(s); v {
	case progressAuto, progressAlways, progressNever:
		*m = v
		return nil
	}
	return fmt.Errorf("want auto, always or never, not %q", s)
}

// Type implements pflag.Value.
func (m *progressMode) Type() string { return "auto|always|never" }

// displayMode is the progress.Mode of the flag's value.
func (m progressMode) displayMode() progress.Mode {
	switch m {
	case progressAlways:
		return progress.Always
	case progressNever:
		return progress.Never
	}
	return progress.Auto
}

// withSession runs fn with a new session: the progress display of
// --progress on stderr, the event log of --event-log, and opts. It
// closes the session after fn and returns fn's error, or else the
// session's (an event log that could not be written).
func (e *env) withSession(opts []frame.Option, fn func(*frame.Session) error) error {
	all := []frame.Option{frame.WithProgress(progress.Options{Writer: e.stderr, Mode: e.progress.displayMode()})}
	if e.eventLog != "" {
		all = append(all, frame.WithEventLog(e.eventLog))
	}
	sess := frame.NewSession(append(all, opts...)...)
	err := fn(sess)
	if closeErr := sess.Close(); err == nil {
		err = closeErr
	}
	return err
}
