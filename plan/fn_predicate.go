package plan

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// The predicates:
//
//	in(x, v1, v2, …)     SQL's x IN (v1, v2, …), PySpark's isin: true when x equals a value; NULL
//	                     when x is NULL, or when none matches and a value is NULL; false otherwise
//	between(x, lo, hi)   x >= lo AND x <= hi (the comparisons' own coercions and NULL rules)
func init() {
	defineBuiltin("in", 2, -1, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		if x := args[0].Type(); isTemporal(x) {
			// Strings (and dates against timestamps) convert to x's type,
			// as in a comparison.
			for i := 1; i < len(args); i++ {
				if t := args[i].Type(); isString(t) || isTemporal(t) {
					args[i] = coerceTemporal(args[i], x)
				}
			}
		}
		args, t, err := resolveCommon(fn, args)
		if err != nil {
			return nil, nil, err
		}
		if !ordered(t) {
			return nil, nil, typeError("%s: cannot compare values of type %s", fn, t)
		}
		return args, typBool, nil
	})
	RegisterFunction("between", func(args ...Expr) (Expr, error) {
		if len(args) != 3 {
			return nil, typeError("between takes 3 arguments, got %d", len(args))
		}
		return NewBinary(OpAnd, NewBinary(OpGe, args[0], args[1]), NewBinary(OpLe, args[0], args[2])), nil
	})
}
