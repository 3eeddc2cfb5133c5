package csvio_test

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/plan"
)

// readModes reads content in each mode at every split size with the
// schema a int64, b string and the corrupt-record column (PERMISSIVE),
// returning the FAILFAST error and the rows of the other two modes.
func readModes(t *testing.T, content string, edit func(*csvio.Options)) (failFast error, permissive, dropped []string) {
	t.Helper()
	o := options(func(o *csvio.Options) { o.Header = true; edit(o) })
	o.Mode = csvio.FailFast
	_, failFast = readAll(t, content, o)
	sch := schema("a", tInt64, "b", tString, "_corrupt_record", tString)
	for _, mode := range []csvio.Mode{csvio.Permissive, csvio.DropMalformed} {
		o.Mode = mode
		var want []string
		for _, size := range cutSizes {
			oo := o
			if size > 0 {
				oo = tinySplits(o, size)
			}
			res := sourcetest.MustScanFull(t, mustSource(t, content, sch, oo), plan.ScanOptions{})
			if size == 0 {
				want = res.Rows
			} else if d := diffRows(res.Rows, want); d != "" {
				t.Fatalf("%s, splits of %d bytes: rows differ from the whole file's:\n%s", mode, size, d)
			}
		}
		if mode == csvio.Permissive {
			permissive = want
		} else {
			dropped = want
		}
	}
	return failFast, permissive, dropped
}

// TestMaxRecordBytes: a record longer than maxRecordBytes — a long quoted
// field, a quote that never closes, a file without line ends — is
// malformed: FAILFAST names the file and line, PERMISSIVE keeps its first
// maxRecordBytes bytes in the corrupt-record column, DROPMALFORMED drops
// it; the records after its end are read, at every split size.
func TestMaxRecordBytes(t *testing.T) {
	limit := func(o *csvio.Options) { o.MaxRecordBytes = 16 }
	long := strings.Repeat("x", 30)
	cases := []struct {
		name       string
		content    string
		permissive []string
		dropped    []string
	}{
		{
			name:       "long quoted field with line ends, then records",
			content:    "a,b\n1,x\n2,\"" + long[:10] + "\n" + long[:10] + "\"\n3,\"y\nz\"\n4,w\n",
			permissive: []string{`1,"x",NULL`, `NULL,NULL,"2,\"xxxxxxxxxx\nxx"`, `3,"y\nz",NULL`, `4,"w",NULL`},
			dropped:    []string{`1,"x",NULL`, `3,"y\nz",NULL`, `4,"w",NULL`},
		},
		{
			name:       "long unquoted line",
			content:    "a,b\n1,x\n2," + long + "\n4,w\n",
			permissive: []string{`1,"x",NULL`, `NULL,NULL,"2,xxxxxxxxxxxxxx"`, `4,"w",NULL`},
			dropped:    []string{`1,"x",NULL`, `4,"w",NULL`},
		},
		{
			name:    "unclosed quote: cut at its first line end, which is short",
			content: "a,b\n1,x\n2,\"y\n3,z\n" + strings.Repeat("5,w\n", 10),
			permissive: append([]string{`1,"x",NULL`, `2,"y","2,\"y"`, `3,"z",NULL`},
				slices.Repeat([]string{`5,"w",NULL`}, 10)...),
			dropped: append([]string{`1,"x",NULL`, `3,"z",NULL`}, slices.Repeat([]string{`5,"w",NULL`}, 10)...),
		},
		{
			name:       "unclosed quote on a long line",
			content:    "a,b\n1,x\n2,\"" + long + "\n3,z\n" + strings.Repeat("5,w\n", 10),
			permissive: append([]string{`1,"x",NULL`, `NULL,NULL,"2,\"xxxxxxxxxxxxx"`, `3,"z",NULL`}, slices.Repeat([]string{`5,"w",NULL`}, 10)...),
			dropped:    append([]string{`1,"x",NULL`, `3,"z",NULL`}, slices.Repeat([]string{`5,"w",NULL`}, 10)...),
		},
		{
			name:       "no line end after the header",
			content:    "a,b\n" + long + long,
			permissive: []string{`NULL,NULL,"xxxxxxxxxxxxxxxx"`},
			dropped:    nil,
		},
		{
			name:       "long record at the end without a line end",
			content:    "a,b\n1,x\n2," + long,
			permissive: []string{`1,"x",NULL`, `NULL,NULL,"2,xxxxxxxxxxxxxx"`},
			dropped:    []string{`1,"x",NULL`},
		},
		{
			name:       "long comment lines are skipped",
			content:    "a,b\n#" + long + "\n1,x\n",
			permissive: []string{`1,"x",NULL`},
			dropped:    []string{`1,"x",NULL`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			edit := limit
			if strings.Contains(c.name, "comment") {
				edit = func(o *csvio.Options) { limit(o); o.Comment = '#' }
			}
			failFast, permissive, dropped := readModes(t, c.content, edit)
			switch {
			case strings.Contains(c.name, "comment"):
				if failFast != nil {
					t.Errorf("FAILFAST: %v, want no error", failFast)
				}
			case !errors.Is(failFast, csvio.ErrMalformed) || !strings.Contains(failFast.Error(), "data.csv:"):
				t.Errorf("FAILFAST: %v, want ErrMalformed naming data.csv and a line", failFast)
			}
			if !slices.Equal(permissive, c.permissive) {
				t.Errorf("PERMISSIVE: %q\nwant %q", permissive, c.permissive)
			}
			if !slices.Equal(dropped, c.dropped) {
				t.Errorf("DROPMALFORMED: %q\nwant %q", dropped, c.dropped)
			}
		})
	}
}

