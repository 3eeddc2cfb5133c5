package frame_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/duckdbtest"
)

// sqlTable is a generated table, loaded into ember as a DataFrame and
// into DuckDB as a VALUES list with the same rows.
type sqlTable struct {
	name string
	rows [][]any // id int64, k string, g int32, x float64, s string; nil is NULL
}

var sqlTableSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "g", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// genSQLTable makes n rows from id0 on: keys skewed toward "a", NULLs in
// every column but id, duplicate strings.
func genSQLTable(name string, id0, n int, seed uint64) sqlTable {
	r := rand.New(rand.NewPCG(seed, 1))
	keys := []any{"a", "a", "a", "a", "b", "b", "c", "d", nil}
	words := []any{"apple", "Apple", "banana", "cherry", "date", "apple pie", "", nil}
	t := sqlTable{name: name}
	for i := range n {
		row := []any{int64(id0 + i), keys[r.IntN(len(keys))], nil, nil, words[r.IntN(len(words))]}
		if r.IntN(10) > 0 {
			row[2] = int32(r.IntN(10))
		}
		if r.IntN(7) > 0 {
			row[3] = float64(r.IntN(2000)-500) / 4 // exact in binary: sums agree to the bit
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// dataFrame loads t into sess, in 3 partitions.
func (t sqlTable) dataFrame(tb testing.TB, sess *frame.Session, mem memory.Allocator) *frame.DataFrame {
	b := array.NewRecordBuilder(mem, sqlTableSchema)
	defer b.Release()
	for _, row := range t.rows {
		for c, v := range row {
			if v == nil {
				b.Field(c).AppendNull()
				continue
			}
			switch v := v.(type) {
			case int64:
				b.Field(c).(*array.Int64Builder).Append(v)
			case int32:
				b.Field(c).(*array.Int32Builder).Append(v)
			case float64:
				b.Field(c).(*array.Float64Builder).Append(v)
			case string:
				b.Field(c).(*array.StringBuilder).Append(v)
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var parts [][]arrow.RecordBatch
	n := rec.NumRows()
	for p := range int64(3) {
		s := rec.NewSlice(p*n/3, (p+1)*n/3)
		defer s.Release()
		parts = append(parts, []arrow.RecordBatch{s})
	}
	return sess.CreateDataFrame(sqlTableSchema, parts...)
}

// duckDB is the statement that creates t in DuckDB.
func (t sqlTable) duckDB() string {
	types := []string{"BIGINT", "VARCHAR", "INTEGER", "DOUBLE", "VARCHAR"}
	var rows []string
	for _, row := range t.rows {
		cells := make([]string, len(row))
		for c, v := range row {
			switch v := v.(type) {
			case nil:
				cells[c] = "NULL"
			case string:
				cells[c] = duckdbtest.String(v)
			default:
				cells[c] = fmt.Sprint(v)
			}
			cells[c] = fmt.Sprintf("CAST(%s AS %s)", cells[c], types[c])
		}
		rows = append(rows, "("+strings.Join(cells, ", ")+")")
	}
	return fmt.Sprintf("CREATE TABLE %s AS SELECT * FROM (VALUES %s) v(id, k, g, x, s)", t.name, strings.Join(rows, ", "))
}

// sqlCorpus is the differential corpus: each query runs in ember and in
// DuckDB (duck, when DuckDB spells it differently), over tables t and u.
// Queries with ORDER BY order all rows (ties broken by id), and their
// rows are compared in order; the others as multisets.
var sqlCorpus = []struct {
	query, duck string
}{
	// projection, expressions, literals
	{query: "SELECT * FROM t"},
	{query: "SELECT id, k FROM t"},
	{query: "SELECT id, g + 1 AS g1, g * 2, g - id, x / 2, id % 7 FROM t"},
	{query: "SELECT id, -x, -(g) FROM t"},
	{query: "SELECT 1 + 2 AS three, 'x' AS s, true AS b, NULL AS n"},
	{query: "SELECT id / 4 FROM t"},
	{query: "SELECT ID, K FROM T"}, // case-insensitive names
	{query: "SELECT t.id, t.k FROM t"},
	{query: "SELECT a.id FROM t AS a WHERE a.g > 5"},
	// WHERE
	{query: "SELECT id FROM t WHERE g > 5"},
	{query: "SELECT id FROM t WHERE g > 5 AND x < 0"},
	{query: "SELECT id FROM t WHERE g > 5 OR k = 'b'"},
	{query: "SELECT id FROM t WHERE NOT (g > 5)"},
	{query: "SELECT id FROM t WHERE k IS NULL"},
	{query: "SELECT id FROM t WHERE k IS NOT NULL AND x IS NULL"},
	{query: "SELECT id FROM t WHERE k IN ('b', 'c')"},
	{query: "SELECT id FROM t WHERE k NOT IN ('a', 'b')"},
	{query: "SELECT id FROM t WHERE g BETWEEN 2 AND 4"},
	{query: "SELECT id FROM t WHERE g NOT BETWEEN 2 AND 4"},
	{query: "SELECT id FROM t WHERE s LIKE 'app%'"},
	{query: "SELECT id FROM t WHERE s NOT LIKE '%an%'"},
	{query: "SELECT id FROM t WHERE g <> 3 AND g != 4"},
	{query: "SELECT id, k <=> 'a', g <=> NULL FROM t", duck: "SELECT id, k IS NOT DISTINCT FROM 'a', g IS NOT DISTINCT FROM NULL FROM t"},
	{query: "SELECT id, (g > 3) IS TRUE, (g > 3) IS NOT FALSE FROM t"},
	// CASE, CAST, functions
	{query: "SELECT id, CASE WHEN g > 5 THEN 'hi' WHEN g IS NULL THEN 'none' ELSE 'lo' END FROM t"},
	{query: "SELECT id, CASE k WHEN 'a' THEN 1 WHEN 'b' THEN 2 END FROM t"},
	// Spark's CAST of a double to int truncates; DuckDB's rounds.
	{query: "SELECT id, CAST(g AS bigint), CAST(g AS double), CAST(id AS string), CAST(x AS int) FROM t", duck: "SELECT id, CAST(g AS bigint), CAST(g AS double), CAST(id AS string), CAST(trunc(x) AS int) FROM t"},
	{query: "SELECT id, CAST(CAST(g AS string) AS int) FROM t"},
	{query: "SELECT id, upper(s), lower(s), length(s) FROM t"},
	{query: "SELECT id, coalesce(g, -1), coalesce(k, s, 'none') FROM t"},
	// Spark's concat is NULL when an argument is; DuckDB's skips NULLs.
	{query: "SELECT id, concat(k, '-', s) FROM t", duck: "SELECT id, k || '-' || s FROM t"},
	{query: "SELECT id, if(g > 4, 'big', 'small') FROM t"},
	// aggregates, GROUP BY, HAVING
	{query: "SELECT count(*), count(g), sum(g), avg(x), min(s), max(s) FROM t"},
	{query: "SELECT k, count(*) FROM t GROUP BY k"},
	{query: "SELECT k, count(*) AS n, sum(x), min(g), max(g), avg(g) FROM t GROUP BY k"},
	{query: "SELECT k, g, count(*) FROM t GROUP BY k, g"},
	{query: "SELECT k, count(*) FROM t GROUP BY 1"},
	{query: "SELECT upper(k) AS uk, count(*) FROM t GROUP BY uk"},
	{query: "SELECT g % 3, count(*) FROM t GROUP BY g % 3"},
	{query: "SELECT k, sum(g) + 1, count(*) * 2 FROM t GROUP BY k"},
	{query: "SELECT k, count(*) FROM t GROUP BY k HAVING count(*) > 10"},
	{query: "SELECT k, sum(x) FROM t GROUP BY k HAVING max(g) >= 9 AND k IS NOT NULL"},
	{query: "SELECT count(DISTINCT k) FROM t WHERE g < 0"},
	{query: "SELECT count(DISTINCT k) FROM t"},
	{query: "SELECT g, count(DISTINCT k) FROM t GROUP BY g"},
	{query: "SELECT k, sum(DISTINCT g) FROM t GROUP BY k"},
	{query: "SELECT count(*) FROM t WHERE g > 100"},
	{query: "SELECT k, count(*) FROM t WHERE g > 100 GROUP BY k"},
	{query: "SELECT CASE WHEN g > 4 THEN 'big' ELSE 'small' END AS size, count(*) FROM t GROUP BY 1"},
	// every aggregate of plan.LookupAggregate, by name
	{query: "SELECT k, round(stddev(x), 6), round(stddev_samp(g), 6), round(stddev_pop(x), 6), round(variance(x), 4), round(var_samp(g), 6), round(var_pop(x), 4) FROM t GROUP BY k"},
	{query: "SELECT std(x), mean(g) FROM t", duck: "SELECT stddev(x), avg(g) FROM t"},
	{query: "SELECT k, first(k), last(k), first(k, true), last(s IS NULL, false) IS NOT NULL FROM t GROUP BY k", duck: "SELECT k, first(k), last(k), first(k), true FROM t GROUP BY k"},
	{query: "SELECT k, size(collect_set(g)), size(collect_list(s)) FROM t GROUP BY k", duck: "SELECT k, count(DISTINCT g), count(s) FROM t GROUP BY k"},
	{query: "SELECT k, approx_count_distinct(g), approx_count_distinct(s, 0.01) FROM t GROUP BY k", duck: "SELECT k, count(DISTINCT g), count(DISTINCT s) FROM t GROUP BY k"},
	{query: "SELECT k, percentile_approx(g, 0.5, 10000), approx_percentile(x, 0.25) FROM t GROUP BY k", duck: "SELECT k, quantile_disc(g, 0.5), quantile_disc(x, 0.25) FROM t GROUP BY k"},
	{query: "SELECT count(DISTINCT k, g) FROM t", duck: "SELECT count(DISTINCT k || '|' || g) FROM t"}, // a row with a NULL is not counted
	{query: "SELECT k, count(DISTINCT g), count(*), sum(x) FROM t GROUP BY k"},
	{query: "SELECT k, count(DISTINCT g), sum(DISTINCT x), max(s) FROM t GROUP BY k"},
	{query: "SELECT g % 2, count(DISTINCT k, s), avg(DISTINCT x), count(x) FROM t GROUP BY g % 2", duck: "SELECT g % 2, count(DISTINCT k || '|' || s), avg(DISTINCT x), count(x) FROM t GROUP BY g % 2"},
	// window functions
	{query: "SELECT id, row_number() OVER (PARTITION BY k ORDER BY g, id) FROM t"},
	{query: "SELECT id, rank() OVER (PARTITION BY k ORDER BY g), dense_rank() OVER (PARTITION BY k ORDER BY g DESC), percent_rank() OVER (ORDER BY g) FROM t"},
	{query: "SELECT id, ntile(4) OVER (ORDER BY id), lag(g) OVER (PARTITION BY k ORDER BY id), lead(x, 2, 0) OVER (PARTITION BY k ORDER BY id) FROM t"},
	{query: "SELECT id, sum(x) OVER (PARTITION BY k ORDER BY id ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING), count(*) OVER (PARTITION BY k), avg(g) OVER (PARTITION BY k ORDER BY g) FROM t"},
	{query: "SELECT id, min(g) OVER w, max(s) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), count(x) OVER w FROM t WINDOW w AS (PARTITION BY k ORDER BY id)",
		duck: "SELECT id, min(g) OVER w, max(s) OVER (PARTITION BY k ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), count(x) OVER w FROM t WINDOW w AS (PARTITION BY k ORDER BY id)"},
	{query: "SELECT id, sum(g) OVER (PARTITION BY k ORDER BY g RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t"},
	{query: "SELECT id, g FROM t ORDER BY row_number() OVER (ORDER BY g DESC, id) LIMIT 10"},
	{query: "SELECT id, first_value(k) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING), last_value(s) OVER (PARTITION BY g ORDER BY id) FROM t"},
	{query: "SELECT id, round(x - avg(x) OVER (PARTITION BY k), 6) AS dx FROM t"},
	{query: "SELECT k, n, rank() OVER (ORDER BY n DESC) FROM (SELECT k, count(*) AS n FROM t GROUP BY k) c"},
	{query: "SELECT id, cume_dist() OVER (PARTITION BY k ORDER BY g), cume_dist() OVER (ORDER BY x DESC) FROM t"},
	{query: "SELECT id, nth_value(x, 2) OVER (PARTITION BY k ORDER BY id), nth_value(s, 3) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING) FROM t"},
	{query: "SELECT id, nth_value(x, 2) IGNORE NULLS OVER (PARTITION BY k ORDER BY id), nth_value(g, 4, true) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM t",
		duck: "SELECT id, nth_value(x, 2 IGNORE NULLS) OVER (PARTITION BY k ORDER BY id), nth_value(g, 4 IGNORE NULLS) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM t"},
	{query: "SELECT id, first_value(x) IGNORE NULLS OVER (PARTITION BY k ORDER BY id) FROM t",
		duck: "SELECT id, first_value(x IGNORE NULLS) OVER (PARTITION BY k ORDER BY id) FROM t"},
	// generators
	{query: "SELECT id, explode(split(s, ' ')) FROM t", duck: "SELECT id, unnest(string_split(s, ' ')) FROM t"},
	{query: "SELECT id, explode(split(s, ' ')) AS w FROM t WHERE g > 3", duck: "SELECT id, unnest(string_split(s, ' ')) AS w FROM t WHERE g > 3"},
	{query: "SELECT id, posexplode(split(s, 'p')) FROM t", duck: "SELECT id, generate_subscripts(string_split(s, 'p'), 1) - 1, unnest(string_split(s, 'p')) FROM t"},
	{query: "SELECT explode_outer(split(s, ' ')) AS w, id FROM t", duck: "SELECT unnest(CASE WHEN s IS NULL THEN [NULL] ELSE string_split(s, ' ') END) AS w, id FROM t"},
	{query: "SELECT id, explode(array(id, id * 2)) FROM t WHERE id < 20", duck: "SELECT id, unnest([id, id * 2]) FROM t WHERE id < 20"},
	{query: "SELECT id, explode(split(s, ' ')) AS w FROM t ORDER BY id DESC, w", duck: "SELECT id, unnest(string_split(s, ' ')) AS w FROM t ORDER BY id DESC, w"},
	{query: "SELECT w, count(*) FROM (SELECT explode(split(s, ' ')) AS w FROM t) e GROUP BY w", duck: "SELECT w, count(*) FROM (SELECT unnest(string_split(s, ' ')) AS w FROM t) e GROUP BY w"},
	// ORDER BY, LIMIT, DISTINCT
	{query: "SELECT id, g FROM t ORDER BY g, id"},
	{query: "SELECT id, g FROM t ORDER BY g DESC, id"},
	{query: "SELECT id, g FROM t ORDER BY g NULLS LAST, id"},
	{query: "SELECT id, g FROM t ORDER BY g DESC NULLS FIRST, id DESC"},
	{query: "SELECT id, x FROM t ORDER BY 2 ASC NULLS LAST, 1"},
	{query: "SELECT id AS i, g FROM t ORDER BY i DESC LIMIT 5"},
	{query: "SELECT id FROM t ORDER BY x * -1, id LIMIT 7"},
	{query: "SELECT id FROM t ORDER BY k, s, id"},
	{query: "SELECT k, count(*) AS n FROM t GROUP BY k ORDER BY n DESC, k"},
	{query: "SELECT k, count(*) FROM t GROUP BY k ORDER BY count(*), k"},
	{query: "SELECT k FROM t GROUP BY k ORDER BY sum(g) DESC, k"},
	{query: "SELECT DISTINCT k FROM t"},
	{query: "SELECT DISTINCT k, g FROM t"},
	{query: "SELECT DISTINCT k FROM t ORDER BY k NULLS LAST"},
	{query: "SELECT id FROM t LIMIT 0"},
	// subqueries in FROM, CTEs, UNION
	{query: "SELECT k, n FROM (SELECT k, count(*) AS n FROM t GROUP BY k) AS c WHERE n > 5"},
	{query: "SELECT s.id + 1 FROM (SELECT id FROM t WHERE g = 1) s"},
	{query: "WITH c AS (SELECT k, g FROM t WHERE g > 2) SELECT k, max(g) FROM c GROUP BY k"},
	{query: "WITH a AS (SELECT id, g FROM t), b AS (SELECT id FROM a WHERE g = 3) SELECT count(*) FROM b"},
	{query: "SELECT id, k FROM t UNION ALL SELECT id, k FROM u"},
	{query: "SELECT k FROM t UNION SELECT k FROM u"},
	{query: "SELECT g FROM t UNION SELECT g FROM u ORDER BY 1 NULLS FIRST"},
	{query: "SELECT id, x FROM t WHERE g = 1 UNION ALL SELECT id, CAST(g AS double) FROM u WHERE g = 2"},
	{query: "SELECT k, count(*) FROM (SELECT k FROM t UNION ALL SELECT k FROM u) v GROUP BY k"},
}

// TestSQLAgainstDuckDB runs the corpus in ember and DuckDB over the same
// generated tables and compares the results.
func TestSQLAgainstDuckDB(t *testing.T) {
	if len(sqlCorpus) < 40 {
		t.Fatalf("the corpus has %d queries; keep at least 40", len(sqlCorpus))
	}
	queries := make([]string, len(sqlCorpus))
	ducks := make([]string, len(sqlCorpus))
	for i, q := range sqlCorpus {
		queries[i], ducks[i] = q.query, q.duck
	}
	runSQLDifferential(t, []sqlTable{genSQLTable("t", 1, 150, 7), genSQLTable("u", 120, 60, 8)}, queries, ducks)
}

// runSQLDifferential runs queries in ember (at parallelism 2, batches of
// 16 rows) and DuckDB (ducks[i] when not "") over tables and compares the
// rows: in order under an outer ORDER BY, as multisets otherwise.
func runSQLDifferential(t *testing.T, tables []sqlTable, queries, ducks []string) {
	stmts := []string{"SET default_null_order = 'nulls_first_on_asc_last_on_desc'"} // Spark's
	for _, tb := range tables {
		stmts = append(stmts, tb.duckDB())
	}
	for i, q := range queries {
		if ducks[i] != "" {
			q = ducks[i]
		}
		stmts = append(stmts, q)
	}
	results := duckdbtest.Query(t, stmts...)[1+len(tables):]

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2), frame.WithBatchSize(16, 0))
	defer sess.Close()
	for _, tb := range tables {
		if err := tb.dataFrame(t, sess, mem).CreateTempView(tb.name); err != nil {
			t.Fatal(err)
		}
	}
	for i, q := range queries {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			tbl, err := sess.SQL(q).Collect(t.Context())
			if err != nil {
				t.Fatalf("%s\n%v", q, err)
			}
			defer tbl.Release()
			got := canonicalRows(tbl)
			want := duckRows(t, results[i], tbl.Schema())
			if !outerOrderBy(q) {
				slices.Sort(got)
				slices.Sort(want)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s\nember (%d rows):\n  %s\nduckdb (%d rows):\n  %s", q, len(got), strings.Join(got, "\n  "), len(want), strings.Join(want, "\n  "))
			}
		})
	}
}

// outerOrderBy reports whether query orders its result: an ORDER BY
// outside parentheses (not a window's or a subquery's).
func outerOrderBy(query string) bool {
	var outer strings.Builder
	depth := 0
	for _, r := range query {
		switch {
		case r == '(':
			depth++
		case r == ')':
			depth--
		case depth == 0:
			outer.WriteRune(r)
		}
	}
	return strings.Contains(strings.ToUpper(outer.String()), "ORDER BY")
}

// canonicalRows renders an ember result: numbers as %.10g, NULL, strings
// quoted.
func canonicalRows(tbl arrow.Table) []string {
	var rows []string
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	for tr.Next() {
		b := tr.RecordBatch()
		for r := range int(b.NumRows()) {
			cells := make([]string, b.NumCols())
			for c, col := range b.Columns() {
				cells[c] = canonicalCell(col, r)
			}
			rows = append(rows, strings.Join(cells, " | "))
		}
	}
	return rows
}

func canonicalCell(col arrow.Array, i int) string {
	if col.IsNull(i) || col.DataType().ID() == arrow.NULL {
		return "NULL"
	}
	switch col := col.(type) {
	case *array.String:
		return strconv.Quote(col.Value(i))
	case *array.Boolean:
		return strconv.FormatBool(col.Value(i))
	}
	f, err := strconv.ParseFloat(frame.CellString(col, i), 64)
	if err != nil {
		return "?" + frame.CellString(col, i)
	}
	return canonicalNumber(f)
}

func canonicalNumber(f float64) string { return strconv.FormatFloat(f, 'g', 10, 64) }

// duckRows renders DuckDB's rows as canonicalRows renders ember's, by
// ember's column types (DuckDB gives BIGINT, HUGEINT and DECIMAL as
// strings).
func duckRows(t *testing.T, r duckdbtest.Result, s *arrow.Schema) []string {
	var rows []string
	if len(r.Columns) != s.NumFields() {
		t.Fatalf("duckdb gave %d columns %v, ember %d: %s", len(r.Columns), r.Columns, s.NumFields(), s)
	}
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for c, v := range row {
			switch {
			case v == nil:
				cells[c] = "NULL"
			case s.Field(c).Type.ID() == arrow.STRING:
				cells[c] = strconv.Quote(fmt.Sprint(v))
			case s.Field(c).Type.ID() == arrow.BOOL:
				cells[c] = fmt.Sprint(v)
			default:
				var text string
				switch v := v.(type) {
				case json.Number:
					text = v.String()
				default:
					text = fmt.Sprint(v)
				}
				f, err := strconv.ParseFloat(text, 64)
				if err != nil {
					cells[c] = "?" + text
				} else {
					cells[c] = canonicalNumber(f)
				}
			}
		}
		rows = append(rows, strings.Join(cells, " | "))
	}
	return rows
}
