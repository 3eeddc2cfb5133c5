package frame_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/duckdbtest"
)

// aggRow is one generated row: id, key k (skewed, NULLs), g (int32, few
// values, NULLs), x (float64, duplicates, NULLs), s (strings, NULLs), v
// (many distinct values) and tags (a list: NULL, empty or with NULLs).
type aggRow struct {
	id   int64
	k, s *string
	g    *int32
	x    *float64
	v    int64
	tags []*int64 // nil is a NULL list
	null bool     // tags is NULL
}

func genAggRows(n int, seed uint64) []aggRow {
	r := rand.New(rand.NewPCG(seed, 3))
	str := func(vals ...string) *string {
		i := r.IntN(len(vals) + 1)
		if i == len(vals) {
			return nil
		}
		return &vals[i]
	}
	rows := make([]aggRow, n)
	for i := range rows {
		row := aggRow{id: int64(i), k: str("a", "a", "a", "a", "a", "b", "b", "c", "d"), s: str("x", "y", "z", "apple", "", "x")}
		if r.IntN(10) > 0 {
			g := int32(r.IntN(12))
			row.g = &g
		}
		if r.IntN(8) > 0 {
			x := float64(r.IntN(400)-100) / 8
			row.x = &x
		}
		row.v = int64(r.IntN(n))
		switch r.IntN(6) {
		case 0:
			row.null = true
		case 1:
			row.tags = []*int64{}
		default:
			for range r.IntN(4) + 1 {
				if r.IntN(6) == 0 {
					row.tags = append(row.tags, nil)
				} else {
					t := int64(r.IntN(50))
					row.tags = append(row.tags, &t)
				}
			}
		}
		rows[i] = row
	}
	return rows
}

var aggSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "g", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "v", Type: arrow.PrimitiveTypes.Int64},
	{Name: "tags", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
}, nil)

