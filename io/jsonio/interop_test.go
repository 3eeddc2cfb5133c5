package jsonio_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/plan"
)

// These tests check the format against other tools: DuckDB (through its
// Node.js API, installed by bench/setup.sh in bench/duckdb/node_modules)
// and pandas (Debian's python3-pandas). Each skips when its tool is
// missing, and fails instead when CI=true.

// duckdbScript runs the SQL statements it reads as a JSON array on stdin
// and prints, for each, its column names, types and rows (as JSON).
const duckdbScript = `const { DuckDBInstance } = require(process.env.DUCKDB_NODE_API);
(async () => {
  const sql = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const out = [];
    for (const s of sql) {
      const reader = await conn.runAndReadAll(s);
      out.push({ columns: reader.columnNames(), types: reader.columnTypes().map(String), rows: reader.getRowObjectsJson() });
    }
    process.stdout.write(JSON.stringify(out));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
})().catch((e) => { console.error(e?.message ?? e); process.exitCode = 1; });
`

// duckdbResult is what one statement gave.
type duckdbResult struct {
	Columns []string
	Types   []string
	Rows    []map[string]any
}

// duckdb runs SQL statements in DuckDB and returns their results.
func duckdb(t *testing.T, statements ...string) []duckdbResult {
	t.Helper()
	node := tool(t, "node", "the DuckDB interop tests run DuckDB through Node.js")
	api, err := filepath.Abs(filepath.Join("..", "..", "bench", "duckdb", "node_modules", "@duckdb", "node-api"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(api, "package.json")); err != nil {
		missing(t, fmt.Sprintf("DuckDB for Node.js not installed at %s (run bench/setup.sh): %v", api, err))
	}
	script := writeFile(t, t.TempDir(), "duckdb.cjs", duckdbScript)
	input, err := json.Marshal(statements)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, script)
	cmd.Env = append(os.Environ(), "DUCKDB_NODE_API="+api)
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("DuckDB: %v: %s", err, stderr.String())
	}
	var results []duckdbResult
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&results); err != nil {
		t.Fatalf("DuckDB output %q: %v", out, err)
	}
	return results
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TestReadDuckDBOutput has DuckDB write JSON lines and reads them back.
func TestReadDuckDBOutput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "duck.json")
	duckdb(t, "SET threads=1", `COPY (SELECT * FROM (
		SELECT 1 AS id, 1::BIGINT AS i, 1.5::DOUBLE AS f, 'he said "hi" \ é 中 😀' AS s, NULL::VARCHAR AS n,
			{'a': 1, 'b': 'x'} AS st, [1.5, 2.25]::DOUBLE[] AS l, true AS b, DATE '2024-02-29' AS d,
			TIMESTAMP '2024-01-02 03:04:05.123456' AS ts, [{'x': 1, 'y': [0.5::FLOAT]}] AS ls
		UNION ALL SELECT 2, -9223372036854775808, 0.1, 'line' || chr(10) || 'break' || chr(9) || chr(1) || '''', 'x',
			{'a': NULL, 'b': 'y'}, [], NULL, NULL, NULL, []
		UNION ALL SELECT 3, NULL, 1e300, '', NULL, NULL, [NULL, 3.0], false, DATE '1970-01-01', NULL, NULL
		) ORDER BY id) TO `+sqlString(path)+` (FORMAT json)`)

	// With an inferred schema.
	src, err := jsonio.NewSource([]string{path}, nil, options(func(o *jsonio.Options) { o.Mode = jsonio.FailFast }))
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []string{"id:int64", "i:int64", "f:float64", "s:utf8", "n:utf8", "st:struct<a: int64 nullable, b: utf8 nullable>",
		"l:list<item: float64, nullable>", "b:bool", "d:utf8", "ts:utf8", "ls:list<item: struct<x: int64 nullable, y: list<item: float64, nullable> nullable>, nullable>"}
	if got := typesOf(src.Schema()); !slices.Equal(got, wantTypes) {
		t.Fatalf("inferred %q\nwant     %q", got, wantTypes)
	}
	want := []string{
		`1,1,1.5,"he said \"hi\" \\ é 中 😀",NULL,{a:1,b:"x"},[1.5,2.25],true,"2024-02-29","2024-01-02 03:04:05.123456",[{x:1,y:[0.5]}]`,
		`2,-9223372036854775808,0.1,"line\nbreak\t\x01'","x",{a:NULL,b:"y"},[],NULL,NULL,NULL,[]`,
		`3,NULL,1e+300,"",NULL,NULL,[NULL,3],false,"1970-01-01",NULL,NULL`,
	}
	if d := diffRows(mustScan(t, src, plan.ScanOptions{}).Rows, want); d != "" {
		t.Fatal(d)
	}

	// With a schema giving dates, timestamps and float32 embeddings.
	typed := schema("id", tInt32, "d", tDate32, "ts", &arrow.TimestampType{Unit: arrow.Microsecond},
		"ls", arrow.ListOf(structOf("y", arrow.ListOf(tFloat32))), "l", arrow.FixedSizeListOf(2, tFloat32))
	src, err = jsonio.NewSource([]string{path}, typed, options(func(o *jsonio.Options) { o.Mode = jsonio.Permissive }))
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		`1,2024-02-29,2024-01-02T03:04:05.123456Z,[{y:[0.5]}],[1.5,2.25]`,
		`2,NULL,NULL,[],NULL`, // [] is not a fixed-size list of 2
		`3,1970-01-01,NULL,NULL,[NULL,3]`,
	}
	if d := diffRows(mustScan(t, src, plan.ScanOptions{}).Rows, want); d != "" {
		t.Fatal(d)
	}
}

