package frame_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/duckdbtest"
)

// describeRow is a row of the described table: every column but id has
// NULLs, flag is a boolean (not described unless named), tags a list
// (never described).
type describeRow struct {
	ID   int64    `ember:"id"`
	G    *int32   `ember:"g"`
	X    *float64 `ember:"x"`
	S    *string  `ember:"s"`
	Flag bool     `ember:"flag"`
	Tags []string `ember:"tags"`
}

func genDescribeRows(n int, seed uint64) []describeRow {
	r := rand.New(rand.NewPCG(seed, 7))
	rows := make([]describeRow, n)
	for i := range rows {
		rows[i] = describeRow{ID: int64(i), Flag: r.IntN(2) == 0}
		if r.IntN(8) != 0 {
			g := int32(r.IntN(50) - 20)
			rows[i].G = &g
		}
		if r.IntN(6) != 0 {
			x := math.Round(r.NormFloat64()*1e4) / 100
			rows[i].X = &x
		}
		if r.IntN(5) != 0 {
			s := fmt.Sprintf("%c%d", 'a'+rune(r.IntN(26)), r.IntN(100))
			rows[i].S = &s
		}
	}
	return rows
}

// describeDuckDB creates the rows as DuckDB's table t.
func describeDuckDB(rows []describeRow) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE t AS SELECT * FROM (VALUES ")
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		g, x, s := "NULL::INTEGER", "NULL::DOUBLE", "NULL::VARCHAR"
		if r.G != nil {
			g = strconv.Itoa(int(*r.G))
		}
		if r.X != nil {
			x = strconv.FormatFloat(*r.X, 'g', -1, 64) + "::DOUBLE"
		}
		if r.S != nil {
			s = duckdbtest.String(*r.S)
		}
		fmt.Fprintf(&b, "(%d, %s, %s, %s)", r.ID, g, x, s)
	}
	b.WriteString(") AS v(id, g, x, s)")
	return b.String()
}

// describeSession is a session over a checked allocator that must end
// with nothing allocated.
func describeSession(t *testing.T, parallelism int) *frame.Session {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(parallelism), frame.WithBatchSize(32, 0))
	t.Cleanup(func() { sess.Close() })
	return sess
}

// describeCells collects df as rows of cells, "NULL" for NULL.
func describeCells(t *testing.T, df *frame.DataFrame) [][]string {
	t.Helper()
	tbl, err := df.Collect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	var out [][]string
	for tr.Next() {
		b := tr.RecordBatch()
		for i := range int(b.NumRows()) {
			row := make([]string, b.NumCols())
			for c, col := range b.Columns() {
				if col.IsNull(i) {
					row[c] = "NULL"
				} else {
					row[c] = frame.CellString(col, i)
				}
			}
			out = append(out, row)
		}
	}
	return out
}

// sameStat compares a statistic ember printed with DuckDB's value:
// numbers within a relative 1e-9, anything else exactly.
func sameStat(got string, want any) bool {
	if want == nil {
		return got == "NULL"
	}
	w := fmt.Sprint(want)
	if got == w {
		return true
	}
	g, err1 := strconv.ParseFloat(got, 64)
	f, err2 := strconv.ParseFloat(w, 64)
	return err1 == nil && err2 == nil && math.Abs(g-f) <= 1e-9*math.Max(1, math.Abs(f))
}

// TestDescribeAgainstDuckDB: Describe's count, mean, stddev, min and max
// of an integer, a double and a string column with NULLs equal DuckDB's
// count, avg, stddev_samp, min and max, at parallelism 1 and 4; a string
// gets NULL mean and stddev; unnamed, the boolean and list columns are
// left out.
func TestDescribeAgainstDuckDB(t *testing.T) {
	rows := genDescribeRows(700, 3)
	res := duckdbtest.Query(t, describeDuckDB(rows), `
		SELECT count(id), avg(id), stddev_samp(id), min(id), max(id),
		       count(g), avg(g), stddev_samp(g), min(g), max(g),
		       count(x), avg(x), stddev_samp(x), min(x), max(x),
		       count(s), NULL, NULL, min(s), max(s) FROM t`)[1]
	want := res.Rows[0]
	for _, par := range []int{1, 4} {
		t.Run(fmt.Sprintf("parallelism=%d", par), func(t *testing.T) {
			sess := describeSession(t, par)
			df := sess.CreateDataFrame(rows).Repartition(4)
			desc := df.Describe()
			if got := desc.Columns(); !slices.Equal(got, []string{"summary", "id", "g", "x", "s"}) {
				t.Fatalf("columns %v", got)
			}
			got := describeCells(t, desc)
			stats := []string{"count", "mean", "stddev", "min", "max"}
			if len(got) != len(stats) {
				t.Fatalf("%d rows, want %d: %v", len(got), len(stats), got)
			}
			for s, stat := range stats {
				if got[s][0] != stat {
					t.Fatalf("row %d is %q, want %q", s, got[s][0], stat)
				}
				for c := range 4 {
					if w := want[c*5+s]; !sameStat(got[s][c+1], w) {
						t.Errorf("%s of %s: %s, DuckDB %v", stat, desc.Columns()[c+1], got[s][c+1], w)
					}
				}
			}
		})
	}
}

