package eval

import (
	"fmt"
	"regexp"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/ember-df/ember/plan"
)

// builtinKernel computes one built-in function (a plan.Builtin) over the
// evaluated arguments of one batch, whose types are those the function's
// resolution in package plan coerced them to. args are borrowed; the
// result has rows values of e.Type() and the caller releases it.
type builtinKernel func(ev *Evaluator, e *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error)

// builtinKernels holds the kernel of every plan.Builtin function, by the
// same name; the kernels_<family>.go files fill it from init.
var builtinKernels = map[string]builtinKernel{}

func registerKernel(name string, k builtinKernel) {
	if _, dup := builtinKernels[name]; dup {
		panic("exec/eval: kernel registered twice: " + name)
	}
	builtinKernels[name] = k
}

// builtin evaluates a call of a built-in function.
func (ev *Evaluator) builtin(e *plan.Builtin, b arrow.RecordBatch) (arrow.Array, error) {
	k, ok := builtinKernels[e.Name]
	if !ok {
		return nil, fmt.Errorf("exec: no kernel for built-in function %s", e.Name)
	}
	args := make([]arrow.Array, 0, len(e.Args))
	defer func() { ReleaseArrays(args) }()
	for i, x := range e.Args {
		// A literal after the first argument is evaluated once, as a
		// one-value array that the kernels read at every row (see
		// argCol); the first argument is always a full column.
		if lit, ok := plan.Unalias(x).(*plan.Literal); ok && i > 0 {
			s, err := literalScalar(lit)
			if err != nil {
				return nil, err
			}
			a, err := scalar.MakeArrayFromScalar(s, 1, ev.mem)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			continue
		}
		a, err := ev.Array(x, b)
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	out, err := k(ev, e, args, int(b.NumRows()))
	if err != nil {
		return nil, fmt.Errorf("exec: %s: %w", e, err)
	}
	if out.Len() != int(b.NumRows()) || !arrow.TypeEqual(out.DataType(), e.Type()) {
		defer out.Release()
		return nil, fmt.Errorf("exec: %s: the kernel returned %d values of %s, want %d of %s", e, out.Len(), out.DataType(), b.NumRows(), e.Type())
	}
	return out, nil
}

// argCol reads one kernel argument at every row of a batch: a column of
// rows values, or a constant (an evaluated literal, one value).
type argCol[A arrow.Array] struct {
	a    A
	step int // 1 for a column, 0 for a constant
}

func argOf[A arrow.Array](x arrow.Array, rows int) argCol[A] {
	step := 1
	if x.Len() != rows {
		step = 0
	}
	return argCol[A]{a: x.(A), step: step}
}

// at is the index of row r's value.
func (c argCol[A]) at(r int) int { return r * c.step }

// null reports whether row r's value is NULL.
func (c argCol[A]) null(r int) bool { return c.a.IsNull(r * c.step) }

// regexpCache compiles the patterns a kernel meets, keeping the last one:
// a pattern is almost always a literal, compiled once per batch.
type regexpCache struct {
	pattern string
	re      *regexp.Regexp
}

func (c *regexpCache) get(pattern string) (*regexp.Regexp, error) {
	if c.re != nil && c.pattern == pattern {
		return c.re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q (Go RE2 syntax): %w", pattern, err)
	}
	c.pattern, c.re = pattern, re
	return re, nil
}