// TestDuckDBReadsOutput writes JSON lines and has DuckDB read them
// (read_json_auto), comparing the values it returns.
func TestDuckDBReadsOutput(t *testing.T) {
	mem := checkedAllocator(t)
	s := schema("id", tInt64, "i", tInt64, "f", tFloat64, "s", tString, "st", structOf("a", tInt64, "b", tString),
		"l", arrow.ListOf(tFloat64), "emb", arrow.ListOf(tFloat32), "b", tBool, "d", tDate32)
	b := fromJSON(t, mem, s, `[
		{"id": 1, "i": 1234567890123456, "f": 0.1, "s": "quote \" backslash \\ é 中 😀", "st": {"a": 1, "b": "x"}, "l": [1.5, 2.0], "emb": [0.25, -1], "b": true, "d": "2024-02-29"},
		{"id": 2, "i": null, "f": 1e300, "s": "line\nbreak\ttab\u0001", "st": {"a": null, "b": "y"}, "l": [], "emb": null, "b": null, "d": null},
		{"id": 3, "i": -3, "f": -0.5, "s": null, "st": null, "l": [null, 3.0], "emb": [1e-7], "b": false, "d": "1970-01-01"}
	]`)
	defer b.Release()
	path := writeFile(t, t.TempDir(), "ember.json", writeBatches(t, jsonio.DefaultOptions(), s, b))
	results := duckdb(t, "SELECT * FROM read_json_auto("+sqlString(path)+") ORDER BY id")
	got := results[0]
	// DuckDB widens an integer column with a missing key to HUGEINT.
	wantTypes := []string{"BIGINT", "HUGEINT", "DOUBLE", "VARCHAR", `STRUCT("a" BIGINT, "b" VARCHAR)`, "DOUBLE[]", "DOUBLE[]", "BOOLEAN", "DATE"}
	if !slices.Equal(got.Columns, []string{"id", "i", "f", "s", "st", "l", "emb", "b", "d"}) || !slices.Equal(got.Types, wantTypes) {
		t.Fatalf("DuckDB read columns %v of types %v\nwant types %v", got.Columns, got.Types, wantTypes)
	}
	// getRowObjectsJson gives BIGINT as strings, DOUBLE as numbers (or
	// strings for non-finite values), DATE as text.
	want := []string{
		`{"b":true,"d":"2024-02-29","emb":[0.25,-1],"f":0.1,"i":"1234567890123456","id":"1","l":[1.5,2],"s":"quote \" backslash \\ é 中 😀","st":{"a":"1","b":"x"}}`,
		`{"b":null,"d":null,"emb":null,"f":1e+300,"i":null,"id":"2","l":[],"s":"line\nbreak\ttab\u0001","st":{"a":null,"b":"y"}}`,
		`{"b":false,"d":"1970-01-01","emb":[1e-7],"f":-0.5,"i":"-3","id":"3","l":[null,3],"s":null,"st":null}`,
	}
	if len(got.Rows) != len(want) {
		t.Fatalf("DuckDB read %d rows, want %d", len(got.Rows), len(want))
	}
	for i, row := range got.Rows {
		if g, w := canonicalJSON(t, row), canonicalJSON(t, want[i]); g != w {
			t.Errorf("row %d: DuckDB read\n%s\nwant\n%s", i, g, w)
		}
	}
}

