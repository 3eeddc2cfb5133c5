package plan

import (
	"fmt"
	"runtime/debug"
)

// PanicError is a panic that ember recovered — in a task, a user function,
// a model call — turned into an error. Its message is one line, naming
// where it happened and the panic's value; the goroutine's stack, which a
// bug report needs, is in Stack (errors.As(err, &pe) finds it), not in
// the message, so that logs and status files stay readable.
type PanicError struct {
	// Where names what panicked: "exec: stage 2 partition 1",
	// "function normalize in partition 0".
	Where string
	// Value is what was passed to panic.
	Value any
	// Stack is the panicking goroutine's stack.
	Stack []byte
}

// Recovered makes the PanicError of r, the value recover returned, with
// the current goroutine's stack. Call it in the deferred function that
// recovered.
func Recovered(where string, r any) *PanicError {
	return &PanicError{Where: where, Value: r, Stack: debug.Stack()}
}

func (e *PanicError) Error() string { return fmt.Sprintf("%s panicked: %v", e.Where, e.Value) }

// Unwrap returns the panic's value when it is an error (a runtime error,
// say), so that errors.Is and errors.As see through the panic.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}
