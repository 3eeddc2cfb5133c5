package parquetio_test

// Interoperability with an independent Parquet implementation: DuckDB
// writes files that ember reads, and reads files that ember writes.
//
// DuckDB runs in node through @duckdb/node-api, installed by
// bench/setup.sh into bench/duckdb/node_modules (EMBER_DUCKDB_DIR names
// another directory holding such a node_modules). Without node or the
// package the tests skip, except when CI=true, where they fail: CI has
// them installed, and a silent skip there would hide a regression.
//
// pandas is not used here although Debian's python3-pandas is installed:
// pandas reads and writes Parquet only through pyarrow or fastparquet, and
// Debian 12 packages neither, so DuckDB is the only other implementation
// these tests have for Parquet written by others.

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/duckdbtest"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
)

// duckDBScript runs the SQL statements given as a JSON array on stdin in
// an in-memory DuckDB and prints, as one JSON array, each statement's
// column names, column types and rows (BIGINTs and DECIMALs as strings,
// NaN as "NaN").
//
// A statement may also be an object {sql, canonical, keepError}:
// canonical prints its rows as arrays of values in the canonical form
// that canonicalValue (conformance_test.go) gives ember's values, made
// from DuckDB's values themselves rather than their display strings;
// keepError prints the statement's error as {error} instead of failing
// the run, for files DuckDB refuses.
const duckDBScript = `
import { DuckDBInstance, DuckDBTypeId as T, DuckDBVariantValue, DuckDBListValue, DuckDBStructValue } from '@duckdb/node-api';
import { typeForValue } from '@duckdb/node-api/lib/typeForValue.js';
import { readFileSync } from 'node:fs';
const stmts = JSON.parse(readFileSync(0, 'utf8'));
let instance, conn;
async function open() {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  await conn.run('SET threads=2');
}
function close() {
  conn.closeSync();
  instance.closeSync();
}
await open();

// canon renders a value of DuckDB type t in the canonical form.
function canon(v, t) {
  if (v === null || v === undefined) return null;
  switch (t.typeId) {
  case T.BOOLEAN: return v;
  case T.TINYINT: case T.SMALLINT: case T.INTEGER: case T.BIGINT: case T.HUGEINT:
  case T.UTINYINT: case T.USMALLINT: case T.UINTEGER: case T.UBIGINT: case T.UHUGEINT:
    return String(v);
  case T.FLOAT: case T.DOUBLE: return { float: Object.is(v, -0) ? '-0' : String(v) };
  case T.VARCHAR: case T.ENUM: return String(v);
  case T.BLOB: case T.GEOMETRY: return { bytes: Buffer.from(v.bytes).toString('hex') };
  case T.UUID: return { bytes: v.toUint128().toString(16).padStart(32, '0') };
  case T.DECIMAL: return { decimal: v.value + 'e-' + v.scale };
  case T.DATE: return { date: v.days };
  case T.TIMESTAMP_S: return { ts_ns: String(v.seconds * 1000000000n), utc: false };
  case T.TIMESTAMP_MS: return { ts_ns: String(v.millis * 1000000n), utc: false };
  case T.TIMESTAMP: return { ts_ns: String(v.micros * 1000n), utc: false };
  case T.TIMESTAMP_NS: return { ts_ns: String(v.nanos), utc: false };
  case T.TIMESTAMP_TZ: return { ts_ns: String(v.micros * 1000n), utc: true };
  case T.TIME: return { time_ns: String(v.micros * 1000n) };
  case T.TIME_NS: return { time_ns: String(v.nanos) };
  case T.TIME_TZ: return { time_ns: String((v.micros - BigInt(v.offset) * 1000000n) * 1000n) };
  case T.INTERVAL: return { months: v.months, days: v.days, micros: String(v.micros) };
  case T.LIST: case T.ARRAY: return v.items.map((x) => canon(x, t.valueType));
  case T.STRUCT: {
    const o = {};
    t.entryNames.forEach((name, i) => { o[name] = canon(v.entries[name], t.entryTypes[i]); });
    return o;
  }
  case T.MAP: return { map: v.entries.map((e) => [canon(e.key, t.keyType), canon(e.value, t.valueType)]) };
  case T.VARIANT: return canonVariant(v);
  default: return { unsupported: String(t), value: String(v) };
  }
}

// canonVariant renders a VARIANT: its objects as STRUCTs, its arrays as
// LISTs, its scalars by the type DuckDB decoded them as, or (the fields
// and elements nested in it, which carry none) the type node-api infers
// from the JavaScript value, as its own JSON conversion of VARIANTs does;
// but a JavaScript number of no type, integer or float, is {number}.
function canonVariant(v, type) {
  if (v === null || v === undefined) return null;
  if (v instanceof DuckDBVariantValue) return canonVariant(v.value, v.type ?? type);
  if (v instanceof DuckDBListValue) return v.items.map((x) => canonVariant(x));
  if (v instanceof DuckDBStructValue) {
    const o = {};
    for (const k in v.entries) o[k] = canonVariant(v.entries[k]);
    return o;
  }
  if (!type && typeof v === 'number') return { number: Object.is(v, -0) ? '-0' : String(v) };
  return canon(v, type ?? typeForValue(v));
}

try {
  const out = [];
  for (const stmt of stmts) {
    const { sql, canonical = false, keepError = false } = typeof stmt === 'string' ? { sql: stmt } : stmt;
    try {
      const r = await conn.runAndReadAll(sql);
      const res = { columns: r.columnNames(), types: r.columnTypes().map(String) };
      if (canonical) {
        const types = r.columnTypes();
        res.values = r.getRows().map((row) => row.map((v, i) => canon(v, types[i])));
      } else {
        res.rows = r.getRowObjectsJson();
      }
      out.push(res);
    } catch (e) {
      if (!keepError) throw e;
      out.push({ error: String(e.message ?? e) });
      // An internal error can invalidate the database, which then refuses
      // every later statement: the next statement gets a new one.
      close();
      await open();
    }
  }
  console.log(JSON.stringify(out));
} finally {
  close();
}
`

