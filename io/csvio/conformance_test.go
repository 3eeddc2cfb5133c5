package csvio_test

// Conformance with peer corpora and a reference reader: csv-spectrum's
// files (npm, installed by bench/setup.sh beside DuckDB) read as the JSON
// shipped with them says, and those files and the classes of input the
// reader once got wrong read as DuckDB reads them, DuckDB run at test
// time through internal/duckdbtest.

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ember-df/ember/internal/duckdbtest"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/plan"
)

// table is what a reader read: column names and, per row, the printed
// cells (sourcetest.FormatCell: strings quoted, NULL bare).
type table struct {
	names []string
	rows  [][]string
}

func (tb table) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q", tb.names)
	for _, r := range tb.rows {
		fmt.Fprintf(&b, "\n  %s", strings.Join(r, ","))
	}
	return b.String()
}

// readTable reads the file at path with o, as one split and in splits of
// a few bytes, failing the test unless both give the same rows.
func readTable(t *testing.T, path string, o csvio.Options) (table, error) {
	t.Helper()
	var want table
	for _, size := range []int64{0, 3, 7} {
		oo := o
		if size > 0 {
			oo = tinySplits(o, size)
		}
		src, err := csvio.NewSource([]string{path}, nil, oo)
		if err != nil {
			return table{}, err
		}
		res, err := sourcetest.ScanFull(t, src, plan.ScanOptions{})
		if err != nil {
			return table{}, err
		}
		got := table{names: names(src.Schema())}
		for i := range res.Rows {
			row := make([]string, len(res.Cols))
			for k := range res.Cols {
				row[k] = res.Cols[k][i]
			}
			got.rows = append(got.rows, row)
		}
		if size == 0 {
			want = got
		} else if got.String() != want.String() {
			t.Fatalf("%s: splits of %d bytes read\n%s\nthe whole file\n%s", path, size, got, want)
		}
	}
	return want, nil
}