// TestMaxRecordBytesFailFast: the error names the file, the line of the
// record and the option.
func TestMaxRecordBytesFailFast(t *testing.T) {
	content := "a,b\n1,x\n2,y\n3,\"" + strings.Repeat("z\n", 40) + "\n"
	o := options(func(o *csvio.Options) { o.Header, o.Mode, o.MaxRecordBytes = true, csvio.FailFast, 32 })
	_, err := readAll(t, content, o)
	if !errors.Is(err, csvio.ErrMalformed) || !strings.Contains(err.Error(), "data.csv:4") || !strings.Contains(err.Error(), "maxRecordBytes (32 bytes)") {
		t.Errorf("%v, want ErrMalformed at data.csv:4 naming maxRecordBytes", err)
	}
	// A header longer than the limit is an error in every mode.
	o.Mode = csvio.Permissive
	if _, err := newSource(t, strings.Repeat("h", 40)+"\n1\n", nil, o); err == nil || !strings.Contains(err.Error(), "data.csv:1") || !strings.Contains(err.Error(), "maxRecordBytes") {
		t.Errorf("long header: %v", err)
	}
}

// TestMaxRecordBytesCompressed: a gzipped file whose quote never closes,
// where reading on for the record's end and coming back to its first line
// end happen in the decompressed stream.
func TestMaxRecordBytesCompressed(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b\n1,\"x\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "%d,y%d\n", i, i)
	}
	data := sourcetest.Compress(t, "gzip", []byte(b.String()))
	path := writeFile(t, t.TempDir(), "data.csv.gz", string(data))
	sch := schema("a", tInt64, "b", tString, "_corrupt_record", tString)
	src, err := csvio.NewSource([]string{path}, sch, options(func(o *csvio.Options) { o.Header, o.MaxRecordBytes = true, 1000 }))
	if err != nil {
		t.Fatal(err)
	}
	rows := sourcetest.MustScanFull(t, src, plan.ScanOptions{}).Rows
	if len(rows) != 20001 || rows[0] != `1,"x","1,\"x"` || rows[20000] != `19999,"y19999",NULL` {
		t.Errorf("%d rows, first %q, last %q", len(rows), rows[0], rows[len(rows)-1])
	}
}

// TestMaxRecordBytesMemory: reading a 24 MiB file without a line end with
// a 256 KiB limit allocates a few times the limit, not the file: the
// reader reads on for the record's end without keeping what it read.
func TestMaxRecordBytesMemory(t *testing.T) {
	content := "a,b\n1," + strings.Repeat("x", 24<<20)
	path := writeFile(t, t.TempDir(), "data.csv", content)
	content = ""
	sch := schema("a", tInt64, "b", tString, "_corrupt_record", tString)
	src, err := csvio.NewSource([]string{path}, sch, options(func(o *csvio.Options) { o.Header, o.MaxRecordBytes = true, 256<<10 }))
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res := sourcetest.MustScanFull(t, src, plan.ScanOptions{})
	runtime.ReadMemStats(&after)
	if len(res.Rows) != 1 || !strings.HasPrefix(res.Rows[0], `NULL,NULL,"1,xxx`) {
		t.Fatalf("rows %.80q", res.Rows)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d KiB", alloc>>10)
	if alloc > 12<<20 {
		t.Errorf("reading allocated %d MiB for a 24 MiB record cut at 256 KiB", alloc>>20)
	}
}

// TestMaxCharsPerColumn: a field of more characters (not bytes) than the
// limit makes its record malformed; PERMISSIVE sets that field to NULL.
func TestMaxCharsPerColumn(t *testing.T) {
	content := "a,b\n1,ééé\n2,abcd\n3,\"ab\ncd\"\n44444,x\n"
	failFast, permissive, dropped := readModes(t, content, func(o *csvio.Options) { o.MaxCharsPerColumn = 3 })
	if !errors.Is(failFast, csvio.ErrMalformed) || !strings.Contains(failFast.Error(), "data.csv:3") || !strings.Contains(failFast.Error(), `column "b"`) || !strings.Contains(failFast.Error(), "maxCharsPerColumn (3)") {
		t.Errorf("FAILFAST: %v, want ErrMalformed at data.csv:3 naming column b and maxCharsPerColumn", failFast)
	}
	if want := []string{`1,"ééé",NULL`, `2,NULL,"2,abcd"`, `3,NULL,"3,\"ab\ncd\""`, `NULL,"x","44444,x"`}; !slices.Equal(permissive, want) {
		t.Errorf("PERMISSIVE: %q\nwant %q", permissive, want)
	}
	if want := []string{`1,"ééé",NULL`}; !slices.Equal(dropped, want) {
		t.Errorf("DROPMALFORMED: %q\nwant %q", dropped, want)
	}
	// Projecting the long column away still reports the record.
	o := options(func(o *csvio.Options) { o.Header, o.MaxCharsPerColumn = true, 3 })
	src := mustSource(t, content, schema("a", tInt64, "b", tString, "_corrupt_record", tString), o)
	p, err := src.Project([]string{"a", "_corrupt_record"})
	if err != nil {
		t.Fatal(err)
	}
	if rows := mustScan(t, p, plan.ScanOptions{}).Rows; !slices.Equal(rows, []string{`1,NULL`, `2,"2,abcd"`, `3,"3,\"ab\ncd\""`, `NULL,"44444,x"`}) {
		t.Errorf("projected: %q", rows)
	}
}
