package csvio_test

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/internal/fuzzwatch"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/plan"
)

var fuzzSeeds = []string{
	"",
	"\n",
	"\r\n\r\n",
	"a,b\n1,2\n",
	"a,b\n1,2",
	"a,b\r\n1,2\r\n",
	"\"",
	"\"\"",
	"\"\"\"",
	"\"\n\"",
	"\"a\nb\",c\n\"d\",\"e\nf\"\n",
	"\\",
	"\"\\\n\",x\n",
	"\"\\\"\",\"\\\\\"\n",
	"\"a\"\"b\",\"\"\"\"\n",
	"a\"b,c\nd,e\n",
	"\n\nh1,h2\n1,2\n",
	"\n\r\n\r\r\n1\n",
	"1,2,3\n4\n5,6,7,8\n",
	"x,1.5,s\n2,y,\"t\nu\"\n,,\n",
	"\"ab\"c,d\n",
	"a;b\n1;2\n",
	"1,2\n\n\n3,4\n\"\n\n\"",
	"2024-01-02,1e300,-0\n",
	"5'11\",6\n7,8\"\n",
	"a\"b,\"c\nd\"\n",
	"\"ab\"c\"d,e\nf,\"g\"\"\"\n",
	"\xef\xbb\xbf\"a,b\",c\n\"d\ne\",f\n",
	"x,\"a\"\"b\"\" c\",d\n\"\",\"\"\"\"\n",
}

// TestMain gives fuzzing runs a short -fuzzminimizetime: see fuzzwatch.
func TestMain(m *testing.M) { fuzzwatch.Main(m) }

// FuzzReader reads arbitrary bytes with several options and checks that
// reading never panics or leaks, that every split size gives the rows of a
// single split, that FAILFAST reports the same first error however the
// file is split, and that projection does not change values.
func FuzzReader(f *testing.F) {
	for _, s := range fuzzSeeds {
		for flags := range uint8(16) {
			f.Add([]byte(s), flags, flags%5)
		}
		// The record and field caps, small enough for the seeds to reach.
		f.Add([]byte(s), uint8(16|1), uint8(1))
		f.Add([]byte(s), uint8(32|8), uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, flags, splitSize uint8) {
		defer fuzzwatch.Watch(t, data, flags, splitSize)()
		o := csvio.DefaultOptions()
		o.Header = flags&1 != 0
		if flags&2 != 0 {
			o.Escape = '"'
		}
		if flags&4 != 0 {
			o.Delimiter = ';'
		}
		o.InferSchema = flags&8 != 0
		if flags&16 != 0 {
			o.MaxRecordBytes = 8
		}
		if flags&32 != 0 {
			o.MaxCharsPerColumn = 2
		}
		// Opening a split costs a little per column: bound the splits
		// times the columns, so that every input runs quickly.
		size := int64(splitSize%16) + 1
		columns := int64(bytes.Count(data, []byte{o.Delimiter}) + 1)
		if maxSplits := max(1, min(300, 20000/columns)); int64(len(data))/size > maxSplits {
			size = int64(len(data))/maxSplits + 1
		}
		path := writeFile(t, t.TempDir(), "data.csv", string(data))

		// The schema from the file (header names, or inferred types).
		if _, err := csvio.NewSource([]string{path}, nil, o); err != nil {
			if !strings.Contains(err.Error(), "no records to take a schema from") && !strings.Contains(err.Error(), "longer than maxRecordBytes") {
				t.Fatalf("NewSource: %v", err)
			}
		} else {
			fuzzSplits(t, path, nil, o, size)
		}

		typed := schema("a", tInt64, "b", tFloat64, "c", tString, "d", tDate32, "_corrupt_record", tString)
		for _, mode := range []csvio.Mode{csvio.Permissive, csvio.DropMalformed, csvio.FailFast} {
			o.Mode = mode
			fuzzSplits(t, path, typed, o, size)
		}
	})
}

