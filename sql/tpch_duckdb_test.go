package sql_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/duckdbtest"
	"github.com/ember-df/ember/sql"
)

// tpchTable is a small generated TPC-H table: its columns and rows (nil
// is NULL; time.Time a date).
type tpchTable struct {
	name   string
	fields []arrow.Field
	rows   [][]any
}

// smallTPCH generates tables of TPC-H's shape, small enough for DuckDB's
// VALUES lists and chosen so that every query of sql.TPCHQueries has
// rows: a few regions and nations (ASIA, CANADA, SAUDI ARABIA among
// them), 'forest' parts of Brand#23 in MED BOX, orders of 1993-1996.
// Money is in quarters and discounts in sixteenths: sums are exact in
// binary, whatever the order they are added in.
func smallTPCH(seed uint64) []tpchTable {
	r := rand.New(rand.NewPCG(seed, 3))
	i64, f64, str, date, i32 := arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64, arrow.BinaryTypes.String, arrow.FixedWidthTypes.Date32, arrow.PrimitiveTypes.Int32
	f := func(specs ...any) []arrow.Field {
		var out []arrow.Field
		for i := 0; i < len(specs); i += 2 {
			out = append(out, arrow.Field{Name: specs[i].(string), Type: specs[i+1].(arrow.DataType), Nullable: true})
		}
		return out
	}
	day := func(lo time.Time, days int) time.Time { return lo.AddDate(0, 0, r.IntN(days)) }
	start := time.Date(1993, 1, 1, 0, 0, 0, 0, time.UTC)
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	money := func(lo, hi int) float64 { return float64(lo*4+r.IntN((hi-lo)*4)) / 4 }

	region := tpchTable{name: "region", fields: f("r_regionkey", i64, "r_name", str, "r_comment", str)}
	for i, n := range []string{"AMERICA", "ASIA", "MIDDLE EAST"} {
		region.rows = append(region.rows, []any{int64(i), n, "c"})
	}
	nation := tpchTable{name: "nation", fields: f("n_nationkey", i64, "n_name", str, "n_regionkey", i64, "n_comment", str)}
	for i, n := range []struct {
		name   string
		region int64
	}{{"CANADA", 0}, {"BRAZIL", 0}, {"CHINA", 1}, {"JAPAN", 1}, {"INDIA", 1}, {"SAUDI ARABIA", 2}} {
		nation.rows = append(nation.rows, []any{int64(i), n.name, n.region, "c"})
	}
	supplier := tpchTable{name: "supplier", fields: f("s_suppkey", i64, "s_name", str, "s_address", str, "s_nationkey", i64, "s_phone", str, "s_acctbal", f64, "s_comment", str)}
	for i := range 12 {
		supplier.rows = append(supplier.rows, []any{int64(i + 1), fmt.Sprintf("Supplier#%03d", i+1), fmt.Sprintf("addr %d", i), int64(r.IntN(6)), "phone", money(-100, 1000), "c"})
	}
	customer := tpchTable{name: "customer", fields: f("c_custkey", i64, "c_name", str, "c_address", str, "c_nationkey", i64, "c_phone", str, "c_acctbal", f64, "c_mktsegment", str, "c_comment", str)}
	for i := range 40 {
		customer.rows = append(customer.rows, []any{int64(i + 1), fmt.Sprintf("Customer#%03d", i+1), fmt.Sprintf("street %d", i), int64(r.IntN(6)), fmt.Sprintf("%02d-555", i), money(-100, 1000), pick("BUILDING", "BUILDING", "MACHINERY", "AUTOMOBILE"), "c"})
	}
	part := tpchTable{name: "part", fields: f("p_partkey", i64, "p_name", str, "p_mfgr", str, "p_brand", str, "p_type", str, "p_size", i32, "p_container", str, "p_retailprice", f64, "p_comment", str)}
	for i := range 30 {
		part.rows = append(part.rows, []any{int64(i + 1), pick("forest green", "forest blue", "ivory lace", "khaki moss") + fmt.Sprint(" ", i), "Manufacturer#1", pick("Brand#23", "Brand#23", "Brand#12"), "STANDARD", int32(1 + r.IntN(50)), pick("MED BOX", "MED BOX", "SM CASE"), money(900, 1100), "c"})
	}
	partsupp := tpchTable{name: "partsupp", fields: f("ps_partkey", i64, "ps_suppkey", i64, "ps_availqty", i32, "ps_supplycost", f64, "ps_comment", str)}
	for p := range 30 {
		for _, s := range r.Perm(12)[:3] {
			partsupp.rows = append(partsupp.rows, []any{int64(p + 1), int64(s + 1), int32(r.IntN(60)), money(1, 100), "c"})
		}
	}
	orders := tpchTable{name: "orders", fields: f("o_orderkey", i64, "o_custkey", i64, "o_orderstatus", str, "o_totalprice", f64, "o_orderdate", date, "o_orderpriority", str, "o_clerk", str, "o_shippriority", i32, "o_comment", str)}
	lineitem := tpchTable{name: "lineitem", fields: f("l_orderkey", i64, "l_partkey", i64, "l_suppkey", i64, "l_linenumber", i32, "l_quantity", f64, "l_extendedprice", f64, "l_discount", f64, "l_tax", f64, "l_returnflag", str, "l_linestatus", str, "l_shipdate", date, "l_commitdate", date, "l_receiptdate", date, "l_shipinstruct", str, "l_shipmode", str, "l_comment", str)}
	for o := range 200 {
		od := day(start, 4*365)
		orders.rows = append(orders.rows, []any{int64(o + 1), int64(1 + r.IntN(40)), pick("F", "F", "O"), money(100, 5000), od, pick("1-URGENT", "2-HIGH", "3-MEDIUM"), "Clerk#1", int32(0), "c"})
		for l := range 1 + r.IntN(6) {
			ps := partsupp.rows[r.IntN(len(partsupp.rows))]
			ship := od.AddDate(0, 0, 1+r.IntN(100))
			commit := od.AddDate(0, 0, 30+r.IntN(60))
			lineitem.rows = append(lineitem.rows, []any{int64(o + 1), ps[0], ps[1], int32(l + 1), float64(1 + r.IntN(50)), money(100, 2000),
				float64(r.IntN(3)) / 16, float64(r.IntN(3)) / 16, pick("R", "A", "N"), pick("O", "F"), ship, commit, ship.AddDate(0, 0, r.IntN(30)), "DELIVER", "AIR", "c"})
		}
	}
	return []tpchTable{region, nation, supplier, customer, part, partsupp, orders, lineitem}
}

