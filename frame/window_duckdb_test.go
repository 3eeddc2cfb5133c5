package frame_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/duckdbtest"
)

var windowTableSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "p", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "g", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "o", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// writeWindowTable writes n generated rows as Parquet under dir: window
// partition keys skewed toward "a" with NULLs and a one-row partition,
// order keys with many ties and NULLs, values with NULLs (floats exact
// in binary, so sums agree to the bit).
func writeWindowTable(t *testing.T, mem memory.Allocator, dir string, n int) {
	r := rand.New(rand.NewPCG(15, 3))
	b := array.NewRecordBuilder(mem, windowTableSchema)
	defer b.Release()
	keys := []string{"a", "a", "a", "a", "a", "b", "b", "c", ""}
	words := []string{"apple", "Apple", "banana", "cherry", "date", ""}
	for i := range n {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		switch k := keys[r.IntN(len(keys))]; {
		case i == n-1:
			b.Field(1).(*array.StringBuilder).Append("z")
		case k == "":
			b.Field(1).AppendNull()
		default:
			b.Field(1).(*array.StringBuilder).Append(k)
		}
		if r.IntN(8) == 0 {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.Int32Builder).Append(int32(r.IntN(3)))
		}
		if r.IntN(9) == 0 {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.Int64Builder).Append(int64(r.IntN(25)))
		}
		if r.IntN(6) == 0 {
			b.Field(4).AppendNull()
		} else {
			b.Field(4).(*array.Float64Builder).Append(float64(r.IntN(400)-100) / 4)
		}
		if w := words[r.IntN(len(words))]; w == "" {
			b.Field(5).AppendNull()
		} else {
			b.Field(5).(*array.StringBuilder).Append(w)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var parts [][]arrow.RecordBatch
	for p := range int64(3) {
		s := rec.NewSlice(p*int64(n)/3, (p+1)*int64(n)/3)
		defer s.Release()
		parts = append(parts, []arrow.RecordBatch{s})
	}
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	if err := sess.CreateDataFrame(windowTableSchema, parts...).Write().Mode(frame.Overwrite).Parquet(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
}

// windowCase is one window column, built with the frame API and spelled
// in DuckDB's SQL.
type windowCase struct {
	col  frame.Column
	duck string
}

func windowCases() []windowCase {
	const (
		byP     = "PARTITION BY p"
		byPO    = "PARTITION BY p ORDER BY o ASC NULLS FIRST"
		byPOi   = "PARTITION BY p ORDER BY o ASC NULLS FIRST, id ASC NULLS FIRST"
		byPGd   = "PARTITION BY p, g ORDER BY o DESC NULLS LAST"
		byPGdi  = "PARTITION BY p, g ORDER BY o DESC NULLS LAST, id ASC NULLS FIRST"
		byPd    = "PARTITION BY p ORDER BY o DESC NULLS LAST"
		byAllOi = "ORDER BY o ASC NULLS FIRST, id ASC NULLS FIRST"
	)
	w := frame.Window
	wP := w.PartitionBy("p")
	wPO := w.PartitionBy("p").OrderBy("o")
	wPOi := w.PartitionBy("p").OrderBy("o", "id")
	wPGd := w.PartitionBy("p", "g").OrderBy(frame.Col("o").Desc())
	wPGdi := w.PartitionBy("p", "g").OrderBy(frame.Col("o").Desc(), "id")
	wPd := w.PartitionBy("p").OrderBy(frame.Col("o").Desc())
	wAll := w.OrderBy("o", "id")

	cases := []windowCase{
		{frame.RowNumber().Over(wPOi), "row_number() OVER (" + byPOi + ")"},
		{frame.RowNumber().Over(wAll), "row_number() OVER (" + byAllOi + ")"},
		{frame.Rank().Over(wPO), "rank() OVER (" + byPO + ")"},
		{frame.Rank().Over(wPGd), "rank() OVER (" + byPGd + ")"},
		{frame.DenseRank().Over(wPO), "dense_rank() OVER (" + byPO + ")"},
		{frame.DenseRank().Over(wPGd), "dense_rank() OVER (" + byPGd + ")"},
		{frame.PercentRank().Over(wPO), "percent_rank() OVER (" + byPO + ")"},
		{frame.PercentRank().Over(wPGd), "percent_rank() OVER (" + byPGd + ")"},
		{frame.Ntile(3).Over(wPOi), "ntile(3) OVER (" + byPOi + ")"},
		{frame.Ntile(7).Over(wPGdi), "ntile(7) OVER (" + byPGdi + ")"},
		{frame.Lag("x", 1, nil).Over(wPOi), "lag(x, 1) OVER (" + byPOi + ")"},
		{frame.Lag("x", 2, 0.5).Over(wPOi), "lag(x, 2, 0.5) OVER (" + byPOi + ")"},
		{frame.Lead("s", 1, nil).Over(wPGdi), "lead(s, 1) OVER (" + byPGdi + ")"},
		{frame.Lead("x", 3, -1).Over(wAll), "lead(x, 3, -1) OVER (" + byAllOi + ")"},
		{frame.Lag("o", 0, nil).Over(wPOi), "lag(o, 0) OVER (" + byPOi + ")"},
		{frame.CumeDist().Over(wPO), "cume_dist() OVER (" + byPO + ")"},
		{frame.CumeDist().Over(wPGd), "cume_dist() OVER (" + byPGd + ")"},
		{frame.CumeDist().Over(wAll), "cume_dist() OVER (" + byAllOi + ")"},
		// nth_value over the default frame (RANGE BETWEEN UNBOUNDED
		// PRECEDING AND CURRENT ROW): NULL before the n-th row.
		{frame.NthValue("x", 2).Over(wPOi), "nth_value(x, 2) OVER (" + byPOi + ")"},
		{frame.NthValue("s", 4, true).Over(wPGdi), "nth_value(s, 4 IGNORE NULLS) OVER (" + byPGdi + ")"},
		{frame.NthValue("x", 1000).Over(wAll), "nth_value(x, 1000) OVER (" + byAllOi + ")"},
	}
	// Aggregates over frames of every kind; first and last only where
	// the frame's order is total (ties would make them depend on order).
	type frameCase struct {
		spec     frame.WindowSpec
		duck     string
		ordered  bool // first/last are deterministic
		noFrames bool
	}
	frames := []frameCase{
		{wP, byP, false, false},
		{wPO, byPO, false, false},
		{wPOi.RowsBetween(-2, 1), byPOi + " ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING", true, false},
		{wPOi.RowsBetween(frame.CurrentRow, frame.UnboundedFollowing), byPOi + " ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING", true, false},
		{wPOi.RowsBetween(frame.UnboundedPreceding, -1), byPOi + " ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING", true, false},
		{wPOi.RowsBetween(1, 3), byPOi + " ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING", true, false},
		{wPOi.RowsBetween(frame.UnboundedPreceding, frame.CurrentRow), byPOi + " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", true, false},
		{wPO.RangeBetween(-3, 2), byPO + " RANGE BETWEEN 3 PRECEDING AND 2 FOLLOWING", false, false},
		{wPO.RangeBetween(1, 4), byPO + " RANGE BETWEEN 1 FOLLOWING AND 4 FOLLOWING", false, false},
		{wPGd.RangeBetween(frame.CurrentRow, frame.UnboundedFollowing), byPGd + " RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING", false, false},
		{wPd.RangeBetween(-5, -1), byPd + " RANGE BETWEEN 5 PRECEDING AND 1 PRECEDING", false, false},
		{wPd.RangeBetween(frame.UnboundedPreceding, 2), byPd + " RANGE BETWEEN UNBOUNDED PRECEDING AND 2 FOLLOWING", false, false},
		{wAll.RowsBetween(-1, 1), byAllOi + " ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING", true, false},
	}
	for _, f := range frames {
		over := " OVER (" + f.duck + ")"
		cases = append(cases,
			windowCase{frame.Count("*").Over(f.spec), "count(*)" + over},
			windowCase{frame.Count("x").Over(f.spec), "count(x)" + over},
			windowCase{frame.Sum("x").Over(f.spec), "sum(x)" + over},
			windowCase{frame.Sum("g").Over(f.spec), "sum(g)" + over},
			windowCase{frame.Avg("x").Over(f.spec), "avg(x)" + over},
			windowCase{frame.Min("x").Over(f.spec), "min(x)" + over},
			windowCase{frame.Max("x").Over(f.spec), "max(x)" + over},
			windowCase{frame.Min("s").Over(f.spec), "min(s)" + over},
			windowCase{frame.Max("s").Over(f.spec), "max(s)" + over},
		)
		if f.ordered {
			cases = append(cases, orderedFrameCases(f.spec, over)...)
		}
	}
	return cases
}

// TestWindowsAgainstDuckDB computes every window function over frames of
// every kind (ROWS and RANGE, unbounded, offset, CURRENT ROW, frames that
// lie ahead of the row, descending orders, no PARTITION BY) in ember and
// in DuckDB, over the same Parquet file, and compares the values row by
// row (by id). Ember reads the file in 7-row batches over 2 tasks, so
// window partitions span batches.
func TestWindowsAgainstDuckDB(t *testing.T) {
	dir := t.TempDir()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	writeWindowTable(t, mem, dir, 400)
	cases := windowCases()
	stmts := []string{fmt.Sprintf("CREATE TABLE t AS SELECT * FROM read_parquet(%s)", duckdbtest.String(filepath.Join(dir, "*.parquet")))}
	for _, c := range cases {
		stmts = append(stmts, "SELECT id, "+c.duck+" FROM t")
	}
	results := duckdbtest.Query(t, stmts...)[1:]

	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2), frame.WithBatchSize(7, 0))
	defer sess.Close()
	df := sess.Read().Parquet(dir)
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d:%s", i, c.duck), func(t *testing.T) {
			tbl, err := df.Select("id", c.col).Collect(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer tbl.Release()
			got := canonicalRows(tbl)
			want := duckRows(t, results[i], tbl.Schema())
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				var diff []string
				for k := range min(len(got), len(want)) {
					if got[k] != want[k] {
						diff = append(diff, fmt.Sprintf("ember %s, duckdb %s", got[k], want[k]))
					}
				}
				t.Fatalf("%d rows differ (ember %d rows, duckdb %d), first ones:\n  %s", len(diff), len(got), len(want), strings.Join(diff[:min(len(diff), 10)], "\n  "))
			}
		})
	}
}
