package plan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// AggFunc is an aggregate function.
type AggFunc int

// The aggregate functions. Count counts non-NULL values (all rows when its
// argument is nil, as count(*)); the others skip NULLs and give NULL for a
// group with no values, except where said. Their Spark semantics, and
// where ember's differ, are in docs/functions.md (Aggregates).
const (
	AggCount AggFunc = iota
	AggSum
	AggAvg
	AggMin
	AggMax
	// AggStddev and AggStddevSamp are the sample standard deviation,
	// AggStddevPop the population one; AggVariance and AggVarSamp the
	// sample variance, AggVarPop the population one. All are float64,
	// NULL over no values, and the sample ones NULL over one value (Spark
	// 3.1+, spark.sql.legacy.statisticalAggregate=false).
	AggStddev
	AggStddevSamp
	AggStddevPop
	AggVariance
	AggVarSamp
	AggVarPop
	// AggFirst and AggLast are the first and the last value of the group
	// in input order (input partition by input partition, rows in order
	// within each), NULLs included unless the aggregate's ignoreNulls
	// parameter is true.
	AggFirst
	AggLast
	// AggCollectList gathers the non-NULL values into a list in input
	// order; AggCollectSet the distinct ones, in the order they first
	// appear. A group with no values gets an empty list, not NULL.
	AggCollectList
	AggCollectSet
	// AggApproxCountDistinct estimates the number of distinct non-NULL
	// values with a HyperLogLog sketch (int64, 0 over no values).
	AggApproxCountDistinct
	// AggPercentileApprox is an approximate percentile (or a list of
	// them) of the non-NULL values, from a Greenwald-Khanna summary.
	AggPercentileApprox
)

var aggFuncNames = [...]string{"count", "sum", "avg", "min", "max",
	"stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop",
	"first", "last", "collect_list", "collect_set", "approx_count_distinct", "percentile_approx"}

func (f AggFunc) String() string {
	if f < 0 || int(f) >= len(aggFuncNames) {
		return fmt.Sprintf("AggFunc(%d)", int(f))
	}
	return aggFuncNames[f]
}

// AggExpr is one aggregate: Func over Arg, producing the column Name.
//
// Distinct makes it aggregate each distinct value (each distinct row of
// Arg and More) once, as count(DISTINCT a, b) and sum(DISTINCT a); the
// executor plans such aggregates as two aggregations, the first one
// grouping by the keys and the distinct columns (see
// RewriteDistinctAggregates). More holds the columns after the first of
// count(DISTINCT a, b, …) and nothing else.
//
// Params are the constant arguments that follow the column, as in Spark's
// SQL: first(x, ignoreNulls), last(x, ignoreNulls),
// approx_count_distinct(x, rsd), percentile_approx(x, percentage,
// accuracy) with percentage a number or array(…) of numbers. Each is a
// literal (an array(…) call of literals for percentages); CallAggregate
// builds an AggExpr from SQL-style arguments.
type AggExpr struct {
	Func     AggFunc
	Arg      Expr // nil only for count(*)
	Name     string
	Distinct bool
	More     []Expr
	Params   []Expr
	typ      arrow.DataType
	opts     aggOptions
}

// Type is the result type of a resolved aggregate.
func (a AggExpr) Type() arrow.DataType { return a.typ }

// Columns returns the column arguments: Arg (when not nil) then More.
func (a AggExpr) Columns() []Expr {
	if a.Arg == nil {
		return nil
	}
	return append([]Expr{a.Arg}, a.More...)
}

func (a AggExpr) String() string {
	s := a.call(func(e Expr) string { return e.String() })
	if a.Name != s {
		s += " AS " + a.Name
	}
	return s
}

// call renders the call with its arguments rendered by arg.
func (a AggExpr) call(arg func(Expr) string) string {
	if a.Arg == nil {
		return fmt.Sprintf("%s(*)", a.Func)
	}
	var args []string
	for _, c := range a.Columns() {
		args = append(args, arg(c))
	}
	list := strings.Join(args, ", ")
	if a.Distinct {
		list = "DISTINCT " + list
	}
	switch a.Func {
	case AggPercentileApprox:
		// Spark names percentile_approx(x, 0.5, 10000) with its accuracy.
		for i, p := range a.Params {
			if i < 2 {
				list += ", " + p.String()
			}
		}
		if len(a.Params) == 1 {
			list += fmt.Sprintf(", %d", DefaultPercentileAccuracy)
		}
	case AggApproxCountDistinct:
		// Spark's column name leaves out rsd.
	}
	return fmt.Sprintf("%s(%s)", a.Func, list)
}

