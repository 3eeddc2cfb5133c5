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
// group with no values.
const (
	AggCount AggFunc = iota
	AggSum
	AggAvg
	AggMin
	AggMax
)

func (f AggFunc) String() string { return [...]string{"count", "sum", "avg", "min", "max"}[f] }

// AggExpr is one aggregate: Func over Arg, producing the column Name.
type AggExpr struct {
	Func AggFunc
	Arg  Expr // nil only for count(*)
	Name string
	typ  arrow.DataType
}

// Type is the result type of a resolved aggregate.
func (a AggExpr) Type() arrow.DataType { return a.typ }

func (a AggExpr) String() string {
	arg := "*"
	if a.Arg != nil {
		arg = a.Arg.String()
	}
	s := fmt.Sprintf("%s(%s)", a.Func, arg)
	if a.Name != s {
		s += " AS " + a.Name
	}
	return s
}

// DefaultName is Spark's name for the aggregate's column: "count",
// "sum(x)", "avg(x)".
func (a AggExpr) DefaultName() string {
	if a.Arg == nil {
		return "count"
	}
	return fmt.Sprintf("%s(%s)", a.Func, OutputName(a.Arg))
}

func (a AggExpr) resolve(in *arrow.Schema) (AggExpr, error) {
	out := a
	if out.Name == "" {
		out.Name = a.DefaultName()
	}
	if a.Arg == nil {
		if a.Func != AggCount {
			return AggExpr{}, typeError("%s needs an argument", a.Func)
		}
		out.typ = arrow.PrimitiveTypes.Int64
		return out, nil
	}
	arg, err := a.Arg.Resolve(in)
	if err != nil {
		return AggExpr{}, err
	}
	out.Arg = arg
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
	case AggAvg:
		if !IsNumeric(t) {
			return AggExpr{}, typeError("avg(%s): %s is not numeric", arg, t)
		}
		out.typ = arrow.PrimitiveTypes.Float64
	case AggMin, AggMax:
		if !orderable(t) || t.ID() == arrow.BINARY || t.ID() == arrow.NULL {
			return AggExpr{}, typeError("%s(%s): cannot compare values of type %s", a.Func, arg, t)
		}
		out.typ = t
	}
	return out, nil
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
		fields = append(fields, arrow.Field{Name: ra[i].Name, Type: ra[i].typ, Nullable: ra[i].Func != AggCount})
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
