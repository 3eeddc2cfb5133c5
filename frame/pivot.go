package frame

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ember-df/ember/plan"
)

// PivotMaxValues bounds the distinct values Pivot finds when none are
// given, as Spark's spark.sql.pivotMaxValues (10000): more is an error.
const PivotMaxValues = 10000

// PivotedData is a GroupedData pivoted on a column, waiting for its
// aggregates: each value of the pivot column becomes a column of the
// result.
type PivotedData struct {
	g      *GroupedData
	col    string
	values []pivotValue
	err    error
}

// pivotValue is one value of the pivot column and the name of its column.
type pivotValue struct {
	value any // a Go value plan.Lit takes, nil for NULL
	name  string
}

// Pivot turns the distinct values of the column col into columns, as
// Spark's pivot: after Agg each group has one row, and for each value v
// and aggregate a the column holds a over the group's rows whose col is v
// (NULL when the group has no such row — also for Count, as in Spark).
// values are Go values (nil for NULL) compared with col after a cast to
// its type, in the order of the result's columns. Without values, Pivot
// runs a job at once, as Spark does, to find col's distinct values, NULL
// included, sorted ascending with NULL first; more than PivotMaxValues is
// an error. That job cannot be cancelled: give the values to control it.
// Errors stick to the result and surface on its DataFrame.
func (g *GroupedData) Pivot(col string, values ...any) *PivotedData {
	p := &PivotedData{g: g, col: col}
	schema := g.df.Schema()
	if schema == nil {
		p.err = g.df.failure()
		return p
	}
	if len(schema.FieldIndices(col)) == 0 {
		p.err = fmt.Errorf("frame: Pivot: no column %q (columns: %s)", col, strings.Join(g.df.Columns(), ", "))
		return p
	}
	if len(values) > 0 {
		for _, v := range values {
			if t, ok := v.(time.Time); ok {
				v = t.UTC()
			}
			p.values = append(p.values, pivotValue{value: v, name: pivotName(v)})
		}
		return p
	}
	p.values, p.err = g.distinctValues(context.Background(), col)
	return p
}

// distinctValues runs the job finding col's distinct values, sorted.
func (g *GroupedData) distinctValues(ctx context.Context, col string) ([]pivotValue, error) {
	tbl, err := g.df.Select(col).Distinct().OrderBy(Col(col).Asc()).Limit(PivotMaxValues + 1).Collect(ctx)
	if err != nil {
		return nil, fmt.Errorf("frame: Pivot(%q): finding its values: %w", col, err)
	}
	defer tbl.Release()
	if tbl.NumRows() > PivotMaxValues {
		return nil, fmt.Errorf("frame: Pivot(%q): more than %d distinct values: give the values to pivot on", col, PivotMaxValues)
	}
	var out []pivotValue
	for _, chunk := range tbl.Column(0).Data().Chunks() {
		for i := range chunk.Len() {
			name := "null"
			if !chunk.IsNull(i) {
				name = CellString(chunk, i)
			}
			out = append(out, pivotValue{value: goValue(chunk, i), name: name})
		}
	}
	return out, nil
}

// pivotName is the column name of a given pivot value, as Spark prints
// the literal.
func pivotName(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case float64:
		return formatFloat(v, 64)
	case float32:
		return formatFloat(float64(v), 32)
	case time.Time:
		if v.Hour() == 0 && v.Minute() == 0 && v.Second() == 0 && v.Nanosecond() == 0 {
			return v.Format(time.DateOnly)
		}
		return v.Format("2006-01-02 15:04:05.999999")
	}
	return fmt.Sprint(v)
}

