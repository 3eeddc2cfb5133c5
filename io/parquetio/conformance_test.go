package parquetio_test

// Conformance with DuckDB over the files other Parquet implementations
// test their readers with: every file is read by ember and by DuckDB, and
// the two must agree on the columns and on every value, or both refuse
// the file.
//
// Values are compared in a canonical form (a JSON tree) that both sides
// are rendered into: DuckDB's by duckDBScript's canon (in JavaScript, from
// DuckDB's values, not their display strings), ember's by canonicalValue.
// The pairs of types compared, DuckDB's on the left, Arrow's (as ember
// reads it) on the right:
//
//	BOOLEAN                        boolean                     true/false
//	[U]TINYINT … [U]HUGEINT        [u]int8 … [u]int64          decimal string
//	FLOAT, DOUBLE                  float16/32/64               {"float"}: the value widened
//	                                                           to float64 (exact), shortest
//	                                                           form; -0, NaN and ±Inf kept
//	VARCHAR, ENUM                  string, large/view string   the string
//	BLOB, GEOMETRY, UUID           binary, large/view binary,  {"bytes"}: hex of the bytes
//	                               fixed_size_binary           (a UUID's 16 bytes, big-endian)
//	DECIMAL(p,s)                   decimal32…256(p,s)          {"decimal": "<unscaled>e-<s>"}
//	DATE                           date32, date64              {"date"}: days since the epoch
//	TIMESTAMP[_S|_MS|_NS]          timestamp (any unit)        {"ts_ns"}: nanoseconds since
//	TIMESTAMPTZ                                                the epoch, exact (big), and
//	                                                           "utc": DuckDB's TZ, Arrow's
//	                                                           time zone set
//	TIME, TIME_NS, TIMETZ          time32, time64              {"time_ns"}: of the day (UTC
//	                                                           for TIMETZ)
//	INTERVAL                       month_day_nano, day_time,   {"months","days","micros"}
//	                               month interval
//	LIST, ARRAY                    list, large list, fixed-    array of the elements
//	                               size list
//	STRUCT                         struct                      object by field name
//	MAP                            map                         {"map": [[key, value], …]}
//	VARIANT                        parquet.variant extension   objects as STRUCTs, arrays as
//	                                                           LISTs, scalars as their type's
//	                                                           column would; a scalar nested
//	                                                           in them, which node-api gives
//	                                                           without its type, is
//	                                                           {"number"} if a JavaScript
//	                                                           number, and equals ember's
//	                                                           integer or float of that value
//
// Timestamps compare by instant: DuckDB's TIMESTAMPTZ must be read with a
// time zone (see sameValue). Dictionary-encoded Arrow columns compare by
// their values, other extension types by their storage. A pair outside
// this table renders differently on the two sides and so shows as a
// mismatch, never as agreement.

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/parquet/variant"
	"github.com/ember-df/ember/internal/duckdbtest"
	"github.com/ember-df/ember/internal/testcorpus"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
	"github.com/google/uuid"
)

// outcome is how ember and DuckDB compare on one file.
type outcome int

const (
	agree        outcome = iota // same columns, same values
	bothRefuse                  // both return an error
	emberRefuses                // DuckDB reads it, ember returns an error
	duckRefuses                 // ember reads it, DuckDB returns an error
	mismatch                    // both read it, differently
	emberCrashes                // ember panicked or leaked memory
)

func (o outcome) String() string {
	return [...]string{"agree", "both refuse", "ember refuses", "DuckDB refuses", "mismatch", "ember crashes"}[o]
}

// fileReport is the comparison of one file.
type fileReport struct {
	path    string
	outcome outcome
	detail  string // the errors, or the first differences
}

// reference is what ember's reading of a file is compared with instead
// of DuckDB's reading of the file itself: DuckDB's reading of another
// file of the same contents (duckPath), or values the corpus documents
// (fixed); why says why.
type reference struct {
	duckPath string
	fixed    *duckResult
	why      string
}

