//go:build peers

package parquetio_test

// The same comparison with DuckDB as TestConformanceParquetGoCorpus, over
// every Parquet file of apache/parquet-testing (data/, bad_data/,
// shredded_variant/), which no registry CI reaches serves whole. It runs
// only where asked for, on a local copy:
//
//	git clone https://github.com/apache/parquet-testing /tmp/peers/parquet-testing
//	EMBER_PEER_PARQUET_TESTING=/tmp/peers/parquet-testing \
//	    go test -tags peers -run TestPeerParquetTesting -v ./io/parquetio
//
// bad_data/ files must be refused (or read as DuckDB reads them, where
// listed), never crash ember.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/variant"
)

// parquetTestingExpected are the exceptions among apache/parquet-testing's
// files, by path.
var parquetTestingExpected = map[string]expectation{
	"bad_data/ARROW-GH-43605.parquet": {agree,
		"a dictionary page's indices are RLE with bit width 0 (all zero): valid though odd, and read so by Arrow C++ since apache/arrow#43605, by DuckDB and by ember"},

	"data/byte_stream_split_extended.gzip.parquet": {duckRefuses,
		"DuckDB decodes BYTE_STREAM_SPLIT only for FLOAT and DOUBLE; the file's column pairs hold the same values PLAIN and BYTE_STREAM_SPLIT-encoded, and ember reads each pair alike (equalColumns)"},
	"data/map_no_value.parquet": {duckRefuses,
		"a MAP whose key_value group has no value (parquet-rs wrote it): DuckDB requires two children; ember reads it as the list of its keys, equal to the file's my_list column, as map_no_value.md says (equalColumns)"},
	"data/datapage_v2_empty_datapage.snappy.parquet": {emberRefuses,
		"a DataPageV2 marked compressed whose values take 0 bytes: arrow-go hands the 0 bytes to snappy, which rejects them; the corpus's README says they must not be decompressed (apache/arrow-rs#7388)"},
	"data/incorrect_map_schema.parquet": {emberRefuses,
		"a MAP whose keys are optional (Presto wrote it), which the format forbids: arrow-go's schema conversion refuses it, Arrow C++ and DuckDB read it"},
	"data/old_list_structure.parquet": {mismatch,
		"a legacy two-level LIST<LIST<INT32>> (repeated group 'array' annotated LIST): arrow-go applies the format's backward-compatibility rule for a repeated group named 'array' and reads list<struct<array: list<int32>>>, where DuckDB and Arrow C++ read [[1, 2], [3, 4]] (old_list_structure.md)"},

	"shredded_variant/case-033.parquet": {mismatch, duckVariantNanos},
	"shredded_variant/case-034.parquet": {mismatch, duckVariantNanos},
	"shredded_variant/case-077.parquet": {mismatch, duckVariantNanos},
	"shredded_variant/case-078.parquet": {mismatch, duckVariantNanos},
	"shredded_variant/case-119.parquet": {mismatch, duckVariantNanos},
	"shredded_variant/case-120.parquet": {mismatch, duckVariantNanos},
	"shredded_variant/case-040.parquet": {emberRefuses, invalidVariantConflict},
	"shredded_variant/case-042.parquet": {emberRefuses, invalidVariantConflict},
	"shredded_variant/case-084-INVALID.parquet": {emberRefuses,
		"invalid (cases.json: 'implementations can choose to error, or read the shredded value'): arrow-go refuses its optional shredded field structs, DuckDB reads them"},
	"shredded_variant/case-127.parquet": {duckRefuses,
		"DuckDB does not read a shredded uint32 ('not implemented'), and cases.json says a reader must refuse it ('Unsupported shredded value type: INTEGER(32,false)'); arrow-go reads it"},
	"shredded_variant/case-125-INVALID.parquet": {mismatch,
		"invalid (cases.json: 'implementations can choose to error, or read the shredded value'): a field in both value and typed_value; arrow-go reads the shredded date, DuckDB the value's string"},
}

// duckVariantNanos is why variants of nanosecond timestamps differ.
const duckVariantNanos = "a variant TIMESTAMP(TZ)_NANOS: DuckDB reads it in microseconds, dropping the nanoseconds cases.json records (…54.123456789), which ember keeps"

