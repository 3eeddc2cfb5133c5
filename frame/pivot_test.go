package frame_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/duckdbtest"
)

// pivotRow is a row of the pivoted table: k the group, b the pivot column
// (with NULLs), n and x the aggregated columns (x with NULLs).
type pivotRow struct {
	K string   `ember:"k"`
	B *string  `ember:"b"`
	N int64    `ember:"n"`
	X *float64 `ember:"x"`
}

func genPivotRows(n int, seed uint64) []pivotRow {
	r := rand.New(rand.NewPCG(seed, 11))
	rows := make([]pivotRow, n)
	for i := range rows {
		rows[i] = pivotRow{K: fmt.Sprintf("k%d", r.IntN(7)), N: int64(r.IntN(100) - 30)}
		if r.IntN(9) != 0 {
			// k6 never sees b3: a missing combination.
			b := fmt.Sprintf("b%d", r.IntN(4))
			if rows[i].K == "k6" && b == "b3" {
				b = "b2"
			}
			rows[i].B = &b
		}
		if r.IntN(5) != 0 {
			x := float64(r.IntN(1000)) / 8
			rows[i].X = &x
		}
	}
	return rows
}

func pivotDuckDB(rows []pivotRow) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE t AS SELECT * FROM (VALUES ")
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		pb, x := "NULL::VARCHAR", "NULL::DOUBLE"
		if r.B != nil {
			pb = duckdbtest.String(*r.B)
		}
		if r.X != nil {
			x = fmt.Sprintf("%v::DOUBLE", *r.X)
		}
		fmt.Fprintf(&b, "(%s, %s, %d, %s)", duckdbtest.String(r.K), pb, r.N, x)
	}
	b.WriteString(") AS v(k, b, n, x)")
	return b.String()
}

// duckPivot is DuckDB's conditional aggregation for one pivot value:
// each aggregate over the group's rows with that value, NULL when there
// are none (Spark's pivot, also for count).
func duckPivot(value string, aggs ...string) []string {
	cond := "b IS NOT DISTINCT FROM " + value
	var out []string
	for _, a := range aggs {
		out = append(out, fmt.Sprintf("CASE WHEN count(*) FILTER (WHERE %s) = 0 THEN NULL ELSE %s FILTER (WHERE %s) END", cond, a, cond))
	}
	return out
}