// compareWithDuckDB reads every file with DuckDB and with ember, and
// compares them; refs (by path) replaces DuckDB's reading of some files.
// DuckDB reads all files in one session; where that session dies (DuckDB
// crashing, or node running out of memory on what a corrupt file decodes
// to), each file is read again in a session of its own, and a file whose
// session dies counts as refused by DuckDB.
func compareWithDuckDB(t *testing.T, paths []string, refs map[string]reference) []fileReport {
	t.Helper()
	dir := duckdbtest.Dir(t)
	statement := func(p string) any {
		if ref, ok := refs[p]; ok && ref.duckPath != "" {
			p = ref.duckPath
		}
		return duckStatement{SQL: "SELECT * FROM read_parquet(" + duckdbtest.String(p) + ")", Canonical: true, KeepError: true}
	}
	stmts := make([]any, len(paths))
	for i, p := range paths {
		stmts[i] = statement(p)
	}
	duck, err := tryDuckDB(dir, stmts)
	if err != nil {
		t.Logf("DuckDB failed reading the files together, reading them one by one: %v", firstLine(err.Error()))
		duck = make([]duckResult, len(paths))
		for i, p := range paths {
			res, err := tryDuckDB(dir, []any{statement(p)})
			if err != nil {
				duck[i] = duckResult{Error: err.Error()}
				continue
			}
			duck[i] = res[0]
		}
	}
	if len(duck) != len(paths) {
		t.Fatalf("DuckDB answered %d statements of %d", len(duck), len(paths))
	}
	out := make([]fileReport, len(paths))
	for i, p := range paths {
		if ref, ok := refs[p]; ok && ref.fixed != nil {
			duck[i] = *ref.fixed
		}
		out[i] = compareFile(p, duck[i])
	}
	return out
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// compareFile compares ember's reading of path with DuckDB's.
func compareFile(path string, duck duckResult) fileReport {
	rep := fileReport{path: path}
	ember, err := readCanonical(path)
	var crash *emberCrash
	switch {
	case errors.As(err, &crash):
		rep.outcome, rep.detail = emberCrashes, crash.Error()
	case err != nil && duck.Error != "":
		rep.outcome, rep.detail = bothRefuse, fmt.Sprintf("ember: %v; DuckDB: %s", err, firstLine(duck.Error))
		if !strings.Contains(err.Error(), path) {
			rep.outcome, rep.detail = emberCrashes, fmt.Sprintf("ember's error does not name the file: %v", err)
		}
	case err != nil:
		rep.outcome, rep.detail = emberRefuses, err.Error()
	case duck.Error != "":
		rep.outcome, rep.detail = duckRefuses, firstLine(duck.Error)
	default:
		if diffs := ember.diff(duck); len(diffs) > 0 {
			rep.outcome, rep.detail = mismatch, strings.Join(diffs, "\n")
		}
	}
	return rep
}

// canonicalTable is a file as ember read it, in the canonical form.
type canonicalTable struct {
	names []string
	types []string
	cols  [][]any // per column, per row
}

// emberCrash is a panic escaping ember, or memory it did not release.
type emberCrash struct{ msg string }

func (e *emberCrash) Error() string { return e.msg }

// readCanonical reads every row of path through ember's Source and
// renders each value in the canonical form. A panic, or memory left
// allocated (but arrow-go's delta decoder's, see arrowGoDeltaDecoder),
// is an *emberCrash.
func readCanonical(path string) (tab canonicalTable, err error) {
	mem := newLeakCheckedAllocator()
	defer func() {
		if p := recover(); p != nil {
			if u, ok := p.(undecodableVariant); ok {
				// ember read the column; its values are not variants.
				err = fmt.Errorf("%s: a value of its variant column does not decode: %w", path, u.err)
			} else {
				err = &emberCrash{fmt.Sprintf("ember panicked reading %s: %v", path, p)}
			}
		}
		if _, leak := mem.leakCheck(); leak != nil && err == nil {
			err = &emberCrash{fmt.Sprintf("reading %s: %v", path, leak)}
		}
	}()
	src, err := parquetio.NewSource([]string{path}, parquetio.DefaultOptions())
	if err != nil {
		return tab, err
	}
	for _, f := range src.Schema().Fields() {
		tab.names = append(tab.names, f.Name)
		tab.types = append(tab.types, f.Type.String())
	}
	tab.cols = make([][]any, len(tab.names))
	ctx := context.Background()
	for p := 0; p < src.Partitions(); p++ {
		r, err := src.Open(ctx, p, plan.ScanOptions{Allocator: mem})
		if err != nil {
			return tab, err
		}
		for {
			b, err := r.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				r.Close()
				return tab, err
			}
			for c, col := range b.Columns() {
				for i := 0; i < col.Len(); i++ {
					tab.cols[c] = append(tab.cols[c], canonicalValue(col, i))
				}
			}
		}
		if err := r.Close(); err != nil {
			return tab, err
		}
	}
	return tab, nil
}