// Agg computes the aggregates per group and pivot value: the group's key
// columns, then for each pivot value (in order) one column per aggregate,
// named by the value alone when there is one aggregate, else
// "value_aggregate" (the aggregate's name, as Agg names it, or its As).
//
// As Spark, it aggregates by the keys and the pivot column first, then
// spreads each group's rows across the value columns.
func (p *PivotedData) Agg(aggs ...Aggregation) *DataFrame {
	df := p.g.df
	if p.err != nil {
		return &DataFrame{sess: df.sess, err: p.err}
	}
	if len(aggs) == 0 {
		return &DataFrame{sess: df.sess, err: fmt.Errorf("frame: Pivot(%q).Agg: no aggregates", p.col)}
	}
	for i, a := range aggs {
		if !a.set {
			return &DataFrame{sess: df.sess, err: fmt.Errorf("frame: Pivot(%q).Agg: aggregate %d is an empty Aggregation (Aggregation{})", p.col, i+1)}
		}
	}
	// The aggregates' names as Agg gives them.
	aggNames := (&GroupedData{df: df}).Agg(aggs...).Columns()
	if err := df.failure(); err != nil || aggNames == nil {
		return (&GroupedData{df: df}).Agg(aggs...) // its error
	}
	pivotType := df.Schema().Field(df.Schema().FieldIndices(p.col)[0]).Type

	// Phase 1: by keys and the pivot column.
	inner := make([]Aggregation, len(aggs))
	for i, a := range aggs {
		inner[i] = a.As(fmt.Sprintf("__pivot_agg_%d", i))
	}
	keys := append(slices.Clone(p.g.keys), plan.Expr(&plan.Alias{Child: plan.Col(p.col), Name: "__pivot_value"}))
	byValue := (&GroupedData{df: df, keys: keys}).Agg(inner...)
	schema := byValue.Schema()
	if schema == nil {
		return byValue
	}
	nkeys := len(p.g.keys)
	outerKeys := make([]any, nkeys)
	for i := range nkeys {
		outerKeys[i] = schema.Field(i).Name
	}

	// Phase 2: by keys, one column per value and aggregate.
	var outer []Aggregation
	for _, v := range p.values {
		// NULL is a pivot value of its own: it matches NULL only.
		match := Col("__pivot_value").IsNull()
		if v.value != nil {
			match = Col("__pivot_value").Eq(Lit(v.value).Cast(pivotType))
		}
		for i := range aggs {
			name := v.name
			if len(aggs) > 1 {
				name = v.name + "_" + aggNames[i]
			}
			outer = append(outer, First(When(match, Col(fmt.Sprintf("__pivot_agg_%d", i))).End(), true).As(name))
		}
	}
	if len(outer) == 0 { // no values: the keys alone
		return byValue.Select(outerKeys...).Distinct()
	}
	res := byValue.GroupBy(outerKeys...).Agg(outer...)
	if err := res.failure(); err != nil {
		return &DataFrame{sess: df.sess, err: fmt.Errorf("frame: Pivot(%q): %w", p.col, err)}
	}
	return res
}

// Count counts each group's rows per pivot value (NULL, as in Spark, for
// a value the group has no row of).
func (p *PivotedData) Count() *DataFrame { return p.Agg(Count("*")) }

// Sum adds the named columns per group and pivot value; with none, every
// numeric column that is neither a key nor the pivot column.
func (p *PivotedData) Sum(cols ...string) *DataFrame { return p.each(Sum, cols) }

// Avg is the mean of the named columns per group and pivot value; with
// none, of every numeric column that is neither a key nor the pivot
// column.
func (p *PivotedData) Avg(cols ...string) *DataFrame { return p.each(Avg, cols) }

// Mean is Avg.
func (p *PivotedData) Mean(cols ...string) *DataFrame { return p.Avg(cols...) }

// Min is the smallest value of the named columns per group and pivot
// value; with none, of every numeric column that is neither a key nor the
// pivot column.
func (p *PivotedData) Min(cols ...string) *DataFrame { return p.each(Min, cols) }

// Max is the largest value of the named columns per group and pivot
// value; with none, of every numeric column that is neither a key nor the
// pivot column.
func (p *PivotedData) Max(cols ...string) *DataFrame { return p.each(Max, cols) }

// each applies agg to cols, or to the numeric columns that are not keys
// or the pivot column.
func (p *PivotedData) each(agg func(col any) Aggregation, cols []string) *DataFrame {
	if len(cols) == 0 && p.err == nil {
		if schema := p.g.df.Schema(); schema != nil {
			skip := map[string]bool{p.col: true}
			for _, k := range p.g.keys {
				if c, ok := k.(*plan.Column); ok {
					skip[c.Name] = true
				}
			}
			for _, f := range schema.Fields() {
				if isNumeric(f.Type) && !skip[f.Name] {
					cols = append(cols, f.Name)
				}
			}
		}
	}
	aggs := make([]Aggregation, len(cols))
	for i, c := range cols {
		aggs[i] = agg(c)
	}
	return p.Agg(aggs...)
}
