package gotaconv_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/gotaconv"
	"github.com/go-gota/gota/series"
)

// people has an NA in every column.
func peopleSeries() []series.Series {
	return []series.Series{
		series.New([]any{"ann", "bob", nil, "dave", "eve", "fay"}, series.String, "name"),
		series.New([]any{31, 45, 28, nil, 39, 52}, series.Int, "age"),
		series.New([]any{4.5, nil, 3.0, 2.5, 5.0, 1.25}, series.Float, "score"),
		series.New([]any{true, false, nil, false, true, false}, series.Bool, "admin"),
	}
}

func TestRoundTripUnchanged(t *testing.T) {
	sess, _ := newSession(t)
	in := gotaOf(t, peopleSeries()...)
	df, err := gotaconv.FromGota(sess, in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := gotaconv.ToGota(context.Background(), df)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.Names(), in.Names()) || !slices.Equal(out.Types(), in.Types()) {
		t.Fatalf("got columns %v %v, want %v %v", out.Names(), out.Types(), in.Names(), in.Types())
	}
	for _, name := range in.Names() {
		if got, want := values(out.Col(name)), values(in.Col(name)); !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

// TestRoundTripTransformed takes gota data through ember's own API and
// back: NULL comparisons drop rows, arithmetic carries NULLs, and a
// replaced column keeps its place.
func TestRoundTripTransformed(t *testing.T) {
	for _, rows := range []int{1, 4, 0} {
		t.Run(fmt.Sprintf("batch=%d", rows), func(t *testing.T) {
			sess, _ := newSession(t, frame.WithBatchSize(rows, 0), frame.WithParallelism(2))
			df, err := gotaconv.FromGota(sess, gotaOf(t, peopleSeries()...))
			if err != nil {
				t.Fatal(err)
			}
			df = df.Filter(frame.Col("age").Gt(30)).
				WithColumn("bonus", frame.Col("score").Mul(2)).
				WithColumn("senior", frame.Col("age").Ge(40)).
				WithColumn("name", frame.Col("name").Upper())
			out, err := gotaconv.ToGota(context.Background(), df)
			if err != nil {
				t.Fatal(err)
			}
			want := []struct {
				name   string
				typ    series.Type
				values []any
			}{
				{"name", series.String, []any{"ANN", "BOB", "EVE", "FAY"}},
				{"age", series.Int, []any{31, 45, 39, 52}},
				{"score", series.Float, []any{4.5, nil, 5.0, 1.25}},
				{"admin", series.Bool, []any{true, false, true, false}},
				{"bonus", series.Float, []any{9.0, nil, 10.0, 2.5}},
				{"senior", series.Bool, []any{false, true, false, true}},
			}
			if out.Ncol() != len(want) {
				t.Fatalf("columns = %v, want %d", out.Names(), len(want))
			}
			for i, w := range want {
				s := out.Col(w.name)
				if out.Names()[i] != w.name || s.Type() != w.typ {
					t.Errorf("column %d = %s %s, want %s %s", i, out.Names()[i], s.Type(), w.name, w.typ)
				}
				if got := values(s); !slices.Equal(got, w.values) {
					t.Errorf("%s = %v, want %v", w.name, got, w.values)
				}
			}
		})
	}
}