// aggFrame loads rows into sess in 4 partitions.
func aggFrame(sess *frame.Session, mem memory.Allocator, rows []aggRow) *frame.DataFrame {
	b := array.NewRecordBuilder(mem, aggSchema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.Int64Builder).Append(r.id)
		for c, p := range map[int]*string{1: r.k, 4: r.s} {
			if p == nil {
				b.Field(c).AppendNull()
			} else {
				b.Field(c).(*array.StringBuilder).Append(*p)
			}
		}
		if r.g == nil {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.Int32Builder).Append(*r.g)
		}
		if r.x == nil {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.Float64Builder).Append(*r.x)
		}
		b.Field(5).(*array.Int64Builder).Append(r.v)
		lb := b.Field(6).(*array.ListBuilder)
		if r.null {
			lb.AppendNull()
		} else {
			lb.Append(true)
			for _, t := range r.tags {
				if t == nil {
					lb.ValueBuilder().AppendNull()
				} else {
					lb.ValueBuilder().(*array.Int64Builder).Append(*t)
				}
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var parts [][]arrow.RecordBatch
	n := rec.NumRows()
	for p := range int64(4) {
		s := rec.NewSlice(p*n/4, (p+1)*n/4)
		defer s.Release()
		parts = append(parts, []arrow.RecordBatch{s})
	}
	return sess.CreateDataFrame(aggSchema, parts...)
}

// aggDuckDB creates the rows as table t in DuckDB.
func aggDuckDB(rows []aggRow) string {
	str := func(p *string) string {
		if p == nil {
			return "NULL::VARCHAR"
		}
		return duckdbtest.String(*p)
	}
	var vals []string
	for _, r := range rows {
		g, x, tags := "NULL::INTEGER", "NULL::DOUBLE", "NULL::BIGINT[]"
		if r.g != nil {
			g = fmt.Sprint(*r.g)
		}
		if r.x != nil {
			x = fmt.Sprintf("%v::DOUBLE", *r.x)
		}
		if !r.null {
			var items []string
			for _, t := range r.tags {
				if t == nil {
					items = append(items, "NULL")
				} else {
					items = append(items, fmt.Sprint(*t))
				}
			}
			tags = "[" + strings.Join(items, ", ") + "]::BIGINT[]"
		}
		vals = append(vals, fmt.Sprintf("(%d, %s, %s, %s, %s, %d, %s)", r.id, str(r.k), g, x, str(r.s), r.v, tags))
	}
	return "CREATE TABLE t AS SELECT * FROM (VALUES " + strings.Join(vals, ", ") + ") v(id, k, g, x, s, v, tags)"
}

// aggCase is one aggregate in ember and its DuckDB spelling: how
// DuckDB computes Spark's result exactly (first in input order with
// ORDER BY id, collect_list without NULLs, …).
type aggCase struct {
	agg  frame.Aggregation
	duck string
	cmp  string // "exact", "float" (relative 1e-9), "set" (lists compared sorted)
}

var aggCases = []aggCase{
	{frame.CountDistinct("g"), "count(DISTINCT g)", "exact"},
	{frame.CountDistinct("g", "s"), "count(DISTINCT CAST(g AS VARCHAR) || '|' || s)", "exact"},
	{frame.Stddev("x"), "stddev_samp(x)", "float"},
	{frame.StddevSamp("g"), "stddev_samp(g)", "float"},
	{frame.StddevPop("x"), "stddev_pop(x)", "float"},
	{frame.Variance("g"), "var_samp(g)", "float"},
	{frame.VarSamp("x"), "var_samp(x)", "float"},
	{frame.VarPop("x"), "var_pop(x)", "float"},
	{frame.First("x"), "first(x ORDER BY id)", "exact"},
	{frame.First("s", true), "first(s ORDER BY id) FILTER (WHERE s IS NOT NULL)", "exact"},
	{frame.Last("g"), "last(g ORDER BY id)", "exact"},
	{frame.Last("x", true), "last(x ORDER BY id) FILTER (WHERE x IS NOT NULL)", "exact"},
	{frame.CollectList("g"), "coalesce(list(g ORDER BY id) FILTER (WHERE g IS NOT NULL), [])", "exact"},
	{frame.CollectSet("s"), "coalesce(list(DISTINCT s) FILTER (WHERE s IS NOT NULL), [])", "set"},
	{frame.Sum("x"), "sum(x)", "float"},
	{frame.Count("*"), "count(*)", "exact"},
}

// TestAggregatesAgainstDuckDB computes every new aggregate grouped and
// global, at parallelism 1 and 4 over 4 partitions of 16-row batches, and
// compares with DuckDB. The aggregates run together in one Agg (DISTINCT
// ones beside plain ones: the expanded rewrite) and count(DISTINCT g)
// alone (the two-level one).
func TestAggregatesAgainstDuckDB(t *testing.T) {
	rows := genAggRows(1500, 11)
	var selects []string
	for _, c := range aggCases {
		selects = append(selects, c.duck)
	}
	list := strings.Join(selects, ", ")
	stmts := []string{aggDuckDB(rows),
		"SELECT k, " + list + " FROM t GROUP BY k",
		"SELECT " + list + " FROM t",
		"SELECT k, count(DISTINCT g) FROM t GROUP BY k",
		"SELECT count(DISTINCT g) FROM t",
		"SELECT k, count(DISTINCT v) FROM t GROUP BY k",
		"SELECT count(DISTINCT v) FROM t",
	}
	res := duckdbtest.Query(t, stmts...)[1:]
	for _, r := range res {
		if r.Error != "" {
			t.Fatal(r.Error)
		}
	}
	aggs := make([]frame.Aggregation, len(aggCases))
	cmps := []string{"exact"}
	for i, c := range aggCases {
		aggs[i] = c.agg
		cmps = append(cmps, c.cmp)
	}
	for _, par := range []int{1, 4} {
		t.Run(fmt.Sprintf("parallelism=%d", par), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(par), frame.WithBatchSize(16, 0))
			defer sess.Close()
			df := aggFrame(sess, mem, rows)
			compareAgg(t, "grouped", df.GroupBy("k").Agg(aggs...), res[0], cmps)
			compareAgg(t, "global", df.Agg(aggs...), res[1], cmps[1:])
			compareAgg(t, "count distinct grouped", df.GroupBy("k").Agg(frame.CountDistinct("g")), res[2], []string{"exact", "exact"})
			compareAgg(t, "count distinct global", df.Agg(frame.CountDistinct("g")), res[3], []string{"exact"})
			// approx_count_distinct against the exact count, within 4
			// relative standard errors of the default precision (p = 9).
			bound := 4 * 1.04 / math.Sqrt(512)
			approx := func(name string, got *frame.DataFrame, want duckdbtest.Result, col int) {
				g := aggCollectRows(t, got, []string{"exact", "exact"}[:col+1])
				w := aggDuckRows(want, []string{"exact", "exact"}[:col+1])
				if len(g) != len(w) {
					t.Fatalf("%s: %d rows, want %d", name, len(g), len(w))
				}
				for i := range g {
					est, _ := strconv.ParseFloat(g[i][col], 64)
					exact, _ := strconv.ParseFloat(w[i][col], 64)
					if math.Abs(est-exact) > bound*exact {
						t.Errorf("%s: row %v: estimate %v, exact %v: more than %.1f%% off", name, g[i], est, exact, 100*bound)
					}
				}
			}
			approx("approx grouped", df.GroupBy("k").Agg(frame.ApproxCountDistinct("v")), res[4], 1)
			approx("approx global", df.Agg(frame.ApproxCountDistinct("v")), res[5], 0)
		})
	}
}

