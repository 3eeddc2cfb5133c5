package plan

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// The math functions, with Spark's semantics:
//
//	round(x[, scale])  HALF_UP at scale digits (default 0; negative rounds left of the point), of x's type;
//	                   a double rounds its shortest decimal form, as Spark's BigDecimal does (round(2.675, 2) = 2.68)
//	floor(x), ceil(x)  bigint (ceiling is ceil)
//	abs(x)             x's type; abs of the smallest integer is an overflow error (ANSI)
//	sqrt, exp, ln      double; ln and log of x ≤ 0 are NULL
//	log(x), log(b, x)  natural logarithm, or base b; log10, log2
//	pow(x, y)          double (power)
//	greatest, least    the largest/smallest non-NULL argument, NULL when all are NULL
func init() {
	defineBuiltin("round", 1, 2, resolveRound)
	for _, name := range []string{"floor", "ceil"} {
		aliases := []string(nil)
		if name == "ceil" {
			aliases = []string{"ceiling"}
		}
		defineBuiltin(name, 1, 1, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
			t := args[0].Type()
			if isInteger(t) || isNull(t) {
				return []Expr{coerce(args[0], typInt64)}, typInt64, nil
			}
			return convertEach(fn, args, typInt64, asFloat64)
		}, aliases...)
	}
	defineBuiltin("abs", 1, 1, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		t := args[0].Type()
		if IsNumeric(t) {
			return args, t, nil
		}
		return convertEach(fn, args, typFloat64, asFloat64)
	})
	double := func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		for i := range args {
			if err := asFloat64(fn, args, i); err != nil {
				return nil, nil, err
			}
		}
		return args, typFloat64, nil
	}
	for _, name := range []string{"sqrt", "exp", "ln", "log10", "log2"} {
		defineBuiltin(name, 1, 1, double)
	}
	defineBuiltin("log", 1, 2, double)
	defineBuiltin("pow", 2, 2, double, "power")
	for _, name := range []string{"greatest", "least"} {
		defineBuiltin(name, 2, -1, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
			args, t, err := resolveCommon(fn, args)
			if err != nil {
				return nil, nil, err
			}
			if !ordered(t) {
				return nil, nil, typeError("%s: cannot order values of type %s (numbers, strings, booleans, dates and timestamps can be)", fn, t)
			}
			return args, t, nil
		})
	}
}

// ordered reports whether the kernels compare values of type t.
func ordered(t arrow.DataType) bool {
	return IsNumeric(t) || isString(t) || isNull(t) || t.ID() == arrow.BOOL || t.ID() == arrow.DATE32 || t.ID() == arrow.TIMESTAMP
}

// resolveRound keeps x's numeric type (a string converts to double) and
// requires a literal scale, as Spark does.
func resolveRound(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
	if len(args) == 2 {
		if _, err := intLiteral(fn, args, 1, "the scale"); err != nil {
			return nil, nil, err
		}
		args[1] = coerce(args[1], typInt64)
	}
	t := args[0].Type()
	if IsNumeric(t) {
		return args, t, nil
	}
	return convertEach(fn, args, typFloat64, asFloat64)
}