// TestCSVSpectrum: every csv-spectrum file whose JSON is an array of rows
// reads as that JSON says (all values strings, the header naming them).
// location_coordinates.json is a single object whose phone number is not
// the CSV's: it describes no file, so DuckDB is that file's reference
// (TestAgainstDuckDB).
func TestCSVSpectrum(t *testing.T) {
	dir := duckdbtest.Package(t, "csv-spectrum")
	files, err := filepath.Glob(filepath.Join(dir, "csvs", "*.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 12 {
		t.Fatalf("%d files in %s, want csv-spectrum 2.0.0's 12", len(files), dir)
	}
	checked := 0
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".csv")
		raw, err := os.ReadFile(filepath.Join(dir, "json", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var expected []map[string]string
		if err := json.Unmarshal(raw, &expected); err != nil {
			t.Logf("%s: %s is not an array of rows (%v): DuckDB is its reference", name, name+".json", err)
			continue
		}
		o := options(func(o *csvio.Options) { o.Header, o.Escape, o.Mode = true, '"', csvio.FailFast })
		got, err := readTable(t, path, o)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		want := table{names: got.names}
		for _, row := range expected {
			if len(row) != len(got.names) {
				t.Errorf("%s: expected row %v has %d values, ember read %d columns %q", name, row, len(row), len(got.names), got.names)
			}
			cells := make([]string, len(got.names))
			for k, n := range got.names {
				v, ok := row[n]
				cells[k] = strconv.Quote(v)
				if !ok {
					cells[k] = fmt.Sprintf("<no %q in the JSON>", n)
				}
			}
			want.rows = append(want.rows, cells)
		}
		if got.String() != want.String() {
			t.Errorf("%s: ember read\n%s\nthe JSON says\n%s", name, got, want)
		}
		checked++
	}
	if checked < 11 {
		t.Errorf("%d files checked against their JSON, want 11", checked)
	}
}

// dialect is how both readers are told to read one file.
type dialect struct {
	ember func(*csvio.Options) // over header, escape '"' and FAILFAST
	duck  string               // read_csv arguments over the defaults below
}

// duckDefaults make DuckDB read as ember's options above do: the header,
// every column a string, RFC 4180 quoting, no sniffed skipping or
// comments, and a quoted empty field the empty string (not NULL).
const duckDefaults = "header=true, all_varchar=true, allow_quoted_nulls=false, delim=',', quote='\"', escape='\"', skip=0, comment=''"

// duckCase is a file both readers read, and what ember must make of it
// where DuckDB differs on purpose (empty when they must agree).
type duckCase struct {
	name    string
	data    []byte
	dialect dialect
	differs string // why DuckDB's reading is not ember's, when it is not
}

// duckCases are the classes of input the reader once got wrong or that
// the options change, each as a small file made here.
func duckCases() []duckCase {
	rows := "id,name\n1,\"caf\u00e9, \"\"x\"\"\"\n2,\"two\nlines\"\n3,\n4,\"\"\n"
	utf16le := func(s string, bom bool) []byte { return utf16Bytes(s, binary.LittleEndian, bom) }
	return []duckCase{
		{name: "LF", data: []byte(rows)},
		{name: "CRLF", data: []byte(strings.ReplaceAll(rows, "\n", "\r\n"))},
		{name: "CR", data: []byte("id,name\r1,x\r2,\"y\nz\"\r3,w\r")},
		{name: "no final line end", data: []byte("id,name\n1,x\n2,y")},
		{name: "blank lines", data: []byte("id,name\n\n1,x\n\n\n2,y\n\n")},
		{name: "UTF-8 BOM", data: []byte("\xef\xbb\xbfid,name\n1,x\n")},
		{name: "quotes inside unquoted fields", data: []byte("id,name\n1,5'11\"\n2,12\" pizza\n3,\"x\"\n")},
		{name: "spaces after a closing quote", data: []byte("id,name\n\"1\"  ,\"x\"\n\"2\" ,y\n\"3\",\"z\"  \n")},
		{name: "semicolons", data: []byte("id;name\n1;\"a;b\"\n"), dialect: dialect{ember: func(o *csvio.Options) { o.Delimiter = ';' }, duck: "delim=';'"}},
		{name: "tabs", data: []byte("id\tname\n1\t\"a\tb\"\n"), dialect: dialect{ember: func(o *csvio.Options) { o.Delimiter = '\t' }, duck: "delim='\t'"}},
		{name: "no quoting", data: []byte("id,name\n\"x,y\"\n5\",\"6\n"), dialect: dialect{ember: func(o *csvio.Options) { o.Quote = 0 }, duck: "quote='', escape=''"}},
		{name: "skipped rows and comments", data: []byte("exported by\nversion 3,\"x\"\nid,name\n# a comment\n1,x\n#another\n2,y\n"),
			dialect: dialect{ember: func(o *csvio.Options) { o.SkipRows, o.Comment = 2, '#' }, duck: "skip=2, comment='#'"}},
		{name: "backslash escape", data: []byte("id,name\n1,\"a\\\"b\"\n2,\"c\\\\d\"\n"),
			dialect: dialect{ember: func(o *csvio.Options) { o.Escape = '\\' }, duck: "escape='\\'"}},
		{name: "latin1", data: []byte("id,name\n1,caf\xe9\n2,\xa3\n"),
			dialect: dialect{ember: func(o *csvio.Options) { o.Encoding = "ISO-8859-1" }, duck: "encoding='latin-1'"}},
		{name: "UTF-16LE with BOM", data: utf16le(rows, true),
			dialect: dialect{ember: func(o *csvio.Options) { o.Encoding = "UTF-16" }, duck: "encoding='utf-16'"}},
		{name: "UTF-16LE without BOM", data: utf16le(rows, false),
			dialect: dialect{ember: func(o *csvio.Options) { o.Encoding = "UTF-16" }, duck: "encoding='utf-16'"}},
		{name: "UTF-16LE CRLF", data: utf16le(strings.ReplaceAll(rows, "\n", "\r\n"), true),
			dialect: dialect{ember: func(o *csvio.Options) { o.Encoding = "UTF-16LE" }, duck: "encoding='utf-16'"}},
		{name: "invalid UTF-8", data: []byte("id,name\n1,caf\xe9\n")},
		{name: "unclosed quote", data: []byte("id,name\n1,\"x\n2,y\n")},
		{name: "too many fields", data: []byte("id,name\n1,x,extra\n")},
		{name: "too few fields", data: []byte("id,name\n1\n")},
		{name: "CR CR LF", data: []byte("id,name\r\r\n1,x\r\r\n2,y\r\r\n"),
			differs: "DuckDB's sniffer finds no dialect for \\r\\r\\n line ends; ember reads each as a line end and a blank line, as Spark does"},
	}
}

// TestAgainstDuckDB: csv-spectrum's files and duckCases read as DuckDB
// reads them with the same dialect — or both refuse them (FAILFAST) —
// except where a case says why they differ, which is then checked too.
func TestAgainstDuckDB(t *testing.T) {
	dir := t.TempDir()
	cases := duckCases()
	spectrum, err := filepath.Glob(filepath.Join(duckdbtest.Package(t, "csv-spectrum"), "csvs", "*.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range spectrum {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, duckCase{name: "csv-spectrum " + filepath.Base(p), data: data})
	}
	paths := make([]string, len(cases))
	stmts := make([]string, len(cases))
	for i, c := range cases {
		paths[i] = writeFile(t, dir, fmt.Sprintf("case%02d.csv", i), string(c.data))
		args := duckDefaults
		if c.dialect.duck != "" {
			args += ", " + c.dialect.duck
		}
		stmts[i] = fmt.Sprintf("SELECT * FROM read_csv(%s, %s)", duckdbtest.String(paths[i]), args)
	}
	results := duckdbtest.Run(t, stmts...)
	for i, c := range cases {
		o := options(func(o *csvio.Options) {
			o.Header, o.Escape, o.Mode = true, '"', csvio.FailFast
			if c.dialect.ember != nil {
				c.dialect.ember(o)
			}
		})
		got, emberErr := readTable(t, paths[i], o)
		want, duckErr := duckTable(results[i])
		agree := (emberErr != nil && duckErr != "") || (emberErr == nil && duckErr == "" && got.String() == want.String())
		switch {
		case agree && c.differs != "":
			t.Errorf("%s: ember and DuckDB agree, but the case says they differ: %s", c.name, c.differs)
		case agree || c.differs != "":
			t.Logf("%s: %s", c.name, outcome(emberErr, duckErr, c.differs))
		case emberErr != nil:
			t.Errorf("%s: ember refuses what DuckDB reads:\n%v\nDuckDB read\n%s", c.name, emberErr, want)
		case duckErr != "":
			t.Errorf("%s: ember reads what DuckDB refuses:\n%s\nDuckDB: %s", c.name, got, firstLine(duckErr))
		default:
			t.Errorf("%s: ember read\n%s\nDuckDB read\n%s", c.name, got, want)
		}
	}
}

func outcome(emberErr error, duckErr, differs string) string {
	switch {
	case differs != "":
		return "differs as expected: " + differs
	case emberErr != nil:
		return fmt.Sprintf("both refuse (ember: %v; DuckDB: %s)", emberErr, firstLine(duckErr))
	}
	return "agree"
}

// duckTable prints DuckDB's result as readTable prints ember's.
func duckTable(r duckdbtest.Result) (table, string) {
	if r.Error != "" {
		return table{}, r.Error
	}
	tb := table{names: r.Columns}
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for k, v := range row {
			switch v := v.(type) {
			case nil:
				cells[k] = "NULL"
			case string:
				cells[k] = strconv.Quote(v)
			default:
				cells[k] = fmt.Sprintf("<%T %v>", v, v)
			}
		}
		tb.rows = append(tb.rows, cells)
	}
	return tb, ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