// fuzzSplits compares reading the file as one split and as splits of size
// bytes.
func fuzzSplits(t *testing.T, path string, s *arrow.Schema, o csvio.Options, size int64) {
	t.Helper()
	one, err := csvio.NewSource([]string{path}, s, o)
	if err != nil && o.MaxRecordBytes > 0 && strings.Contains(err.Error(), "the header is longer than maxRecordBytes") {
		return
	}
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	want, wantErr := scan(t, one, plan.ScanOptions{BatchRows: 3})
	if wantErr != nil && (o.Mode != csvio.FailFast || !errors.Is(wantErr, csvio.ErrMalformed)) {
		t.Fatalf("%s: one split: %v", o.Mode, wantErr)
	}
	tiny, err := csvio.NewSource([]string{path}, s, tinySplits(o, size))
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
	// A projection gives the same values as the full read.
	if n := one.Schema().NumFields(); n > 0 {
		last := one.Schema().Field(n - 1).Name
		p, err := tiny.Project([]string{last})
		if err != nil {
			t.Fatal(err)
		}
		pgot, err := scan(t, p, plan.ScanOptions{})
		if err != nil {
			t.Fatalf("%s: projection: %v", o.Mode, err)
		}
		if !slices.Equal(pgot.Cols[0], want.Cols[n-1]) {
			t.Fatalf("%s: projection of %s: %q, want %q", o.Mode, last, pgot.Cols[0], want.Cols[n-1])
		}
	}
}

// FuzzRoundTrip writes arbitrary strings and reads them back, with tiny
// splits: every value, NULL and "" included, must come back as written.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{"", "a", `"`, `\`, `\"`, "\r", "\n", "\r\n", ",", ";", "NA", " ", `a\,b`, `""`, "\\\n"} {
		f.Add(s, "x", uint8(0))
		f.Add("x", s, uint8(7))
		f.Add(s, "y", uint8(8))
		f.Add("y", s, uint8(8|4|1))
	}
	f.Fuzz(func(t *testing.T, a, b string, flags uint8) {
		defer fuzzwatch.Watch(t, a, b, flags)()
		if !utf8.ValidString(a) || !utf8.ValidString(b) {
			t.Skip("an Arrow string is UTF-8")
		}
		o := csvio.DefaultOptions()
		o.Header = flags&1 != 0
		if flags&2 != 0 {
			o.Escape = '"'
		}
		if flags&4 != 0 {
			o.Delimiter, o.NullValue = ';', "NA"
		}
		s := schema("a", tString, "b", tString)
		mem := checkedAllocator(t)
		batch := buildBatch(t, mem, s, [][]any{{a, b}, {nil, a}, {b, nil}, {"", a + b}})
		defer batch.Release()
		want := formatRows(batch)
		if flags&8 != 0 {
			// Without quoting, a value holding the delimiter or a line end
			// cannot be written; an empty one or the null value reads
			// back as NULL.
			o.Quote = 0
			if strings.ContainsAny(a+b, string(rune(o.Delimiter))+"\r\n") {
				_, err := writeText(o, s, batch)
				if !errors.Is(err, csvio.ErrCannotWrite) {
					t.Fatalf("quote=\"\", values %q, %q: error %v, want ErrCannotWrite", a, b, err)
				}
				return
			}
			for i, v := range [][]any{{a, b}, {nil, a}, {b, nil}, {"", a + b}} {
				cells := make([]string, len(v))
				for k, x := range v {
					cells[k] = "NULL"
					if x, ok := x.(string); ok && x != "" && x != o.NullValue {
						cells[k] = strconv.Quote(x)
					}
				}
				want[i] = strings.Join(cells, ",")
			}
		}
		text, err := writeText(o, s, batch)
		if err != nil {
			t.Fatal(err)
		}
		for _, size := range []int64{0, 1, 3} {
			ro := o
			if size > 0 {
				ro = tinySplits(o, size)
			}
			ro.Mode = csvio.FailFast
			got, err := scan(t, mustSource(t, text, s, ro), plan.ScanOptions{})
			if err != nil {
				t.Fatalf("split %d: %v\nfile: %q", size, err, text)
			}
			if d := diffRows(got.Rows, want); d != "" {
				t.Fatalf("split %d: %s\nfile: %q", size, d, text)
			}
		}
	})
}

// writeText writes batches with the options and returns the text.
func writeText(o csvio.Options, s *arrow.Schema, batches ...arrow.RecordBatch) (string, error) {
	var out bytes.Buffer
	w, err := csvio.Format{Options: o}.NewWriter(&out, s)
	if err != nil {
		return "", err
	}
	for _, b := range batches {
		if err := w.Write(b); err != nil {
			return "", err
		}
	}
	err = w.Close()
	return out.String(), err
}
