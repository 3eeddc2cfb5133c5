package gotaconv

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/frame"
	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
)

// ErrUnsupportedType is wrapped by the errors of FromGota and ToGota for a
// column whose type has no counterpart on the other side.
var ErrUnsupportedType = errors.New("gotaconv: unsupported column type")

// ToGota runs df (as Collect does) and copies its rows into a new gota
// DataFrame, partitions in order. int8…int64 and uint8…uint32 columns
// become series.Int, float32 and float64 series.Float, string
// series.String and boolean series.Bool; NULLs become NA, and so do a
// float NaN and the string "NaN", which gota cannot hold as values (see
// the package comment). Integers assume gota's int is 64 bits wide. All
// Arrow memory the job produced is released before ToGota returns.
//
// A column of any other type (uint64, timestamps, lists, …) is an error
// wrapping ErrUnsupportedType that names the column and its type: cast it
// first (frame.Col(name).Cast(...)) or drop it. A DataFrame with no
// columns, or with two columns of one name, is an error too, as gota
// cannot hold it as it is. An error df holds, or one its job meets, is
// returned wrapped.
func ToGota(ctx context.Context, df *frame.DataFrame) (dataframe.DataFrame, error) {
	tbl, err := df.Collect(ctx)
	if err != nil {
		return dataframe.DataFrame{}, fmt.Errorf("gotaconv: ToGota: %w", err)
	}
	defer tbl.Release()
	schema := tbl.Schema()
	if schema.NumFields() == 0 {
		return dataframe.DataFrame{}, errors.New("gotaconv: ToGota: the DataFrame has no columns, which a gota DataFrame cannot hold")
	}
	seen := make(map[string]bool, schema.NumFields())
	cols := make([]series.Series, schema.NumFields())
	for i, f := range schema.Fields() {
		if seen[f.Name] {
			return dataframe.DataFrame{}, fmt.Errorf("gotaconv: ToGota: column name %q appears twice; gota would rename it", f.Name)
		}
		seen[f.Name] = true
		s, err := toSeries(f.Name, tbl.Column(i).Data())
		if err != nil {
			return dataframe.DataFrame{}, fmt.Errorf("gotaconv: ToGota: column %q: %w", f.Name, err)
		}
		cols[i] = s
	}
	out := dataframe.New(cols...)
	if out.Err != nil {
		return dataframe.DataFrame{}, fmt.Errorf("gotaconv: ToGota: %w", out.Err)
	}
	return out, nil
}

// toSeries copies col into a gota series; the series keeps no reference
// to Arrow memory.
func toSeries(name string, col *arrow.Chunked) (series.Series, error) {
	switch col.DataType().ID() {
	case arrow.INT8:
		return gather(name, series.Int, col, func(a *array.Int8, i int) int { return int(a.Value(i)) }), nil
	case arrow.INT16:
		return gather(name, series.Int, col, func(a *array.Int16, i int) int { return int(a.Value(i)) }), nil
	case arrow.INT32:
		return gather(name, series.Int, col, func(a *array.Int32, i int) int { return int(a.Value(i)) }), nil
	case arrow.INT64:
		return gather(name, series.Int, col, func(a *array.Int64, i int) int { return int(a.Value(i)) }), nil
	case arrow.UINT8:
		return gather(name, series.Int, col, func(a *array.Uint8, i int) int { return int(a.Value(i)) }), nil
	case arrow.UINT16:
		return gather(name, series.Int, col, func(a *array.Uint16, i int) int { return int(a.Value(i)) }), nil
	case arrow.UINT32:
		return gather(name, series.Int, col, func(a *array.Uint32, i int) int { return int(a.Value(i)) }), nil
	case arrow.FLOAT32:
		return gather(name, series.Float, col, func(a *array.Float32, i int) float64 { return float64(a.Value(i)) }), nil
	case arrow.FLOAT64:
		return gather(name, series.Float, col, func(a *array.Float64, i int) float64 { return a.Value(i) }), nil
	case arrow.STRING:
		// Value aliases the Arrow buffer, which is released on return.
		return gather(name, series.String, col, func(a *array.String, i int) string { return strings.Clone(a.Value(i)) }), nil
	case arrow.BOOL:
		return gather(name, series.Bool, col, func(a *array.Boolean, i int) bool { return a.Value(i) }), nil
	}
	return series.Series{}, fmt.Errorf("%w: %s (gota holds int, float, string and bool)", ErrUnsupportedType, col.DataType())
}

// gather reads every value of col with value. Without NULLs it builds the
// series from a typed slice; with NULLs from a []any holding nil for each
// NULL, which gota's constructor turns into NA.
func gather[A arrow.Array, T int | float64 | string | bool](name string, typ series.Type, col *arrow.Chunked, value func(A, int) T) series.Series {
	if col.NullN() == 0 {
		vals := make([]T, 0, col.Len())
		for _, c := range col.Chunks() {
			a := c.(A)
			for i := range a.Len() {
				vals = append(vals, value(a, i))
			}
		}
		return series.New(vals, typ, name)
	}
	vals := make([]any, 0, col.Len())
	for _, c := range col.Chunks() {
		a := c.(A)
		for i := range a.Len() {
			if a.IsNull(i) {
				vals = append(vals, nil)
			} else {
				vals = append(vals, value(a, i))
			}
		}
	}
	return series.New(vals, typ, name)
}
