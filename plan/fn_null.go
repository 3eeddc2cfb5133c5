package plan

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// The NULL-handling functions: coalesce, nvl (ifnull), nullif.
//
// coalesce(a, b, …) is the first argument that is not NULL, NULL when all
// are; the arguments convert to one common type as CASE's values do. nvl
// and ifnull are coalesce of two arguments. nullif(a, b) is NULL where
// a = b and a otherwise, of a's type (it builds the CASE WHEN Spark
// rewrites it to, so a is evaluated twice).
func init() {
	defineBuiltin("coalesce", 1, -1, resolveCommon)
	nvl := func(args ...Expr) (Expr, error) {
		if len(args) != 2 {
			return nil, typeError("nvl takes 2 arguments, got %d", len(args))
		}
		return &Builtin{Name: "coalesce", Args: args}, nil
	}
	RegisterFunction("nvl", nvl)
	RegisterFunction("ifnull", nvl)
	RegisterFunction("nullif", func(args ...Expr) (Expr, error) {
		if len(args) != 2 {
			return nil, typeError("nullif takes 2 arguments, got %d", len(args))
		}
		return &CaseWhen{
			Branches: []When{{Cond: NewBinary(OpEq, args[0], args[1]), Value: Lit(nil)}},
			Else:     args[0],
		}, nil
	})
}

// resolveCommon converts every argument to their common type (unifyTypes),
// which is the result type.
func resolveCommon(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
	t, ok := unifyTypes(args)
	if !ok {
		return nil, nil, typeError("%s: arguments of incompatible types (%s)", fn, describeArgs(args))
	}
	out := make([]Expr, len(args))
	for i, a := range args {
		out[i] = coerce(a, t)
	}
	return out, t, nil
}

// describeArgs lists arguments with their types, for errors.
func describeArgs(args []Expr) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += ", "
		}
		s += a.String() + " " + a.Type().String()
	}
	return s
}
