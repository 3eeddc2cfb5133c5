package csvio_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/plan"
)

// tinySplitSizes are the split sizes the splitting tests compare with a
// single split.
var tinySplitSizes = []int64{1, 2, 3, 4, 5, 7, 11, 16, 64, 100, 1000}

// randomCSV builds a CSV file of n records whose fields are drawn to hit
// the cases splitting must get right: quoted delimiters, newlines, CRLF,
// doubled quotes, backslash escapes, empty and blank records.
func randomCSV(rng *rand.Rand, n, cols int, header, crlf bool) string {
	var sb strings.Builder
	eol := "\n"
	if crlf {
		eol = "\r\n"
	}
	if header {
		for c := range cols {
			if c > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "\"c,%d\n\"", c)
		}
		sb.WriteString(eol)
	}
	pieces := []string{"", "a", "1", "-2.5", "x y", ",", "\n", "\r\n", `""`, `\"`, `\\`, "\"\n\"", ",\n,", "true", "\\\n"}
	for range n {
		if rng.IntN(10) == 0 {
			sb.WriteString(eol) // a blank line
			continue
		}
		for c := range cols {
			if c > 0 {
				sb.WriteByte(',')
			}
			switch rng.IntN(4) {
			case 0: // unquoted, no specials
				sb.WriteString([]string{"", "a", "12", "3.5", "true", "x y"}[rng.IntN(6)])
			default: // quoted with specials inside
				sb.WriteByte('"')
				for range rng.IntN(4) {
					sb.WriteString(pieces[rng.IntN(len(pieces))])
				}
				sb.WriteByte('"')
			}
		}
		sb.WriteString(eol)
	}
	return sb.String()
}

// TestSplitsGiveSameRows checks the key property of the parallel reader:
// whatever the split size, reading the splits in order gives exactly the
// rows of reading the file as one split.
func TestSplitsGiveSameRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	files := []struct {
		name    string
		content string
		schema  *arrow.Schema
		opts    func(*csvio.Options)
	}{
		{name: "plain", content: "a,b\n1,2\n3,4\n5,6\n"},
		{name: "header", content: "a,b\n1,2\n3,4\n5,6\n", opts: func(o *csvio.Options) { o.Header = true }},
		{name: "quoted newlines", content: "\"a\nb\",\"c\n\nd\"\n\"\n\",x\n\"\n\n\n\",\"\"\n", opts: func(o *csvio.Options) { o.Header = true }},
		{name: "doubled quotes", content: "\"\"\"\n\"\"\",\"\"\n\"a\"\"\",\"\"\"\"\n\"\"\"\"\"\"\n", opts: nil},
		{name: "escaped quotes", content: "\"a\\\"\nb\",\"\\\\\"\n\"\\\n\",\"\\\"\\\"\"\n", opts: nil},
		{name: "escape is quote", content: "\"a\\\"\nb\",\"\\\\\"\n\"\\\n\",\"\\\"\\\"\"\n", opts: func(o *csvio.Options) { o.Escape = '"' }},
		{name: "delimiters in quotes", content: "h1;h2\n\"a;b\";\"c\n;d\"\n\";\";\";;\"\n", opts: func(o *csvio.Options) { o.Header, o.Delimiter = true, ';' }},
		{name: "crlf", content: "a,b\r\n\"1\r\n\",2\r\n\r\n3,\"4\r\n\r\n\"\r\n", opts: func(o *csvio.Options) { o.Header = true }},
		{name: "blank lines before header", content: "\n\n\r\nh\n1\n\n2\n", opts: func(o *csvio.Options) { o.Header = true }},
		{name: "unterminated quote", content: "a,b\n1,\"2\n3,4\n5,6\n", opts: func(o *csvio.Options) { o.Header = true }},
		{name: "no final newline", content: "a,b\n1,2\n\"3\n\",\"4", opts: func(o *csvio.Options) { o.Header = true }},
		{
			name: "typed", content: "i,f,s\n1,1.5,\"x\ny\"\nbad,2,z\n3,,\"\"\"\"\n",
			schema: schema("i", tInt64, "f", tFloat64, "s", tString, "_corrupt_record", tString),
			opts:   func(o *csvio.Options) { o.Header = true },
		},
		{
			name: "typed dropmalformed", content: "i,f,s\n1,1.5,\"x\ny\"\nbad,2,z\n3,,\"\"\"\"\n4\n",
			schema: schema("i", tInt64, "f", tFloat64, "s", tString),
			opts:   func(o *csvio.Options) { o.Header, o.Mode = true, csvio.DropMalformed },
		},
		{name: "infer", content: "a,b\n1,\"x\n\"\n2.5,\"\"\"\n\"\n", opts: func(o *csvio.Options) { o.Header, o.InferSchema = true, true }},
		{name: "random", content: randomCSV(rng, 60, 3, false, false)},
		{name: "random header", content: randomCSV(rng, 60, 3, true, false), opts: func(o *csvio.Options) { o.Header = true }},
		{name: "random crlf", content: randomCSV(rng, 60, 2, true, true), opts: func(o *csvio.Options) { o.Header = true }},
		{name: "random escape is quote", content: randomCSV(rng, 60, 2, false, false), opts: func(o *csvio.Options) { o.Escape = '"' }},
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "data.csv", f.content)
			one, err := csvio.NewSource([]string{path}, f.schema, options(f.opts))
			if err != nil {
				t.Fatal(err)
			}
			if one.Partitions() != 1 {
				t.Fatalf("%d partitions by default, want 1", one.Partitions())
			}
			want := mustScan(t, one, plan.ScanOptions{})
			if len(want.Rows) == 0 {
				t.Fatal("no rows")
			}
			for _, size := range tinySplitSizes {
				src, err := csvio.NewSource([]string{path}, f.schema, tinySplits(options(f.opts), size))
				if err != nil {
					t.Fatal(err)
				}
				if wantParts := (len(f.content) + int(size) - 1) / int(size); src.Partitions() != wantParts {
					t.Fatalf("split %d: %d partitions, want %d", size, src.Partitions(), wantParts)
				}
				for _, batchRows := range []int{1, 3, 0} {
					got := mustScan(t, src, plan.ScanOptions{BatchRows: batchRows})
					if d := diffRows(got.Rows, want.Rows); d != "" {
						t.Fatalf("split %d, batch %d: %s", size, batchRows, d)
					}
				}
			}
		})
	}
}