// maxDiffs bounds the differences reported per file.
const maxDiffs = 5

// diff lists how DuckDB's result differs from tab: columns, row count,
// then values column by column.
func (tab canonicalTable) diff(duck duckResult) []string {
	if !slices.Equal(tab.names, duck.Columns) {
		return []string{fmt.Sprintf("columns: ember %q (%s), DuckDB %q (%s)", tab.names, strings.Join(tab.types, ", "), duck.Columns, strings.Join(duck.Types, ", "))}
	}
	rows := 0
	if len(tab.cols) > 0 {
		rows = len(tab.cols[0])
	}
	if rows != len(duck.Values) {
		return []string{fmt.Sprintf("rows: ember %d, DuckDB %d", rows, len(duck.Values))}
	}
	var out []string
	for c := range tab.cols {
		for r := range rows {
			got, want := tab.cols[c][r], normalizeDuck(duck.Values[r][c])
			if !sameValue(got, want) {
				out = append(out, fmt.Sprintf("column %s (ember %s, DuckDB %s) row %d: ember %s, DuckDB %s",
					tab.names[c], tab.types[c], duck.Types[c], r, clip(render(got)), clip(render(want))))
				break // one difference per column
			}
		}
		if len(out) == maxDiffs {
			break
		}
	}
	return out
}

