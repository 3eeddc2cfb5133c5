package cli

import (
	"fmt"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/monitor/progress"
	"github.com/ember-df/ember/monitor/ui"
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

// defaultUIAddr is where --ui without a value serves, as Spark's :4040.
const defaultUIAddr = "127.0.0.1:4040"

// withSession runs fn with a new session: the progress display of
// --progress on stderr, the event log of --event-log, the web UI of --ui
// (its address printed on stderr), and opts. It
// closes the session after fn and returns fn's error, or else the
// session's (an event log that could not be written).
func (e *env) withSession(opts []frame.Option, fn func(*frame.Session) error) error {
	all := []frame.Option{frame.WithProgress(progress.Options{Writer: e.stderr, Mode: e.progress.displayMode()})}
	if e.eventLog != "" {
		all = append(all, frame.WithEventLog(e.eventLog))
	}
	if e.uiAddr != "" {
		if err := ui.CheckAddr(e.uiAddr); err != nil {
			return usageError{fmt.Errorf("--ui=%s: %w", e.uiAddr, err)}
		}
		all = append(all, frame.WithUI(e.uiAddr))
	}
	sess := frame.NewSession(append(all, opts...)...)
	if e.uiAddr != "" {
		if err := sess.UIErr(); err != nil {
			fmt.Fprintf(e.stderr, "ember: the web UI is not served: %v\n", err)
		} else {
			fmt.Fprintf(e.stderr, "ember: web UI at http://%s\n", sess.UIAddr())
		}
	}
	err := fn(sess)
	if closeErr := sess.Close(); err == nil {
		err = closeErr
	}
	return err
}

// withInput runs fn, in a new session (withSession), over the DataFrame of
// the files args name, read as in says.
func (e *env) withInput(in *inputFlags, args []string, fn func(*frame.DataFrame) error) error {
	return e.withSession(nil, func(sess *frame.Session) error {
		df, _, err := in.read(e.ctx, sess, args)
		if err != nil {
			return err
		}
		return fn(df)
	})
}
