package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/internal/registry"
)

// FunctionBuilder builds the expression of a call of a built-in function on
// args (unresolved expressions). It checks what it can without a schema
// (the number of arguments, literal-only arguments) and returns an error
// naming the function; type errors surface when the expression resolves.
type FunctionBuilder func(args ...Expr) (Expr, error)

// builders holds the built-in scalar functions by lower-case name.
var builders registry.Registry[FunctionBuilder]

// RegisterFunction makes the built-in function name callable by name
// (LookupFunction, SQL). Names are case-insensitive. It panics when the
// name is taken: registration happens from init, and a clash is a
// programming error.
func RegisterFunction(name string, b FunctionBuilder) {
	if b == nil {
		panic("plan: RegisterFunction(" + name + ") with a nil builder")
	}
	if _, ok := builders.Add(strings.ToLower(name), b); !ok {
		panic("plan: RegisterFunction: a function is already registered as " + strings.ToLower(name))
	}
}

// LookupFunction returns the builder of the built-in function called name
// (case-insensitive).
func LookupFunction(name string) (FunctionBuilder, bool) {
	return builders.Get(strings.ToLower(name))
}

// FunctionNames returns the names of the registered built-in functions,
// sorted, for error messages that list what exists.
func FunctionNames() []string { return builders.Names() }

// CallFunction builds a call of the built-in function called name, or an
// error that lists the functions that exist.
func CallFunction(name string, args ...Expr) (Expr, error) {
	b, ok := LookupFunction(name)
	if !ok {
		return nil, fmt.Errorf("plan: unknown function %q (functions: %s)", name, strings.Join(FunctionNames(), ", "))
	}
	return b(args...)
}

// Builtin is a call of a built-in scalar function by name: substring,
// round, coalesce, date_format, element_at and the rest that fn_*.go
// define.
//
// One node type serves every such function, rather than one type per
// function, because the functions differ only in how their arguments are
// checked and coerced (a table entry, builtinSpec) and in their kernel
// (looked up by the same name in exec/eval): the plan codec encodes every
// call as its name and arguments and rebuilds it through the same table,
// so adding a function touches neither the codec, nor the optimizer's
// rules, nor the expression walkers. The existing operator nodes (Unary,
// Binary, Concat, MonotonicID) stay as they are and are registered by name
// too. (Call, the other "call" node, applies a user-defined
// ScalarFunction object, which must carry its own Go value.)
//
// Resolve coerces the arguments to the types the kernel reads (documented
// per function in docs/functions.md), so a resolved Builtin's argument
// types are exactly those.
type Builtin struct {
	Name string // lower-case, as registered
	Args []Expr
	typ  arrow.DataType
}

// builtinSpec is how one built-in function resolves.
type builtinSpec struct {
	// minArgs and maxArgs bound the number of arguments; maxArgs < 0 means
	// any number.
	minArgs, maxArgs int
	// resolve receives the resolved arguments and returns them coerced to
	// the types the kernel reads, and the result type.
	resolve func(fn string, args []Expr) ([]Expr, arrow.DataType, error)
}

// specs holds the built-in functions that Builtin nodes call, by name.
var specs = map[string]*builtinSpec{}

// defineBuiltin adds a Builtin-backed function under name (and aliases,
// which build the same call), with its arity and resolution.
func defineBuiltin(name string, minArgs, maxArgs int, resolve func(fn string, args []Expr) ([]Expr, arrow.DataType, error), aliases ...string) {
	spec := &builtinSpec{minArgs: minArgs, maxArgs: maxArgs, resolve: resolve}
	specs[name] = spec
	build := func(args ...Expr) (Expr, error) {
		if err := spec.checkArity(name, len(args)); err != nil {
			return nil, err
		}
		return &Builtin{Name: name, Args: args}, nil
	}
	RegisterFunction(name, build)
	for _, a := range aliases {
		RegisterFunction(a, build)
	}
}

func (s *builtinSpec) checkArity(name string, n int) error {
	switch {
	case n >= s.minArgs && (s.maxArgs < 0 || n <= s.maxArgs):
		return nil
	case s.maxArgs < 0:
		return fmt.Errorf("plan: %w: %s takes at least %d arguments, got %d", ErrType, name, s.minArgs, n)
	case s.minArgs == s.maxArgs:
		return fmt.Errorf("plan: %w: %s takes %d arguments, got %d", ErrType, name, s.minArgs, n)
	}
	return fmt.Errorf("plan: %w: %s takes %d to %d arguments, got %d", ErrType, name, s.minArgs, s.maxArgs, n)
}

