package cli

import (
	"fmt"

	"github.com/ember-df/ember/frame"
)

// progressMode is the root's --progress flag: when a command shows its
// job's progress on stderr.
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

// session opens the session a command runs its jobs in; the caller
// closes it.
func (e *env) session(opts ...frame.Option) *frame.Session {
	return frame.NewSession(opts...)
}