// equalColumns are the columns of a file that hold the same values, by
// the file's description; they check files that DuckDB does not read.
var equalColumns = map[string][][2]string{
	"data/byte_stream_split_extended.gzip.parquet": {
		{"float16_plain", "float16_byte_stream_split"}, {"float_plain", "float_byte_stream_split"},
		{"double_plain", "double_byte_stream_split"}, {"int32_plain", "int32_byte_stream_split"},
		{"int64_plain", "int64_byte_stream_split"}, {"flba5_plain", "flba5_byte_stream_split"},
		{"decimal_plain", "decimal_byte_stream_split"},
	},
	"data/map_no_value.parquet": {{"my_map_no_v", "my_list"}},
}

// TestPeerParquetTesting reads every Parquet file of a local copy of
// apache/parquet-testing (EMBER_PEER_PARQUET_TESTING) with ember and with
// DuckDB and compares them; parquetTestingExpected lists the exceptions.
// Where DuckDB cannot be the reference, the test compares with another:
//
//   - DuckDB does not read the deprecated LZ4 codec at all: the LZ4 files
//     hold the same rows as the LZ4_RAW files beside them (Arrow C++'s
//     tests check them against the same values), which DuckDB reads;
//   - int96_from_spark.parquet: DuckDB reads the nanoseconds of an INT96
//     unsigned, where Spark, which wrote the file, reads them signed (see
//     int96Micros), and gets another date for year 290,000;
//     int96_from_spark.md gives the values as Spark reads them;
//   - shredded variants DuckDB refuses: cases.json gives each file's
//     values (as variant binaries) or the error it must give;
//   - equalColumns: columns the file holds twice, differently encoded.
func TestPeerParquetTesting(t *testing.T) {
	root := os.Getenv("EMBER_PEER_PARQUET_TESTING")
	if root == "" {
		t.Fatal("EMBER_PEER_PARQUET_TESTING must name a copy of apache/parquet-testing")
	}
	data := filepath.Join(root, "data")
	refs := map[string]reference{}
	for _, f := range []struct{ file, twin string }{
		{"hadoop_lz4_compressed.parquet", "lz4_raw_compressed.parquet"},
		{"non_hadoop_lz4_compressed.parquet", "lz4_raw_compressed.parquet"},
		{"hadoop_lz4_compressed_larger.parquet", "lz4_raw_compressed_larger.parquet"},
	} {
		refs[filepath.Join(data, f.file)] = reference{duckPath: filepath.Join(data, f.twin), why: "DuckDB does not read LZ4"}
	}
	refs[filepath.Join(data, "int96_from_spark.parquet")] = reference{
		fixed: int96FromSparkValues(t, filepath.Join(data, "int96_from_spark.md")),
		why:   "the values Spark reads, given by int96_from_spark.md",
	}
	reports := compareWithDuckDB(t, parquetFiles(t, root), refs)
	cases := shreddedVariantCases(t, filepath.Join(root, "shredded_variant"))
	for i, r := range reports {
		rel, err := filepath.Rel(root, r.path)
		if err != nil {
			t.Fatal(err)
		}
		rel = filepath.ToSlash(rel)
		switch {
		case strings.HasPrefix(rel, "bad_data/") && r.outcome == emberRefuses:
			reports[i].outcome = bothRefuse // refusing bad data is right, wherever DuckDB reads it
		case r.outcome == duckRefuses && cases[filepath.Base(r.path)] != nil:
			reports[i] = compareFile(r.path, *cases[filepath.Base(r.path)])
		}
		for _, pair := range equalColumns[rel] {
			checkEqualColumns(t, r.path, pair)
		}
		if reports[i].outcome != agree {
			t.Logf("%s: %s: %s", rel, reports[i].outcome, firstLine(reports[i].detail))
		}
	}
	checkReports(t, root, reports, parquetTestingExpected)
}

