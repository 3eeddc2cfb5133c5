package plugins

import (
	"context"
	"errors"
	"testing"
	"time"
)

// lateTimer is a context whose deadline has passed but whose timer has
// not fired yet: what a call sees when the server's reset arrives first.
type lateTimer struct {
	context.Context
	deadline time.Time
}

func (c lateTimer) Deadline() (time.Time, bool) { return c.deadline, true }

func TestCallTimedOutDecidesByTheClock(t *testing.T) {
	parent := context.Background()
	reset := errors.New("stream terminated by RST_STREAM with error code: CANCEL")
	if !callTimedOut(parent, lateTimer{parent, time.Now().Add(-time.Millisecond)}, reset) {
		t.Error("a call failing after its deadline, before the timer fired, is not a timeout")
	}
	if callTimedOut(parent, lateTimer{parent, time.Now().Add(time.Hour)}, reset) {
		t.Error("a call failing an hour before its deadline is a timeout")
	}
	if callTimedOut(parent, lateTimer{parent, time.Now().Add(-time.Millisecond)}, nil) {
		t.Error("a call that succeeded is a timeout")
	}
	cancelled, cancel := context.WithCancel(parent)
	cancel()
	if callTimedOut(cancelled, lateTimer{cancelled, time.Now().Add(-time.Millisecond)}, reset) {
		t.Error("a call whose job was cancelled is a timeout")
	}
}
