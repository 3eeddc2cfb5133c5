package frame_test

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/duckdbtest"
)

// diffRow is a row of a generated table: k1 and k2 keys (nil for NULL)
// and a value.
type diffRow struct {
	k1 *int64
	k2 *string
	x  int64
}

// genDiffRows generates n rows: keys among keys values (some NULL, many
// duplicates, a quarter of them key 0: skew).
func genDiffRows(rng *rand.Rand, n, keys int) []diffRow {
	out := make([]diffRow, n)
	for i := range out {
		r := diffRow{x: int64(rng.Intn(200))}
		if rng.Intn(8) > 0 {
			k := int64(rng.Intn(keys))
			if rng.Intn(4) == 0 {
				k = 0
			}
			r.k1 = &k
		}
		if rng.Intn(6) > 0 {
			s := []string{"a", "b", "c"}[rng.Intn(3)]
			r.k2 = &s
		}
		out[i] = r
	}
	return out
}

// diffFrame builds a DataFrame of rows (columns k1, k2 and value) in parts
// partitions.
func diffFrame(t *testing.T, sess *frame.Session, mem memory.Allocator, value string, rows []diffRow, parts int) *frame.DataFrame {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k1", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "k2", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: value, Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	var partitions [][]arrow.RecordBatch
	per := (len(rows) + parts - 1) / parts
	for p := range parts {
		b := array.NewRecordBuilder(mem, schema)
		for _, r := range rows[min(p*per, len(rows)):min((p+1)*per, len(rows))] {
			if r.k1 == nil {
				b.Field(0).AppendNull()
			} else {
				b.Field(0).(*array.Int64Builder).Append(*r.k1)
			}
			if r.k2 == nil {
				b.Field(1).AppendNull()
			} else {
				b.Field(1).(*array.StringBuilder).Append(*r.k2)
			}
			b.Field(2).(*array.Int64Builder).Append(r.x)
		}
		rec := b.NewRecordBatch()
		b.Release()
		defer rec.Release()
		partitions = append(partitions, []arrow.RecordBatch{rec})
	}
	return sess.CreateDataFrame(schema, partitions...)
}

// diffInsert is the SQL that creates table name with rows.
func diffInsert(name, value string, rows []diffRow) string {
	var vals []string
	for _, r := range rows {
		k1, k2 := "NULL", "NULL"
		if r.k1 != nil {
			k1 = fmt.Sprint(*r.k1)
		}
		if r.k2 != nil {
			k2 = duckdbtest.String(*r.k2)
		}
		vals = append(vals, fmt.Sprintf("(%s, %s, %d)", k1, k2, r.x))
	}
	return fmt.Sprintf("CREATE TABLE %s (k1 BIGINT, k2 VARCHAR, %s BIGINT); INSERT INTO %s VALUES %s", name, value, name, strings.Join(vals, ", "))
}

