package gotaconv_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
)

// newSession returns a session whose every allocation goes through a
// checked allocator; at the end of the test the session is closed and
// the allocator must hold nothing.
func newSession(t *testing.T, opts ...frame.Option) (*frame.Session, *memory.CheckedAllocator) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	sess := frame.NewSession(append([]frame.Option{frame.WithAllocator(mem)}, opts...)...)
	t.Cleanup(func() { sess.Close() }) // cleanups run last-in first-out: before AssertSize
	return sess, mem
}

// fromJSON returns a DataFrame over rows written as JSON, cut into one
// partition per element of parts.
func fromJSON(t *testing.T, sess *frame.Session, mem memory.Allocator, schema *arrow.Schema, parts ...string) *frame.DataFrame {
	t.Helper()
	partitions := make([][]arrow.RecordBatch, len(parts))
	for i, p := range parts {
		rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		defer rec.Release()
		partitions[i] = []arrow.RecordBatch{rec}
	}
	return sess.CreateDataFrame(schema, partitions...)
}

// values returns the elements of s as gota's Val gives them: nil for NA,
// else int, float64, string or bool.
func values(s series.Series) []any {
	out := make([]any, s.Len())
	for i := range out {
		out[i] = s.Elem(i).Val()
	}
	return out
}

// collectColumns runs df and returns its schema and each column's values
// as a JSON array.
func collectColumns(t *testing.T, df *frame.DataFrame) (*arrow.Schema, []string) {
	t.Helper()
	tbl, err := df.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	cols := make([]string, tbl.NumCols())
	for i := range cols {
		if len(tbl.Column(i).Data().Chunks()) == 0 {
			cols[i] = "[]"
			continue
		}
		arr, err := array.Concatenate(tbl.Column(i).Data().Chunks(), memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		js, err := json.Marshal(arr)
		arr.Release()
		if err != nil {
			t.Fatal(err)
		}
		cols[i] = string(js)
	}
	return tbl.Schema(), cols
}

// gotaOf builds a gota DataFrame, failing the test if gota reports an
// error.
func gotaOf(t *testing.T, cols ...series.Series) dataframe.DataFrame {
	t.Helper()
	df := dataframe.New(cols...)
	if df.Err != nil {
		t.Fatal(df.Err)
	}
	return df
}
