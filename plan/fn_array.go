package plan

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// The array functions (Arrow list columns):
//
//	array(a, b, …)          an array of the arguments, converted to their common type
//	element_at(arr, i)      1-based element i (negative counts from the end); NULL beyond the end;
//	                        i = 0 is an error, as in Spark
//	size(arr)               the number of elements, NULL for a NULL array (Spark 4 with ANSI on;
//	                        Spark 3's default gives -1)
//	array_contains(arr, v)  true when an element equals v; NULL when not found and an element is
//	                        NULL, or when arr or v is NULL
//
// explode, explode_outer and posexplode change the number of rows: they
// are not scalar functions and are not here.
func init() {
	defineBuiltin("array", 0, -1, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		if len(args) == 0 {
			return args, arrow.ListOf(typString), nil
		}
		args, t, err := resolveCommon(fn, args)
		if err != nil {
			return nil, nil, err
		}
		if isNull(t) {
			t = typString
			for i := range args {
				args[i] = coerce(args[i], t)
			}
		}
		return args, arrow.ListOf(t), nil
	})
	defineBuiltin("element_at", 2, 2, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		l, err := listArg(fn, args, 0)
		if err != nil {
			return nil, nil, err
		}
		if lit, ok := Unalias(args[1]).(*Literal); ok {
			if v, ok := lit.Value.(int64); ok && v == 0 {
				return nil, nil, typeError("%s: the index is 0; array indices start at 1 (negative ones count from the end)", fn)
			}
		}
		if err := asInt64(fn, args, 1); err != nil {
			return nil, nil, err
		}
		return args, l.Elem(), nil
	})
	defineBuiltin("size", 1, 1, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		if _, err := listArg(fn, args, 0); err != nil {
			return nil, nil, err
		}
		return args, typInt32, nil
	}, "cardinality")
	defineBuiltin("array_contains", 2, 2, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		l, err := listArg(fn, args, 0)
		if err != nil {
			return nil, nil, err
		}
		elem := l.Elem()
		v := args[1]
		switch {
		case arrow.TypeEqual(v.Type(), elem) || isNull(v.Type()):
		case IsNumeric(v.Type()) && IsNumeric(elem):
			t, _ := commonType(&Column{typ: elem}, v)
			if !arrow.TypeEqual(t, elem) {
				args[0] = &Cast{Child: args[0], To: arrow.ListOf(t)}
			}
		case isTemporal(elem) && (isString(v.Type()) || isTemporal(v.Type())):
		case isString(elem) && castable(v.Type(), elem):
		default:
			return nil, nil, argTypeError(fn, 1, v, "a value of the array's element type "+elem.String())
		}
		elem = args[0].Type().(*arrow.ListType).Elem()
		if isTemporal(elem) {
			args[1] = coerceTemporal(v, elem)
		} else {
			args[1] = coerce(v, elem)
		}
		return args, typBool, nil
	})
}

func listArg(fn string, args []Expr, i int) (*arrow.ListType, error) {
	l, ok := args[i].Type().(*arrow.ListType)
	if !ok {
		return nil, argTypeError(fn, i, args[i], "an array")
	}
	return l, nil
}
