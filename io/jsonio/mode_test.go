package jsonio_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/plan"
)

// malformed is a file with good and malformed records for the schema
// a int64, s string, n struct<x float64>.
const malformed = "{\"a\": 1, \"s\": \"x\", \"n\": {\"x\": 1.5}}\r\n" + // 1: good
	"{\"a\": \"y\", \"s\": \"z\"}\r\n" + // 2: a is not an int
	"\r\n" + // 3: blank
	"{\"a\": 3, \"s\": \"w\"\r\n" + // 4: not valid JSON
	"[1, 2]\r\n" + // 5: not an object
	"{\"a\": 5, \"n\": {\"x\": \"bad\"}, \"other\": [}\r\n" + // 6: not valid JSON
	"{\"a\": 6, \"n\": {\"x\": true}}\r\n" + // 7: n.x is not a float
	"{}\r\n" + // 8: good, all NULL
	"{\"a\": 8, \"s\": \"\xff\"}\r\n" // 9: invalid UTF-8

func TestModes(t *testing.T) {
	asn := func(extra ...any) *arrow.Schema {
		return schema(append([]any{"a", tInt64, "s", tString, "n", structOf("x", tFloat64)}, extra...)...)
	}
	cases := []struct {
		name    string
		schema  *arrow.Schema
		mode    jsonio.Mode
		corrupt string // CorruptColumn, when not the default
		project []string
		rows    []string
		err     []string // substrings of the expected error
	}{
		{
			name: "permissive", schema: asn(), mode: jsonio.Permissive,
			rows: []string{`1,"x",{x:1.5}`, `NULL,"z",NULL`, `NULL,NULL,NULL`, `NULL,NULL,NULL`, `NULL,NULL,NULL`, `6,NULL,{x:NULL}`, `NULL,NULL,NULL`, `NULL,NULL,NULL`},
		},
		{
			name: "permissive corrupt column", schema: asn("_corrupt_record", tString), mode: jsonio.Permissive,
			rows: []string{
				`1,"x",{x:1.5},NULL`,
				`NULL,"z",NULL,"{\"a\": \"y\", \"s\": \"z\"}"`,
				`NULL,NULL,NULL,"{\"a\": 3, \"s\": \"w\""`,
				`NULL,NULL,NULL,"[1, 2]"`,
				`NULL,NULL,NULL,"{\"a\": 5, \"n\": {\"x\": \"bad\"}, \"other\": [}"`,
				`6,NULL,{x:NULL},"{\"a\": 6, \"n\": {\"x\": true}}"`,
				`NULL,NULL,NULL,NULL`,
				`NULL,NULL,NULL,"{\"a\": 8, \"s\": \"�\"}"`,
			},
		},
		{
			name:   "permissive corrupt column first and renamed",
			schema: schema("bad", tString, "a", tInt64), mode: jsonio.Permissive, corrupt: "bad",
			rows: []string{
				`NULL,1`, `"{\"a\": \"y\", \"s\": \"z\"}",NULL`, `"{\"a\": 3, \"s\": \"w\"",NULL`, `"[1, 2]",NULL`,
				`"{\"a\": 5, \"n\": {\"x\": \"bad\"}, \"other\": [}",NULL`, `NULL,6`, `NULL,NULL`, `"{\"a\": 8, \"s\": \"�\"}",NULL`,
			},
		},
		{
			name: "permissive corrupt column projected", schema: asn("_corrupt_record", tString), mode: jsonio.Permissive,
			project: []string{"a", "_corrupt_record"},
			rows: []string{
				`1,NULL`, `NULL,"{\"a\": \"y\", \"s\": \"z\"}"`, `NULL,"{\"a\": 3, \"s\": \"w\""`, `NULL,"[1, 2]"`,
				`NULL,"{\"a\": 5, \"n\": {\"x\": \"bad\"}, \"other\": [}"`, `6,"{\"a\": 6, \"n\": {\"x\": true}}"`, `NULL,NULL`,
				`NULL,"{\"a\": 8, \"s\": \"�\"}"`,
			},
		},
		{
			name: "permissive only the corrupt column", schema: asn("_corrupt_record", tString), mode: jsonio.Permissive,
			project: []string{"_corrupt_record"},
			rows: []string{
				`NULL`, `"{\"a\": \"y\", \"s\": \"z\"}"`, `"{\"a\": 3, \"s\": \"w\""`, `"[1, 2]"`,
				`"{\"a\": 5, \"n\": {\"x\": \"bad\"}, \"other\": [}"`, `"{\"a\": 6, \"n\": {\"x\": true}}"`, `NULL`,
				`"{\"a\": 8, \"s\": \"�\"}"`,
			},
		},
		{
			name: "permissive projection", schema: asn("_corrupt_record", tString), mode: jsonio.Permissive,
			project: []string{"s"},
			rows:    []string{`"x"`, `"z"`, `NULL`, `NULL`, `NULL`, `NULL`, `NULL`, `NULL`},
		},
		{
			name: "dropmalformed", schema: asn(), mode: jsonio.DropMalformed,
			rows: []string{`1,"x",{x:1.5}`, `NULL,NULL,NULL`},
		},
		{
			name: "dropmalformed projection keeps the same rows", schema: asn(), mode: jsonio.DropMalformed,
			project: []string{"s"},
			rows:    []string{`"x"`, `NULL`},
		},
		{
			name: "failfast", schema: asn(), mode: jsonio.FailFast,
			err: []string{"data.json:2:", `field a: cannot read "y" as int64`, `(record "{\"a\": \"y\", \"s\": \"z\"}\r")`},
		},
		{
			name: "failfast projection still checks", schema: asn(), mode: jsonio.FailFast, project: []string{"s"},
			err: []string{"data.json:2:", `field a: cannot read "y" as int64`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := options(func(o *jsonio.Options) {
				o.Mode = c.mode
				if c.corrupt != "" {
					o.CorruptColumn = c.corrupt
				}
			})
			for _, size := range []int64{0, 1, 7} {
				so := o
				if size > 0 {
					so = tinySplits(o, size)
				}
				var src plan.Source = mustSource(t, malformed, c.schema, so)
				if c.project != nil {
					var err error
					if src, err = src.(plan.ProjectingSource).Project(c.project); err != nil {
						t.Fatal(err)
					}
				}
				res, err := scan(t, src, plan.ScanOptions{BatchRows: 2})
				if c.err != nil {
					if !errors.Is(err, jsonio.ErrMalformed) || !strings.HasPrefix(err.Error(), "jsonio: ") {
						t.Fatalf("split %d: error %v, want ErrMalformed", size, err)
					}
					for _, want := range c.err {
						if !strings.Contains(err.Error(), want) {
							t.Fatalf("split %d: error %q lacks %q", size, err, want)
						}
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if d := diffRows(res.Rows, c.rows); d != "" {
					t.Fatalf("split %d: %s", size, d)
				}
			}
		})
	}
}

// TestFailFastMessages checks the cause and line FAILFAST names for each
// kind of malformed record.
func TestFailFastMessages(t *testing.T) {
	s := schema("a", tInt64, "u", tUint8, "l", arrow.ListOf(structOf("p", tFloat64)), "f", arrow.FixedSizeListOf(2, tFloat32))
	cases := []struct{ line, want string }{
		{line: `{"a": 1`, want: "invalid JSON: unexpected end of line in an object"},
		{line: `{"a": 1}}`, want: "invalid JSON: unexpected '}' at column 9 after the value"},
		{line: `{"a": 01}`, want: "unexpected '1' at column 8"},
		{line: `{"a": tru}`, want: "unexpected 't' at column 7 looking for a value"},
		{line: `{a: 1}`, want: "unexpected 'a' at column 2 looking for a key"},
		{line: `{"a": "x` + "\t" + `"}`, want: "control characters must be escaped"},
		{line: `{"a": "\x"}`, want: `unexpected 'x' at column 9 after a backslash`},
		{line: `{"a": "\u12"}`, want: `bad \u escape`},
		{line: "{\"a\": \"\xc3\"}", want: "invalid UTF-8"},
		{line: `{"a": -}`, want: "unexpected '}' at column 8 in a number"},
		{line: `{"a": 1.}`, want: "in a number"},
		{line: `{"a": 1e}`, want: "in a number"},
		{line: `"text"`, want: "the line holds a string, not a JSON object"},
		{line: `null`, want: "the line holds null, not a JSON object"},
		{line: strings.Repeat("[", 1001) + strings.Repeat("]", 1001), want: "nested more than 1000 deep"},
		{line: `{"a": 1.5}`, want: "field a: cannot read 1.5 as int64"},
		{line: `{"u": -1}`, want: "field u: cannot read -1 as uint8"},
		{line: `{"l": [{"p": 1}, {"p": "x"}]}`, want: `field l[1].p: cannot read "x" as float64`},
		{line: `{"l": {"p": 1}}`, want: `field l: cannot read {"p":1} as list<item: struct<p: float64 nullable>, nullable>`},
		{line: `{"f": [1, 2, 3]}`, want: `field f: cannot read [1,2,3] as fixed_size_list<item: float32, nullable>[2]`},
		{line: `{"a": "` + strings.Repeat("é", 100) + `"}`, want: `cannot read "` + strings.Repeat("é", 39) + "…"},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			content := "{}\n\n{\"a\": 2}\n" + c.line + "\n{}\n"
			src := mustSource(t, content, s, options(func(o *jsonio.Options) { o.Mode = jsonio.FailFast }))
			_, err := scan(t, src, plan.ScanOptions{})
			if !errors.Is(err, jsonio.ErrMalformed) || !strings.Contains(err.Error(), "data.json:4: ") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v\nwant one at data.json:4 with %q", err, c.want)
			}
		})
	}
}