// TestJoinsMatchDuckDB runs every join type with every strategy forced —
// a broadcast of each side that may be broadcast, a shuffle — over
// generated tables with NULL keys, duplicates and a skewed key: on a
// name, on two columns, with a residual condition, with <=>, on an
// inequality alone (a nested loop), and as a cross join; and compares
// the rows with DuckDB's, order aside.
func TestJoinsMatchDuckDB(t *testing.T) {
	rng := rand.New(rand.NewSource(2024))
	lrows, rrows := genDiffRows(rng, 300, 40), genDiffRows(rng, 200, 40)
	type cond struct {
		name string
		on   func(l, r *frame.DataFrame) any
		sql  string // the ON condition; "" for USING (k1)
	}
	conds := []cond{
		{"using", func(l, r *frame.DataFrame) any { return "k1" }, ""},
		{"two-keys", func(l, r *frame.DataFrame) any {
			return l.Col("k1").Eq(r.Col("k1")).And(l.Col("k2").Eq(r.Col("k2")))
		}, "l.k1 = r.k1 AND l.k2 = r.k2"},
		{"residual", func(l, r *frame.DataFrame) any {
			return l.Col("k1").Eq(r.Col("k1")).And(frame.Col("v").Lt(frame.Col("w")))
		}, "l.k1 = r.k1 AND l.v < r.w"},
		{"null-safe", func(l, r *frame.DataFrame) any {
			return l.Col("k1").EqNullSafe(r.Col("k1")).And(r.Col("k2").EqNullSafe(l.Col("k2")))
		}, "l.k1 IS NOT DISTINCT FROM r.k1 AND r.k2 IS NOT DISTINCT FROM l.k2"},
		{"inequality", func(l, r *frame.DataFrame) any { return frame.Col("v").Add(170).Lt(frame.Col("w")) }, "l.v + 170 < r.w"},
	}
	hows := []string{"inner", "left", "right", "full", "left_semi", "left_anti"}
	type query struct {
		name, sql     string
		build         func(l, r *frame.DataFrame) *frame.DataFrame
		wantInEXPLAIN string
	}
	var queries []query
	for _, how := range hows {
		for _, c := range conds {
			sql := diffSQL(how, c.sql)
			strategies := []string{"shuffle"}
			switch how {
			case "inner":
				strategies = append(strategies, "broadcast-left", "broadcast-right")
			case "left", "left_semi", "left_anti":
				strategies = append(strategies, "broadcast-right")
			case "right":
				strategies = append(strategies, "broadcast-left")
			}
			for _, st := range strategies {
				how, c, st := how, c, st
				want := "ShuffledHashJoinExec"
				switch {
				case c.name == "inequality" && how == "full":
					want = "NestedLoopJoinExec full"
				case c.name == "inequality":
					want = "BroadcastNestedLoopJoinExec"
				case st != "shuffle":
					want = "BroadcastHashJoinExec"
				}
				queries = append(queries, query{name: how + "/" + c.name + "/" + st, sql: sql, wantInEXPLAIN: want,
					build: func(l, r *frame.DataFrame) *frame.DataFrame {
						on := c.on(l, r)
						switch st {
						case "broadcast-left":
							return frame.Broadcast(l).Join(r, on, how)
						case "broadcast-right":
							return l.Join(frame.Broadcast(r), on, how)
						}
						return l.Join(r, on, how)
					}})
			}
		}
	}
	queries = append(queries, query{name: "cross", sql: "SELECT l.k1, l.k2, l.v, r.k1, r.k2, r.w FROM l CROSS JOIN r", wantInEXPLAIN: "BroadcastNestedLoopJoinExec cross",
		build: func(l, r *frame.DataFrame) *frame.DataFrame { return l.CrossJoin(r) }})

	stmts := []string{diffInsert("l", "v", lrows), diffInsert("r", "w", rrows)}
	for _, q := range queries {
		stmts = append(stmts, q.sql)
	}
	results := duckdbtest.Query(t, stmts...)[2:]
	for i, q := range queries {
		t.Run(q.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2), frame.WithBatchSize(16, 0), frame.WithBroadcastThreshold(-1))
			defer sess.Close()
			l, r := diffFrame(t, sess, mem, "v", lrows, 3), diffFrame(t, sess, mem, "w", rrows, 2)
			df := q.build(l, r)
			if plan := df.Explain(); !strings.Contains(plan, q.wantInEXPLAIN) {
				t.Fatalf("want %s:\n%s", q.wantInEXPLAIN, plan)
			}
			got := collectRows(t, df)
			want := make([]string, len(results[i].Rows))
			for k, row := range results[i].Rows {
				cells := make([]string, len(row))
				for c, v := range row {
					if v == nil {
						cells[c] = "NULL"
					} else {
						cells[c] = fmt.Sprint(v)
					}
				}
				want[k] = strings.Join(cells, "|")
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("%d rows, DuckDB %d\nSQL: %s\nfirst differences: %s", len(got), len(want), q.sql, firstDiff(got, want))
			}
		})
	}
}

// diffSQL is DuckDB's query for a join of l and r, columns in the order
// ember outputs them.
func diffSQL(how, on string) string {
	if on == "" { // USING (k1): the key first, as ember (and Spark) put it
		key := map[string]string{"right": "r.k1", "full": "COALESCE(l.k1, r.k1)"}[how]
		if key == "" {
			key = "l.k1"
		}
		switch how {
		case "left_semi":
			return "SELECT l.k1, l.k2, l.v FROM l WHERE EXISTS (SELECT 1 FROM r WHERE l.k1 = r.k1)"
		case "left_anti":
			return "SELECT l.k1, l.k2, l.v FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE l.k1 = r.k1)"
		}
		return fmt.Sprintf("SELECT %s, l.k2, l.v, r.k2, r.w FROM l %s JOIN r ON l.k1 = r.k1", key, strings.ToUpper(how))
	}
	switch how {
	case "left_semi":
		return "SELECT l.k1, l.k2, l.v FROM l WHERE EXISTS (SELECT 1 FROM r WHERE " + on + ")"
	case "left_anti":
		return "SELECT l.k1, l.k2, l.v FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE " + on + ")"
	}
	return fmt.Sprintf("SELECT l.k1, l.k2, l.v, r.k1, r.k2, r.w FROM l %s JOIN r ON %s", strings.ToUpper(how), on)
}

// firstDiff shows the first rows that one side has and the other lacks.
func firstDiff(got, want []string) string {
	var extra, missing []string
	g, w := 0, 0
	for (g < len(got) || w < len(want)) && len(extra)+len(missing) < 6 {
		switch {
		case w == len(want) || (g < len(got) && got[g] < want[w]):
			extra = append(extra, got[g])
			g++
		case g == len(got) || want[w] < got[g]:
			missing = append(missing, want[w])
			w++
		default:
			g++
			w++
		}
	}
	return fmt.Sprintf("ember only %v, DuckDB only %v", extra, missing)
}
