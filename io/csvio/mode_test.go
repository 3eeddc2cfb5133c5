package csvio_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/plan"
)

// malformed is a file with good and malformed records of schema a int64,
// b float64, s string (header on line 1).
const malformed = "a,b,s\r\n" +
	"1,1.5,x\r\n" + // 2: good
	"y,2.5,\"multi\nline\"\r\n" + // 3-4: a is not an int
	"3,4\r\n" + // 5: too few fields
	"5,6,z,extra\r\n" + // 6: too many fields
	",,\r\n" + // 7: good, all NULL
	"7,nan?,w\r\n" // 8: b is not a float

func TestModes(t *testing.T) {
	abs := func(extra ...any) *arrow.Schema {
		return schema(append([]any{"a", tInt64, "b", tFloat64, "s", tString}, extra...)...)
	}
	cases := []struct {
		name    string
		schema  *arrow.Schema
		mode    csvio.Mode
		corrupt string // CorruptColumn, when not the default
		project []string
		rows    []string
		err     []string // substrings of the expected error
	}{
		{
			name: "permissive", schema: abs(), mode: csvio.Permissive,
			rows: []string{`1,1.5,"x"`, `NULL,2.5,"multi\nline"`, `3,4,NULL`, `5,6,"z"`, `NULL,NULL,NULL`, `7,NULL,"w"`},
		},
		{
			name: "permissive corrupt column", schema: abs("_corrupt_record", tString), mode: csvio.Permissive,
			rows: []string{
				`1,1.5,"x",NULL`,
				`NULL,2.5,"multi\nline","y,2.5,\"multi\nline\""`,
				`3,4,NULL,"3,4"`,
				`5,6,"z","5,6,z,extra"`,
				`NULL,NULL,NULL,NULL`,
				`7,NULL,"w","7,nan?,w"`,
			},
		},
		{
			name:   "permissive corrupt column first and renamed",
			schema: schema("bad", tString, "a", tInt64, "b", tFloat64, "s", tString), mode: csvio.Permissive, corrupt: "bad",
			rows: []string{
				`NULL,1,1.5,"x"`,
				`"y,2.5,\"multi\nline\"",NULL,2.5,"multi\nline"`,
				`"3,4",3,4,NULL`,
				`"5,6,z,extra",5,6,"z"`,
				`NULL,NULL,NULL,NULL`,
				`"7,nan?,w",7,NULL,"w"`,
			},
		},
		{
			name: "permissive corrupt column projected", schema: abs("_corrupt_record", tString), mode: csvio.Permissive,
			project: []string{"a", "_corrupt_record"},
			rows: []string{
				`1,NULL`, `NULL,"y,2.5,\"multi\nline\""`, `3,"3,4"`, `5,"5,6,z,extra"`, `NULL,NULL`, `7,"7,nan?,w"`,
			},
		},
		{
			name: "permissive only the corrupt column", schema: abs("_corrupt_record", tString), mode: csvio.Permissive,
			project: []string{"_corrupt_record"},
			rows:    []string{`NULL`, `"y,2.5,\"multi\nline\""`, `"3,4"`, `"5,6,z,extra"`, `NULL`, `"7,nan?,w"`},
		},
		{
			name: "permissive projection", schema: abs("_corrupt_record", tString), mode: csvio.Permissive,
			project: []string{"s"},
			rows:    []string{`"x"`, `"multi\nline"`, `NULL`, `"z"`, `NULL`, `"w"`},
		},
		{
			name: "permissive zero columns", schema: abs(), mode: csvio.Permissive, project: []string{},
			rows: []string{``, ``, ``, ``, ``, ``},
		},
		{
			name: "dropmalformed", schema: abs(), mode: csvio.DropMalformed,
			rows: []string{`1,1.5,"x"`, `NULL,NULL,NULL`},
		},
		{
			name: "dropmalformed corrupt column stays NULL", schema: abs("_corrupt_record", tString), mode: csvio.DropMalformed,
			rows: []string{`1,1.5,"x",NULL`, `NULL,NULL,NULL,NULL`},
		},
		{
			name: "dropmalformed projection still validates", schema: abs(), mode: csvio.DropMalformed,
			project: []string{"s"}, rows: []string{`"x"`, `NULL`},
		},
		{
			name: "dropmalformed zero columns", schema: abs(), mode: csvio.DropMalformed, project: []string{},
			rows: []string{``, ``},
		},
		{
			name: "failfast", schema: abs(), mode: csvio.FailFast,
			err: []string{"csvio: ", "data.csv:3:", `column "a"`, `"y"`, "int64"},
		},
		{
			name: "failfast projection still validates", schema: abs(), mode: csvio.FailFast, project: []string{"b"},
			err: []string{"data.csv:3:", `column "a"`, `"y"`},
		},
		{
			name: "failfast zero columns", schema: abs(), mode: csvio.FailFast, project: []string{},
			err: []string{"data.csv:3:", `column "a"`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "data.csv", malformed)
			for _, size := range splitSizes {
				o := options(func(o *csvio.Options) {
					o.Header, o.Mode = true, c.mode
					if c.corrupt != "" {
						o.CorruptColumn = c.corrupt
					}
				})
				if size > 0 {
					o = tinySplits(o, size)
				}
				var src plan.Source
				src, err := csvio.NewSource([]string{path}, c.schema, o)
				if err != nil {
					t.Fatal(err)
				}
				if c.project != nil {
					if src, err = src.(plan.ProjectingSource).Project(c.project); err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(names(src.Schema()), c.project) {
						t.Fatalf("projected schema %v, want %v", names(src.Schema()), c.project)
					}
				}
				res, err := scan(t, src, plan.ScanOptions{BatchRows: 2})
				if c.err != nil {
					if !errors.Is(err, csvio.ErrMalformed) {
						t.Fatalf("split %d: error %v, want ErrMalformed", size, err)
					}
					for _, s := range c.err {
						if !strings.Contains(err.Error(), s) {
							t.Fatalf("split %d: error %q lacks %q", size, err, s)
						}
					}
					continue
				}
				if err != nil {
					t.Fatalf("split %d: %v", size, err)
				}
				if d := diffRows(res.Rows, c.rows); d != "" {
					t.Fatalf("split %d: %s", size, d)
				}
			}
		})
	}
}