// TestPercentileApproxBound checks percentile_approx's documented bound:
// the answer's rank is within count/accuracy of ceil(p·count), over
// groups large enough that the summaries compress and merge.
func TestPercentileApproxBound(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rows := genAggRows(6000, 5)
	ps := []float64{0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1}
	for _, accuracy := range []int{20, 100, 10000} {
		for _, par := range []int{1, 4} {
			sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(par), frame.WithBatchSize(64, 0))
			df := aggFrame(sess, mem, rows)
			got := aggCollectRows(t, df.GroupBy("k").Agg(frame.PercentileApprox("v", ps, accuracy)), []string{"exact", "exact"})
			sess.Close()
			byKey := map[string][]float64{}
			for _, r := range rows {
				key := "NULL"
				if r.k != nil {
					key = strconv.Quote(*r.k)
				}
				byKey[key] = append(byKey[key], float64(r.v))
			}
			for _, g := range got {
				vals := byKey[g[0]]
				n := float64(len(vals))
				answers := strings.Split(strings.Trim(g[1], "[]"), ", ")
				for i, p := range ps {
					v, _ := strconv.ParseFloat(answers[i], 64)
					below, upTo := 0, 0
					for _, x := range vals {
						if x < v {
							below++
						}
						if x <= v {
							upTo++
						}
					}
					rank, eps := math.Max(1, math.Ceil(p*n)), n/float64(accuracy)
					if float64(below+1)-eps > rank || rank > float64(upTo)+eps {
						t.Errorf("accuracy %d, parallelism %d, key %s, p %v: %v has ranks %d..%d, want within %.1f of %v", accuracy, par, g[0], p, v, below+1, upTo, eps, rank)
					}
				}
			}
		}
	}
}

// TestExplodeAgainstDuckDB compares the four generators with DuckDB's
// unnest (NULL and empty lists give no row, or a NULL row for the _outer
// variants), through Select and WithColumn.
func TestExplodeAgainstDuckDB(t *testing.T) {
	rows := genAggRows(300, 2)
	outerTags := "CASE WHEN len(tags) > 0 THEN tags ELSE [NULL] END"
	outerPos := "CASE WHEN len(tags) > 0 THEN range(len(tags)) ELSE [NULL] END"
	res := duckdbtest.Query(t, aggDuckDB(rows),
		"SELECT id, unnest(tags) AS tag FROM t",
		"SELECT id, unnest("+outerTags+") AS tag FROM t",
		"SELECT id, unnest(range(len(tags))) AS pos, unnest(tags) AS col FROM t",
		"SELECT id, unnest("+outerPos+") AS pos, unnest("+outerTags+") AS col FROM t",
		"SELECT id, k, unnest(tags) AS tag FROM t",
	)[1:]
	for _, par := range []int{1, 4} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(par), frame.WithBatchSize(7, 0))
		df := aggFrame(sess, mem, rows)
		ex := []string{"exact", "exact", "exact"}
		aggCompareRows(t, "explode", df.Select("id", frame.Explode("tags").Alias("tag")), res[0], ex[:2])
		aggCompareRows(t, "explode_outer", df.Select("id", frame.ExplodeOuter("tags").Alias("tag")), res[1], ex[:2])
		aggCompareRows(t, "posexplode", df.Select("id", frame.PosExplode("tags")), res[2], ex)
		aggCompareRows(t, "posexplode_outer", df.Select("id", frame.PosExplodeOuter("tags")), res[3], ex)
		aggCompareRows(t, "WithColumn", df.WithColumn("tag", frame.Explode("tags")).Select("id", "k", "tag"), res[4], []string{"exact", "exact", "exact"})
		sess.Close()
		mem.AssertSize(t, 0)
	}
}

