package eval

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/plan"
)

// The kernels of the math functions (plan/fn_math.go states their
// semantics) and of greatest, least and IN.

func init() {
	registerKernel("round", roundKernel)
	registerKernel("floor", floatToInt(math.Floor))
	registerKernel("ceil", floatToInt(math.Ceil))
	registerKernel("abs", absKernel)
	registerKernel("sqrt", doubles(total(math.Sqrt)))
	registerKernel("exp", doubles(total(math.Exp)))
	registerKernel("ln", doubles(positive(math.Log)))
	registerKernel("log10", doubles(positive(math.Log10)))
	registerKernel("log2", doubles(positive(math.Log2)))
	registerKernel("log", logKernel)
	registerKernel("pow", pow)
	registerKernel("greatest", extremeKernel(1))
	registerKernel("least", extremeKernel(-1))
	registerKernel("in", inKernel)
}

// mapFloats builds a float64 column from float64 arguments; fn's !ok is
// NULL.
func mapFloats(ev *Evaluator, args []arrow.Array, rows int, fn func(x []float64) (float64, bool)) arrow.Array {
	cols := make([]argCol[*array.Float64], len(args))
	for i, a := range args {
		cols[i] = argOf[*array.Float64](a, rows)
	}
	b := array.NewFloat64Builder(ev.mem)
	defer b.Release()
	b.Reserve(rows)
	x := make([]float64, len(cols))
	for r := range validRows(b, rows, args...) {
		for i, c := range cols {
			x[i] = c.a.Value(c.at(r))
		}
		if v, ok := fn(x); ok {
			b.UnsafeAppend(v)
		} else {
			b.UnsafeAppendBoolToBitmap(false)
		}
	}
	return b.NewArray()
}

func doubles(fn func(float64) (float64, bool)) builtinKernel {
	return func(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
		return mapFloats(ev, args, rows, func(x []float64) (float64, bool) { return fn(x[0]) }), nil
	}
}

func total(fn func(float64) float64) func(float64) (float64, bool) {
	return func(x float64) (float64, bool) { return fn(x), true }
}

// positive is a logarithm that is NULL for x <= 0, as Spark's.
func positive(fn func(float64) float64) func(float64) (float64, bool) {
	return func(x float64) (float64, bool) { return fn(x), x > 0 }
}

func logKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	return mapFloats(ev, args, rows, func(x []float64) (float64, bool) {
		if len(x) == 1 {
			return math.Log(x[0]), x[0] > 0
		}
		return math.Log(x[1]) / math.Log(x[0]), x[0] > 0 && x[1] > 0
	}), nil
}

func pow(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	return mapFloats(ev, args, rows, func(x []float64) (float64, bool) {
		// Java's Math.pow, unlike Go's, gives NaN for 1^NaN and (±1)^±Inf.
		if math.IsNaN(x[1]) && x[0] == 1 || math.IsInf(x[1], 0) && math.Abs(x[0]) == 1 {
			return math.NaN(), true
		}
		return math.Pow(x[0], x[1]), true
	}), nil
}

// floatToInt is floor or ceil: bigint, saturating as Java's double to
// long conversion does (NaN is 0).
func floatToInt(fn func(float64) float64) builtinKernel {
	return func(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
		if args[0].DataType().ID() == arrow.INT64 {
			args[0].Retain()
			return args[0], nil
		}
		in := args[0].(*array.Float64)
		b := array.NewInt64Builder(ev.mem)
		defer b.Release()
		b.Reserve(rows)
		for r := range validRows(b, in.Len(), in) {
			b.UnsafeAppend(saturate(fn(in.Value(r))))
		}
		return b.NewArray(), nil
	}
}