// duckStatement is a statement in its object form (see duckDBScript).
type duckStatement struct {
	SQL       string `json:"sql"`
	Canonical bool   `json:"canonical,omitempty"`
	KeepError bool   `json:"keepError,omitempty"`
}

// duckResult is one statement's result.
type duckResult struct {
	Columns []string         `json:"columns"`
	Types   []string         `json:"types"`
	Rows    []map[string]any `json:"rows"`
	Values  [][]any          `json:"values"` // canonical statements
	Error   string           `json:"error"`  // keepError statements
}

// duckDB runs SQL statements in one DuckDB session and returns their
// results.
func duckDB(t *testing.T, stmts ...string) []duckResult {
	t.Helper()
	anys := make([]any, len(stmts))
	for i, s := range stmts {
		anys[i] = s
	}
	return runDuckDB(t, anys)
}

// runDuckDB runs statements, each a string or a duckStatement, in one
// DuckDB session and returns their results.
func runDuckDB(t *testing.T, stmts []any) []duckResult {
	t.Helper()
	out, err := tryDuckDB(duckdbtest.Dir(t), stmts)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tryDuckDB is runDuckDB returning the failure of the node process (a
// crash, a statement that fails without keepError) as an error; dir is
// duckdbtest.Dir's.
func tryDuckDB(dir string, stmts []any) ([]duckResult, error) {
	var out []duckResult
	if err := duckdbtest.Node(dir, duckDBScript, stmts, &out); err != nil {
		in, _ := json.Marshal(stmts)
		return nil, fmt.Errorf("%v\nstatements: %s", err, clip(string(in)))
	}
	return out, nil
}

// TestReadDuckDBTypes reads a file DuckDB wrote with one column of each
// type ember maps, NULLs in every column, extremes, and strings with
// quotes, unicode and control characters.
func TestReadDuckDBTypes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "types.parquet")
	duckDB(t, `COPY (SELECT * FROM (VALUES
		(1::INTEGER, 10000000000::BIGINT, 1.5::DOUBLE, 'plain'::VARCHAR, true,
		 DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:05.123456', TIMESTAMPTZ '2024-01-02 03:04:05.123456+00',
		 12.3::DECIMAL(4,1), 123456789012.345::DECIMAL(18,3), 12345678901234567890.0123456789::DECIMAL(38,10),
		 [0.5, -1.25, NULL]::FLOAT[], {'lang': 'go', 'stars': 5::INTEGER}),
		(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
		(-2147483648, -9223372036854775808, -1e300, 'dé"jà 🦆 日本語 it''s', false,
		 DATE '1970-01-01', TIMESTAMP '1969-12-31 23:59:59', TIMESTAMPTZ '1969-12-31 23:59:59.999999+00',
		 -999.9, -0.001, -0.0000000001,
		 []::FLOAT[], {'lang': NULL, 'stars': NULL}),
		(2147483647, 9223372036854775807, 0.1, '', true,
		 DATE '9999-12-31', TIMESTAMP '2262-04-11 23:47:16', TIMESTAMPTZ '2000-01-01 00:00:00+00',
		 0.0, 0.0, 99999999999999999999999999.9999999999,
		 [0.1, 3.4e38]::FLOAT[], NULL),
		(0, 0, 'NaN'::DOUBLE, 'tab	newline
		 back\slash "dq"', NULL,
		 NULL, NULL, NULL, NULL, NULL, NULL, [NULL]::FLOAT[], {'lang': '', 'stars': -1})
	) AS t(i32, i64, f64, s, b, d, ts, tstz, dec4, dec18, dec38, floats, st)) TO `+duckdbtest.String(path)+` (FORMAT parquet)`)

	mem := checkedAllocator(t)
	src, err := parquetio.NewSource([]string{path}, parquetio.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := schemaOf(
		field("i32", i32, true),
		field("i64", i64, true),
		field("f64", f64, true),
		field("s", utf8, true), // plain utf8: not dictionary, not large
		field("b", arrow.FixedWidthTypes.Boolean, true),
		field("d", arrow.FixedWidthTypes.Date32, true),
		field("ts", &arrow.TimestampType{Unit: arrow.Microsecond}, true),
		field("tstz", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, true),
		field("dec4", &arrow.Decimal128Type{Precision: 4, Scale: 1}, true),
		field("dec18", &arrow.Decimal128Type{Precision: 18, Scale: 3}, true),
		field("dec38", &arrow.Decimal128Type{Precision: 38, Scale: 10}, true),
		field("floats", arrow.ListOf(f32), true),
		field("st", arrow.StructOf(field("lang", utf8, true), field("stars", i32, true)), true),
	)
	if !src.Schema().Equal(want) {
		t.Fatalf("schema\n%s\nwant\n%s", src.Schema(), want)
	}
	wantRows := []string{
		`1|10000000000|1.5|plain|true|2024-02-29|2024-01-02T03:04:05.123456|2024-01-02T03:04:05.123456Z|12.3|123456789012.345|12345678901234567890.0123456789|[0.5,-1.25,null]|{"lang":"go","stars":5}`,
		`(null)|(null)|(null)|(null)|(null)|(null)|(null)|(null)|(null)|(null)|(null)|(null)|(null)`,
		`-2147483648|-9223372036854775808|-1e+300|dé"jà 🦆 日本語 it's|false|1970-01-01|1969-12-31T23:59:59|1969-12-31T23:59:59.999999Z|-999.9|-0.001|-1e-10|[]|{"lang":null,"stars":null}`,
		`2147483647|9223372036854775807|0.1||true|9999-12-31|2262-04-11T23:47:16|2000-01-01T00:00:00Z|0|0|99999999999999999999999999.9999999999|[0.1,3.4e+38]|(null)`,
		"0|0|NaN|tab\tnewline\n\t\t back\\slash \"dq\"|(null)|(null)|(null)|(null)|(null)|(null)|(null)|[null]|{\"lang\":\"\",\"stars\":-1}",
	}
	for _, batch := range []int{1, 3, 100} {
		res := scan(t, src, plan.ScanOptions{Allocator: mem, BatchRows: batch})
		for i := range max(len(res.rows), len(wantRows)) {
			var got, w string
			if i < len(res.rows) {
				got = res.rows[i]
			}
			if i < len(wantRows) {
				w = wantRows[i]
			}
			if got != w {
				t.Errorf("batch %d: row %d\n got %q\nwant %q", batch, i, got, w)
			}
		}
	}
}

// TestReadDuckDBRowGroups reads a file DuckDB wrote in several row groups
// with a dictionary-encoded string column, checks every value against the
// formulas that made it, and checks that DuckDB's statistics prune.
func TestReadDuckDBRowGroups(t *testing.T) {
	const n = 100_000
	path := filepath.Join(t.TempDir(), "groups.parquet")
	duckDB(t, fmt.Sprintf(`COPY (
		SELECT i::INTEGER AS i32, i * 1000003 AS i64, i / 4 AS f64,
		       CASE WHEN i %% 7 = 0 THEN NULL ELSE 'key ' || (i %% 50) || ' ünï' END AS s
		FROM range(%d) AS t(i) ORDER BY i
	) TO %s (FORMAT parquet, ROW_GROUP_SIZE 10000)`, n, duckdbtest.String(path)))

	// The file is what the test needs: several row groups, and a string
	// column stored as a dictionary.
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	groups := pf.NumRowGroups()
	cc, err := pf.MetaData().RowGroup(0).ColumnChunk(3)
	if err != nil {
		t.Fatal(err)
	}
	dict := cc.HasDictionaryPage()
	pf.Close()
	if groups < 5 || !dict {
		t.Fatalf("DuckDB wrote %d row groups, dictionary page %v; want several and a dictionary", groups, dict)
	}

	mem := checkedAllocator(t)
	opts := parquetio.DefaultOptions()
	opts.MaxSplitBytes = 1 // a partition per row group
	src, err := parquetio.NewSource([]string{path}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if src.Partitions() != groups {
		t.Fatalf("%d partitions for %d row groups", src.Partitions(), groups)
	}
	if !src.Schema().Equal(schemaOf(field("i32", i32, true), field("i64", i64, true), field("f64", f64, true), field("s", utf8, true))) {
		t.Fatalf("schema %s", src.Schema())
	}
	for _, batch := range []int{777, 16384} {
		res := scan(t, src, plan.ScanOptions{Allocator: mem, BatchRows: batch})
		if len(res.rows) != n {
			t.Fatalf("read %d rows, want %d", len(res.rows), n)
		}
		for i, got := range res.rows {
			s := "(null)"
			if i%7 != 0 {
				s = fmt.Sprintf("key %d ünï", i%50)
			}
			want := fmt.Sprintf("%d|%d|%s|%s", i, int64(i)*1000003, strconv.FormatFloat(float64(i)/4, 'g', -1, 64), s)
			if got != want {
				t.Fatalf("batch %d: row %d is %q, want %q", batch, i, got, want)
			}
		}
	}

	// Row groups whose statistics rule the filter out are skipped.
	ctx := context.Background()
	sess, _ := session(t)
	df := sess.Read().Parquet(path)
	got, err := df.Filter(frame.Col("i32").Ge(50_000).And(frame.Col("i32").Lt(51_000))).Count(ctx)
	if err != nil || got != 1000 {
		t.Fatalf("Count = %d, %v", got, err)
	}
	if read := sess.LastMetrics().RowsRead; read > 2*n/int64(groups)+1 {
		t.Fatalf("read %d rows of %d row groups for 1000 matches: DuckDB's statistics did not prune", read, groups)
	}
	got, err = df.Filter(frame.Col("s").Eq("key 3 ünï")).Count(ctx)
	var want int64
	for i := 0; i < n; i++ {
		if i%50 == 3 && i%7 != 0 {
			want++
		}
	}
	if err != nil || got != want {
		t.Fatalf("Count = %d, %v; want %d", got, err, want)
	}
}

// interopSchema is what ember writes for DuckDB to read.
var interopSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "small", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "embedding", Type: arrow.ListOf(arrow.PrimitiveTypes.Float32), Nullable: true},
	{Name: "meta", Type: arrow.StructOf(
		arrow.Field{Name: "lang", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "stars", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	), Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Paris"}, Nullable: true},
	{Name: "local", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
	{Name: "price", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true},
}, nil)

const interopJSON = `[
	{"id": 1, "small": 7, "name": "ann", "score": 4.5, "flag": true, "embedding": [0.5, -1, 2], "meta": {"lang": "go", "stars": 5},
	 "day": "2024-02-29", "at": "2024-01-02T03:04:05.123456Z", "local": "2024-01-02T03:04:05.123", "price": "1234567890.12"},
	{"id": 2, "small": null, "name": null, "score": null, "flag": null, "embedding": null, "meta": null,
	 "day": null, "at": null, "local": null, "price": null},
	{"id": 3, "small": -2147483648, "name": "", "score": -0.0, "flag": false, "embedding": [], "meta": {"lang": null, "stars": null},
	 "day": "1970-01-01", "at": "1969-12-31T23:59:59Z", "local": "1969-12-31T23:59:59.999", "price": "-0.01"},
	{"id": 4, "small": 2147483647, "name": "dé\"jà 🦆 it's", "score": 1e300, "flag": true, "embedding": [null, 3.25, 0.1], "meta": {"lang": "rust", "stars": -1},
	 "day": "2000-01-01", "at": "2000-01-01T00:00:00Z", "local": "2000-01-01T00:00:00", "price": "0"}
]`

// TestDuckDBReadsEmber has DuckDB read what ember wrote: nested lists and
// structs, NULLs at every level, time zones, decimals.
func TestDuckDBReadsEmber(t *testing.T) {
	duckdbtest.Dir(t)
	ctx := context.Background()
	sess, mem := session(t)
	out := filepath.Join(t.TempDir(), "out")
	if err := fromJSON(t, sess, mem, interopSchema, interopJSON).Write().Parquet(ctx, out); err != nil {
		t.Fatal(err)
	}
	files := duckdbtest.String(filepath.Join(out, "*.parquet"))
	res := duckDB(t,
		`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(`+files+`))`,
		`SELECT id, small, name, score, signbit(score) AS negative, flag, embedding, meta, day::VARCHAR AS day,
		        epoch_us("at") AS at_us, epoch_ms("local") AS local_ms, price::VARCHAR AS price
		 FROM read_parquet(`+files+`) ORDER BY id`)

	var types []string
	for _, r := range res[0].Rows {
		types = append(types, fmt.Sprintf("%s %s", r["column_name"], r["column_type"]))
	}
	wantTypes := []string{
		"id BIGINT", "small INTEGER", "name VARCHAR", "score DOUBLE", "flag BOOLEAN", "embedding FLOAT[]",
		"meta STRUCT(lang VARCHAR, stars INTEGER)", "day DATE", "at TIMESTAMP WITH TIME ZONE", "local TIMESTAMP",
		"price DECIMAL(12,2)",
	}
	if strings.Join(types, "\n") != strings.Join(wantTypes, "\n") {
		t.Errorf("DuckDB sees columns\n%s\nwant\n%s", strings.Join(types, "\n"), strings.Join(wantTypes, "\n"))
	}

	micros := func(s string) string {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(tm.UnixMicro(), 10)
	}
	// JSON as the node script prints it: BIGINTs as strings, FLOATs
	// widened to doubles exactly (float32 0.1 is 0.10000000149011612).
	want := []string{
		`{"at_us":"` + micros("2024-01-02T03:04:05.123456Z") + `","day":"2024-02-29","embedding":[0.5,-1,2],"flag":true,"id":"1","local_ms":"1704164645123",` +
			`"meta":{"lang":"go","stars":5},"name":"ann","negative":false,"price":"1234567890.12","score":4.5,"small":7}`,
		`{"at_us":null,"day":null,"embedding":null,"flag":null,"id":"2","local_ms":null,"meta":null,"name":null,"negative":null,"price":null,"score":null,"small":null}`,
		`{"at_us":"-1000000","day":"1970-01-01","embedding":[],"flag":false,"id":"3","local_ms":"-1","meta":{"lang":null,"stars":null},"name":"",` +
			`"negative":true,"price":"-0.01","score":0,"small":-2147483648}`,
		`{"at_us":"946684800000000","day":"2000-01-01","embedding":[null,3.25,0.10000000149011612],"flag":true,"id":"4","local_ms":"946684800000",` +
			`"meta":{"lang":"rust","stars":-1},"name":"dé\"jà 🦆 it's","negative":false,"price":"0.00","score":1e+300,"small":2147483647}`,
	}
	if len(res[1].Rows) != len(want) {
		t.Fatalf("DuckDB read %d rows, want %d", len(res[1].Rows), len(want))
	}
	for i, row := range res[1].Rows {
		got, err := json.Marshal(row) // map keys sorted
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want[i] {
			t.Errorf("row %d: DuckDB read\n%s\nwant\n%s", i, got, want[i])
		}
	}
}

// TestDuckDBReadsEmberRowGroups has DuckDB aggregate a larger file ember
// wrote in several row groups, with NULLs, and compares with Go's sums.
func TestDuckDBReadsEmberRowGroups(t *testing.T) {
	duckdbtest.Dir(t)
	const n, rg = 50_000, 8192
	dir := t.TempDir()
	mem := checkedAllocator(t)
	schema := schemaOf(field("i", i64, false), field("v", arrow.ListOf(f32), true), field("s", utf8, true))
	ib := array.NewInt64Builder(mem)
	defer ib.Release()
	lb := array.NewListBuilder(mem, f32)
	defer lb.Release()
	vb := lb.ValueBuilder().(*array.Float32Builder)
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	var sumV8 int64 // 8 times the sum of v: every value is a multiple of 1/8
	var nullV, nullS int
	for i := 0; i < n; i++ {
		ib.Append(int64(i))
		if i%5 == 0 {
			lb.AppendNull()
			nullV++
		} else {
			lb.Append(true)
			for j := 0; j < i%4; j++ {
				v := float32(i) / 8
				vb.Append(v)
				sumV8 += int64(i)
			}
		}
		if i%3 == 0 {
			sb.AppendNull()
			nullS++
		} else {
			sb.Append(fmt.Sprintf("s%d", i%10))
		}
	}
	cols := []arrow.Array{ib.NewArray(), lb.NewArray(), sb.NewArray()}
	rec := array.NewRecordBatch(schema, cols, n)
	for _, c := range cols {
		c.Release()
	}
	path := filepath.Join(dir, "big.parquet")
	writeBatches(t, path, schema, parquetio.Options{Compression: "zstd", RowGroupRows: rg}, rec)
	rec.Release()

	res := duckDB(t,
		`SELECT count(*) AS n, sum(i) AS sum_i, count(v) AS v_set, count(s) AS s_set,
		        (SELECT (sum(x) * 8)::BIGINT FROM (SELECT unnest(v) AS x FROM read_parquet(`+duckdbtest.String(path)+`))) AS sum_v8,
		        count(DISTINCT s) AS distinct_s
		 FROM read_parquet(`+duckdbtest.String(path)+`)`,
		`SELECT count(*) AS groups, max(row_group_num_rows) AS max_rows
		 FROM (SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata(`+duckdbtest.String(path)+`))`)
	got, err := json.Marshal(res[0].Rows[0])
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"distinct_s":"10","n":"%d","s_set":"%d","sum_i":"%d","sum_v8":"%d","v_set":"%d"}`,
		n, n-nullS, n*(n-1)/2, sumV8, n-nullV)
	if string(got) != want {
		t.Errorf("DuckDB aggregates\n%s\nwant\n%s", got, want)
	}
	meta, err := json.Marshal(res[1].Rows[0])
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(`{"groups":"%d","max_rows":"%d"}`, (n+rg-1)/rg, rg); string(meta) != want {
		t.Errorf("DuckDB sees row groups %s, want %s", meta, want)
	}
}

// TestMergeDuckDBAndEmber merges the schemas of a file DuckDB wrote and
// one ember wrote: int32 and float32 widen, missing columns are NULL.
func TestMergeDuckDBAndEmber(t *testing.T) {
	dir := t.TempDir()
	duckDB(t, `COPY (SELECT * FROM (VALUES (1::INTEGER, 'a', 0.1::FLOAT), (2, NULL, NULL)) AS t(id, s, x))
		TO `+duckdbtest.String(filepath.Join(dir, "a.parquet"))+` (FORMAT parquet)`)
	writeFile(t, filepath.Join(dir, "b.parquet"),
		schemaOf(field("x", f64, false), field("id", i64, false), field("extra", arrow.FixedWidthTypes.Boolean, true)),
		`[{"x": 0.1, "id": 10000000000, "extra": true}]`, parquetio.DefaultOptions())
	mem := checkedAllocator(t)
	src, err := parquetio.NewSource([]string{dir}, parquetio.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := schemaOf(field("id", i64, true), field("s", utf8, true), field("x", f64, true),
		field("extra", arrow.FixedWidthTypes.Boolean, true))
	if !src.Schema().Equal(want) {
		t.Fatalf("schema %s, want %s", src.Schema(), want)
	}
	got := strings.Join(scan(t, src, plan.ScanOptions{Allocator: mem}).rows, "\n")
	if want := "1|a|0.10000000149011612|(null)\n2|(null)|(null)|(null)\n10000000000|(null)|0.1|true"; got != want {
		t.Fatalf("read\n%s\nwant\n%s", got, want)
	}
}
