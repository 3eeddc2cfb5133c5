package gotaconv

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
)

// FromGota copies df into a single-partition DataFrame of sess, in
// memory from the session's allocator. Columns
// keep their names and order; series.Int becomes int64, series.Float
// float64, series.String string and series.Bool boolean, every field
// nullable, and NA elements (including float NaNs) become NULLs.
//
// The Session holds the copied batch until sess.Close; df is not
// referenced afterwards.
//
// If df holds an error (df.Err), FromGota returns it wrapped, and a nil
// DataFrame; so it does if two columns of df share a name. The
// conversion runs now, not lazily, so its error is returned at once rather than stuck to the DataFrame as frame's file
// readers do.
func FromGota(sess *frame.Session, df dataframe.DataFrame) (*frame.DataFrame, error) {
	if df.Err != nil {
		return nil, fmt.Errorf("gotaconv: FromGota: gota DataFrame holds an error: %w", df.Err)
	}
	cfg := struct{ mem memory.Allocator }{mem: sess.Allocator()}
	names := df.Names()
	fields := make([]arrow.Field, len(names))
	cols := make([]arrow.Array, 0, len(names))
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	seen := make(map[string]bool, len(names))
	for i, name := range names {
		// gota's Rename can leave two columns of one name, which Col
		// cannot tell apart and ember's Col would find ambiguous.
		if seen[name] {
			return nil, fmt.Errorf("gotaconv: FromGota: column name %q appears twice", name)
		}
		seen[name] = true
		s := df.Col(name)
		col, err := fromSeries(cfg.mem, s)
		if err != nil {
			return nil, fmt.Errorf("gotaconv: FromGota: column %d (%q): %w", i, name, err)
		}
		cols = append(cols, col)
		fields[i] = arrow.Field{Name: name, Type: col.DataType(), Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	rec := array.NewRecordBatch(schema, cols, int64(df.Nrow()))
	defer rec.Release()
	out := sess.CreateDataFrame(schema, []arrow.RecordBatch{rec})
	if err := out.Err(); err != nil {
		return nil, fmt.Errorf("gotaconv: FromGota: %w", err)
	}
	return out, nil
}

// fromSeries copies s into a new Arrow array the caller releases.
func fromSeries(mem memory.Allocator, s series.Series) (arrow.Array, error) {
	switch s.Type() {
	case series.Int:
		return copySeries(array.NewInt64Builder(mem), s, func(e series.Element) (int64, error) {
			v, err := e.Int()
			return int64(v), err
		})
	case series.Float: // gota's NA for floats is NaN, which IsNA reports
		return copySeries(array.NewFloat64Builder(mem), s, func(e series.Element) (float64, error) { return e.Float(), nil })
	case series.String:
		return copySeries(array.NewStringBuilder(mem), s, func(e series.Element) (string, error) { return e.String(), nil })
	case series.Bool:
		return copySeries(array.NewBooleanBuilder(mem), s, series.Element.Bool)
	}
	return nil, fmt.Errorf("%w: gota series type %q", ErrUnsupportedType, s.Type())
}

// copySeries appends every element of s to b (NA as NULL) and returns the
// array; it releases b.
func copySeries[T any, B interface {
	array.Builder
	Append(T)
}](b B, s series.Series, value func(series.Element) (T, error)) (arrow.Array, error) {
	defer b.Release()
	b.Reserve(s.Len())
	for i := range s.Len() {
		e := s.Elem(i)
		if e.IsNA() {
			b.AppendNull()
			continue
		}
		v, err := value(e)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		b.Append(v)
	}
	return b.NewArray(), nil
}