// TestDescribeNamedColumns: named columns come in the order named, a
// boolean among them gets count, min and max; a missing or nested column
// is an error naming it.
func TestDescribeNamedColumns(t *testing.T) {
	sess := describeSession(t, 2)
	rows := genDescribeRows(50, 5)
	df := sess.CreateDataFrame(rows)
	got := describeCells(t, df.Describe("s", "flag"))
	var trues int
	for _, r := range rows {
		if r.Flag {
			trues++
		}
	}
	if got[0][2] != "50" || got[1][2] != "NULL" || got[2][2] != "NULL" {
		t.Errorf("flag's count, mean, stddev: %v", [][]string{got[0], got[1], got[2]})
	}
	if wantMin, wantMax := trues == 50, trues > 0; got[3][2] != strconv.FormatBool(wantMin) || got[4][2] != strconv.FormatBool(wantMax) {
		t.Errorf("flag's min %s, max %s (%d of 50 true)", got[3][2], got[4][2], trues)
	}
	for _, tc := range []struct{ col, want string }{{"nope", `no column "nope"`}, {"tags", `column "tags" is list`}} {
		err := df.Describe("id", tc.col).Err()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "Describe") {
			t.Errorf("Describe(%q): %v, want an error with %q", tc.col, err, tc.want)
		}
	}
	// df's own error goes through.
	bad := df.Select("nope")
	if err := bad.Describe().Err(); err == nil || !errors.Is(err, bad.Err()) && err.Error() != bad.Err().Error() {
		t.Errorf("Describe of a failed DataFrame: %v, want %v", err, bad.Err())
	}
}

// TestDescribeEmpty: over no rows count is 0 and the rest NULL.
func TestDescribeEmpty(t *testing.T) {
	sess := describeSession(t, 2)
	df := sess.CreateDataFrame(genDescribeRows(10, 1)).Filter(frame.Col("id").Lt(0))
	got := describeCells(t, df.Describe("g", "s"))
	want := [][]string{{"count", "0", "0"}, {"mean", "NULL", "NULL"}, {"stddev", "NULL", "NULL"}, {"min", "NULL", "NULL"}, {"max", "NULL", "NULL"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("describe of no rows %v, want %v", got, want)
	}
}

// TestSummary: the default statistics in Spark's order, the percentiles
// of the numeric columns within percentile_approx's rank bound (exact at
// this size) and NULL for a string, Describe's statistics equal to
// Describe's; chosen statistics in the order given; an unknown one is an
// error.
func TestSummary(t *testing.T) {
	sess := describeSession(t, 4)
	rows := genDescribeRows(500, 9)
	df := sess.CreateDataFrame(rows).Repartition(3)
	got := describeCells(t, df.Summary())
	desc := describeCells(t, df.Describe())
	var labels []string
	for _, r := range got {
		labels = append(labels, r[0])
	}
	if want := []string{"count", "mean", "stddev", "min", "25%", "50%", "75%", "max"}; !slices.Equal(labels, want) {
		t.Fatalf("summary rows %v, want %v", labels, want)
	}
	for s, d := range map[int]int{0: 0, 1: 1, 2: 2, 3: 3, 7: 4} {
		if !slices.Equal(got[s], desc[d]) {
			t.Errorf("summary %v, describe %v", got[s], desc[d])
		}
	}
	var xs, gs []float64
	for _, r := range rows {
		if r.X != nil {
			xs = append(xs, *r.X)
		}
		if r.G != nil {
			gs = append(gs, float64(*r.G))
		}
	}
	for _, p := range []struct {
		row int
		q   float64
	}{{4, 0.25}, {5, 0.5}, {6, 0.75}} {
		for c, vals := range map[int][]float64{2: gs, 3: xs} {
			v, err := strconv.ParseFloat(got[p.row][c], 64)
			if err != nil {
				t.Fatalf("%s of column %d: %q", got[p.row][0], c, got[p.row][c])
			}
			sort.Float64s(vals)
			rank := int(math.Ceil(p.q * float64(len(vals))))
			below, upTo := sort.SearchFloat64s(vals, v), sort.SearchFloat64s(vals, math.Nextafter(v, math.Inf(1)))
			if below >= rank || upTo < rank {
				t.Errorf("%s of column %d: %v holds ranks %d..%d, want %d", got[p.row][0], c, v, below+1, upTo, rank)
			}
		}
		if got[p.row][4] != "NULL" {
			t.Errorf("%s of a string: %s, want NULL", got[p.row][0], got[p.row][4])
		}
	}

	chosen := describeCells(t, df.Select("g", "s").Summary("max", "count_distinct", "10%", "count"))
	distinctG, distinctS := map[int32]bool{}, map[string]bool{}
	for _, r := range rows {
		if r.G != nil {
			distinctG[*r.G] = true
		}
		if r.S != nil {
			distinctS[*r.S] = true
		}
	}
	if chosen[0][0] != "max" || chosen[1][0] != "count_distinct" || chosen[2][0] != "10%" || chosen[3][0] != "count" {
		t.Fatalf("chosen statistics out of order: %v", chosen)
	}
	if chosen[1][1] != strconv.Itoa(len(distinctG)) || chosen[1][2] != strconv.Itoa(len(distinctS)) {
		t.Errorf("count_distinct %v, want %d and %d", chosen[1], len(distinctG), len(distinctS))
	}
	for _, stat := range []string{"median", "101%", "x%"} {
		if err := df.Summary("count", stat).Err(); err == nil || !strings.Contains(err.Error(), strconv.Quote(stat)) {
			t.Errorf("Summary(%q): %v, want an error naming it", stat, err)
		}
	}
}
