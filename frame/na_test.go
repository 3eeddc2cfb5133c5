package frame_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/duckdbtest"
)

func TestNaAndFriends(t *testing.T) {
	cases := []opCase{
		{name: "fill-number", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.Na().Fill(0) },
			want: []string{"1|ann|eng|31|4.5", "2|bob|ops|45|0.0", "3|NULL|eng|28|3.0", "4|dave|NULL|0|2.5",
				"5|eve|eng|39|5.0", "6|fay|ops|23|1.5", "7|Gus|NULL|51|0.5"}},
		{name: "fill-float-subset", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.FillNa(2.7, "age", "score", "name").Select("age", "score", "name")
			},
			want: []string{"31|4.5|ann", "45|2.7|bob", "28|3.0|NULL", "2|2.5|dave", "39|5.0|eve", "23|1.5|fay", "51|0.5|Gus"}},
		{name: "fill-string", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.Na().Fill("?").Select("name", "dept", "age") },
			want:  []string{"ann|eng|31", "bob|ops|45", "?|eng|28", "dave|?|NULL", "eve|eng|39", "fay|ops|23", "Gus|?|51"}},
		{name: "fill-bool-touches-nothing", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.Na().Fill(true).Select("name", "age") },
			want:  []string{"ann|31", "bob|45", "NULL|28", "dave|NULL", "eve|39", "fay|23", "Gus|51"}},
		{name: "fill-map", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.Na().Fill(map[string]any{"name": "x", "age": -1, "score": int8(9)}).Select("name", "age", "score")
			},
			want: []string{"ann|31|4.5", "bob|45|9.0", "x|28|3.0", "dave|-1|2.5", "eve|39|5.0", "fay|23|1.5", "Gus|51|0.5"}},
		{name: "drop-any",
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.Na().Drop("any", 0).Select("id") },
			want:  []string{"1", "5", "6"}},
		{name: "drop-all-subset",
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.DropNa("all", 0, "dept", "age").Select("id") },
			want:  []string{"1", "2", "3", "5", "6", "7"}},
		{name: "drop-any-subset",
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.Na().Drop("", 0, "dept", "age").Select("id") },
			want:  []string{"1", "2", "3", "5", "6"}},
		{name: "drop-thresh",
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.Na().Drop("all", 4).Select("id") },
			want:  []string{"1", "2", "3", "5", "6", "7"}},
		{name: "drop-duplicates-key",
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.DropDuplicates("dept").Select("dept") },
			want:  []string{"eng", "ops", "NULL"}},
		{name: "drop-duplicates-two-keys",
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.WithColumn("old", col("age").Gt(30)).DropDuplicates("dept", "old", "dept").Select("dept", "old")
			},
			want: []string{"eng|true", "ops|true", "eng|false", "NULL|NULL", "ops|false", "NULL|true"}},
		{name: "drop-duplicates-all",
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.Select("dept").DropDuplicates() },
			want:  []string{"eng", "ops", "NULL"}},
		{name: "with-columns", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.Select("id", "age").WithColumns(map[string]frame.Column{
					"z": col("id").Add(1), "age": col("id").Mul(10), "a": col("age"), // a reads the input's age
				})
			},
			want: []string{"1|10|31|2", "2|20|45|3", "3|30|28|4", "4|40|NULL|5", "5|50|39|6", "6|60|23|7", "7|70|51|8"}},
	}
	for _, c := range cases {
		runHarness(t, c)
	}
}

func TestWithColumnsOrderAndErrors(t *testing.T) {
	sess := checkedSession(t)
	df := sess.Range(3).WithColumns(map[string]frame.Column{"c": frame.Lit(1), "b": frame.Lit(2), "id": col("id").Mul(2)})
	if got := strings.Join(df.Columns(), ","); got != "id,b,c" {
		t.Fatalf("columns %s", got)
	}
	if got := sess.Range(3).WithColumns(nil).Columns(); !slices.Equal(got, []string{"id"}) {
		t.Fatalf("no columns: %v", got)
	}
	if err := sess.Range(3).WithColumns(map[string]frame.Column{"x": {}}).Err(); err == nil || !strings.Contains(err.Error(), "WithColumns(x)") {
		t.Fatalf("empty Column: %v", err)
	}
}