func saturate(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func absKernel(ev *Evaluator, e *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	switch a := args[0].(type) {
	case *array.Float64:
		return mapNumbers(ev, a, array.NewFloat64Builder(ev.mem), func(v float64) (float64, error) { return math.Abs(v), nil })
	case *array.Float32:
		return mapNumbers(ev, a, array.NewFloat32Builder(ev.mem), func(v float32) (float32, error) { return float32(math.Abs(float64(v))), nil })
	case *array.Int64:
		return mapNumbers(ev, a, array.NewInt64Builder(ev.mem), absSigned[int64])
	case *array.Int32:
		return mapNumbers(ev, a, array.NewInt32Builder(ev.mem), absSigned[int32])
	case *array.Int16:
		return mapNumbers(ev, a, array.NewInt16Builder(ev.mem), absSigned[int16])
	case *array.Int8:
		return mapNumbers(ev, a, array.NewInt8Builder(ev.mem), absSigned[int8])
	}
	// Unsigned values are their own absolute value.
	args[0].Retain()
	return args[0], nil
}

func absSigned[T int8 | int16 | int32 | int64](v T) (T, error) {
	if v >= 0 {
		return v, nil
	}
	if -v < 0 {
		return 0, fmt.Errorf("integer overflow: abs(%d) does not fit its type (cast to a wider type first)", v)
	}
	return -v, nil
}

// mapNumbers applies fn to every value of a numeric array.
func mapNumbers[T number, B typedBuilder[T]](ev *Evaluator, in numericArray[T], b B, fn func(T) (T, error)) (arrow.Array, error) {
	defer b.Release()
	b.Reserve(in.Len())
	vals := in.Values()
	for i := range vals {
		if in.IsNull(i) {
			b.AppendNull()
			continue
		}
		v, err := fn(vals[i])
		if err != nil {
			return nil, err
		}
		b.Append(v)
	}
	return b.NewArray(), nil
}

func roundKernel(ev *Evaluator, e *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	scale := int64(0)
	if len(args) == 2 {
		s := args[1].(*array.Int64)
		if s.IsNull(0) {
			return array.MakeArrayOfNull(ev.mem, e.Type(), rows), nil
		}
		scale = s.Value(0)
	}
	switch a := args[0].(type) {
	case *array.Float64:
		return mapNumbers(ev, a, array.NewFloat64Builder(ev.mem), func(v float64) (float64, error) { return RoundHalfUp(v, scale), nil })
	case *array.Float32:
		return mapNumbers(ev, a, array.NewFloat32Builder(ev.mem), func(v float32) (float32, error) {
			return float32(RoundHalfUp(float64(v), scale)), nil
		})
	case *array.Int64:
		return mapNumbers(ev, a, array.NewInt64Builder(ev.mem), roundInt[int64](scale))
	case *array.Int32:
		return mapNumbers(ev, a, array.NewInt32Builder(ev.mem), roundInt[int32](scale))
	case *array.Int16:
		return mapNumbers(ev, a, array.NewInt16Builder(ev.mem), roundInt[int16](scale))
	case *array.Int8:
		return mapNumbers(ev, a, array.NewInt8Builder(ev.mem), roundInt[int8](scale))
	case *array.Uint64:
		return mapNumbers(ev, a, array.NewUint64Builder(ev.mem), roundInt[uint64](scale))
	case *array.Uint32:
		return mapNumbers(ev, a, array.NewUint32Builder(ev.mem), roundInt[uint32](scale))
	case *array.Uint16:
		return mapNumbers(ev, a, array.NewUint16Builder(ev.mem), roundInt[uint16](scale))
	case *array.Uint8:
		return mapNumbers(ev, a, array.NewUint8Builder(ev.mem), roundInt[uint8](scale))
	}
	return nil, fmt.Errorf("cannot round %s", args[0].DataType())
}

// roundInt rounds an integer HALF_UP to 10^-scale when scale < 0.
func roundInt[T integer](scale int64) func(T) (T, error) {
	return func(v T) (T, error) {
		if scale >= 0 {
			return v, nil
		}
		if scale < -19 {
			return 0, nil
		}
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(-scale), nil)
		x := new(big.Int)
		if T(0)-1 > 0 { // unsigned
			x.SetUint64(uint64(v))
		} else {
			x.SetInt64(int64(v))
		}
		q, m := new(big.Int).QuoRem(x, p, new(big.Int))
		if new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2)).Cmp(p) >= 0 {
			q.Add(q, big.NewInt(int64(x.Sign())))
		}
		q.Mul(q, p)
		out := T(q.Int64())
		if T(0)-1 > 0 {
			out = T(q.Uint64())
		}
		if (T(0)-1 > 0 && (!q.IsUint64() || uint64(out) != q.Uint64())) || (T(0)-1 < 0 && (!q.IsInt64() || int64(out) != q.Int64())) {
			return 0, fmt.Errorf("integer overflow: round(%d, %d) does not fit its type", v, scale)
		}
		return out, nil
	}
}

// RoundHalfUp rounds x to scale decimal places (left of the point when
// scale < 0) as Spark's ROUND does for a double: HALF_UP on the
// shortest decimal that reads back as x (round(2.675, 2) is 2.68, where
// rounding the binary value would give 2.67). NaN and infinities stay.
func RoundHalfUp(x float64, scale int64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
		return x
	}
	if scale > 300 {
		return x
	}
	if scale < -330 {
		return math.Copysign(0, x)
	}
	// Fast path: away from a tie, rounding the scaled binary value rounds
	// the decimal the same way, and k / 10^scale is correctly rounded.
	if scale >= 0 && scale <= 22 {
		p := math.Pow10(int(scale))
		y := x * p
		if a := math.Abs(y); a < 1<<52 {
			frac := a - math.Floor(a)
			if math.Abs(frac-0.5) > 1e-6 {
				return math.Round(y) / p
			}
		}
	}
	d, ok := new(big.Rat).SetString(strconv.FormatFloat(x, 'g', -1, 64))
	if !ok {
		return x
	}
	p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(absInt64(scale)), nil))
	if scale >= 0 {
		d.Mul(d, p)
	} else {
		d.Quo(d, p)
	}
	// HALF_UP: away from zero at .5.
	num, den := new(big.Int).Abs(d.Num()), d.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if d.Sign() < 0 {
		q.Neg(q)
	}
	r := new(big.Rat).SetInt(q)
	if scale >= 0 {
		r.Quo(r, p)
	} else {
		r.Mul(r, p)
	}
	f, _ := r.Float64()
	if f == 0 {
		return math.Copysign(0, x)
	}
	return f
}

