package csvio_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/plan"
)

// splitSizes are the MaxSplitBytes every reading test is repeated with;
// 0 means the default (one split for a small file).
var splitSizes = []int64{0, 1, 2, 3, 7, 64}

// readCase is one file read with some options.
type readCase struct {
	name    string
	content string
	schema  *arrow.Schema // nil: discovered
	opts    func(*csvio.Options)
	names   []string // expected column names (nil: not checked)
	types   []string // expected column types (nil: not checked)
	rows    []string // expected rows, formatted by formatCell
	err     string   // expected error from NewSource or reading
}

// run reads the case's file with every split size and checks that each
// gives the expected schema and rows.
func (c readCase) run(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	path := writeFile(t, dir, "data.csv", c.content)
	for _, size := range splitSizes {
		o := options(c.opts)
		if size > 0 {
			o = tinySplits(o, size)
		}
		src, err := csvio.NewSource([]string{path}, c.schema, o)
		var res scanResult
		if err == nil {
			if c.names != nil && !slices.Equal(names(src.Schema()), c.names) {
				t.Fatalf("names %q, want %q", names(src.Schema()), c.names)
			}
			if c.types != nil && !slices.Equal(typesOf(src.Schema()), c.types) {
				t.Fatalf("types %q, want %q", typesOf(src.Schema()), c.types)
			}
			res, err = scan(t, src, plan.ScanOptions{BatchRows: 2})
		}
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("split %d: error %v, want one containing %q", size, err, c.err)
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
}

func TestReadOptions(t *testing.T) {
	header := func(o *csvio.Options) { o.Header = true }
	infer := func(o *csvio.Options) { o.Header, o.InferSchema = true, true }
	cases := []readCase{
		{
			name: "header", content: "a,b\n1,x\n2,y\n", opts: header,
			names: []string{"a", "b"}, types: []string{"utf8", "utf8"},
			rows: []string{`"1","x"`, `"2","y"`},
		},
		{
			name: "no header", content: "1,x\n2,y\n",
			names: []string{"_c0", "_c1"}, rows: []string{`"1","x"`, `"2","y"`},
		},
		{
			name: "semicolon", content: "a;b\n1;2,5\n", opts: func(o *csvio.Options) { infer(o); o.Delimiter = ';' },
			names: []string{"a", "b"}, types: []string{"int64", "utf8"}, rows: []string{`1,"2,5"`},
		},
		{
			name: "tab", content: "a\tb\n1\tx y\n", opts: func(o *csvio.Options) { header(o); o.Delimiter = '\t' },
			names: []string{"a", "b"}, rows: []string{`"1","x y"`},
		},
		{
			name: "custom quote", content: "'a,b',c\n'it''s',d\n", opts: func(o *csvio.Options) { o.Quote = '\'' },
			rows: []string{`"a,b","c"`, `"it's","d"`},
		},
		{
			name: "backslash escape", content: `"a\"b","c\\d","e\,f"` + "\n",
			rows: []string{`"a\"b","c\\d","e,f"`},
		},
		{
			name: "doubled quotes", content: `"a""b","""",""""""` + "\n",
			rows: []string{`"a\"b","\"","\"\""`},
		},
		{
			name: "escape is quote", content: `"a\b","c""d"` + "\n", opts: func(o *csvio.Options) { o.Escape = '"' },
			rows: []string{`"a\\b","c\"d"`},
		},
		{
			name: "no escape", content: `"a\b","c""d"` + "\n", opts: func(o *csvio.Options) { o.Escape = 0 },
			rows: []string{`"a\\b","c\"d"`},
		},
		{
			name: "backslash outside quotes", content: `a\b,"c\"d"` + "\n",
			rows: []string{`"a\\b","c\"d"`},
		},
		{
			// A quote inside an unquoted field is data (as Spark and
			// DuckDB read it): it opens no quoted section, so the
			// line end after it ends the record.
			name: "stray quote", content: "a\"b,c\nd,e\"\nf,g\n",
			rows: []string{`"a\"b","c"`, `"d","e\""`, `"f","g"`},
		},
		{
			name:    "null value",
			content: "s,i\nNA,1\nx,NA\n\"NA\",2\n,3\n\"\",4\n",
			schema:  schema("s", tString, "i", tInt64),
			opts:    func(o *csvio.Options) { header(o); o.NullValue = "NA" },
			rows:    []string{`NULL,1`, `"x",NULL`, `"NA",2`, `NULL,3`, `"",4`},
		},
		{
			name:    "quoted empty string is not NULL",
			content: "a,b,c\n\"\",,x\n,\"\",y\n",
			schema:  schema("a", tString, "b", tInt64, "c", tString),
			opts:    header,
			rows:    []string{`"",NULL,"x"`, `NULL,NULL,"y"`},
		},
		{
			name:    "infer",
			content: "i,f,b,s,n,m,q,big\n1,1.5,true,x,,1,\"7\",1\n-2,2,FALSE,y,,2.5,\"\",99999999999999999999\n,,,,,,,\n",
			opts:    infer,
			names:   []string{"i", "f", "b", "s", "n", "m", "q", "big"},
			types:   []string{"int64", "float64", "bool", "utf8", "utf8", "float64", "int64", "float64"},
			rows: []string{
				`1,1.5,true,"x",NULL,1,7,1`,
				`-2,2,false,"y",NULL,2.5,NULL,1e+20`,
				`NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL`,
			},
		},
		{
			name:    "infer mixed types widen to string",
			content: "a,b,c\n1,true,1\nx,1,true\n",
			opts:    infer,
			types:   []string{"utf8", "utf8", "utf8"},
			rows:    []string{`"1","true","1"`, `"x","1","true"`},
		},
		{
			name:    "infer without header",
			content: "1,a\n2,b\n",
			opts:    func(o *csvio.Options) { o.InferSchema = true },
			names:   []string{"_c0", "_c1"}, types: []string{"int64", "utf8"},
			rows: []string{`1,"a"`, `2,"b"`},
		},
		{
			name:    "infer null value",
			content: "a\nNA\n3\n",
			opts:    func(o *csvio.Options) { infer(o); o.NullValue = "NA" },
			types:   []string{"int64"},
			rows:    []string{`NULL`, `3`},
		},
		{
			name:    "explicit types",
			content: "1,2,3,4,1.5,0.1,true,2024-02-29,2024-01-02T03:04:05.123456Z\n-1,-2,-3,-4,-0,1e300,False,1970-01-01,2024-01-02 03:04:05\n,,,,,,,,\n",
			schema: schema("i8", tInt8, "i16", tInt16, "i32", tInt32, "i64", tInt64,
				"f32", tFloat32, "f64", tFloat64, "b", tBool, "d", tDate32, "ts", tTsUs),
			rows: []string{
				`1,2,3,4,1.5,0.1,true,2024-02-29,2024-01-02T03:04:05.123456Z`,
				`-1,-2,-3,-4,-0,1e+300,false,1970-01-01,2024-01-02T03:04:05Z`,
				`NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL`,
			},
		},
		{
			name:    "out of range values are NULL",
			content: "128,32768,2147483648,9223372036854775808,1e39,1e309\n-129,-32769,-2147483649,-9223372036854775809,x,y\n",
			schema:  schema("i8", tInt8, "i16", tInt16, "i32", tInt32, "i64", tInt64, "f32", tFloat32, "f64", tFloat64),
			rows:    []string{`NULL,NULL,NULL,NULL,NULL,NULL`, `NULL,NULL,NULL,NULL,NULL,NULL`},
		},
		{
			name:    "float specials",
			content: "NaN\nInf\n-Inf\n-0.0\n1E-5\n",
			schema:  schema("f", tFloat64),
			rows:    []string{`NaN`, `+Inf`, `-Inf`, `-0`, `1e-05`},
		},
		{
			name:    "date format yyyy-MM-dd",
			content: "2024-03-01\n1969-12-31\n01/03/2024\n",
			schema:  schema("d", tDate32),
			opts:    func(o *csvio.Options) { o.DateFormat = "yyyy-MM-dd" },
			rows:    []string{`2024-03-01`, `1969-12-31`, `NULL`},
		},
		{
			name:    "date format dd/MM/yyyy",
			content: "01/03/2024\n31/12/1969\n2024-03-01\n",
			schema:  schema("d", tDate32),
			opts:    func(o *csvio.Options) { o.DateFormat = "dd/MM/yyyy" },
			rows:    []string{`2024-03-01`, `1969-12-31`, `NULL`},
		},
		{
			name:    "date format d/M/yy",
			content: "1/3/24\n31/12/99\n",
			schema:  schema("d", tDate32),
			opts:    func(o *csvio.Options) { o.DateFormat = "d/M/yy" },
			rows:    []string{`2024-03-01`, `1999-12-31`},
		},
		{
			name:    "date format as a Go layout",
			content: "Mar 1 2024\n",
			schema:  schema("d", tDate32),
			opts:    func(o *csvio.Options) { o.DateFormat = "Jan 2 2006" },
			rows:    []string{`2024-03-01`},
		},
		{
			name:    "timestamp format",
			content: "2024/01/02 03:04:05\n2024/01/02 03:04:05.5\n2024-01-02T03:04:05Z\n",
			schema:  schema("ts", tTsNs),
			opts:    func(o *csvio.Options) { o.TimestampFormat = "yyyy/MM/dd HH:mm:ss" },
			rows:    []string{`2024-01-02T03:04:05Z`, `2024-01-02T03:04:05.5Z`, `NULL`},
		},
		{
			name:    "timestamp format with optional sections",
			content: "2024-01-02T03:04:05\n2024-01-02T03:04:05.250\n2024-01-02T03:04:05+01:00\n2024-01-02T03:04:05.5Z\n2024-01-02 03:04:05\n",
			schema:  schema("ts", tTsUs),
			opts:    func(o *csvio.Options) { o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]" },
			rows: []string{
				`2024-01-02T03:04:05Z`, `2024-01-02T03:04:05.25Z`, `2024-01-02T02:04:05Z`, `2024-01-02T03:04:05.5Z`, `NULL`,
			},
		},
		{
			name:    "timestamp format with names",
			content: "\"Tue, 02 Jan 2024 03:04 PM\"\n02 January 24 15:04:05.123 +0100\n",
			schema:  schema("ts", tTsUs),
			opts:    func(o *csvio.Options) { o.TimestampFormat = "[EEE, dd MMM yyyy hh:mm a][dd MMMM yy HH:mm:ss.SSS Z]" },
			rows:    []string{`2024-01-02T15:04:00Z`, `2024-01-02T14:04:05.123Z`},
		},
		{
			name:    "timestamp with offset and nanoseconds",
			content: "2024-01-02T03:04:05.123456789+02:00\n2024-01-02\n2500-01-01T00:00:00Z\n",
			schema:  schema("ts", tTsNs),
			rows:    []string{`2024-01-02T01:04:05.123456789Z`, `2024-01-02T00:00:00Z`, `NULL`},
		},
		{
			name:    "CRLF",
			content: "a,b\r\n1,\"x\r\ny\"\r\n2,\r\n\r\n3,z\r\n",
			opts:    header,
			names:   []string{"a", "b"},
			rows:    []string{`"1","x\r\ny"`, `"2",NULL`, `"3","z"`},
		},
		{
			name:    "blank lines skipped",
			content: "a\n\n1\n\n\n2\n\r\n\n",
			opts:    header,
			rows:    []string{`"1"`, `"2"`},
		},
		{
			name:    "blank lines before the header",
			content: "\n\r\n\na,b\n1,2\n",
			opts:    header,
			names:   []string{"a", "b"},
			rows:    []string{`"1","2"`},
		},
		{
			name:    "last line without newline",
			content: "a,b\n1,2\n3,4",
			opts:    header,
			rows:    []string{`"1","2"`, `"3","4"`},
		},
		{
			name:    "last line quoted without newline",
			content: "a,b\n1,\"x\ny\"",
			opts:    header,
			rows:    []string{`"1","x\ny"`},
		},
		{
			name: "empty file with schema", content: "", schema: schema("a", tInt64), opts: header,
			rows: nil,
		},
		{
			name: "empty file without schema", content: "", opts: header,
			err: "no records to take a schema from",
		},
		{
			name: "header only", content: "a,b\n", opts: infer,
			names: []string{"a", "b"}, types: []string{"utf8", "utf8"}, rows: nil,
		},
		{
			name:    "header names",
			content: "a,,a,\"b,c\",_c1\n1,2,3,4,5\n",
			opts:    header,
			names:   []string{"a0", "_c11", "a2", "b,c", "_c14"},
			rows:    []string{`"1","2","3","4","5"`},
		},
		{
			name:    "renamed header names stay unique",
			content: ",2,2,22,a,a,a1\n1,2,3,4,5,6,7\n",
			opts:    header,
			names:   []string{"_c0", "21", "22_", "22", "a4", "a5", "a1"},
			rows:    []string{`"1","2","3","4","5","6","7"`},
		},
		{
			name:    "multi-line quoted fields",
			content: "a,b\n\"x\ny\",1\n\"p,q\"\"r\n\n\",2\n\"\n\",\"\"\"\"\n",
			opts:    header,
			rows:    []string{`"x\ny","1"`, `"p,q\"r\n\n","2"`, `"\n","\""`},
		},
		{
			name:    "text after a closing quote is kept",
			content: "\"ab\"c,d\n",
			rows:    []string{`"abc","d"`},
		},
		{
			name:    "escape before a newline inside quotes",
			content: "\"a\\\nb\",c\n",
			rows:    []string{`"a\nb","c"`},
		},
		{
			name:    "missing fields are NULL",
			content: "1,2,3\n4\n5,6\n",
			schema:  schema("a", tInt64, "b", tInt64, "c", tInt64),
			rows:    []string{`1,2,3`, `4,NULL,NULL`, `5,6,NULL`},
		},
		{
			name:    "extra fields are dropped",
			content: "1,2,3\n",
			schema:  schema("a", tInt64),
			rows:    []string{`1`},
		},
		{
			name:    "booleans",
			content: "true\nFALSE\nTrue\nyes\n1\n",
			schema:  schema("b", tBool),
			rows:    []string{`true`, `false`, `true`, `NULL`, `NULL`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}

func TestNewSourceErrors(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "a.csv", "a\n1\n")
	cases := []struct {
		name   string
		paths  []string
		schema *arrow.Schema
		opts   func(*csvio.Options)
		err    string
	}{
		{name: "no path", err: "csvio: no path given"},
		{name: "missing path", paths: []string{dir + "/nope.csv"}, err: "nope.csv"},
		{name: "glob matching nothing", paths: []string{dir + "/*.tsv"}, err: "matches no file"},
		{name: "bad glob", paths: []string{dir + "/[.csv"}, err: "bad glob"},
		{name: "unsupported type", paths: []string{path}, schema: schema("a", arrow.ListOf(tInt64)), err: "cannot be read from CSV"},
		{name: "corrupt column not a string", paths: []string{path}, schema: schema("a", tInt64, "_corrupt_record", tInt64), err: "must be a string"},
		{name: "delimiter is the quote", paths: []string{path}, opts: func(o *csvio.Options) { o.Delimiter = '"' }, err: "csvio: "},
		{name: "newline delimiter", paths: []string{path}, opts: func(o *csvio.Options) { o.Delimiter = '\n' }, err: "csvio: "},
		{name: "newline quote", paths: []string{path}, opts: func(o *csvio.Options) { o.Quote = '\n' }, err: "csvio: "},
		{name: "empty directory", paths: []string{t.TempDir()}, err: "no files to read"},
		{name: "bad date format", paths: []string{path}, schema: schema("d", tDate32), opts: func(o *csvio.Options) { o.DateFormat = "GGGG yyyy" }, err: `pattern letter "GGGG"`},
		{name: "bad timestamp format", paths: []string{path}, schema: schema("t", tTsUs), opts: func(o *csvio.Options) { o.TimestampFormat = "yyyy-MM-dd VV" }, err: `pattern letter "VV"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := csvio.NewSource(c.paths, c.schema, options(c.opts))
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.HasPrefix(err.Error(), "csvio: ") {
				t.Fatalf("error %v, want one containing %q", err, c.err)
			}
		})
	}
}

func TestParseOptions(t *testing.T) {
	o, err := csvio.ParseOptions(map[string]string{
		"Header": "true", "sep": `\t`, "quote": "'", "escape": `"`, "nullValue": "NA", "inferSchema": "true",
		"samplingRows": "5", "mode": "failfast", "columnNameOfCorruptRecord": "bad", "dateFormat": "dd/MM/yyyy",
		"timestampFormat": "yyyy-MM-dd HH:mm", "multiLine": "true", "encoding": "UTF-8", "maxPartitionBytes": "1000",
		"maxCharsPerColumn": "100", "maxRecordBytes": "4096",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := csvio.DefaultOptions()
	want.Header, want.Delimiter, want.Quote, want.Escape, want.NullValue = true, '\t', '\'', '"', "NA"
	want.InferSchema, want.SamplingRows, want.Mode, want.CorruptColumn = true, 5, csvio.FailFast, "bad"
	want.DateFormat, want.TimestampFormat, want.MaxSplitBytes = "dd/MM/yyyy", "yyyy-MM-dd HH:mm", 1000
	want.MaxCharsPerColumn, want.MaxRecordBytes = 100, 4096
	if o != want {
		t.Fatalf("got %+v\nwant %+v", o, want)
	}
	for _, bad := range []map[string]string{
		{"header": "maybe"}, {"sep": ";;"}, {"quote": "''"}, {"mode": "lenient"}, {"encoding": "ebcdic-jp"},
		{"maxCharsPerColumn": "0"}, {"maxCharsPerColumn": "-2"}, {"maxRecordBytes": "0"}, {"max_line_size": "x"},
		{"samplingRows": "x"}, {"nope": "1"}, {"maxPartitionBytes": "1k"}, {"skipRows": "-1"}, {"comment": "##"},
	} {
		if _, err := csvio.ParseOptions(bad); err == nil || !strings.HasPrefix(err.Error(), "csvio: ") {
			t.Errorf("ParseOptions(%v): error %v", bad, err)
		}
	}
	if s := csvio.DropMalformed.String(); s != "DROPMALFORMED" {
		t.Errorf("DropMalformed.String() = %q", s)
	}
}
