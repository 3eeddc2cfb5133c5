package jsonio_test

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/internal/fuzzwatch"
	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/plan"
)

var fuzzSeeds = []string{
	"",
	"\n",
	"\r\n \n",
	"{}",
	`{"a": 1}` + "\n" + `{"a": 2.5}`,
	`{"a": "x", "b": [1, {"c": null}], "d": {"e": true}}` + "\n",
	`{"a": 1` + "\n" + `{"a": 2}` + "\n",
	`[1, 2]` + "\n" + `"s"` + "\n" + `null` + "\n" + `1e5` + "\n",
	`{"a": "\u00e9\ud83d\ude00\ud800", "b": "\\\"\n"}` + "\n",
	"{\"a\": \"\xff\"}\n",
	"\xef\xbb\xbf{\"a\": 1}\n",
	`{"l": [[1, 2], [3]], "n": NaN, "i": -Infinity, "f": Infinity}`,
	`{"a": 1, "a": "x", "a": {"b": 2}}`,
	`{"l": [{"x": 1.5, "tags": ["a"]}, {"x": "bad"}], "e": [0.1, 0.2, 0.3]}`,
	`{"t": "2024-01-02T03:04:05Z", "d": "2024-02-29", "x": "12.345", "bin": "aGk="}`,
	`{"a": 99999999999999999999, "b": -0, "c": 0.0e-0}`,
	strings.Repeat("[", 1002) + strings.Repeat("]", 1002),
	`{"a":` + strings.Repeat(`{"a":`, 50) + "1" + strings.Repeat("}", 51),
}

// fuzzSchema holds a column of each kind the converters handle.
var fuzzSchema = schema("a", tInt64, "b", tString, "f", tFloat64, "l", arrow.ListOf(structOf("x", tFloat32, "tags", arrow.ListOf(tString))),
	"e", arrow.FixedSizeListOf(3, tFloat32), "n", structOf("b", tBool, "c", tInt8), "t", tTsUs, "d", tDate32, "x", tDec, "bin", tBinary,
	"_corrupt_record", tString)

// TestMain gives fuzzing runs a short -fuzzminimizetime: see fuzzwatch.
func TestMain(m *testing.M) { fuzzwatch.Main(m) }

// FuzzReader reads arbitrary bytes with an inferred schema and with a
// fixed one in every mode, and checks that reading never panics or leaks,
// that every split size gives the rows of a single split, that FAILFAST
// reports the same error however the file is split, and that projection
// does not change values.
func FuzzReader(f *testing.F) {
	for _, s := range fuzzSeeds {
		for flags := range uint8(4) {
			f.Add([]byte(s), flags, flags*3)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, flags, splitSize uint8) {
		defer fuzzwatch.Watch(t, data, flags, splitSize)()
		o := jsonio.DefaultOptions()
		o.PrimitivesAsString = flags&1 != 0
		o.DropFieldIfAllNull = flags&2 != 0
		// Opening a split costs a little: bound the number of splits, so
		// that every input runs quickly.
		size := int64(splitSize%16) + 1
		if maxSplits := int64(100); int64(len(data))/size > maxSplits {
			size = int64(len(data))/maxSplits + 1
		}
		path := writeFile(t, t.TempDir(), "data.json", string(data))

		for _, mode := range []jsonio.Mode{jsonio.Permissive, jsonio.DropMalformed, jsonio.FailFast} {
			o.Mode = mode
			// The schema inferred from the file.
			if _, err := jsonio.NewSource([]string{path}, nil, o); err != nil {
				if !strings.Contains(err.Error(), "no records to take a schema from") && !errors.Is(err, jsonio.ErrMalformed) {
					t.Fatalf("NewSource: %v", err)
				}
			} else {
				fuzzSplits(t, path, nil, o, size)
			}
			fuzzSplits(t, path, fuzzSchema, o, size)
		}
	})
}

// fuzzSplits compares reading the file as one split and as splits of size
// bytes.
func fuzzSplits(t *testing.T, path string, s *arrow.Schema, o jsonio.Options, size int64) {
	t.Helper()
	one, err := jsonio.NewSource([]string{path}, s, o)
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	want, wantErr := scan(t, one, plan.ScanOptions{BatchRows: 3})
	if wantErr != nil && (o.Mode != jsonio.FailFast || !errors.Is(wantErr, jsonio.ErrMalformed)) {
		t.Fatalf("%s: one split: %v", o.Mode, wantErr)
	}
	tiny, err := jsonio.NewSource([]string{path}, s, tinySplits(o, size))
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	if !tiny.Schema().Equal(one.Schema()) {
		t.Fatalf("schema %s with splits, %s without", tiny.Schema(), one.Schema())
	}
	got, gotErr := scan(t, tiny, plan.ScanOptions{BatchRows: 2})
	if wantErr != nil || gotErr != nil {
		if wantErr == nil || gotErr == nil || wantErr.Error() != gotErr.Error() {
			t.Fatalf("%s: split %d: error %v, want %v", o.Mode, size, gotErr, wantErr)
		}
		return
	}
	if d := diffRows(got.Rows, want.Rows); d != "" {
		t.Fatalf("%s: split %d: %s", o.Mode, size, d)
	}
	// Every non-blank line is a row, unless DROPMALFORMED dropped it.
	if lines := nonBlankLines(path); o.Mode != jsonio.DropMalformed && len(want.Rows) != lines {
		t.Fatalf("%s: %d rows from %d non-blank lines", o.Mode, len(want.Rows), lines)
	}
	// A projection gives the same values as the full read.
	for k := range one.Schema().NumFields() {
		name := one.Schema().Field(k).Name
		p, err := one.Project([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		pgot, err := scan(t, p, plan.ScanOptions{})
		if err != nil {
			t.Fatalf("%s: projection: %v", o.Mode, err)
		}
		if !slices.Equal(pgot.Cols[0], want.Cols[k]) {
			t.Fatalf("%s: projection of %s: %q, want %q", o.Mode, name, pgot.Cols[0], want.Cols[k])
		}
	}
}

func nonBlankLines(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	n := 0
	for _, line := range bytes.Split(data, []byte{'\n'}) {
		if len(bytes.Trim(line, " \t\r")) > 0 {
			n++
		}
	}
	return n
}
