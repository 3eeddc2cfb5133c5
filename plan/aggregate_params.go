package plan

import (
	"math"
	"slices"
	"strings"
)

// DefaultPercentileAccuracy is percentile_approx's accuracy when none is
// given (Spark's default): the relative rank error is 1/accuracy.
const DefaultPercentileAccuracy = 10000

// DefaultRelativeSD is approx_count_distinct's relative standard
// deviation when none is given (Spark's default).
const DefaultRelativeSD = 0.05

// aggOptions are an aggregate's constant parameters, checked when it
// resolves.
type aggOptions struct {
	ignoreNulls  bool
	rsd          float64
	percentages  []float64
	percentArray bool
	accuracy     int64
}

// IgnoreNulls reports whether first or last skips NULLs (their second
// argument).
func (a AggExpr) IgnoreNulls() bool { return a.opts.ignoreNulls }

// HLLPrecision is the number of index bits p of approx_count_distinct's
// sketch (2^p registers), from its relative standard deviation as Spark
// computes it: ceil(2·log2(1.106/rsd)); 9 for the default 0.05. The
// estimate's relative standard error is about 1.04/sqrt(2^p), which is
// at most rsd.
func (a AggExpr) HLLPrecision() int { return hllPrecision(a.opts.rsd) }

func hllPrecision(rsd float64) int {
	if rsd == 0 {
		rsd = DefaultRelativeSD
	}
	return int(math.Ceil(2 * math.Log2(1.106/rsd)))
}

// Percentages returns percentile_approx's percentages, and whether they
// were given as an array (then the result is a list, one value per
// percentage).
func (a AggExpr) Percentages() ([]float64, bool) {
	return a.opts.percentages, a.opts.percentArray
}

// Accuracy is percentile_approx's accuracy: the summary answers within a
// rank error of count/accuracy.
func (a AggExpr) Accuracy() int64 { return a.opts.accuracy }

// resolveParams checks the constant parameters of fn.
func resolveParams(fn AggFunc, params []Expr) (aggOptions, error) {
	opts := aggOptions{rsd: DefaultRelativeSD, accuracy: DefaultPercentileAccuracy}
	max := 0
	switch fn {
	case AggFirst, AggLast, AggApproxCountDistinct:
		max = 1
	case AggPercentileApprox:
		max = 2
		if len(params) == 0 {
			return opts, typeError("percentile_approx needs a percentage: percentile_approx(col, 0.5) or percentile_approx(col, array(0.25, 0.75))")
		}
	}
	if len(params) > max {
		return opts, typeError("%s takes %d constant argument(s) after its column, got %d", fn, max, len(params))
	}
	for i, p := range params {
		switch {
		case (fn == AggFirst || fn == AggLast) && i == 0:
			v, ok := literalValue(p).(bool)
			if !ok {
				return opts, typeError("%s: ignoreNulls must be a boolean literal, got %s", fn, p)
			}
			opts.ignoreNulls = v
		case fn == AggApproxCountDistinct:
			v, ok := literalFloat(p)
			if !ok || math.IsNaN(v) || v <= 0 {
				return opts, typeError("approx_count_distinct: rsd must be a positive number, got %s", p)
			}
			if prec := hllPrecision(v); prec < 4 || prec > 18 {
				return opts, typeError("approx_count_distinct: rsd %v needs a sketch of 2^%d registers; ember supports rsd from 0.0022 (2^18) to 0.39 (2^4, as Spark's lower limit)", v, prec)
			}
			opts.rsd = v
		case fn == AggPercentileApprox && i == 0:
			var list []Expr
			if b, ok := p.(*Builtin); ok && b.Name == "array" {
				list, opts.percentArray = b.Args, true
			} else {
				list = []Expr{p}
			}
			for _, x := range list {
				v, ok := literalFloat(x)
				if !ok || !(v >= 0 && v <= 1) {
					return opts, typeError("percentile_approx: a percentage must be a number literal between 0.0 and 1.0, got %s", x)
				}
				opts.percentages = append(opts.percentages, v)
			}
		case fn == AggPercentileApprox && i == 1:
			v, ok := literalValue(p).(int64)
			if !ok || v <= 0 || v > math.MaxInt32 {
				return opts, typeError("percentile_approx: accuracy must be a positive integer literal (at most %d), got %s", math.MaxInt32, p)
			}
			opts.accuracy = v
		}
	}
	return opts, nil
}

// literalValue is the value of a literal, seen through casts, or nil.
func literalValue(e Expr) any {
	switch e := e.(type) {
	case *Literal:
		return e.Value
	case *Cast:
		return literalValue(e.Child)
	}
	return nil
}

// literalFloat is a numeric literal's value as float64.
func literalFloat(e Expr) (float64, bool) {
	switch v := literalValue(e).(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	case uint64:
		return float64(v), true
	}
	return 0, false
}

// aggregateNames maps SQL's aggregate names (lower case) to functions.
var aggregateNames = map[string]AggFunc{
	"count": AggCount, "sum": AggSum, "avg": AggAvg, "mean": AggAvg, "min": AggMin, "max": AggMax,
	"stddev": AggStddev, "std": AggStddev, "stddev_samp": AggStddevSamp, "stddev_pop": AggStddevPop,
	"variance": AggVariance, "var_samp": AggVarSamp, "var_pop": AggVarPop,
	"first": AggFirst, "first_value": AggFirst, "last": AggLast, "last_value": AggLast,
	"collect_list": AggCollectList, "collect_set": AggCollectSet,
	"approx_count_distinct": AggApproxCountDistinct,
	"percentile_approx":     AggPercentileApprox, "approx_percentile": AggPercentileApprox,
}

// LookupAggregate returns the aggregate function Spark's SQL calls name
// (case-insensitive), aliases included: mean is avg, std is stddev,
// first_value is first, approx_percentile is percentile_approx. Build the
// call with CallAggregate, which also places constant arguments.
func LookupAggregate(name string) (AggFunc, bool) {
	f, ok := aggregateNames[strings.ToLower(name)]
	return f, ok
}

// AggregateNames returns the names LookupAggregate knows, sorted.
func AggregateNames() []string {
	names := make([]string, 0, len(aggregateNames))
	for n := range aggregateNames {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// CallAggregate builds the aggregate name(args…) as SQL writes it, or
// name(DISTINCT args…) when distinct: the first argument is the column
// (none for count(*)), the further ones are columns for
// count(DISTINCT a, b, …) and constant parameters otherwise (see
// AggExpr.Params). The result is unresolved and unnamed: NewAggregate
// checks it and names it as Spark does.
func CallAggregate(name string, distinct bool, args ...Expr) (AggExpr, error) {
	fn, ok := LookupAggregate(name)
	if !ok {
		return AggExpr{}, typeError("unknown aggregate function %q (aggregates: %s)", name, strings.Join(AggregateNames(), ", "))
	}
	a := AggExpr{Func: fn, Distinct: distinct}
	if len(args) == 0 {
		if fn != AggCount || distinct {
			return AggExpr{}, typeError("%s needs an argument", name)
		}
		return a, nil
	}
	a.Arg = args[0]
	if fn == AggCount {
		if !distinct && len(args) > 1 {
			return AggExpr{}, typeError("count takes one argument (count(DISTINCT a, b) takes several)")
		}
		a.More = args[1:]
		return a, nil
	}
	a.Params = args[1:]
	return a, nil
}