// compareAgg compares an aggregate's rows with DuckDB's, ordered by
// their rendering.
func compareAgg(t *testing.T, name string, df *frame.DataFrame, want duckdbtest.Result, cmps []string) {
	t.Helper()
	aggCompareRows(t, name, df, want, cmps)
}

func aggCompareRows(t *testing.T, name string, df *frame.DataFrame, want duckdbtest.Result, cmps []string) {
	t.Helper()
	got := aggCollectRows(t, df, cmps)
	w := aggDuckRows(want, cmps)
	if len(got) != len(w) {
		t.Fatalf("%s: %d rows, DuckDB %d", name, len(got), len(w))
	}
	for i := range got {
		for c := range cmps {
			if !aggSameCell(got[i][c], w[i][c], cmps[c]) {
				t.Fatalf("%s: row %d column %d: ember %v, DuckDB %v", name, i, c, got[i], w[i])
			}
		}
	}
}

func aggSameCell(a, b, cmp string) bool {
	if a == b {
		return true
	}
	if cmp != "float" {
		return false
	}
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && math.Abs(x-y) <= 1e-9*math.Max(1, math.Abs(y))
}

// collectRows renders a DataFrame's rows (cells as cell renders them),
// sorted.
func aggCollectRows(t *testing.T, df *frame.DataFrame, cmps []string) [][]string {
	t.Helper()
	tbl, err := df.Collect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	var rows [][]string
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	for tr.Next() {
		b := tr.RecordBatch()
		for r := range int(b.NumRows()) {
			row := make([]string, b.NumCols())
			for c, col := range b.Columns() {
				row[c] = aggEmberCell(col, r, cmps[c] == "set")
			}
			rows = append(rows, row)
		}
	}
	aggSortRows(rows)
	return rows
}

func aggEmberCell(col arrow.Array, i int, sorted bool) string {
	if col.IsNull(i) {
		return "NULL"
	}
	switch col := col.(type) {
	case *array.String:
		return strconv.Quote(col.Value(i))
	case *array.List:
		start, end := col.ValueOffsets(i)
		var items []string
		for j := start; j < end; j++ {
			items = append(items, aggEmberCell(col.ListValues(), int(j), false))
		}
		if sorted {
			slices.Sort(items)
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	f, err := strconv.ParseFloat(frame.CellString(col, i), 64)
	if err != nil {
		return "?" + frame.CellString(col, i)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// duckRowsOf renders DuckDB's rows as collectRows renders ember's.
func aggDuckRows(r duckdbtest.Result, cmps []string) [][]string {
	var rows [][]string
	for _, row := range r.Rows {
		out := make([]string, len(row))
		for c, v := range row {
			out[c] = aggDuckCell(v, cmps[c] == "set")
		}
		rows = append(rows, out)
	}
	aggSortRows(rows)
	return rows
}

func aggDuckCell(v any, sorted bool) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		if f, err := strconv.ParseFloat(v, 64); err == nil && v != "" && strings.Trim(v, "-0123456789.e") == "" {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
		return strconv.Quote(v)
	case json.Number:
		f, _ := v.Float64()
		return strconv.FormatFloat(f, 'g', -1, 64)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case []any:
		var items []string
		for _, x := range v {
			items = append(items, aggDuckCell(x, false))
		}
		if sorted {
			slices.Sort(items)
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	return fmt.Sprint(v)
}

func aggSortRows(rows [][]string) {
	sort.Slice(rows, func(i, j int) bool { return strings.Join(rows[i], "\x00") < strings.Join(rows[j], "\x00") })
}