// DefaultName is Spark's name for the aggregate's column: "count",
// "sum(x)", "avg(x)", "count(DISTINCT x)", "percentile_approx(x, 0.5, 10000)".
func (a AggExpr) DefaultName() string {
	if a.Arg == nil {
		return "count"
	}
	return a.call(OutputName)
}

func (a AggExpr) resolve(in *arrow.Schema) (AggExpr, error) {
	out := a
	if out.Name == "" {
		out.Name = a.DefaultName()
	}
	if a.Arg == nil {
		if a.Func != AggCount || a.Distinct || len(a.More) > 0 {
			return AggExpr{}, typeError("%s needs an argument", a.Func)
		}
		out.typ = arrow.PrimitiveTypes.Int64
		return out, nil
	}
	if len(a.More) > 0 && !(a.Func == AggCount && a.Distinct) {
		return AggExpr{}, typeError("%s takes one column; only count(DISTINCT …) takes several", a.Func)
	}
	arg, err := a.Arg.Resolve(in)
	if err != nil {
		return AggExpr{}, err
	}
	out.Arg = arg
	if out.More, err = resolveAll(a.More, in); err != nil {
		return AggExpr{}, err
	}
	if a.Distinct {
		if a.Func == AggFirst || a.Func == AggLast {
			return AggExpr{}, typeError("%s(DISTINCT …) is not supported: the first or last of the distinct values is the first or last value", a.Func)
		}
		for _, c := range out.Columns() {
			if !Hashable(c.Type()) {
				return AggExpr{}, typeError("%s(DISTINCT %s): cannot compare values of type %s", a.Func, c, c.Type())
			}
		}
	}
	if out.opts, err = resolveParams(a.Func, a.Params); err != nil {
		return AggExpr{}, err
	}
	t := arg.Type()
	switch a.Func {
	case AggCount:
		out.typ = arrow.PrimitiveTypes.Int64
	case AggSum:
		switch {
		case isInteger(t):
			out.typ = arrow.PrimitiveTypes.Int64
		case isFloat(t):
			out.typ = arrow.PrimitiveTypes.Float64
		default:
			return AggExpr{}, typeError("sum(%s): %s is not numeric", arg, t)
		}
	case AggAvg, AggStddev, AggStddevSamp, AggStddevPop, AggVariance, AggVarSamp, AggVarPop:
		if !IsNumeric(t) {
			return AggExpr{}, typeError("%s(%s): %s is not numeric", a.Func, arg, t)
		}
		out.typ = arrow.PrimitiveTypes.Float64
	case AggMin, AggMax:
		if !orderable(t) || t.ID() == arrow.BINARY || t.ID() == arrow.NULL {
			return AggExpr{}, typeError("%s(%s): cannot compare values of type %s", a.Func, arg, t)
		}
		out.typ = t
	case AggFirst, AggLast, AggCollectList:
		if !copyable(t) {
			return AggExpr{}, typeError("%s(%s): values of type %s are not supported", a.Func, arg, t)
		}
		out.typ = t
		if a.Func == AggCollectList {
			out.typ = arrow.ListOf(t)
		}
	case AggCollectSet:
		if !Hashable(t) || t.ID() == arrow.NULL {
			return AggExpr{}, typeError("collect_set(%s): cannot compare values of type %s", arg, t)
		}
		out.typ = arrow.ListOf(t)
	case AggApproxCountDistinct:
		if !Hashable(t) {
			return AggExpr{}, typeError("approx_count_distinct(%s): cannot hash values of type %s", arg, t)
		}
		out.typ = arrow.PrimitiveTypes.Int64
	case AggPercentileApprox:
		switch {
		case IsNumeric(t), t.ID() == arrow.DATE32, t.ID() == arrow.TIMESTAMP:
		default:
			return AggExpr{}, typeError("percentile_approx(%s): %s is not numeric, a date or a timestamp", arg, t)
		}
		out.typ = t
		if out.opts.percentArray {
			out.typ = arrow.ListOf(t)
		}
	default:
		return AggExpr{}, typeError("unknown aggregate function %s", a.Func)
	}
	return out, nil
}