// checkEqualColumns fails t unless ember reads the same values from the
// two columns of the file at path.
func checkEqualColumns(t *testing.T, path string, pair [2]string) {
	t.Helper()
	tab, err := readCanonical(path)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	a, b := slices.Index(tab.names, pair[0]), slices.Index(tab.names, pair[1])
	if a < 0 || b < 0 {
		t.Errorf("%s: no columns %q and %q in %q", path, pair[0], pair[1], tab.names)
		return
	}
	if len(tab.cols[a]) == 0 {
		t.Errorf("%s: no rows", path)
	}
	for r := range tab.cols[a] {
		if !sameValue(tab.cols[a][r], tab.cols[b][r]) {
			t.Errorf("%s: row %d: %s is %s, %s is %s", path, r, pair[0], render(tab.cols[a][r]), pair[1], render(tab.cols[b][r]))
			return
		}
	}
}

// shreddedVariantCases reads cases.json of parquet-testing's
// shredded_variant/: for each file, the result ember must give, as a
// DuckDB result of the files' columns "id" (which cases.json does not
// give: unchecked) and "var", or an error.
func shreddedVariantCases(t *testing.T, dir string) map[string]*duckResult {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		File         string    `json:"parquet_file"`
		Error        string    `json:"error_message"`
		VariantFile  *string   `json:"variant_file"`
		VariantFiles []*string `json:"variant_files"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	out := map[string]*duckResult{}
	for _, c := range cases {
		res := &duckResult{Columns: []string{"id", "var"}, Types: []string{"INTEGER (cases.json)", "VARIANT (cases.json)"}}
		out[c.File] = res
		if c.Error != "" {
			res.Error = "cases.json: " + c.Error
			continue
		}
		files := c.VariantFiles
		if c.VariantFile != nil {
			files = []*string{c.VariantFile}
		}
		for _, f := range files {
			var v any
			if f != nil {
				b, err := os.ReadFile(filepath.Join(dir, *f))
				if err != nil {
					t.Fatal(err)
				}
				val, err := decodeVariantBinary(b)
				if err != nil {
					t.Fatalf("%s: %v", *f, err)
				}
				v = canonicalVariant(val)
			}
			res.Values = append(res.Values, []any{map[string]any{"unchecked": "cases.json gives no ids"}, v})
		}
	}
	return out
}

// decodeVariantBinary decodes a .variant.bin of the corpus: a variant's
// metadata, then its value. The metadata's length is in its header: one
// byte, the dictionary size and size+1 offsets (of the header's offset
// width), and the strings the last offset ends.
func decodeVariantBinary(b []byte) (variant.Value, error) {
	if len(b) == 0 {
		return variant.Value{}, fmt.Errorf("empty")
	}
	width := int(b[0]>>6) + 1
	offset := func(i int) (int, error) {
		p := 1 + width*i
		if p+width > len(b) {
			return 0, fmt.Errorf("metadata header runs past %d bytes", len(b))
		}
		v := 0
		for j := width - 1; j >= 0; j-- {
			v = v<<8 | int(b[p+j])
		}
		return v, nil
	}
	dictSize, err := offset(0)
	if err != nil {
		return variant.Value{}, err
	}
	last, err := offset(1 + dictSize)
	if err != nil {
		return variant.Value{}, err
	}
	n := 1 + width*(dictSize+2) + last
	if n > len(b) {
		return variant.Value{}, fmt.Errorf("metadata of %d bytes in %d", n, len(b))
	}
	return variant.New(b[:n], b[n:])
}

// int96FromSparkValues reads the values of int96_from_spark.parquet from
// the line of microseconds that follows "As microseconds since the epoch"
// in its description md.
func int96FromSparkValues(t *testing.T, md string) *duckResult {
	t.Helper()
	f, err := os.Open(md)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "As microseconds since the epoch") {
			continue
		}
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "```") {
				continue
			}
			res := &duckResult{Columns: []string{"a"}, Types: []string{"TIMESTAMP (int96_from_spark.md)"}}
			for _, v := range strings.Split(line, ",") {
				v = strings.TrimSpace(v)
				if v == "null" {
					res.Values = append(res.Values, []any{nil})
					continue
				}
				micros, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Fatalf("%s: %q: %v", md, v, err)
				}
				res.Values = append(res.Values, []any{map[string]any{"ts_ns": nanos(micros, arrow.Microsecond), "utc": false}})
			}
			return res
		}
	}
	t.Fatalf("%s: no line of microseconds", md)
	return nil
}