// TestSplitsKeepLineNumbers checks that a FAILFAST error names the right
// file and line whichever split finds the bad record.
func TestSplitsKeepLineNumbers(t *testing.T) {
	cases := []struct {
		name    string
		content string
		header  bool
		line    int
	}{
		{name: "first line", content: "x,1\n1,2\n", line: 1},
		{name: "after header", content: "a,b\nx,1\n", header: true, line: 2},
		{name: "after blank lines and header", content: "\n\na,b\n\n1,2\nx,1\n", header: true, line: 6},
		{name: "after quoted newlines", content: "a,b\n1,\"\n\n\"\n2,\"\r\n\"\"\n\"\nx,3\n", header: true, line: 8},
		{name: "multi-line header", content: "\"a\n\",\"b\n\"\n1,2\n3,\"\n\"\nx,1\n", header: true, line: 7},
		{name: "crlf", content: "a,b\r\n1,2\r\n\r\n3,4\r\nx,5\r\n", header: true, line: 5},
		{name: "escaped newline", content: "a,b\n1,\"\\\n\"\n3,\"\\\"\n\"\nx,5\n", header: true, line: 6},
		{name: "last line", content: "a,b\n1,2\nx,3", header: true, line: 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "data.csv", c.content)
			for _, size := range append([]int64{0}, tinySplitSizes...) {
				o := options(func(o *csvio.Options) { o.Header, o.Mode = c.header, csvio.FailFast })
				if size > 0 {
					o = tinySplits(o, size)
				}
				src, err := csvio.NewSource([]string{path}, schema("a", tInt64, "b", tString), o)
				if err != nil {
					t.Fatal(err)
				}
				_, err = scan(t, src, plan.ScanOptions{})
				want := fmt.Sprintf("%s:%d:", path, c.line)
				if !errors.Is(err, csvio.ErrMalformed) || !strings.Contains(err.Error(), want) {
					t.Fatalf("split %d: error %v, want one naming %s", size, err, want)
				}
			}
		})
	}
}

