package gotaconv_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/gotaconv"
	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
)

func TestFromGotaTypes(t *testing.T) {
	cases := []struct {
		name   string
		series series.Series
		want   arrow.DataType
		values string // the ember column as a JSON array
	}{
		{"int", series.New([]int{1, -2, math.MaxInt64}, series.Int, "x"),
			arrow.PrimitiveTypes.Int64, `[1,-2,9223372036854775807]`},
		{"int NA", series.New([]any{1, nil, 3}, series.Int, "x"),
			arrow.PrimitiveTypes.Int64, `[1,null,3]`},
		{"float", series.New([]float64{1.5, -0.25, 1e300}, series.Float, "x"),
			arrow.PrimitiveTypes.Float64, `[1.5,-0.25,1e+300]`},
		{"float NaN and NA", series.New([]any{1.5, math.NaN(), nil}, series.Float, "x"),
			arrow.PrimitiveTypes.Float64, `[1.5,null,null]`},
		{"string", series.New([]string{"a", "", "héllo"}, series.String, "x"),
			arrow.BinaryTypes.String, `["a","","héllo"]`},
		{"string NA", series.New([]any{"a", nil, "NaN"}, series.String, "x"),
			arrow.BinaryTypes.String, `["a",null,null]`},
		{"bool", series.New([]bool{true, false}, series.Bool, "x"),
			arrow.FixedWidthTypes.Boolean, `[true,false]`},
		{"bool NA", series.New([]any{true, nil, false}, series.Bool, "x"),
			arrow.FixedWidthTypes.Boolean, `[true,null,false]`},
		{"no rows", series.New([]int{}, series.Int, "x"),
			arrow.PrimitiveTypes.Int64, `[]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sess, _ := newSession(t)
			df, err := gotaconv.FromGota(sess, gotaOf(t, c.series))
			if err != nil {
				t.Fatal(err)
			}
			schema, cols := collectColumns(t, df)
			if f := schema.Field(0); f.Name != "x" || !arrow.TypeEqual(f.Type, c.want) || !f.Nullable {
				t.Errorf("field = %s, want x: nullable %s", f, c.want)
			}
			if cols[0] != c.values {
				t.Errorf("values = %s, want %s", cols[0], c.values)
			}
		})
	}
}

// TestFromGotaColumns checks that several columns keep their names and
// order, and that the batch FromGota builds is held by the session until
// Close (the checked allocator sees it).
func TestFromGotaColumns(t *testing.T) {
	sess, mem := newSession(t)
	g := gotaOf(t,
		series.New([]string{"ann", "bob"}, series.String, "name"),
		series.New([]int{31, 45}, series.Int, "age"),
		series.New([]bool{true, false}, series.Bool, "admin"),
		series.New([]float64{4.5, 2}, series.Float, "score"),
	)
	df, err := gotaconv.FromGota(sess, g)
	if err != nil {
		t.Fatal(err)
	}
	if mem.CurrentAlloc() == 0 {
		t.Error("FromGota did not allocate from the given allocator")
	}
	if got, want := df.Columns(), []string{"name", "age", "admin", "score"}; !slices.Equal(got, want) {
		t.Errorf("columns = %v, want %v", got, want)
	}
	_, cols := collectColumns(t, df)
	want := []string{`["ann","bob"]`, `[31,45]`, `[true,false]`, `[4.5,2]`}
	if !slices.Equal(cols, want) {
		t.Errorf("values = %v, want %v", cols, want)
	}
}

func TestFromGotaErrors(t *testing.T) {
	t.Run("gota error", func(t *testing.T) {
		sess, _ := newSession(t)
		g := dataframe.New() // gota: "empty DataFrame"
		if g.Err == nil {
			t.Fatal("gota accepted an empty DataFrame; pick another failing input")
		}
		df, err := gotaconv.FromGota(sess, g)
		if df != nil {
			t.Error("FromGota returned a DataFrame with its error")
		}
		if !errors.Is(err, g.Err) {
			t.Fatalf("err = %v, want it to wrap %v", err, g.Err)
		}
		if !strings.HasPrefix(err.Error(), "gotaconv: FromGota: ") {
			t.Errorf("err = %q, want the package and function named", err)
		}
	})
	t.Run("gota error from an operation", func(t *testing.T) {
		sess, _ := newSession(t)
		g := gotaOf(t, series.New([]int{1}, series.Int, "a")).Select("missing")
		_, err := gotaconv.FromGota(sess, g)
		if err == nil || !errors.Is(err, g.Err) {
			t.Fatalf("err = %v, want it to wrap %v", err, g.Err)
		}
	})
	t.Run("duplicate names", func(t *testing.T) {
		sess, _ := newSession(t)
		g := gotaOf(t,
			series.New([]int{1}, series.Int, "a"),
			series.New([]int{2}, series.Int, "b"),
		).Rename("a", "b")
		_, err := gotaconv.FromGota(sess, g)
		if err == nil || !strings.Contains(err.Error(), `"a" appears twice`) {
			t.Fatalf("err = %v, want a duplicate-name error", err)
		}
	})
}