// dataFrame loads t into sess in 2 partitions.
func (t tpchTable) dataFrame(sess *frame.Session, mem memory.Allocator) *frame.DataFrame {
	schema := arrow.NewSchema(t.fields, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for _, row := range t.rows {
		for c, v := range row {
			switch v := v.(type) {
			case nil:
				b.Field(c).AppendNull()
			case int64:
				b.Field(c).(*array.Int64Builder).Append(v)
			case int32:
				b.Field(c).(*array.Int32Builder).Append(v)
			case float64:
				b.Field(c).(*array.Float64Builder).Append(v)
			case string:
				b.Field(c).(*array.StringBuilder).Append(v)
			case time.Time:
				b.Field(c).(*array.Date32Builder).Append(arrow.Date32FromTime(v))
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	n := rec.NumRows()
	var parts [][]arrow.RecordBatch
	for p := range int64(2) {
		s := rec.NewSlice(p*n/2, (p+1)*n/2)
		defer s.Release()
		parts = append(parts, []arrow.RecordBatch{s})
	}
	return sess.CreateDataFrame(schema, parts...)
}

// duckDB is the statement that creates t in DuckDB.
func (t tpchTable) duckDB() string {
	var rows []string
	for _, row := range t.rows {
		cells := make([]string, len(row))
		for c, v := range row {
			switch v := v.(type) {
			case nil:
				cells[c] = "NULL"
			case string:
				cells[c] = duckdbtest.String(v)
			case time.Time:
				cells[c] = "DATE '" + v.Format("2006-01-02") + "'"
			case int32:
				cells[c] = fmt.Sprintf("CAST(%d AS INTEGER)", v)
			case int64:
				cells[c] = fmt.Sprintf("CAST(%d AS BIGINT)", v)
			case float64:
				cells[c] = fmt.Sprintf("CAST(%s AS DOUBLE)", strconv.FormatFloat(v, 'g', -1, 64))
			}
		}
		rows = append(rows, "("+strings.Join(cells, ", ")+")")
	}
	names := make([]string, len(t.fields))
	for i, f := range t.fields {
		names[i] = f.Name
	}
	return fmt.Sprintf("CREATE TABLE %s AS SELECT * FROM (VALUES %s) v(%s)", t.name, strings.Join(rows, ", "), strings.Join(names, ", "))
}

// cell renders a value for comparison: numbers as %.9g (ember's double
// arithmetic against DuckDB's decimals), strings and dates as written.
func cell(v any, t arrow.DataType) string {
	if v == nil {
		return "NULL"
	}
	text := fmt.Sprint(v)
	if n, ok := v.(json.Number); ok {
		text = n.String()
	}
	switch t.ID() {
	case arrow.STRING, arrow.DATE32, arrow.BOOL:
		return text
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return "?" + text
	}
	return strconv.FormatFloat(f, 'g', 9, 64)
}

// TestTPCHAgainstDuckDB runs the TPC-H queries of TestTPCHPlansHashJoins
// (comma joins, explicit JOINs, EXISTS / NOT EXISTS, IN, correlated
// scalar subqueries) over small generated tables in ember and DuckDB:
// the same rows, in the same order.
func TestTPCHAgainstDuckDB(t *testing.T) {
	tables := smallTPCH(15)
	queries := sql.TPCHQueries()
	names := make([]string, 0, len(queries))
	for name := range queries {
		names = append(names, name)
	}
	slices.Sort(names)
	var stmts []string
	for _, tb := range tables {
		stmts = append(stmts, tb.duckDB())
	}
	for _, name := range names {
		stmts = append(stmts, queries[name])
	}
	results := duckdbtest.Query(t, stmts...)[len(tables):]

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2), frame.WithBatchSize(64, 0))
	defer sess.Close()
	for _, tb := range tables {
		if err := tb.dataFrame(sess, mem).CreateTempView(tb.name); err != nil {
			t.Fatal(err)
		}
	}
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			tbl, err := sess.SQL(queries[name]).Collect(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer tbl.Release()
			var got, want []string
			tr := array.NewTableReader(tbl, -1)
			defer tr.Release()
			for tr.Next() {
				b := tr.RecordBatch()
				for r := range int(b.NumRows()) {
					cells := make([]string, b.NumCols())
					for c, col := range b.Columns() {
						var v any
						if !col.IsNull(r) {
							v = frame.CellString(col, r)
						}
						cells[c] = cell(v, col.DataType())
					}
					got = append(got, strings.Join(cells, " | "))
				}
			}
			for _, row := range results[i].Rows {
				cells := make([]string, len(row))
				for c, v := range row {
					cells[c] = cell(v, tbl.Schema().Field(c).Type)
				}
				want = append(want, strings.Join(cells, " | "))
			}
			if len(want) == 0 {
				t.Fatalf("DuckDB gives no rows: make the generated tables hit %s", name)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s\nember (%d rows):\n  %s\nduckdb (%d rows):\n  %s", queries[name], len(got), strings.Join(got, "\n  "), len(want), strings.Join(want, "\n  "))
			}
		})
	}
}
