package jsonio_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/plan"
)

func TestInferSchema(t *testing.T) {
	cases := []struct {
		name    string
		content string
		opts    func(*jsonio.Options)
		types   []string
		rows    []string // when given, what reading with the inferred schema gives
	}{
		{
			name:    "primitives",
			content: `{"i": 1, "f": 1.5, "e": 1e3, "b": true, "s": "x", "n": null}`,
			types:   []string{"i:int64", "f:float64", "e:float64", "b:bool", "s:utf8", "n:utf8"},
		},
		{
			name:    "int and float",
			content: "{\"a\": 1}\n{\"a\": 2.5}\n{\"a\": null}\n{}\n",
			types:   []string{"a:float64"},
			rows:    []string{"1", "2.5", "NULL", "NULL"},
		},
		{name: "big int", content: `{"a": 1}` + "\n" + `{"a": 99999999999999999999}`, types: []string{"a:float64"}},
		{
			name:    "conflicting kinds",
			content: "{\"a\": 1, \"b\": {\"x\": 1}}\n{\"a\": \"x\", \"b\": [1, 2]}\n{\"a\": true, \"b\": \"s\"}\n",
			types:   []string{"a:utf8", "b:utf8"},
			rows:    []string{`"1","{\"x\":1}"`, `"x","[1,2]"`, `"true","s"`},
		},
		{
			name:    "first-seen order",
			content: "{\"z\": 1, \"a\": 2}\n{\"m\": 3, \"a\": 4, \"b\": 5}\n",
			types:   []string{"z:int64", "a:int64", "m:int64", "b:int64"},
		},
		{
			name:    "nested structs merge",
			content: "{\"s\": {\"b\": 1, \"a\": {\"x\": true}}}\n{\"s\": {\"c\": \"t\", \"b\": 2.5}}\n{\"s\": null}\n",
			types:   []string{"s:struct<b: float64 nullable, a: struct<x: bool nullable> nullable, c: utf8 nullable>"},
			rows:    []string{`{b:1,a:{x:true},c:NULL}`, `{b:2.5,a:NULL,c:"t"}`, `NULL`},
		},
		{
			name:    "arrays",
			content: `{"i": [1, 2], "f": [1, 2.5], "e": [], "n": [null], "s": ["a", 1], "l": [[1], [2, 3]], "m": [1]}` + "\n" + `{"m": [0.5], "e": null}`,
			types:   []string{"i:list<item: int64, nullable>", "f:list<item: float64, nullable>", "e:list<item: utf8, nullable>", "n:list<item: utf8, nullable>", "s:list<item: utf8, nullable>", "l:list<item: list<item: int64, nullable>, nullable>", "m:list<item: float64, nullable>"},
		},
		{
			name:    "list of structs",
			content: `{"items": [{"id": 1, "tags": ["a"]}, {"id": 2, "price": 9.5}]}`,
			types:   []string{"items:list<item: struct<id: int64 nullable, tags: list<item: utf8, nullable> nullable, price: float64 nullable>, nullable>"},
			rows:    []string{`[{id:1,tags:["a"],price:NULL},{id:2,tags:NULL,price:9.5}]`},
		},
		{
			name:    "empty objects are dropped",
			content: `{"a": {}, "b": [{}], "c": {"d": {}}, "e": 1}`,
			types:   []string{"e:int64"},
		},
		{
			name:    "drop all-null fields",
			content: `{"a": null, "b": [], "c": [null], "d": {"x": null}, "e": 1}`,
			opts:    func(o *jsonio.Options) { o.DropFieldIfAllNull = true },
			types:   []string{"e:int64"},
		},
		{
			name:    "primitives as string",
			content: `{"a": 1, "b": 2.50, "c": true, "d": "x", "e": [1], "f": {"g": false}}`,
			opts:    func(o *jsonio.Options) { o.PrimitivesAsString = true },
			types:   []string{"a:utf8", "b:utf8", "c:utf8", "d:utf8", "e:list<item: utf8, nullable>", "f:struct<g: utf8 nullable>"},
			rows:    []string{`"1","2.50","true","x",["1"],{g:"false"}`},
		},
		{
			name:    "escaped keys",
			content: `{"a\"b": 1, "\u00e9": 2, "\u0061": 3, "a": 4}`,
			types:   []string{`a"b:int64`, "é:int64", "a:int64"},
			rows:    []string{"1,2,4"},
		},
		{
			name:    "sampling rows",
			content: "{\"a\": 1}\n\n{\"b\": 2}\n{\"c\": 3}\n",
			opts:    func(o *jsonio.Options) { o.SamplingRows = 2 },
			types:   []string{"a:int64", "b:int64"},
		},
		{
			name:    "malformed lines add the corrupt column",
			content: "{\"a\": 1}\n{\"a\": \n[1]\n",
			types:   []string{"a:int64", "_corrupt_record:utf8"},
			rows:    []string{`1,NULL`, `NULL,"{\"a\": "`, `NULL,"[1]"`},
		},
		{
			name:    "a data key named like the corrupt column",
			content: "{\"a\": 1, \"_corrupt_record\": 5}\nx\n",
			types:   []string{"a:int64", "_corrupt_record:utf8"},
			rows:    []string{`1,NULL`, `NULL,"x"`},
		},
		{
			name:    "dropmalformed ignores malformed lines",
			content: "{\"a\": 1}\n{\"a\": \n",
			opts:    func(o *jsonio.Options) { o.Mode = jsonio.DropMalformed },
			types:   []string{"a:int64"},
			rows:    []string{"1"},
		},
		{name: "only malformed", content: "nope\n", types: []string{"_corrupt_record:utf8"}, rows: []string{`"nope"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := mustSource(t, c.content, nil, options(c.opts))
			if got := typesOf(src.Schema()); !slices.Equal(got, c.types) {
				t.Fatalf("schema %q\nwant   %q", got, c.types)
			}
			if c.rows != nil {
				res := mustScan(t, src, plan.ScanOptions{})
				if d := diffRows(res.Rows, c.rows); d != "" {
					t.Fatal(d)
				}
			}
		})
	}
}

// TestInferAcrossFiles samples the files in order, up to samplingRows.
func TestInferAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.json", "{\"x\": 1}\n")
	writeFile(t, dir, "b.json", "\n")
	writeFile(t, dir, "c.json", "{\"y\": \"s\", \"x\": 2.5}\n")
	writeFile(t, dir, "d.json", "{\"z\": 1}\n")
	src, err := jsonio.NewSource([]string{dir}, nil, options(func(o *jsonio.Options) { o.SamplingRows = 2 }))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := typesOf(src.Schema()), []string{"x:float64", "y:utf8"}; !slices.Equal(got, want) {
		t.Fatalf("schema %q, want %q", got, want)
	}
	res := mustScan(t, src, plan.ScanOptions{})
	if d := diffRows(res.Rows, []string{`1,NULL`, `2.5,"s"`, `NULL,NULL`}); d != "" {
		t.Fatal(d)
	}
}

func TestInferFailFast(t *testing.T) {
	path := writeFile(t, t.TempDir(), "data.json", "{\"a\": 1}\n\n{\"a\": tru}\n")
	_, err := jsonio.NewSource([]string{path}, nil, options(func(o *jsonio.Options) { o.Mode = jsonio.FailFast }))
	if !errors.Is(err, jsonio.ErrMalformed) || !strings.Contains(err.Error(), path+":3:") {
		t.Fatalf("error %v, want ErrMalformed at %s:3", err, path)
	}
}
