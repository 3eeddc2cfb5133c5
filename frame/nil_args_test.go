package frame_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/udf"
)

// TestNilArgumentsAreStickyErrors passes nil wherever the API takes a
// pointer, interface or Column: nothing panics, and the error reaches the
// action, naming what was nil.
func TestNilArgumentsAreStickyErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	df := partitioned(t, sess, mem, schema, `[{"x": 1}, {"x": 2}]`, 1)
	var none *frame.DataFrame
	cases := map[string]struct {
		df   func() *frame.DataFrame
		want string
	}{
		"nil DataFrame":       {func() *frame.DataFrame { return none }, "nil DataFrame"},
		"nil DataFrame step":  {func() *frame.DataFrame { return none.Filter(frame.Col("x").Gt(1)).Limit(1) }, "nil DataFrame"},
		"Union(nil)":          {func() *frame.DataFrame { return df.Union(nil) }, "nil DataFrame"},
		"nil.Union(df)":       {func() *frame.DataFrame { return none.Union(df) }, "nil DataFrame"},
		"Cast(nil)":           {func() *frame.DataFrame { return df.Select(frame.Col("x").Cast(nil)) }, "no type"},
		"Column{}":            {func() *frame.DataFrame { return df.WithColumn("y", frame.Column{}) }, "empty Column"},
		"Column{}.Add":        {func() *frame.DataFrame { return df.Select(frame.Column{}.Add(1)) }, "empty Column"},
		"WithColumn nil":      {func() *frame.DataFrame { return df.WithColumn("y", nil) }, "nil expression"},
		"Filter(nil)":         {func() *frame.DataFrame { return df.Filter(nil) }, "nil expression"},
		"Select(nil)":         {func() *frame.DataFrame { return df.Select(nil) }, "nil"},
		"OrderBy(nil)":        {func() *frame.DataFrame { return df.OrderBy(nil) }, "nil"},
		"GroupBy(nil)":        {func() *frame.DataFrame { return df.GroupBy(nil).Count() }, "nil"},
		"Agg(Aggregation{})":  {func() *frame.DataFrame { return df.GroupBy("x").Agg(frame.Aggregation{}) }, "aggregat"},
		"Predict(nil)":        {func() *frame.DataFrame { return df.WithColumn("y", udf.Predict(nil, "x")) }, "nil model"},
		"MapBatches nil":      {func() *frame.DataFrame { return df.MapBatches(nil, nil) }, "nil"},
		"CreateDataFrame nil": {func() *frame.DataFrame { return sess.CreateDataFrame(nil) }, "nil schema"},
		"FromTable nil":       {func() *frame.DataFrame { return sess.FromTable(nil) }, "nil table"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			d := c.df()
			_, err := d.Count(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Count: %v, want an error mentioning %q", err, c.want)
			}
			if werr := d.Write().Mode(frame.Overwrite).CSV(context.Background(), t.TempDir()); werr == nil {
				t.Fatal("Write succeeded")
			}
			if d.Err() == nil {
				t.Fatal("Err() is nil")
			}
			_ = d.Explain()
			_ = d.Columns()
		})
	}
}

// TestActionsAfterCloseFail: a closed session has released its data, so
// every action fails — Count used to return 0 and Write to commit an
// empty dataset.
func TestActionsAfterCloseFail(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	df := partitioned(t, sess, mem, schema, `[{"x": 1}, {"x": 2}]`, 1)
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if n, err := df.Count(ctx); !errors.Is(err, frame.ErrSessionClosed) {
		t.Errorf("Count = %d, %v; want ErrSessionClosed", n, err)
	}
	if tbl, err := df.Collect(ctx); !errors.Is(err, frame.ErrSessionClosed) {
		if tbl != nil {
			tbl.Release()
		}
		t.Errorf("Collect: %v; want ErrSessionClosed", err)
	}
	if err := df.Show(ctx, 5); !errors.Is(err, frame.ErrSessionClosed) {
		t.Errorf("Show: %v; want ErrSessionClosed", err)
	}
	dir := t.TempDir() + "/out"
	if err := df.Write().CSV(ctx, dir); !errors.Is(err, frame.ErrSessionClosed) {
		t.Errorf("Write: %v; want ErrSessionClosed", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Write after Close created %s (%v)", dir, err)
	}
}
