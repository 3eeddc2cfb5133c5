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
	n := s.Len()
	switch s.Type() {
	case series.Int:
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.Reserve(n)
		for i := range n {
			e := s.Elem(i)
			if e.IsNA() {
				b.AppendNull()
				continue
			}
			v, err := e.Int()
			if err != nil {
				return nil, fmt.Errorf("row %d: %w", i, err)
			}
			b.Append(int64(v))
		}
		return b.NewArray(), nil
	case series.Float:
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.Reserve(n)
		for i := range n {
			e := s.Elem(i)
			if e.IsNA() { // gota's NA for floats is NaN
				b.AppendNull()
				continue
			}
			b.Append(e.Float())
		}
		return b.NewArray(), nil
	case series.String:
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.Reserve(n)
		for i := range n {
			e := s.Elem(i)
			if e.IsNA() {
				b.AppendNull()
				continue
			}
			b.Append(e.String())
		}
		return b.NewArray(), nil
	case series.Bool:
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		b.Reserve(n)
		for i := range n {
			e := s.Elem(i)
			if e.IsNA() {
				b.AppendNull()
				continue
			}
			v, err := e.Bool()
			if err != nil {
				return nil, fmt.Errorf("row %d: %w", i, err)
			}
			b.Append(v)
		}
		return b.NewArray(), nil
	}
	return nil, fmt.Errorf("%w: gota series type %q", ErrUnsupportedType, s.Type())
}
