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
// partitions. Allocate the result from frame.AllocatorFrom(ctx).
type ScalarFunc func(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error)

// Scalar is a named scalar UDF with a declared signature. It implements
// plan.ScalarFunction.
type Scalar struct {
	name   string
	params []arrow.DataType // nil: any arguments
	result arrow.DataType
	fn     ScalarFunc
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

// ReturnType implements plan.ScalarFunction.
func (s *Scalar) ReturnType(args []arrow.DataType) (arrow.DataType, error) {
	if s.params == nil {
		return s.result, nil
	}
	if len(args) != len(s.params) {
		return nil, fmt.Errorf("udf %s takes %d arguments, got %d", s.name, len(s.params), len(args))
	}
	for i, p := range s.params {
		if !arrow.TypeEqual(p, args[i]) {
			return nil, fmt.Errorf("udf %s: argument %d is %s, want %s", s.name, i+1, args[i], p)
		}
	}
	return s.result, nil
}

// Invoke implements plan.ScalarFunction.
func (s *Scalar) Invoke(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error) {
	return s.fn(ctx, args, rows)
}

// Call applies the UDF to columns (names) or expressions, for
// DataFrame.WithColumn and Select.
func (s *Scalar) Call(args ...any) plan.Expr {
	exprs := make([]plan.Expr, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case string:
			exprs[i] = plan.Col(a)
		case plan.Expr:
			exprs[i] = a
		default:
			exprs[i] = plan.Lit(a)
		}
	}
	return &plan.Call{Fn: s, Args: exprs}
}