// sameValue reports whether ember's canonical value equals DuckDB's. They
// are equal when they render the same, except for timestamps, whose
// instants must be equal and which must carry a time zone in ember when
// DuckDB reads them as TIMESTAMPTZ. (DuckDB reads INT96 and the legacy
// TIMESTAMP_MILLIS/MICROS converted types as TIMESTAMP without a time
// zone; the Parquet format says they are instants, UTC-adjusted, and
// ember reads them with time zone UTC, as arrow-go does.)
func sameValue(ember, duck any) bool {
	switch d := duck.(type) {
	case []any:
		e, ok := ember.([]any)
		if !ok || len(e) != len(d) {
			return false
		}
		for i := range d {
			if !sameValue(e[i], d[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		if n, ok := d["number"].(string); ok && len(d) == 1 {
			return sameNumber(ember, n)
		}
		if _, ok := d["unchecked"]; ok {
			return true // a reference that says nothing of this value
		}
		e, ok := ember.(map[string]any)
		if !ok || len(e) != len(d) {
			return false
		}
		if ts, ok := d["ts_ns"]; ok {
			return ts == e["ts_ns"] && (d["utc"] != true || e["utc"] == true)
		}
		for k, v := range d {
			ev, ok := e[k]
			if !ok || !sameValue(ev, v) {
				return false
			}
		}
		return true
	}
	return render(ember) == render(duck)
}

// sameNumber reports whether ember's canonical integer or float equals
// the JavaScript number n (a VARIANT value nested in an object or array,
// which node-api gives without its type): by value, the sign of zero
// included.
func sameNumber(ember any, n string) bool {
	want, err := strconv.ParseFloat(n, 64)
	if err != nil {
		return false
	}
	var got float64
	switch e := ember.(type) {
	case string: // an integer
		if got, err = strconv.ParseFloat(e, 64); err != nil {
			return false
		}
	case map[string]any:
		f, ok := e["float"].(string)
		if !ok || len(e) != 1 {
			return false
		}
		if got, err = strconv.ParseFloat(f, 64); err != nil {
			return false
		}
	default:
		return false
	}
	return got == want && math.Signbit(got) == math.Signbit(want)
}

func render(v any) string {
	b, err := json.Marshal(v) // object keys sorted
	if err != nil {
		return fmt.Sprintf("(unrenderable: %v)", err)
	}
	return string(b)
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// normalizeDuck puts DuckDB's canonical floats ({"float": JavaScript's
// String(x)}) in Go's shortest form, which canonicalValue uses.
func normalizeDuck(v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalizeDuck(x)
		}
		return out
	case map[string]any:
		if s, ok := v["float"].(string); ok && len(v) == 1 {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return map[string]any{"float": strconv.FormatFloat(f, 'g', -1, 64)}
			}
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = normalizeDuck(x)
		}
		return out
	}
	return v
}

// canonicalValue renders value i of a in the canonical form (see the
// table at the top of this file).
func canonicalValue(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Null:
		return nil // IsNull is false: a NULL array has no validity bitmap
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8, *array.Int16, *array.Int32, *array.Int64,
		*array.Uint8, *array.Uint16, *array.Uint32, *array.Uint64:
		return a.ValueStr(i)
	case *array.Float16:
		return canonicalFloat(float64(a.Value(i).Float32()))
	case *array.Float32:
		return canonicalFloat(float64(a.Value(i)))
	case *array.Float64:
		return canonicalFloat(a.Value(i))
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.StringView:
		return a.Value(i)
	case *array.Binary:
		return canonicalBytes(a.Value(i))
	case *array.LargeBinary:
		return canonicalBytes(a.Value(i))
	case *array.BinaryView:
		return canonicalBytes(a.Value(i))
	case *array.FixedSizeBinary:
		return canonicalBytes(a.Value(i))
	case *array.Decimal32:
		return canonicalDecimal(big.NewInt(int64(a.Value(i))), a.DataType().(*arrow.Decimal32Type).Scale)
	case *array.Decimal64:
		return canonicalDecimal(big.NewInt(int64(a.Value(i))), a.DataType().(*arrow.Decimal64Type).Scale)
	case *array.Decimal128:
		return canonicalDecimal(a.Value(i).BigInt(), a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Decimal256:
		return canonicalDecimal(a.Value(i).BigInt(), a.DataType().(*arrow.Decimal256Type).Scale)
	case *array.Date32:
		return map[string]any{"date": int64(a.Value(i))}
	case *array.Date64:
		ms := int64(a.Value(i))
		days := ms / 86_400_000
		if ms%86_400_000 < 0 {
			days--
		}
		return map[string]any{"date": days}
	case *array.Timestamp:
		typ := a.DataType().(*arrow.TimestampType)
		return map[string]any{"ts_ns": nanos(int64(a.Value(i)), typ.Unit), "utc": typ.TimeZone != ""}
	case *array.Time32:
		return map[string]any{"time_ns": nanos(int64(a.Value(i)), a.DataType().(*arrow.Time32Type).Unit)}
	case *array.Time64:
		return map[string]any{"time_ns": nanos(int64(a.Value(i)), a.DataType().(*arrow.Time64Type).Unit)}
	case *array.MonthDayNanoInterval:
		v := a.Value(i)
		return map[string]any{"months": v.Months, "days": v.Days, "micros": strconv.FormatInt(v.Nanoseconds/1000, 10)}
	case *array.DayTimeInterval:
		v := a.Value(i)
		return map[string]any{"months": 0, "days": v.Days, "micros": strconv.FormatInt(int64(v.Milliseconds)*1000, 10)}
	case *array.MonthInterval:
		return map[string]any{"months": int32(a.Value(i)), "days": 0, "micros": "0"}
	case *array.Map:
		start, end := a.ValueOffsets(i)
		pairs := make([]any, 0, end-start)
		for j := start; j < end; j++ {
			pairs = append(pairs, []any{canonicalValue(a.Keys(), int(j)), canonicalValue(a.Items(), int(j))})
		}
		return map[string]any{"map": pairs}
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		elems := make([]any, 0, end-start)
		for j := start; j < end; j++ {
			elems = append(elems, canonicalValue(a.ListValues(), int(j)))
		}
		return elems
	case *array.Struct:
		typ := a.DataType().(*arrow.StructType)
		obj := make(map[string]any, a.NumField())
		for f := range a.NumField() {
			obj[typ.Field(f).Name] = canonicalValue(a.Field(f), i)
		}
		return obj
	case *array.Dictionary:
		return canonicalValue(a.Dictionary(), a.GetValueIndex(i))
	case *extensions.VariantArray:
		v, err := a.Value(i)
		if err != nil {
			panic(undecodableVariant{err}) // see readCanonical
		}
		return canonicalVariant(v)
	case array.ExtensionArray:
		return canonicalValue(a.Storage(), i)
	}
	return map[string]any{"unsupported": a.DataType().String(), "value": a.ValueStr(i)}
}

// undecodableVariant is what canonicalValue panics with for a variant
// value that does not decode: readCanonical turns it into an error, as
// ember's caller would get it on decoding the value.
type undecodableVariant struct{ err error }

// canonicalVariant renders a variant value as DuckDB's VARIANT values are
// (see canonVariant in duckDBScript): objects as structs, arrays as
// lists, scalars as the column of their type would be.
func canonicalVariant(v variant.Value) any {
	switch x := v.Value().(type) {
	case nil:
		return nil
	case bool, string:
		return x
	case int8, int16, int32, int64:
		return fmt.Sprint(x)
	case float32:
		return canonicalFloat(float64(x))
	case float64:
		return canonicalFloat(x)
	case []byte:
		return canonicalBytes(x)
	case uuid.UUID:
		return canonicalBytes(x[:])
	case variant.DecimalValue[decimal.Decimal32]:
		return canonicalDecimal(big.NewInt(int64(x.Value.(decimal.Decimal32))), int32(x.Scale))
	case variant.DecimalValue[decimal.Decimal64]:
		return canonicalDecimal(big.NewInt(int64(x.Value.(decimal.Decimal64))), int32(x.Scale))
	case variant.DecimalValue[decimal.Decimal128]:
		return canonicalDecimal(x.Value.(decimal.Decimal128).BigInt(), int32(x.Scale))
	case arrow.Date32:
		return map[string]any{"date": int64(x)}
	case arrow.Time64:
		return map[string]any{"time_ns": nanos(int64(x), arrow.Microsecond)}
	case arrow.Timestamp:
		switch v.Type() {
		case variant.TimestampMicros:
			return map[string]any{"ts_ns": nanos(int64(x), arrow.Microsecond), "utc": true}
		case variant.TimestampMicrosNTZ:
			return map[string]any{"ts_ns": nanos(int64(x), arrow.Microsecond), "utc": false}
		case variant.TimestampNanos:
			return map[string]any{"ts_ns": nanos(int64(x), arrow.Nanosecond), "utc": true}
		default:
			return map[string]any{"ts_ns": nanos(int64(x), arrow.Nanosecond), "utc": false}
		}
	case variant.ObjectValue:
		obj := map[string]any{}
		for k, fv := range x.Values() {
			obj[k] = canonicalVariant(fv)
		}
		return obj
	case variant.ArrayValue:
		elems := []any{}
		for ev := range x.Values() {
			elems = append(elems, canonicalVariant(ev))
		}
		return elems
	}
	return map[string]any{"unsupported": fmt.Sprintf("variant type %d", v.Type()), "value": v.String()}
}

func canonicalFloat(f float64) any {
	return map[string]any{"float": strconv.FormatFloat(f, 'g', -1, 64)}
}

func canonicalBytes(b []byte) any { return map[string]any{"bytes": hex.EncodeToString(b)} }

func canonicalDecimal(unscaled *big.Int, scale int32) any {
	return map[string]any{"decimal": fmt.Sprintf("%se-%d", unscaled, scale)}
}

// nanos is v in unit as nanoseconds, exactly (it may not fit an int64).
func nanos(v int64, unit arrow.TimeUnit) string {
	n := big.NewInt(v)
	return n.Mul(n, big.NewInt(int64(unit.Multiplier()))).String()
}

// parquetFiles lists the .parquet files under dir, sorted.
func parquetFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// expectation is how a file is known to compare with DuckDB, and why.
// Each such file is an exception to the rule (agree, or both refuse);
// the test fails when a file no longer compares so, so the exceptions
// can only shrink.
type expectation struct {
	outcome outcome
	reason  string
}

// parquetGoExpected are the exceptions among parquet-go's testdata, by
// path under testdata/.
var parquetGoExpected = map[string]expectation{
	"malformed/negative_row_group_num_rows.parquet": {emberRefuses,
		"corrupt: its row group states -1 rows; ember refuses such metadata (checkMetadata), DuckDB reads the row group as empty"},
	"malformed/num_values_exceeds_data.parquet": {emberRefuses,
		"corrupt: a data page states 512 values but holds 500 (4000 bytes of INT64); arrow-go decodes the page's count and fails, DuckDB stops at the 500 rows of the row group"},
	"zero_columns.parquet": {duckRefuses,
		"a file of no columns (its schema is only the root): ember reads it as rows of no columns, as arrow-go and parquet-go do; DuckDB requires a column"},
	"shredded_variant/case-042.parquet": {emberRefuses, invalidVariantConflict},
}

// invalidVariantConflict is why shredded variants whose value and
// typed_value are both set differ.
const invalidVariantConflict = "invalid: the variant has both a value and a typed_value, which the corpus's cases.json says must fail " +
	"('Invalid variant, conflicting value and typed_value'); ember reads the column (as arrow-go's variant extension type), and decoding its value fails; " +
	"DuckDB reads the typed_value"

// checkReports fails t for each report that is neither agreement, nor
// a refusal by both, nor the exception expected lists for it (by path
// relative to root); and for each exception that is no longer so. It
// logs the counts of each outcome.
func checkReports(t *testing.T, root string, reports []fileReport, expected map[string]expectation) {
	t.Helper()
	counts := map[outcome]int{}
	seen := map[string]bool{}
	for _, r := range reports {
		counts[r.outcome]++
		rel, err := filepath.Rel(root, r.path)
		if err != nil {
			t.Fatal(err)
		}
		rel = filepath.ToSlash(rel)
		seen[rel] = true
		exp, listed := expected[rel]
		switch {
		case listed && r.outcome != exp.outcome:
			t.Errorf("%s: %s, but listed as %s (%s): update the list\n%s", rel, r.outcome, exp.outcome, exp.reason, r.detail)
		case !listed && r.outcome != agree && r.outcome != bothRefuse:
			t.Errorf("%s: %s\n%s", rel, r.outcome, r.detail)
		}
	}
	for rel := range expected {
		if !seen[rel] {
			t.Errorf("%s is listed as an exception but is not in %s", rel, root)
		}
	}
	t.Logf("%d files: %d agree, %d refused by both, %d refused by ember only, %d refused by DuckDB only, %d read differently, %d crash ember",
		len(reports), counts[agree], counts[bothRefuse], counts[emberRefuses], counts[duckRefuses], counts[mismatch], counts[emberCrashes])
}

// TestConformanceParquetGoCorpus reads every Parquet file of parquet-go's
// testdata (which holds most of apache/parquet-testing's data files and
// malformed files of its own) with ember and with DuckDB: both must read
// the same columns and values, or both refuse the file, ember with an
// error that names it; parquetGoExpected lists the exceptions.
func TestConformanceParquetGoCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 55 files with ember and DuckDB")
	}
	duckdbtest.Dir(t)
	root := filepath.Join(testcorpus.Module(t, testcorpus.ParquetGo, testcorpus.ParquetGoVersion), "testdata")
	checkReports(t, root, compareWithDuckDB(t, parquetFiles(t, root), nil), parquetGoExpected)
}
