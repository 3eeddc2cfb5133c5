package gotaconv_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/gotaconv"
	"github.com/go-gota/gota/series"
)

func TestToGotaTypes(t *testing.T) {
	cases := []struct {
		typ    arrow.DataType
		input  string // the column as JSON values
		want   series.Type
		values []any // gota's Val of each element
	}{
		{arrow.PrimitiveTypes.Int8, `-128, null, 127`, series.Int, []any{-128, nil, 127}},
		{arrow.PrimitiveTypes.Int16, `-32768, null, 32767`, series.Int, []any{-32768, nil, 32767}},
		{arrow.PrimitiveTypes.Int32, `-2147483648, null, 2147483647`, series.Int, []any{-2147483648, nil, 2147483647}},
		{arrow.PrimitiveTypes.Int64, `-9223372036854775808, null, 9223372036854775807`, series.Int, []any{-9223372036854775808, nil, 9223372036854775807}},
		{arrow.PrimitiveTypes.Uint8, `0, null, 255`, series.Int, []any{0, nil, 255}},
		{arrow.PrimitiveTypes.Uint16, `0, null, 65535`, series.Int, []any{0, nil, 65535}},
		{arrow.PrimitiveTypes.Uint32, `0, null, 4294967295`, series.Int, []any{0, nil, 4294967295}},
		{arrow.PrimitiveTypes.Float32, `1.5, null, -0.25`, series.Float, []any{1.5, nil, -0.25}},
		{arrow.PrimitiveTypes.Float64, `1.5, null, 1e300`, series.Float, []any{1.5, nil, 1e300}},
		{arrow.BinaryTypes.String, `"a", null, ""`, series.String, []any{"a", nil, ""}},
		{arrow.FixedWidthTypes.Boolean, `true, null, false`, series.Bool, []any{true, nil, false}},
		// Without NULLs ToGota takes gota's typed constructors.
		{arrow.PrimitiveTypes.Int64, `1, 2`, series.Int, []any{1, 2}},
		{arrow.PrimitiveTypes.Float64, `1, 2.5`, series.Float, []any{1.0, 2.5}},
		{arrow.BinaryTypes.String, `"x", "y"`, series.String, []any{"x", "y"}},
		{arrow.FixedWidthTypes.Boolean, `false, true`, series.Bool, []any{false, true}},
		{arrow.PrimitiveTypes.Int64, ``, series.Int, []any{}},
	}
	for _, c := range cases {
		t.Run(c.typ.String()+"/"+c.input, func(t *testing.T) {
			sess, mem := newSession(t)
			schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: c.typ, Nullable: true}}, nil)
			rows := jsonRows("x", c.input)
			df := fromJSON(t, sess, mem, schema, rows)
			g, err := gotaconv.ToGota(context.Background(), df)
			if err != nil {
				t.Fatal(err)
			}
			if g.Ncol() != 1 || g.Nrow() != len(c.values) {
				t.Fatalf("dims = %d×%d, want %d×1", g.Nrow(), g.Ncol(), len(c.values))
			}
			s := g.Col("x")
			if s.Type() != c.want {
				t.Errorf("type = %s, want %s", s.Type(), c.want)
			}
			if got := values(s); !slices.Equal(got, c.values) {
				t.Errorf("values = %#v, want %#v", got, c.values)
			}
		})
	}
}

// jsonRows turns comma-separated JSON values into rows of one column.
func jsonRows(col, vals string) string {
	if vals == "" {
		return "[]"
	}
	var rows []string
	for v := range strings.SplitSeq(vals, ",") {
		rows = append(rows, `{"`+col+`":`+strings.TrimSpace(v)+`}`)
	}
	return "[" + strings.Join(rows, ",") + "]"
}

