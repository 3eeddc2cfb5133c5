package jsonio_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/plan"
)

// splitSizes are the split sizes the splitting tests compare with a
// single split (0: the default, one split for a small file).
var splitSizes = []int64{1, 2, 3, 7, 11, 64, 100, 1000, 0}

// randomJSON builds a JSON-lines file of n lines drawn to hit what
// splitting and conversion must get right: blank lines, CRLF, escapes
// (an escaped newline, quotes, backslashes), unicode, nested values,
// missing keys, values of the wrong kind and malformed lines.
func randomJSON(rng *rand.Rand, n int) string {
	var sb strings.Builder
	strs := []string{`""`, `"a"`, `"\n"`, `"\\"`, `"\""`, `"é中😀"`, `"\u00e9\ud83d\ude00"`, `"{\"x\": 1}"`, `"a\r\nb"`}
	values := []string{"1", "-2", "2.5", "1e3", "true", "null", "[]", "{}", `[1, 2.5]`, `{"x": 1, "y": "s"}`, `[{"x": 2}]`}
	for range n {
		switch rng.IntN(12) {
		case 0:
			sb.WriteString([]string{"", "  ", "\r", "\t "}[rng.IntN(4)])
		case 1:
			sb.WriteString([]string{`{"i": 1`, `[1]`, `nul`, `{"s": "\x"}`, `"x"`, `{"i": 1}}`}[rng.IntN(6)])
		default:
			sb.WriteString("{")
			keys := []string{"i", "f", "s", "n", "l"}
			rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
			first := true
			for _, k := range keys[:rng.IntN(len(keys)+1)] {
				if !first {
					sb.WriteString(", ")
				}
				first = false
				var v string
				switch r := rng.IntN(4); {
				case r == 0:
					v = values[rng.IntN(len(values))]
				case k == "i":
					v = fmt.Sprint(rng.IntN(1000) - 500)
				case k == "f":
					v = fmt.Sprint(rng.NormFloat64())
				case k == "s":
					v = strs[rng.IntN(len(strs))]
				case k == "n":
					v = fmt.Sprintf(`{"x": %d, "y": %s}`, rng.IntN(9), strs[rng.IntN(len(strs))])
				default:
					v = fmt.Sprintf(`[%d, %d]`, rng.IntN(9), rng.IntN(9))
				}
				sb.WriteString(`"` + k + `": ` + v)
			}
			sb.WriteString("}")
		}
		if rng.IntN(3) == 0 {
			sb.WriteString("\r\n")
		} else {
			sb.WriteString("\n")
		}
	}
	return sb.String()
}

var randomSchema = schema("i", tInt64, "f", tFloat64, "s", tString, "n", structOf("x", tInt32, "y", tString),
	"l", arrow.ListOf(tInt64), "_corrupt_record", tString)

// TestSplitsGiveSameRows checks the key property of the parallel reader:
// whatever the split size, reading the splits in order gives exactly the
// rows of reading the file as one split.
func TestSplitsGiveSameRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	files := []struct {
		name    string
		content string
		schema  *arrow.Schema
		mode    jsonio.Mode
	}{
		{name: "plain", content: "{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3}\n"},
		{name: "crlf and blanks", content: "\r\n{\"a\": 1}\r\n\r\n\r\n{\"a\": \"x\\n\"}\r\n \r\n"},
		{name: "no final newline", content: "{\"a\": 1}\n{\"a\": [1, {\"b\": 2}]}"},
		{name: "bom", content: "\xef\xbb\xbf{\"a\": 1}\n{\"a\": 2}\n"},
		{name: "escaped newlines", content: "{\"a\": \"\\n\\n\"}\n{\"a\": \"\\\\n\"}\n{\"a\": \"\\\\\\n\"}\n"},
		{name: "random permissive", content: randomJSON(rng, 80), schema: randomSchema},
		{name: "random dropmalformed", content: randomJSON(rng, 80), schema: randomSchema, mode: jsonio.DropMalformed},
		{name: "random inferred", content: randomJSON(rng, 80)},
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "data.json", f.content)
			o := options(func(o *jsonio.Options) { o.Mode = f.mode })
			one, err := jsonio.NewSource([]string{path}, f.schema, o)
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
			for _, size := range splitSizes {
				so := o
				if size > 0 {
					so = tinySplits(o, size)
				}
				src, err := jsonio.NewSource([]string{path}, f.schema, so)
				if err != nil {
					t.Fatal(err)
				}
				if !src.Schema().Equal(one.Schema()) {
					t.Fatalf("split %d: schema %s, want %s", size, src.Schema(), one.Schema())
				}
				if wantParts := (len(f.content) + int(size) - 1) / max(int(size), 1); size > 0 && src.Partitions() != wantParts {
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
		line    int
	}{
		{name: "first line", content: "x\n{}\n", line: 1},
		{name: "after blank lines", content: "\n\n{}\n\n{\"a\": 1}\n{\"a\": 1.5}\n", line: 6},
		{name: "after escaped newlines", content: "{\"b\": \"\\n\\n\"}\r\n{\"b\": \"\\r\\n\"}\r\n{\"a\": true}\r\n", line: 3},
		{name: "last line", content: "{}\n{}\n{", line: 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "data.json", c.content)
			for _, size := range splitSizes {
				o := options(func(o *jsonio.Options) { o.Mode = jsonio.FailFast })
				if size > 0 {
					o = tinySplits(o, size)
				}
				src, err := jsonio.NewSource([]string{path}, schema("a", tInt64, "b", tString), o)
				if err != nil {
					t.Fatal(err)
				}
				_, err = scan(t, src, plan.ScanOptions{})
				want := fmt.Sprintf("%s:%d:", path, c.line)
				if !errors.Is(err, jsonio.ErrMalformed) || !strings.Contains(err.Error(), want) {
					t.Fatalf("split %d: error %v, want one naming %s", size, err, want)
				}
			}
		})
	}
}

// TestConcurrentOpen opens and reads every split at once, as the executor
// does, and checks the rows against a single split.
func TestConcurrentOpen(t *testing.T) {
	content := randomJSON(rand.New(rand.NewPCG(5, 6)), 400)
	path := writeFile(t, t.TempDir(), "data.json", content)
	o := options(nil)
	one, err := jsonio.NewSource([]string{path}, randomSchema, o)
	if err != nil {
		t.Fatal(err)
	}
	want := mustScan(t, one, plan.ScanOptions{})
	for _, size := range []int64{5, 64, 1000} {
		src, err := jsonio.NewSource([]string{path}, randomSchema, tinySplits(o, size))
		if err != nil {
			t.Fatal(err)
		}
		parts := make([]scanResult, src.Partitions())
		errs := make([]error, src.Partitions())
		var wg sync.WaitGroup
		mem := checkedAllocator(t)
		for p := range parts {
			wg.Go(func() {
				parts[p] = newScanResult(src.Schema())
				errs[p] = scanPartition(ctx, src, p, plan.ScanOptions{Allocator: mem, BatchRows: 7}, &parts[p])
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
			t.Fatalf("split %d: %s", size, d)
		}
	}
}
