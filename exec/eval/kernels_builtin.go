package eval

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
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
	args, err := ev.Arrays(e.Args, b)
	if err != nil {
		return nil, err
	}
	defer ReleaseArrays(args)
	out, err := k(ev, e, args, int(b.NumRows()))
	if err != nil {
		return nil, fmt.Errorf("exec: %s: %w", e, err)
	}
	return out, nil
}