// TestToGotaPartitions checks that rows come back in partition order,
// with NULLs in only some of the chunks, at batch sizes that cut the
// partitions into several chunks.
func TestToGotaPartitions(t *testing.T) {
	for _, rows := range []int{1, 2, 0} {
		t.Run(fmt.Sprintf("batch=%d", rows), func(t *testing.T) {
			sess, mem := newSession(t, frame.WithBatchSize(rows, 0), frame.WithParallelism(3))
			schema := arrow.NewSchema([]arrow.Field{
				{Name: "id", Type: arrow.PrimitiveTypes.Int32},
				{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
			}, nil)
			df := fromJSON(t, sess, mem, schema,
				`[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]`,
				`[{"id": 3, "name": null}, {"id": 4, "name": "d"}, {"id": 5, "name": "e"}]`,
				`[]`,
				`[{"id": 6, "name": "f"}]`,
			)
			g, err := gotaconv.ToGota(context.Background(), df)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := values(g.Col("id")), []any{1, 2, 3, 4, 5, 6}; !slices.Equal(got, want) {
				t.Errorf("id = %v, want %v", got, want)
			}
			if got, want := values(g.Col("name")), []any{"a", "b", nil, "d", "e", "f"}; !slices.Equal(got, want) {
				t.Errorf("name = %v, want %v", got, want)
			}
		})
	}
}

func TestToGotaUnsupportedType(t *testing.T) {
	cases := []struct {
		typ   arrow.DataType
		value string
	}{
		{arrow.PrimitiveTypes.Uint64, `1`},
		{arrow.FixedWidthTypes.Timestamp_us, `"2024-01-02T03:04:05Z"`},
		{arrow.FixedWidthTypes.Date32, `"2024-01-02"`},
		{arrow.BinaryTypes.Binary, `"aGk="`},
		{arrow.BinaryTypes.LargeString, `"x"`},
		{arrow.ListOf(arrow.PrimitiveTypes.Int64), `[1, 2]`},
	}
	for _, c := range cases {
		t.Run(c.typ.String(), func(t *testing.T) {
			sess, mem := newSession(t)
			schema := arrow.NewSchema([]arrow.Field{
				{Name: "ok", Type: arrow.PrimitiveTypes.Int64},
				{Name: "bad", Type: c.typ, Nullable: true},
			}, nil)
			df := fromJSON(t, sess, mem, schema, `[{"ok": 1, "bad": `+c.value+`}]`)
			_, err := gotaconv.ToGota(context.Background(), df)
			if !errors.Is(err, gotaconv.ErrUnsupportedType) {
				t.Fatalf("err = %v, want ErrUnsupportedType", err)
			}
			for _, part := range []string{"gotaconv: ToGota: ", `column "bad"`, c.typ.String()} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("err = %q, want it to contain %q", err, part)
				}
			}
		})
	}
}

func TestToGotaErrors(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	t.Run("DataFrame error", func(t *testing.T) {
		sess, mem := newSession(t)
		df := fromJSON(t, sess, mem, schema, `[{"a": 1}]`).Select("missing")
		_, err := gotaconv.ToGota(context.Background(), df)
		if err == nil || !errors.Is(err, df.Err()) {
			t.Fatalf("err = %v, want it to wrap %v", err, df.Err())
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		sess, mem := newSession(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		df := fromJSON(t, sess, mem, schema, `[{"a": 1}]`)
		_, err := gotaconv.ToGota(ctx, df)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("no columns", func(t *testing.T) {
		sess, mem := newSession(t)
		df := fromJSON(t, sess, mem, schema, `[{"a": 1}]`).Drop("a")
		_, err := gotaconv.ToGota(context.Background(), df)
		if err == nil || !strings.Contains(err.Error(), "no columns") {
			t.Fatalf("err = %v, want a no-columns error", err)
		}
	})
	t.Run("duplicate names", func(t *testing.T) {
		sess, _ := newSession(t)
		// Select rejects duplicate names, but a schema given to
		// CreateDataFrame may hold them.
		dup := arrow.NewSchema([]arrow.Field{
			{Name: "a", Type: arrow.PrimitiveTypes.Int64},
			{Name: "a", Type: arrow.BinaryTypes.String},
		}, nil)
		df := sess.CreateDataFrame(dup)
		_, err := gotaconv.ToGota(context.Background(), df)
		if err == nil || !strings.Contains(err.Error(), `"a" appears twice`) {
			t.Fatalf("err = %v, want a duplicate-name error", err)
		}
	})
}