func TestNaErrors(t *testing.T) {
	sess := checkedSession(t)
	df := partitioned(t, sess, sess.Allocator(), people, peopleJSON, 1)
	for _, c := range []struct {
		df   *frame.DataFrame
		want string
	}{
		{df.Na().Fill(nil), "Na().Fill(<nil>): a fill value must be a number, string, bool or map[string]any; got <nil>"},
		{df.Na().Fill(struct{}{}), "got struct {}"},
		{df.Na().Fill(1, "nope"), `"nope"`},
		{df.Na().Fill(map[string]any{"age": "x"}), `column "age" is int32, so it cannot be filled with the string value x`},
		{df.Na().Fill(map[string]any{"age": nil}), `column "age": a fill value must be a number, string or bool; got <nil>`},
		{df.Na().Fill(map[string]any{"age": 1}, "age"), "columns are given by the map's keys"},
		{df.Na().Drop("some", 0), `how must be "any" or "all", not "some"`},
		{df.Na().Drop("any", -1), "thresh -1 is negative"},
		{df.Na().Drop("any", 0, "nope"), `"nope"`},
		{df.DropDuplicates("dept", "nope"), `DropDuplicates(dept, nope)`},
	} {
		if err := c.df.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}

// TestNaAgainstDuckDB fills and drops over a generated table with NULLs
// and NaNs, and compares with the same semantics written in DuckDB's SQL
// (NaN counts as missing in a float column, as in Spark).
func TestNaAgainstDuckDB(t *testing.T) {
	ctx := context.Background()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	sess := checkedSession(t, frame.WithParallelism(2), frame.WithBatchSize(7, 0))
	rng := rand.New(rand.NewPCG(1, 2))
	ib := array.NewInt64Builder(sess.Allocator())
	fb := array.NewFloat64Builder(sess.Allocator())
	sb := array.NewStringBuilder(sess.Allocator())
	var values []string
	for r := range 200 {
		row := make([]string, 3)
		if rng.IntN(4) == 0 {
			ib.AppendNull()
			row[0] = "NULL"
		} else {
			ib.Append(int64(r))
			row[0] = fmt.Sprint(r)
		}
		switch rng.IntN(5) {
		case 0:
			fb.AppendNull()
			row[1] = "NULL"
		case 1:
			fb.Append(math.NaN())
			row[1] = "'NaN'::DOUBLE"
		default:
			v := float64(rng.IntN(100)) / 4
			fb.Append(v)
			row[1] = fmt.Sprint(v)
		}
		if rng.IntN(3) == 0 {
			sb.AppendNull()
			row[2] = "NULL"
		} else {
			v := fmt.Sprintf("s%d", rng.IntN(10))
			sb.Append(v)
			row[2] = duckdbtest.String(v)
		}
		values = append(values, "("+strings.Join(row, ", ")+")")
	}
	cols := []arrow.Array{ib.NewArray(), fb.NewArray(), sb.NewArray()}
	ib.Release()
	fb.Release()
	sb.Release()
	rec := array.NewRecordBatch(schema, cols, 200)
	for _, c := range cols {
		c.Release()
	}
	df := sess.CreateDataFrame(schema, []arrow.RecordBatch{rec})
	rec.Release()

	present := func(c string) string {
		if c == "f" {
			return "(f IS NOT NULL AND NOT isnan(f))"
		}
		return "(" + c + " IS NOT NULL)"
	}
	count := fmt.Sprintf("((%s)::INT + (%s)::INT + (%s)::INT)", present("i"), present("f"), present("s"))
	queries := []struct {
		df  *frame.DataFrame
		sql string
	}{
		{df.Na().Drop("any", 0), "SELECT * FROM t WHERE " + present("i") + " AND " + present("f") + " AND " + present("s")},
		{df.Na().Drop("all", 0), "SELECT * FROM t WHERE " + present("i") + " OR " + present("f") + " OR " + present("s")},
		{df.Na().Drop("any", 0, "f"), "SELECT * FROM t WHERE " + present("f")},
		{df.Na().Drop("any", 2), "SELECT * FROM t WHERE " + count + " >= 2"},
		{df.Na().Fill(-1.5), "SELECT coalesce(i, -1), CASE WHEN f IS NULL OR isnan(f) THEN -1.5 ELSE f END, s FROM t"},
		{df.Na().Fill("none", "s", "i"), "SELECT i, f, coalesce(s, 'none') FROM t"},
		{df.DropDuplicates("s").Select("s"), "SELECT DISTINCT s FROM t"},
	}
	stmts := []string{"CREATE TABLE t (i BIGINT, f DOUBLE, s VARCHAR)", "INSERT INTO t VALUES " + strings.Join(values, ", ")}
	for _, q := range queries {
		stmts = append(stmts, q.sql)
	}
	ref := duckdbtest.Query(t, stmts...)[2:]
	for k, q := range queries {
		tbl, err := q.df.Collect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := renderTable(tbl)
		tbl.Release()
		want := naDuckRows(ref[k])
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: ember %d rows, DuckDB %d; first difference: %s", q.sql, len(got), len(want), naFirstDifference(got, want))
		}
	}
}

// naDuckCell renders a DuckDB JSON value of SQL type typ as
// frame.CellString renders ember's: NULL, floats with ".0" when whole.
func naDuckCell(v any, typ string) string {
	if v == nil {
		return "NULL"
	}
	s := fmt.Sprint(v)
	if (typ == "DOUBLE" || typ == "FLOAT") && !strings.ContainsAny(s, ".eEN") {
		s += ".0"
	}
	return s
}

// naDuckRows renders a DuckDB result as renderTable renders ember's.
func naDuckRows(r duckdbtest.Result) []string {
	rows := []string{}
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = naDuckCell(v, r.Types[i])
		}
		rows = append(rows, strings.Join(cells, "|"))
	}
	return rows
}

// naFirstDifference describes where two sorted row lists part.
func naFirstDifference(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("row %d: ember %q, DuckDB %q", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("ember %d rows, DuckDB %d", len(got), len(want))
}
