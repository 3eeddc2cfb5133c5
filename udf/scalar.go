package udf

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// ScalarFunc computes a UDF's result for one batch: args are the argument
// columns (borrowed, each of length rows); the result has length rows and
// belongs to the caller. It may be called concurrently from several
// partitions. Allocate the result from the allocator the context carries
// (compute.GetAllocator(ctx), which frame.AllocatorFrom returns).
type ScalarFunc func(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error)

// Scalar is a named scalar UDF with a declared signature. It implements
// plan.ScalarFunction, and plan.Portable: once registered (Register) it
// travels in serialized plans by name. NewScalar declares one over whole
// columns; Func1, Func2 and Func3 derive one from a plain Go function.
// A Scalar is safe for concurrent use when its function is.
type Scalar struct {
	name   string
	params []arrow.DataType // nil: any arguments
	result arrow.DataType
	fn     ScalarFunc
	err    error // a typed helper's unsupported result type
}

var _ plan.ScalarFunction = (*Scalar)(nil)

// NewScalar declares a UDF called name that returns result. With params,
// calls must pass exactly those argument types (checked when the plan is
// built); without, any arguments are accepted.
func NewScalar(name string, result arrow.DataType, fn ScalarFunc, params ...arrow.DataType) *Scalar {
	return &Scalar{name: name, params: params, result: result, fn: fn}
}

// Name implements plan.ScalarFunction.
func (s *Scalar) Name() string { return s.name }

// ReturnType implements plan.ScalarFunction. Argument types must equal
// the declared ones exactly: nothing is widened implicitly. Its errors
// wrap plan.ErrType.
func (s *Scalar) ReturnType(args []arrow.DataType) (arrow.DataType, error) {
	if s.err != nil {
		return nil, s.err
	}
	return checkSignature(s.name, s.params, args, s.result)
}

// checkSignature checks argument types against declared parameters (nil:
// any arguments) and returns the result type.
func checkSignature(name string, params, args []arrow.DataType, result arrow.DataType) (arrow.DataType, error) {
	if params == nil {
		return result, nil
	}
	if len(args) != len(params) {
		word := "arguments"
		if len(params) == 1 {
			word = "argument"
		}
		return nil, &signatureError{fmt.Sprintf("udf %q takes %d %s, got %d", name, len(params), word, len(args))}
	}
	for i, p := range params {
		if !arrow.TypeEqual(p, args[i]) {
			hint := ""
			if castsTo(args[i], p) {
				hint = " (cast it with .Cast)"
			}
			return nil, &signatureError{fmt.Sprintf("udf %q: argument %d is %s, want %s%s", name, i+1, args[i], p, hint)}
		}
	}
	return result, nil
}

// signatureError is a call that does not fit a UDF's signature; it is a
// plan.ErrType without repeating that error's words.
type signatureError struct{ msg string }

func (e *signatureError) Error() string { return e.msg }
func (e *signatureError) Unwrap() error { return plan.ErrType }

// castsTo reports whether plan.Cast turns from into to, following the
// rules of plan's Cast.Resolve: strings to and from numbers and times,
// numbers to numbers, times to times, and NULL to anything.
func castsTo(from, to arrow.DataType) bool {
	kind := func(t arrow.DataType) string {
		switch id := t.ID(); {
		case plan.IsNumeric(t), id == arrow.BOOL, id == arrow.DECIMAL128:
			return "number"
		case id == arrow.DATE32, id == arrow.DATE64, id == arrow.TIMESTAMP:
			return "time"
		case id == arrow.STRING, id == arrow.LARGE_STRING:
			return "string"
		}
		return ""
	}
	f, t := kind(from), kind(to)
	switch {
	case from.ID() == arrow.NULL:
		return true
	case f == "" || t == "":
		return false
	}
	return f == t || f == "string" || t == "string"
}

// Invoke implements plan.ScalarFunction.
func (s *Scalar) Invoke(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error) {
	return s.fn(ctx, args, rows)
}

// Call applies the UDF to columns (names) or expressions, for
// DataFrame.WithColumn and Select.
func (s *Scalar) Call(args ...any) plan.Expr {
	return &plan.Call{Fn: s, Args: exprs(args)}
}
