package plugins

import (
	"context"
	"time"

	"github.com/ember-df/ember/plugins/internal/wire"
)

// deadlineSlack covers the rounding of a gRPC deadline on the wire.
const deadlineSlack = 10 * time.Millisecond

// callTimedOut reports whether a call made under child, a context with a
// deadline derived from parent, failed with err because its time was up
// (not because parent ended or the model returned an error). The
// plugin's gRPC server has the deadline too and may reset the stream
// before this side's timer has fired — a busy machine runs that timer
// late — so the clock decides, not only child.Err.
func callTimedOut(parent, child context.Context, err error) bool {
	if err == nil || parent.Err() != nil || wire.IsModelError(err) {
		return false
	}
	if child.Err() == context.DeadlineExceeded {
		return true
	}
	deadline, ok := child.Deadline()
	return ok && time.Until(deadline) < deadlineSlack
}