func absInt64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// comparer returns a function comparing value i of arrs[a] with value j
// of arrs[b] (both valid); arrs share one type. Floats order NaN above
// every number, as Spark does.
func comparer(arrs []arrow.Array) (func(a, i, b, j int) int, error) {
	switch arrs[0].DataType().ID() {
	case arrow.INT8:
		return valuesCmp[int8](arrs, cmp.Compare[int8]), nil
	case arrow.INT16:
		return valuesCmp[int16](arrs, cmp.Compare[int16]), nil
	case arrow.INT32:
		return valuesCmp[int32](arrs, cmp.Compare[int32]), nil
	case arrow.INT64:
		return valuesCmp[int64](arrs, cmp.Compare[int64]), nil
	case arrow.UINT8:
		return valuesCmp[uint8](arrs, cmp.Compare[uint8]), nil
	case arrow.UINT16:
		return valuesCmp[uint16](arrs, cmp.Compare[uint16]), nil
	case arrow.UINT32:
		return valuesCmp[uint32](arrs, cmp.Compare[uint32]), nil
	case arrow.UINT64:
		return valuesCmp[uint64](arrs, cmp.Compare[uint64]), nil
	case arrow.FLOAT32:
		return valuesCmp[float32](arrs, nanLast[float32]), nil
	case arrow.FLOAT64:
		return valuesCmp[float64](arrs, nanLast[float64]), nil
	case arrow.DATE32:
		return valuesCmp[arrow.Date32](arrs, cmp.Compare[arrow.Date32]), nil
	case arrow.TIMESTAMP:
		return valuesCmp[arrow.Timestamp](arrs, cmp.Compare[arrow.Timestamp]), nil
	case arrow.STRING:
		return func(a, i, b, j int) int {
			return cmp.Compare(arrs[a].(*array.String).Value(i), arrs[b].(*array.String).Value(j))
		}, nil
	case arrow.BOOL:
		return func(a, i, b, j int) int {
			x, y := arrs[a].(*array.Boolean).Value(i), arrs[b].(*array.Boolean).Value(j)
			switch {
			case x == y:
				return 0
			case y:
				return -1
			}
			return 1
		}, nil
	}
	return nil, fmt.Errorf("cannot compare values of type %s", arrs[0].DataType())
}

func valuesCmp[T any](arrs []arrow.Array, c func(x, y T) int) func(a, i, b, j int) int {
	vals := make([][]T, len(arrs))
	for k, a := range arrs {
		vals[k] = a.(interface{ Values() []T }).Values()
	}
	return func(a, i, b, j int) int { return c(vals[a][i], vals[b][j]) }
}

func nanLast[T float32 | float64](x, y T) int {
	xn, yn := x != x, y != y
	switch {
	case xn && yn:
		return 0
	case xn:
		return 1
	case yn:
		return -1
	}
	return cmp.Compare(x, y)
}

// extremeKernel is greatest (sign 1) or least (sign -1): NULLs skipped.
func extremeKernel(sign int) builtinKernel {
	return func(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
		c, err := comparer(args)
		if err != nil {
			return nil, err
		}
		steps := argSteps(args, rows)
		return ev.pick(args, rows, func(r int) int {
			best := -1
			for k, a := range args {
				i := r * steps[k]
				if a.IsNull(i) {
					continue
				}
				if best < 0 || c(k, i, best, r*steps[best])*sign > 0 {
					best = k
				}
			}
			return best
		})
	}
}

// inKernel is x IN (v…) with SQL's NULL rules.
func inKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	if out, ok := inConstants(ev, args, rows); ok {
		return out, nil
	}
	return inCompared(ev, args, rows)
}

// inCompared is inKernel's general path: any list, any comparable type.
func inCompared(ev *Evaluator, args []arrow.Array, rows int) (arrow.Array, error) {
	c, err := comparer(args)
	if err != nil {
		return nil, err
	}
	steps := argSteps(args, rows)
	b := array.NewBooleanBuilder(ev.mem)
	defer b.Release()
	b.Reserve(rows)
	for r := 0; r < rows; r++ {
		x := r * steps[0]
		if args[0].IsNull(x) {
			b.UnsafeAppendBoolToBitmap(false)
			continue
		}
		found, sawNull := false, false
		for k := 1; k < len(args) && !found; k++ {
			i := r * steps[k]
			if args[k].IsNull(i) {
				sawNull = true
			} else if c(0, x, k, i) == 0 {
				found = true
			}
		}
		if !found && sawNull {
			b.UnsafeAppendBoolToBitmap(false)
		} else {
			b.UnsafeAppend(found)
		}
	}
	return b.NewArray(), nil
}
