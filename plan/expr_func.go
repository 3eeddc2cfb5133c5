package plan

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Concat joins strings; the result is NULL when any argument is NULL, as in
// Spark. Non-string arguments are cast to string.
type Concat struct{ Args []Expr }

func (c *Concat) String() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.String()
	}
	return "concat(" + strings.Join(parts, ", ") + ")"
}
func (c *Concat) Children() []Expr           { return c.Args }
func (c *Concat) Type() arrow.DataType       { return arrow.BinaryTypes.String }
func (c *Concat) WithChildren(x []Expr) Expr { return &Concat{Args: x} }

// Resolve implements Expr.
func (c *Concat) Resolve(in *arrow.Schema) (Expr, error) {
	if len(c.Args) == 0 {
		return nil, typeError("concat needs at least one argument")
	}
	args := make([]Expr, len(c.Args))
	for i, a := range c.Args {
		r, err := a.Resolve(in)
		if err != nil {
			return nil, err
		}
		if !castable(r.Type(), arrow.BinaryTypes.String) {
			return nil, typeError("%s: argument %s (%s) cannot be cast to string", c, r, r.Type())
		}
		args[i] = coerce(r, arrow.BinaryTypes.String)
	}
	return &Concat{Args: args}, nil
}

// MonotonicID is Spark's monotonically_increasing_id(): a unique, increasing
// int64 per row, not consecutive: the partition index in the upper 31 bits,
// the row's position within its partition in the lower 33.
type MonotonicID struct{}

func (MonotonicID) String() string                         { return "monotonically_increasing_id()" }
func (m *MonotonicID) Children() []Expr                    { return nil }
func (m *MonotonicID) WithChildren([]Expr) Expr            { return m }
func (m *MonotonicID) Type() arrow.DataType                { return arrow.PrimitiveTypes.Int64 }
func (m *MonotonicID) Resolve(*arrow.Schema) (Expr, error) { return m, nil }

// ScalarFunction is the contract for a user-defined function that maps
// columns of a batch to one column of the same length. Package udf
// implements it; the executor calls it.
//
// ReturnType is called at plan time, Invoke once per batch, concurrently
// from several partitions: implementations must be safe for concurrent use.
type ScalarFunction interface {
	// Name identifies the function in plans, errors and metrics.
	Name() string
	// ReturnType checks the argument types and returns the result type.
	ReturnType(args []arrow.DataType) (arrow.DataType, error)
	// Invoke computes the result for one batch. args are borrowed; the
	// returned array has length rows, and the caller releases it.
	Invoke(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error)
}

// Call applies a ScalarFunction to argument expressions.
type Call struct {
	Fn   ScalarFunction
	Args []Expr
	typ  arrow.DataType
}

func (c *Call) String() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.String()
	}
	return fmt.Sprintf("%s(%s)", c.Fn.Name(), strings.Join(parts, ", "))
}
func (c *Call) Children() []Expr     { return c.Args }
func (c *Call) Type() arrow.DataType { return c.typ }
func (c *Call) WithChildren(x []Expr) Expr {
	return &Call{Fn: c.Fn, Args: x, typ: c.typ}
}

// Resolve implements Expr.
func (c *Call) Resolve(in *arrow.Schema) (Expr, error) {
	args := make([]Expr, len(c.Args))
	types := make([]arrow.DataType, len(c.Args))
	for i, a := range c.Args {
		r, err := a.Resolve(in)
		if err != nil {
			return nil, err
		}
		args[i], types[i] = r, r.Type()
	}
	t, err := c.Fn.ReturnType(types)
	if err != nil {
		return nil, fmt.Errorf("plan: %s: %w", c.Fn.Name(), err)
	}
	return &Call{Fn: c.Fn, Args: args, typ: t}, nil
}