// TestConcurrentOpen opens and reads every split at once, as the executor
// does, so that the splits share the quote-state scans concurrently, and
// checks the rows against a single split.
func TestConcurrentOpen(t *testing.T) {
	content := randomCSV(rand.New(rand.NewPCG(5, 6)), 300, 3, true, false)
	path := writeFile(t, t.TempDir(), "data.csv", content)
	o := options(func(o *csvio.Options) { o.Header = true })
	one, err := csvio.NewSource([]string{path}, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	want := mustScan(t, one, plan.ScanOptions{})
	for _, size := range []int64{5, 64, 1000} {
		src, err := csvio.NewSource([]string{path}, nil, tinySplits(o, size))
		if err != nil {
			t.Fatal(err)
		}
		for round := range 2 { // the second round finds the scans cached
			parts := make([]scanResult, src.Partitions())
			errs := make([]error, src.Partitions())
			var wg sync.WaitGroup
			mem := checkedAllocator(t)
			for p := range parts {
				wg.Go(func() {
					parts[p] = newScanResult(src.Schema())
					errs[p] = scanPartition(ctx, src, p, plan.ScanOptions{Allocator: mem}, &parts[p])
				})
			}
			wg.Wait()
			var got []string
			for p := range parts {
				if errs[p] != nil {
					t.Fatal(errs[p])
				}
				got = append(got, parts[p].Rows...)
			}
			if d := diffRows(got, want.Rows); d != "" {
				t.Fatalf("split %d, round %d: %s", size, round, d)
			}
		}
	}
}

// TestSplitsBOMAndUnclosedQuote checks files that start with a byte order
// mark (which split starts and scanned pieces can fall inside) and whose
// quote may never close, so that one split reads on to the end of the
// file: every split size gives the rows, or the FAILFAST error, of a
// single split.
func TestSplitsBOMAndUnclosedQuote(t *testing.T) {
	const bom = "\xef\xbb\xbf"
	contents := []string{
		bom + "\"0\n00",             // the fuzzer's: the header's quote never closes
		bom + "\"0\n00\n",           // the same with a final line end
		bom + "\"a\nb\nc,d\n",       // the first record's quote never closes
		bom + "\"a\",b\n\"c\nd\n",   // a quote opened in the second record never closes
		bom + "\"a\nb\",c\n1,2\n",   // closed across a line end right after the mark
		bom + "\"\"\"\n1\n\"2",      // a doubled quote right after the mark
		bom + "x\"y\n\"z\n1\n",      // a quote inside an unquoted field is data
		bom + "\"",                  // only an open quote
		bom + "\n\"a\nb",            // a blank line, then an unclosed quote
		bom + "a,\"b\r\nc\r\nd",     // \r\n line ends, unclosed after a delimiter
		bom + "\"\\\"\n\",x\n\"y\n", // an escaped quote, then an unclosed one
	}
	for i, content := range slices.Concat(contents, contents) {
		if i >= len(contents) {
			content = strings.TrimPrefix(content, bom) // the same without the mark
		}
		path := writeFile(t, t.TempDir(), "data.csv", content)
		for _, header := range []bool{false, true} {
			for _, mode := range []csvio.Mode{csvio.Permissive, csvio.DropMalformed, csvio.FailFast} {
				o := options(func(o *csvio.Options) { o.Header, o.Mode = header, mode })
				s := schema("a", tString, "b", tString, "_corrupt_record", tString)
				one, err := csvio.NewSource([]string{path}, s, o)
				if err != nil {
					t.Fatal(err)
				}
				want, wantErr := scan(t, one, plan.ScanOptions{})
				for size := int64(1); size <= 8; size++ {
					src, err := csvio.NewSource([]string{path}, s, tinySplits(o, size))
					if err != nil {
						t.Fatal(err)
					}
					got, gotErr := scan(t, src, plan.ScanOptions{BatchRows: 2})
					name := fmt.Sprintf("file %d %q, header %v, %s, split %d", i, content, header, mode, size)
					if wantErr != nil || gotErr != nil {
						if wantErr == nil || gotErr == nil || wantErr.Error() != gotErr.Error() {
							t.Errorf("%s: error %v, want %v", name, gotErr, wantErr)
						}
						continue
					}
					if d := diffRows(got.Rows, want.Rows); d != "" {
						t.Errorf("%s: %s", name, d)
					}
				}
			}
		}
	}
}