// canonicalJSON re-encodes a value (or JSON text) with sorted keys and
// numbers as float64, so that equal values compare equal.
func canonicalJSON(t *testing.T, v any) string {
	t.Helper()
	var raw []byte
	if s, ok := v.(string); ok {
		raw = []byte(s)
	} else {
		var err error
		if raw, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	var x any
	if err := json.Unmarshal(raw, &x); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	out, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// pandasScript writes a DataFrame as JSON lines with to_json, escaping
// non-ASCII characters (pandas' default) so that surrogate pairs appear.
const pandasScript = `import sys
import numpy as np
import pandas as pd

df = pd.DataFrame({
    "i": pd.array([1, None, -3], dtype="Int64"),
    "f": [1.5, np.nan, 1e300],
    "s": ['he said "hi" \\ \u00e9 \u4e2d \U0001F600', "line\nbreak\ttab\x01", None],
    "b": [True, False, None],
    "l": [[1.5, 2.0], [], None],
    "st": [{"a": 1, "b": "x"}, {"a": None, "b": "y"}, None],
    "ts": pd.to_datetime(["2024-01-02T03:04:05.123", None, "1970-01-01"]),
})
df.to_json(sys.argv[1], orient="records", lines=True, date_format="iso", date_unit="ms", double_precision=15)
`

// TestReadPandasOutput has pandas write JSON lines and reads them back.
func TestReadPandasOutput(t *testing.T) {
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		missing(t, "python3 not found at "+python+": the pandas interop test runs Debian's python3-pandas")
	}
	if err := exec.Command(python, "-c", "import pandas").Run(); err != nil {
		missing(t, "pandas is not installed (apt-get install python3-pandas): "+err.Error())
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "pandas.json")
	script := writeFile(t, dir, "write.py", pandasScript)
	if out, err := exec.Command(python, script, path).CombinedOutput(); err != nil {
		t.Fatalf("pandas: %v: %s", err, out)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(`\ud83d\ude00`)) {
		t.Fatalf("pandas did not escape the emoji as a surrogate pair:\n%s", raw)
	}
	src, err := jsonio.NewSource([]string{path}, nil, options(func(o *jsonio.Options) { o.Mode = jsonio.FailFast }))
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []string{"i:int64", "f:float64", "s:utf8", "b:bool", "l:list<item: float64, nullable>", "st:struct<a: int64 nullable, b: utf8 nullable>", "ts:utf8"}
	if got := typesOf(src.Schema()); !slices.Equal(got, wantTypes) {
		t.Fatalf("inferred %q\nwant     %q\nfile:\n%s", got, wantTypes, raw)
	}
	// pandas writes NaN and None as null.
	want := []string{
		`1,1.5,"he said \"hi\" \\ é 中 😀",true,[1.5,2],{a:1,b:"x"},"2024-01-02T03:04:05.123"`,
		`NULL,NULL,"line\nbreak\ttab\x01",false,[],{a:NULL,b:"y"},NULL`,
		`-3,1e+300,NULL,NULL,NULL,NULL,"1970-01-01T00:00:00.000"`,
	}
	if d := diffRows(mustScan(t, src, plan.ScanOptions{}).Rows, want); d != "" {
		t.Fatalf("%s\nfile:\n%s", d, raw)
	}
	// The timestamps read as timestamps with a schema.
	src, err = jsonio.NewSource([]string{path}, schema("ts", &arrow.TimestampType{Unit: arrow.Millisecond}), options(func(o *jsonio.Options) { o.Mode = jsonio.FailFast }))
	if err != nil {
		t.Fatal(err)
	}
	if d := diffRows(mustScan(t, src, plan.ScanOptions{}).Rows, []string{"2024-01-02T03:04:05.123Z", "NULL", "1970-01-01T00:00:00Z"}); d != "" {
		t.Fatalf("%s\nfile:\n%s", d, raw)
	}
}