// nullable reports whether the aggregate's column may hold NULLs: count,
// approx_count_distinct and the collect functions never do.
func (a AggExpr) nullable() bool {
	switch a.Func {
	case AggCount, AggApproxCountDistinct, AggCollectList, AggCollectSet:
		return false
	}
	return true
}

// copyable reports whether first, last and collect_list can hold values
// of type t: the types the executor copies value by value (those it can
// group by, and lists of them).
func copyable(t arrow.DataType) bool {
	if l, ok := t.(*arrow.ListType); ok {
		return copyable(l.Elem())
	}
	return Hashable(t)
}

// Aggregate groups rows by Keys and computes Aggs per group. The output has
// the key columns, then one column per aggregate. With no keys it yields
// exactly one row.
type Aggregate struct {
	Input  Node
	Keys   []Expr
	Aggs   []AggExpr
	schema *arrow.Schema
}

// NewAggregate resolves keys and aggregates against the input's schema.
func NewAggregate(input Node, keys []Expr, aggs []AggExpr) (*Aggregate, error) {
	rk, err := resolveAll(keys, input.Schema())
	if err != nil {
		return nil, err
	}
	for _, k := range rk {
		if !Hashable(k.Type()) {
			return nil, typeError("cannot group by %s of type %s", k, k.Type())
		}
	}
	ra := make([]AggExpr, len(aggs))
	fields := make([]arrow.Field, 0, len(keys)+len(aggs))
	for _, k := range rk {
		fields = append(fields, Field(k))
	}
	for i, a := range aggs {
		if ra[i], err = a.resolve(input.Schema()); err != nil {
			return nil, err
		}
		fields = append(fields, arrow.Field{Name: ra[i].Name, Type: ra[i].typ, Nullable: ra[i].nullable()})
	}
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f.Name] {
			return nil, typeError("aggregate: duplicate column name %q", f.Name)
		}
		seen[f.Name] = true
	}
	return &Aggregate{Input: input, Keys: rk, Aggs: ra, schema: arrow.NewSchema(fields, nil)}, nil
}

func (a *Aggregate) Schema() *arrow.Schema { return a.schema }
func (a *Aggregate) Children() []Node      { return []Node{a.Input} }
func (a *Aggregate) String() string {
	parts := make([]string, len(a.Aggs))
	for i, x := range a.Aggs {
		parts[i] = x.String()
	}
	return fmt.Sprintf("Aggregate keys=%s aggs=[%s]", FormatExprs(a.Keys), strings.Join(parts, ", "))
}
func (a *Aggregate) WithChildren(c []Node) (Node, error) {
	if sameSchema(a.Input.Schema(), c[0].Schema()) {
		return &Aggregate{Input: c[0], Keys: a.Keys, Aggs: a.Aggs, schema: a.schema}, nil
	}
	return NewAggregate(c[0], a.Keys, a.Aggs)
}

// Distinct keeps one copy of each distinct row. NULLs compare equal to each
// other, as in SQL's DISTINCT.
type Distinct struct {
	Input Node
}

// NewDistinct checks that every column of input can be compared.
func NewDistinct(input Node) (*Distinct, error) {
	for _, f := range input.Schema().Fields() {
		if !Hashable(f.Type) {
			return nil, typeError("distinct: cannot compare column %s of type %s", f.Name, f.Type)
		}
	}
	return &Distinct{Input: input}, nil
}

func (d *Distinct) Schema() *arrow.Schema { return d.Input.Schema() }
func (d *Distinct) Children() []Node      { return []Node{d.Input} }
func (d *Distinct) String() string        { return "Distinct" }
func (d *Distinct) WithChildren(c []Node) (Node, error) {
	if sameSchema(d.Input.Schema(), c[0].Schema()) {
		return &Distinct{Input: c[0]}, nil
	}
	return NewDistinct(c[0])
}