// TestFailFastMessages checks what FAILFAST says about each kind of
// malformed record.
func TestFailFastMessages(t *testing.T) {
	cases := []struct {
		name    string
		content string
		schema  *arrow.Schema
		want    string
	}{
		{name: "too few fields", content: "1\n", schema: schema("a", tInt64, "b", tInt64), want: `data.csv:1: 1 fields, want 2 (record "1")`},
		{name: "too many fields", content: "1,2,3\n", schema: schema("a", tInt64, "b", tInt64), want: `data.csv:1: 3 fields, want 2`},
		{name: "int", content: "1,2\n3,4.5\n", schema: schema("a", tInt64, "b", tInt64), want: `data.csv:2: column "b": cannot parse "4.5" as int64`},
		{name: "int32 range", content: "3000000000\n", schema: schema("a", tInt32), want: `column "a": cannot parse "3000000000" as int32`},
		{name: "bool", content: "yes\n", schema: schema("a", tBool), want: `column "a": cannot parse "yes" as bool`},
		{name: "date", content: "2024-13-01\n", schema: schema("d", tDate32), want: `column "d": cannot parse "2024-13-01" as date32`},
		{name: "timestamp out of range", content: "2500-01-01\n", schema: schema("t", tTsNs), want: `column "t": cannot parse "2500-01-01" as timestamp[ns]`},
		{name: "long value", content: strings.Repeat("9", 100) + "\n", schema: schema("a", tInt64), want: strings.Repeat("9", 80) + "…"},
		{name: "corrupt column not parsed", content: "1,2\n", schema: schema("a", tInt64, "_corrupt_record", tString), want: "2 fields, want 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := mustSource(t, c.content, c.schema, options(func(o *csvio.Options) { o.Mode = csvio.FailFast }))
			_, err := scan(t, src, plan.ScanOptions{})
			if !errors.Is(err, csvio.ErrMalformed) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrMalformed with %q", err, c.want)
			}
		})
	}
}

// TestErrorIsSticky checks that a reader that failed keeps failing rather
// than reading on past the bad record.
func TestErrorIsSticky(t *testing.T) {
	src := mustSource(t, "1\nx\n3\n", schema("a", tInt64), options(func(o *csvio.Options) { o.Mode = csvio.FailFast }))
	mem := checkedAllocator(t)
	r, err := src.Open(ctx, 0, plan.ScanOptions{Allocator: mem, BatchRows: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := r.Next(ctx); !errors.Is(err, csvio.ErrMalformed) {
			t.Fatalf("call %d: error %v, want ErrMalformed", i, err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(ctx); err == nil {
		t.Fatal("Next after Close succeeded")
	}
	if err := r.Close(); err != nil {
		t.Fatal(fmt.Errorf("second Close: %w", err))
	}
}
