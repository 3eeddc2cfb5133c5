package csvio_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/plan"
)

// cutSizes are the split sizes every case is read with: whole, and cut
// into pieces small enough to put a boundary between every two bytes.
var cutSizes = []int64{0, 1, 2, 3, 5, 7, 16}

// readAll reads content with o at every split size, checking every value
// (UTF-8 included), and fails unless all give the same rows; it returns
// them, or the first error.
func readAll(t *testing.T, content string, o csvio.Options) ([]string, error) {
	t.Helper()
	var want []string
	for _, size := range cutSizes {
		oo := o
		if size > 0 {
			oo = tinySplits(o, size)
		}
		src, err := newSource(t, content, nil, oo)
		if err != nil {
			return nil, err
		}
		res, err := sourcetest.ScanFull(t, src, plan.ScanOptions{})
		if err != nil {
			return nil, err
		}
		if size == 0 {
			want = res.Rows
		} else if d := diffRows(res.Rows, want); d != "" {
			t.Fatalf("splits of %d bytes: rows differ from the whole file's:\n%s", size, d)
		}
	}
	return want, nil
}

func mustReadAll(t *testing.T, content string, o csvio.Options) []string {
	t.Helper()
	rows, err := readAll(t, content, o)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestLineEnds: \n, \r and \r\n end records, and mixes of them, with
// quoted line ends kept; the same rows at every split size.
func TestLineEnds(t *testing.T) {
	o := options(func(o *csvio.Options) { o.Header = true })
	want := []string{`"1","x"`, `"2","y\nz"`, `"3","w"`}
	for name, content := range map[string]string{
		"LF":     "a,b\n1,x\n2,\"y\nz\"\n3,w\n",
		"CR":     "a,b\r1,x\r2,\"y\nz\"\r3,w\r",
		"CRLF":   "a,b\r\n1,x\r\n2,\"y\nz\"\r\n3,w\r\n",
		"CRCRLF": "a,b\r\r\n1,x\r\r\n2,\"y\nz\"\r\r\n3,w",
		"mixed":  "a,b\r1,x\n2,\"y\nz\"\r\n3,w",
	} {
		rows := mustReadAll(t, content, o)
		if !slices.Equal(rows, want) {
			t.Errorf("%s: rows %q, want %q", name, rows, want)
		}
	}
}

// TestLineNumbersWithCR: errors give the line of the record whatever the
// line ends, across splits.
func TestLineNumbersWithCR(t *testing.T) {
	o := options(func(o *csvio.Options) { o.Header, o.Mode = true, csvio.FailFast })
	for _, eol := range []string{"\n", "\r", "\r\n"} {
		content := strings.Join([]string{"a,b", "1,x", "2,y", "3", "4,z"}, eol) + eol
		_, err := readAll(t, content, o)
		if err == nil || !strings.Contains(err.Error(), "data.csv:4") {
			t.Errorf("line ends %q: %v, want an error at line 4", eol, err)
		}
	}
}

// TestUnterminatedQuote: a quote that never closes is an error naming the
// file and line in FAILFAST, a corrupt record in PERMISSIVE (the lines
// after it are read as records), and dropped in DROPMALFORMED.
func TestUnterminatedQuote(t *testing.T) {
	content := "a,b\n1,x\n2,\"y\n3,z\n4,w\n"
	o := options(func(o *csvio.Options) { o.Header, o.Mode = true, csvio.FailFast })
	_, err := readAll(t, content, o)
	if !errors.Is(err, csvio.ErrMalformed) || !strings.Contains(err.Error(), "data.csv:3") || !strings.Contains(err.Error(), "never closed") {
		t.Errorf("FAILFAST: %v, want ErrMalformed at data.csv:3 saying the quote is never closed", err)
	}
	o.Mode = csvio.DropMalformed
	if rows := mustReadAll(t, content, o); !slices.Equal(rows, []string{`"1","x"`, `"3","z"`, `"4","w"`}) {
		t.Errorf("DROPMALFORMED: %q", rows)
	}
	o.Mode = csvio.Permissive
	sch := schema("a", tInt64, "b", tString, "_corrupt_record", tString)
	for _, size := range cutSizes {
		oo := o
		if size > 0 {
			oo = tinySplits(o, size)
		}
		res := sourcetest.MustScanFull(t, mustSource(t, content, sch, oo), plan.ScanOptions{})
		want := []string{`1,"x",NULL`, `2,"y",` + `"2,\"y"`, `3,"z",NULL`, `4,"w",NULL`}
		if !slices.Equal(res.Rows, want) {
			t.Errorf("PERMISSIVE, splits of %d: %q, want %q", size, res.Rows, want)
		}
	}
}

// TestBOM: a UTF-8 byte order mark is no part of the first column's name.
func TestBOM(t *testing.T) {
	src := mustSource(t, "\xef\xbb\xbfid,name\n1,a\n", nil, options(func(o *csvio.Options) { o.Header, o.InferSchema = true, true }))
	if got := names(src.Schema()); !slices.Equal(got, []string{"id", "name"}) {
		t.Errorf("names %q", got)
	}
	if rows := mustReadAll(t, "\xef\xbb\xbfid,name\n1,a\n", options(func(o *csvio.Options) { o.Header = true })); !slices.Equal(rows, []string{`"1","a"`}) {
		t.Errorf("rows %q", rows)
	}
	// Without a header the mark is not data either.
	if rows := mustReadAll(t, "\xef\xbb\xbfx,y\n", options(nil)); !slices.Equal(rows, []string{`"x","y"`}) {
		t.Errorf("rows without header %q", rows)
	}
}

// TestHeadersDiffer: files whose headers hold the same names in another
// order are matched by name; other headers are an error naming both files.
func TestHeadersDiffer(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.csv", "id,name\n1,x\n")
	b := writeFile(t, dir, "b.csv", "name,id\ny,2\n")
	o := options(func(o *csvio.Options) { o.Header, o.InferSchema = true, true })
	src, err := csvio.NewSource([]string{a, b}, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	if rows := mustScan(t, src, plan.ScanOptions{}).Rows; !slices.Equal(rows, []string{`1,"x"`, `2,"y"`}) {
		t.Errorf("rows %q, want columns matched by name (and id inferred as a number)", rows)
	}
	// It survives serialization.
	got := sourcetest.MustScan(t, roundTrip(t, src), plan.ScanOptions{}).Rows
	if !slices.Equal(got, []string{`1,"x"`, `2,"y"`}) {
		t.Errorf("decoded source: rows %q", got)
	}
	c := writeFile(t, dir, "c.csv", "id,label\n3,z\n")
	src, err = csvio.NewSource([]string{a, c}, nil, o)
	if err == nil {
		_, err = scan(t, src, plan.ScanOptions{})
	}
	if err == nil || !strings.Contains(err.Error(), c) || !strings.Contains(err.Error(), a) || !strings.Contains(err.Error(), `"label"`) {
		t.Errorf("different headers: %v, want an error naming both files and headers", err)
	}
}

func roundTrip(t *testing.T, src plan.Source) plan.Source {
	t.Helper()
	p := src.(plan.Portable)
	cfg, err := p.Config()
	if err != nil {
		t.Fatal(err)
	}
	out, err := plan.DecodeSource(p.Kind(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestInvalidUTF8: a string field that is not UTF-8 is malformed, never an
// invalid Arrow string; latin1 files are converted.
func TestInvalidUTF8(t *testing.T) {
	content := "id,name\n1,caf\xe9\n2,ok\n"
	o := options(func(o *csvio.Options) { o.Header, o.Mode = true, csvio.FailFast })
	if _, err := readAll(t, content, o); !errors.Is(err, csvio.ErrMalformed) || !strings.Contains(err.Error(), "not valid UTF-8") || !strings.Contains(err.Error(), "data.csv:2") {
		t.Errorf("FAILFAST: %v", err)
	}
	o.Mode = csvio.DropMalformed
	if rows := mustReadAll(t, content, o); !slices.Equal(rows, []string{`"2","ok"`}) {
		t.Errorf("DROPMALFORMED: %q", rows)
	}
	o.Mode = csvio.Permissive
	res := sourcetest.MustScanFull(t, mustSource(t, content, schema("id", tInt64, "name", tString, "_corrupt_record", tString), o), plan.ScanOptions{})
	if want := []string{`1,NULL,"1,caf` + "\ufffd" + `"`, `2,"ok",NULL`}; !slices.Equal(res.Rows, want) {
		t.Errorf("PERMISSIVE: %q, want %q", res.Rows, want)
	}
	o.Encoding = "latin1"
	if rows := mustReadAll(t, content, o); !slices.Equal(rows, []string{`"1","café"`, `"2","ok"`}) {
		t.Errorf("latin1: %q", rows)
	}
	po, err := csvio.ParseOptions(map[string]string{"encoding": "ISO-8859-1", "header": "true"})
	if err != nil || po.Encoding != "ISO-8859-1" {
		t.Errorf("ParseOptions(encoding=ISO-8859-1) = %q, %v", po.Encoding, err)
	}
}

// TestNoQuoting: quote="" reads quotes as data.
func TestNoQuoting(t *testing.T) {
	o, err := csvio.ParseOptions(map[string]string{"quote": "", "header": "true"})
	if err != nil {
		t.Fatal(err)
	}
	rows := mustReadAll(t, "a,b\n\"x,y\"\n5\",\"6\n", o)
	if want := []string{`"\"x","y\""`, `"5\"","\"6"`}; !slices.Equal(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
}

// TestSkipRowsAndComments: the first SkipRows lines, then comment lines,
// are no data, before the header as after it.
func TestSkipRowsAndComments(t *testing.T) {
	o, err := csvio.ParseOptions(map[string]string{"skipRows": "2", "comment": "#", "header": "true"})
	if err != nil {
		t.Fatal(err)
	}
	content := "exported by tool\r\nversion 3,\"x\"\r\n# a comment\r\na,b\r\n1,x\r\n# another\r\n2,y\r\n"
	rows := mustReadAll(t, content, o)
	if want := []string{`"1","x"`, `"2","y"`}; !slices.Equal(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
	src := mustSource(t, content, nil, o)
	if got := names(src.Schema()); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("names %q", got)
	}
}

// TestLiteralBracketPath: a file whose name holds glob characters is read
// as named when it exists.
func TestLiteralBracketPath(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "data[1].csv", "a\n1\n")
	writeFile(t, dir, "data1.csv", "a\n2\n")
	src, err := csvio.NewSource([]string{p}, nil, options(func(o *csvio.Options) { o.Header = true }))
	if err != nil {
		t.Fatal(err)
	}
	if rows := mustScan(t, src, plan.ScanOptions{}).Rows; !slices.Equal(rows, []string{`"1"`}) {
		t.Errorf("rows %q, want data[1].csv's", rows)
	}
	// Where nothing has that name, it is a glob.
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	src, err = csvio.NewSource([]string{filepath.Join(dir, "data[1].csv")}, nil, options(func(o *csvio.Options) { o.Header = true }))
	if err != nil {
		t.Fatal(err)
	}
	if rows := mustScan(t, src, plan.ScanOptions{}).Rows; !slices.Equal(rows, []string{`"2"`}) {
		t.Errorf("rows %q, want data1.csv's", rows)
	}
}

// TestAfterClosingQuote: spaces and tabs between a closing quote and the
// delimiter are dropped (as Spark and DuckDB drop them); other text there
// is kept.
func TestAfterClosingQuote(t *testing.T) {
	rows := mustReadAll(t, "a,b\n\"onions\"  ,\",\"\t\n\"ab\"c,\"x\" y\n", options(func(o *csvio.Options) { o.Header = true }))
	if want := []string{`"onions",","`, `"abc","x y"`}; !slices.Equal(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
}

// TestStrayQuotes: a quote opens a quoted field only at the start of a
// field; elsewhere it is data (5'11", a"b), as Spark and DuckDB read it,
// so the line end after it ends the record — at every split size, a byte
// order mark before the first quote included.
func TestStrayQuotes(t *testing.T) {
	o := options(func(o *csvio.Options) { o.Header, o.Mode = true, csvio.FailFast })
	cases := []struct {
		content string
		want    []string
	}{
		{"h,n\n5'11\",6\n12\" pizza,7\n\"q\"\"x\",8\n", []string{`"5'11\"","6"`, `"12\" pizza","7"`, `"q\"x","8"`}},
		{"h,n\n\"ab\"c\"d,1\n\"two\nlines\",2\n", []string{`"abc\"d","1"`, `"two\nlines","2"`}},
		{"\xef\xbb\xbf\"h,1\",n\n\"a\nb\",1\n", []string{`"a\nb","1"`}},
	}
	for _, c := range cases {
		if rows := mustReadAll(t, c.content, o); !slices.Equal(rows, c.want) {
			t.Errorf("%q: rows %q, want %q", c.content, rows, c.want)
		}
	}
}