// TestPivotAgainstDuckDB: GroupBy("k").Pivot("b") with found and given
// values, one and several aggregates, Count, Sum, Avg, Min and Max equal
// DuckDB's conditional aggregation, at parallelism 1 and 4; the columns
// are named by the values (value_aggregate for several aggregates).
func TestPivotAgainstDuckDB(t *testing.T) {
	rows := genPivotRows(900, 4)
	found := []string{"NULL", "'b0'", "'b1'", "'b2'", "'b3'"}
	given := []string{"'b2'", "'b0'", "'zz'"}
	query := func(values []string, aggs ...string) string {
		var cols []string
		for _, v := range values {
			cols = append(cols, duckPivot(v, aggs...)...)
		}
		return "SELECT k, " + strings.Join(cols, ", ") + " FROM t GROUP BY k ORDER BY k"
	}
	stmts := []string{pivotDuckDB(rows),
		query(found, "sum(n)"),
		query(found, "count(*)"),
		query(given, "sum(n)", "avg(x)", "min(x)", "max(n)"),
		query(found, "avg(x)"),
		query(found, "min(n)"),
		query(found, "max(x)"),
	}
	res := duckdbtest.Query(t, stmts...)[1:]
	type pcase struct {
		name  string
		df    func(g *frame.GroupedData) *frame.DataFrame
		cols  []string
		want  duckdbtest.Result
		names bool
	}
	foundCols := []string{"k", "null", "b0", "b1", "b2", "b3"}
	for _, par := range []int{1, 4} {
		t.Run(fmt.Sprintf("parallelism=%d", par), func(t *testing.T) {
			sess := describeSession(t, par)
			df := sess.CreateDataFrame(rows).Repartition(3)
			for _, tc := range []pcase{
				{"Sum", func(g *frame.GroupedData) *frame.DataFrame { return g.Pivot("b").Sum("n") }, foundCols, res[0], true},
				{"Count", func(g *frame.GroupedData) *frame.DataFrame { return g.Pivot("b").Count() }, foundCols, res[1], true},
				{"given values, several aggregates", func(g *frame.GroupedData) *frame.DataFrame {
					return g.Pivot("b", "b2", "b0", "zz").Agg(frame.Sum("n"), frame.Avg("x").As("m"), frame.Min("x"), frame.Max("n"))
				}, []string{"k",
					"b2_sum(n)", "b2_m", "b2_min(x)", "b2_max(n)",
					"b0_sum(n)", "b0_m", "b0_min(x)", "b0_max(n)",
					"zz_sum(n)", "zz_m", "zz_min(x)", "zz_max(n)"}, res[2], true},
				{"Avg", func(g *frame.GroupedData) *frame.DataFrame { return g.Pivot("b").Avg("x") }, foundCols, res[3], true},
				{"Min", func(g *frame.GroupedData) *frame.DataFrame { return g.Pivot("b").Min("n") }, foundCols, res[4], true},
				{"Max", func(g *frame.GroupedData) *frame.DataFrame { return g.Pivot("b").Max("x") }, foundCols, res[5], true},
			} {
				got := tc.df(df.GroupBy("k")).OrderBy("k")
				if cols := got.Columns(); !slices.Equal(cols, tc.cols) {
					t.Fatalf("%s: columns %v (err %v), want %v", tc.name, cols, got.Err(), tc.cols)
				}
				cells := describeCells(t, got)
				if len(cells) != len(tc.want.Rows) {
					t.Fatalf("%s: %d rows, DuckDB %d", tc.name, len(cells), len(tc.want.Rows))
				}
				for r, row := range cells {
					for c, cell := range row {
						if !sameStat(cell, tc.want.Rows[r][c]) {
							t.Errorf("%s: row %d column %s: %s, DuckDB %v", tc.name, r, tc.cols[c], cell, tc.want.Rows[r][c])
						}
					}
				}
			}
		})
	}
}

// TestPivotErrors: a missing pivot column, no aggregates and too many
// values are errors naming the column.
func TestPivotErrors(t *testing.T) {
	sess := describeSession(t, 2)
	df := sess.CreateDataFrame(genPivotRows(20, 1))
	for name, got := range map[string]*frame.DataFrame{
		`no column "nope"`:  df.GroupBy("k").Pivot("nope").Count(),
		"no aggregates":     df.GroupBy("k").Pivot("b", "b1").Agg(),
		"empty Aggregation": df.GroupBy("k").Pivot("b", "b1").Agg(frame.Aggregation{}),
	} {
		if err := got.Err(); err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "Pivot") {
			t.Errorf("%s: %v", name, err)
		}
	}
	many := sess.Range(frame.PivotMaxValues + 1).GroupBy().Pivot("id").Count()
	if err := many.Err(); err == nil || !strings.Contains(err.Error(), "more than 10000 distinct values") {
		t.Errorf("pivot on %d values: %v", frame.PivotMaxValues+1, err)
	}
}

// TestPivotGlobal: with no grouping keys a pivot gives one row; Sum with
// no columns sums every numeric column but the pivot column.
func TestPivotGlobal(t *testing.T) {
	sess := describeSession(t, 2)
	rows := genPivotRows(60, 2)
	sums := map[string]int64{}
	for _, r := range rows {
		if r.B != nil && *r.B == "b1" {
			sums["n"] += r.N
		}
	}
	got := describeCells(t, sess.CreateDataFrame(rows).Select("b", "n").GroupBy().Pivot("b", "b1").Sum())
	if want := [][]string{{fmt.Sprint(sums["n"])}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("global pivot sum %v, want %v", got, want)
	}
}