// NewBuiltin returns the unresolved call name(args...) of a built-in
// function that Builtin implements, checking the name and the number of
// arguments.
func NewBuiltin(name string, args ...Expr) (*Builtin, error) {
	name = strings.ToLower(name)
	spec, ok := specs[name]
	if !ok {
		return nil, fmt.Errorf("plan: unknown function %q (functions: %s)", name, strings.Join(FunctionNames(), ", "))
	}
	if err := spec.checkArity(name, len(args)); err != nil {
		return nil, err
	}
	return &Builtin{Name: name, Args: args}, nil
}

func (b *Builtin) String() string {
	parts := make([]string, len(b.Args))
	for i, a := range b.Args {
		parts[i] = a.String()
	}
	return b.Name + "(" + strings.Join(parts, ", ") + ")"
}
func (b *Builtin) Children() []Expr     { return b.Args }
func (b *Builtin) Type() arrow.DataType { return b.typ }
func (b *Builtin) WithChildren(x []Expr) Expr {
	return &Builtin{Name: b.Name, Args: x, typ: b.typ}
}

// Resolve implements Expr.
func (b *Builtin) Resolve(in *arrow.Schema) (Expr, error) {
	spec, ok := specs[b.Name]
	if !ok {
		return nil, fmt.Errorf("plan: unknown function %q (functions: %s)", b.Name, strings.Join(FunctionNames(), ", "))
	}
	if err := spec.checkArity(b.Name, len(b.Args)); err != nil {
		return nil, err
	}
	args := make([]Expr, len(b.Args))
	for i, a := range b.Args {
		r, err := a.Resolve(in)
		if err != nil {
			return nil, err
		}
		args[i] = r
	}
	args, t, err := spec.resolve(b.Name, args)
	if err != nil {
		return nil, err
	}
	return &Builtin{Name: b.Name, Args: args, typ: t}, nil
}

// The functions that predate Builtin, registered by name.
func init() {
	unary := func(name string, op UnaryOp, aliases ...string) {
		build := func(args ...Expr) (Expr, error) {
			if len(args) != 1 {
				return nil, fmt.Errorf("plan: %w: %s takes 1 argument, got %d", ErrType, name, len(args))
			}
			return NewUnary(op, args[0]), nil
		}
		for _, n := range append([]string{name}, aliases...) {
			RegisterFunction(n, build)
		}
	}
	unary("upper", OpUpper, "ucase")
	unary("lower", OpLower, "lcase")
	unary("length", OpLength, "char_length", "character_length")
	unary("isnull", OpIsNull)
	unary("isnotnull", OpIsNotNull)
	unary("not", OpNot)
	unary("negative", OpNegate)
	RegisterFunction("concat", func(args ...Expr) (Expr, error) {
		if len(args) == 0 {
			return nil, fmt.Errorf("plan: %w: concat takes at least 1 argument, got 0", ErrType)
		}
		return &Concat{Args: args}, nil
	})
	RegisterFunction("contains", func(args ...Expr) (Expr, error) {
		if len(args) != 2 {
			return nil, fmt.Errorf("plan: %w: contains takes 2 arguments, got %d", ErrType, len(args))
		}
		return NewBinary(OpContains, args[0], args[1]), nil
	})
	RegisterFunction("monotonically_increasing_id", func(args ...Expr) (Expr, error) {
		if len(args) != 0 {
			return nil, fmt.Errorf("plan: %w: monotonically_increasing_id takes no arguments, got %d", ErrType, len(args))
		}
		return &MonotonicID{}, nil
	})
}

// argTypeError is the error about argument i (0-based) of fn: it names the
// function, the argument, its type and what the function accepts.
func argTypeError(fn string, i int, a Expr, want string) error {
	return typeError("%s: argument %d (%s) is %s; %s takes %s there", fn, i+1, a, a.Type(), fn, want)
}

// BuiltinNames returns the names that Builtin nodes call (every function
// whose kernel the executor must have), sorted.
func BuiltinNames() []string {
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
