package csvio_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/plan"
)

// utf16Bytes is s in UTF-16 of the given byte order, after bom (nil for
// none), written here by hand so that the reader's decoder is not its own
// reference.
func utf16Bytes(s string, order binary.AppendByteOrder, bom bool) []byte {
	var out []byte
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xfeff}, units...)
	}
	for _, u := range units {
		out = order.AppendUint16(out, u)
	}
	return out
}

// TestUTF16: UTF-16 files of either byte order, with and without a byte
// order mark, read as their text: one split each whatever the split size,
// the mark no part of the first name, line ends and quoted line ends as in
// UTF-8, characters beyond the BMP (surrogate pairs) kept.
func TestUTF16(t *testing.T) {
	text := "id,name\r\n1,\"caf\u00e9, \"\"x\"\"\"\r\n2,\"two\nlines\"\r\n3,\U0001F600 \u65e5\u672c\r\n"
	want := []string{`1,"café, \"x\""`, `2,"two\nlines"`, `3,"😀 日本"`}
	cases := []struct {
		name     string
		data     []byte
		encoding string
	}{
		{"UTF-16 LE with BOM", utf16Bytes(text, binary.LittleEndian, true), "UTF-16"},
		{"UTF-16 BE with BOM", utf16Bytes(text, binary.BigEndian, true), "utf-16"},
		{"UTF-16 BE without BOM", utf16Bytes(text, binary.BigEndian, false), "UTF16"},
		{"UTF-16 LE without BOM", utf16Bytes(text, binary.LittleEndian, false), "UTF-16"},
		{"UTF-16LE", utf16Bytes(text, binary.LittleEndian, false), "UTF-16LE"},
		{"UTF-16LE with BOM", utf16Bytes(text, binary.LittleEndian, true), "utf-16le"},
		{"UTF-16BE", utf16Bytes(text, binary.BigEndian, false), "UnicodeBigUnmarked"},
		{"UTF-16BE with BOM", utf16Bytes(text, binary.BigEndian, true), "x-utf-16be"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := options(func(o *csvio.Options) {
				o.Header, o.InferSchema, o.Mode, o.Encoding = true, true, csvio.FailFast, c.encoding
			})
			for _, size := range cutSizes {
				oo := o
				if size > 0 {
					oo = tinySplits(o, size)
				}
				src := mustSource(t, string(c.data), nil, oo)
				if got := names(src.Schema()); !slices.Equal(got, []string{"id", "name"}) {
					t.Fatalf("names %q", got)
				}
				if src.Partitions() != 1 {
					t.Errorf("splits of %d: %d partitions, want 1 (a UTF-16 file is not split)", size, src.Partitions())
				}
				if !strings.Contains(src.String(), "(UTF-16") || !strings.Contains(src.String(), "not split)") {
					t.Errorf("EXPLAIN %q does not say the file is not split", src.String())
				}
				res := sourcetest.MustScanFull(t, src, plan.ScanOptions{})
				if !slices.Equal(res.Rows, want) {
					t.Fatalf("splits of %d: rows %q, want %q", size, res.Rows, want)
				}
				if size == 0 {
					// A decoded source reads the same.
					if rows := sourcetest.MustScanFull(t, roundTrip(t, src), plan.ScanOptions{}).Rows; !slices.Equal(rows, want) {
						t.Fatalf("decoded source: rows %q, want %q", rows, want)
					}
				}
			}
		})
	}
}

// TestUTF16Compressed: a gzipped UTF-16 file is decompressed, then decoded.
func TestUTF16Compressed(t *testing.T) {
	data := sourcetest.Compress(t, "gzip", utf16Bytes("a,b\n1,\u00e9\n", binary.LittleEndian, true))
	path := writeFile(t, t.TempDir(), "data.csv.gz", string(data))
	src, err := csvio.NewSource([]string{path}, nil, options(func(o *csvio.Options) { o.Header, o.Encoding = true, "UTF-16" }))
	if err != nil {
		t.Fatal(err)
	}
	if rows := sourcetest.MustScanFull(t, src, plan.ScanOptions{}).Rows; !slices.Equal(rows, []string{`"1","é"`}) {
		t.Errorf("rows %q", rows)
	}
}

// TestUTF16LongPrefix: a header after more than 64 KiB of skipped lines
// makes the reader go back to the start of the decoded text after reading
// the header, which decodes the file again from its start.
func TestUTF16LongPrefix(t *testing.T) {
	var b strings.Builder
	const skipped = 5000
	for range skipped {
		b.WriteString("# a preamble line that is skipped\n")
	}
	b.WriteString("a,b\n")
	var want []string
	for i := range 3000 {
		b.WriteString("x\u00e9,")
		b.WriteString(strings.Repeat("y", i%50))
		b.WriteString("\n")
		second := "NULL" // an empty unquoted field
		if i%50 > 0 {
			second = `"` + strings.Repeat("y", i%50) + `"`
		}
		want = append(want, `"xé",`+second)
	}
	data := utf16Bytes(b.String(), binary.BigEndian, true)
	o := options(func(o *csvio.Options) {
		o.Header, o.SkipRows, o.Encoding, o.Mode = true, skipped, "UTF-16", csvio.FailFast
	})
	rows := mustReadAll(t, string(data), o)
	if d := diffRows(rows, want); d != "" {
		t.Fatal(d)
	}
}

// TestSingleByteCharsets: files in single-byte charsets are split as UTF-8
// ones are, and each field converted; the names are Java's and its
// aliases.
func TestSingleByteCharsets(t *testing.T) {
	cases := []struct {
		encoding string
		data     string
		want     []string
	}{
		{"windows-1252", "a,b\n1,\x80 \x93q\x94\n2,\xe9\n", []string{`"1","€ “q”"`, `"2","é"`}},
		{"Cp1252", "a,b\n1,\x80\n", []string{`"1","€"`}},
		{"ISO-8859-15", "a,b\n1,\xa4\n", []string{`"1","€"`}},
		{"latin1", "a,b\n1,\xa4\n", []string{`"1","¤"`}},
		{"KOI8-R", "a,b\n1,\xf0\xd2\xc9\xd7\xc5\xd4\n", []string{`"1","Привет"`}},
		{"cp437", "a,b\n1,\xc9\xcd\xbb\n", []string{`"1","╔═╗"`}},
		// US-ASCII: a byte above 127 is no character (U+FFFD, as Java).
		{"US-ASCII", "a,b\n1,x\xe9\n", []string{"\"1\",\"x\ufffd\""}},
	}
	for _, c := range cases {
		o := options(func(o *csvio.Options) { o.Header, o.Encoding = true, c.encoding })
		rows := mustReadAll(t, c.data, o)
		if !slices.Equal(rows, c.want) {
			t.Errorf("%s: rows %q, want %q", c.encoding, rows, c.want)
		}
		if src := mustSource(t, c.data, nil, tinySplits(o, 3)); src.Partitions() < 2 {
			t.Errorf("%s: %d partitions: a single-byte charset is split", c.encoding, src.Partitions())
		}
	}
}

// TestMultiByteCharsets: Shift_JIS, whose second bytes may be a backslash
// (the escape character) or other ASCII bytes, is decoded before parsing,
// so such a byte never escapes the quote after it.
func TestMultiByteCharsets(t *testing.T) {
	// 表 is 0x95 0x5C in Shift_JIS: its second byte is '\'.
	data := "a,b\n1,\"\x95\x5c\"\n2,\"x\"\n"
	o := options(func(o *csvio.Options) { o.Header, o.Encoding, o.Mode = true, "Shift_JIS", csvio.FailFast })
	rows := mustReadAll(t, data, o)
	if want := []string{`"1","表"`, `"2","x"`}; !slices.Equal(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
}

// TestUnsupportedEncoding: an unknown charset is an error listing the
// supported ones.
func TestUnsupportedEncoding(t *testing.T) {
	_, err := newSource(t, "a\n", nil, options(func(o *csvio.Options) { o.Encoding = "EBCDIC-JP" }))
	if err == nil || !strings.Contains(err.Error(), `"EBCDIC-JP"`) || !strings.Contains(err.Error(), "UTF-16LE") {
		t.Errorf("error %v, want one naming the encoding and listing the supported ones", err)
	}
	for in, want := range map[string]string{"utf8": "", "UTF-16": "UTF-16", "utf_16le": "UTF-16LE", "windows-31j": "Shift_JIS", "CP1252": "windows-1252", "L1": "ISO-8859-1"} {
		o, err := csvio.ParseOptions(map[string]string{"encoding": in})
		if err != nil || o.Encoding != want {
			t.Errorf("ParseOptions(encoding=%s): %q, %v; want %q", in, o.Encoding, err, want)
		}
	}
}

// pythonCodecs are Python codec names of charsets the reader supports,
// by the name ember is given.
var pythonCodecs = map[string]string{
	"UTF-16":       "utf-16", // with a byte order mark, in the machine's order
	"UTF-16LE":     "utf-16-le",
	"UTF-16BE":     "utf-16-be",
	"UTF-32":       "utf-32",
	"UTF-32LE":     "utf-32-le",
	"Shift_JIS":    "shift_jis",
	"windows-31j":  "cp932",
	"EUC-JP":       "euc_jp",
	"ISO-2022-JP":  "iso2022_jp",
	"EUC-KR":       "euc_kr",
	"GBK":          "gbk",
	"GB18030":      "gb18030",
	"Big5":         "big5",
	"ISO-8859-2":   "iso8859_2",
	"ISO-8859-7":   "iso8859_7",
	"windows-1251": "cp1251",
	"windows-1252": "cp1252",
	"KOI8-U":       "koi8_u",
	"IBM866":       "cp866",
	"x-MacRoman":   "mac_roman",
	"IBM037":       "cp037",
}

// pythonEncode encodes each text in the Python codec its key names: an
// implementation independent of the one the reader decodes with.
func pythonEncode(t *testing.T, texts map[string]string) map[string][]byte {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 not found (CI=true: it must be installed): %v", err)
		}
		t.Skipf("python3 not found: %v", err)
	}
	in, err := json.Marshal(texts)
	if err != nil {
		t.Fatal(err)
	}
	const script = `import sys, json, base64
texts = json.load(sys.stdin)
json.dump({c: base64.b64encode(s.encode(c)).decode() for c, s in texts.items()}, sys.stdout)`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 encoding: %v\n%s", err, stderr.String())
	}
	var encoded map[string][]byte // base64 in JSON
	if err := json.Unmarshal(out, &encoded); err != nil {
		t.Fatal(err)
	}
	return encoded
}

// charsetSamples are texts of each charset's repertoire, by ember's name.
var charsetSamples = map[string]string{
	"Shift_JIS":    "日本語,表示,ソ十",
	"windows-31j":  "①②,ﾊﾝｶｸ,表",
	"EUC-JP":       "日本語,漢字,かな",
	"ISO-2022-JP":  "日本語,漢字,カナ",
	"EUC-KR":       "한국어,문자,테스트",
	"GBK":          "中文,简体,测试",
	"GB18030":      "中文,𠀀,€",
	"Big5":         "中文,繁體,測試",
	"ISO-8859-2":   "Łódź,Žluťoučký,ő",
	"ISO-8859-7":   "Ελληνικά,αβγ,Ω",
	"windows-1251": "Привет,мир,Ё",
	"windows-1252": "€uro,“quoted”,Œ",
	"KOI8-U":       "Україна,їжак,Ґ",
	"IBM866":       "Привет,╔═╗,░",
	"x-MacRoman":   "café,π,∞",
	"IBM037":       "EBCDIC,text,¢",
}

// TestCharsetsAgainstPython: text encoded by Python's codecs (Unicode
// ones with every kind of character, the others with their own) reads
// back as the text, with its header, quoted delimiters, quoted line ends
// and doubled quotes.
func TestCharsetsAgainstPython(t *testing.T) {
	texts, wants := map[string]string{}, map[string][]string{}
	for encoding, codec := range pythonCodecs {
		sample, ok := charsetSamples[encoding]
		if !ok {
			sample = "café,😀 日本,Ω" // the Unicode charsets hold everything
		}
		vals := strings.Split(sample, ",")
		texts[codec] = "x,y,z\r\n" +
			vals[0] + ",\"" + vals[1] + ", \"\"q\"\"\",\"" + vals[2] + "\nline\"\r\n" +
			"plain,ascii,1\n"
		wants[codec] = []string{
			`"` + vals[0] + `","` + vals[1] + `, \"q\"","` + vals[2] + `\nline"`,
			`"plain","ascii","1"`,
		}
	}
	encoded := pythonEncode(t, texts)
	for encoding, codec := range pythonCodecs {
		o := options(func(o *csvio.Options) { o.Header, o.Encoding, o.Mode = true, encoding, csvio.FailFast })
		rows, err := readAll(t, string(encoded[codec]), o)
		if err != nil {
			t.Errorf("%s: %v", encoding, err)
			continue
		}
		if !slices.Equal(rows, wants[codec]) {
			t.Errorf("%s: rows %q, want %q", encoding, rows, wants[codec])
		}
	}
}

// TestInvalidUTF16: a lone surrogate and an odd last byte become U+FFFD,
// as Java's decoder makes them; every string is valid UTF-8.
func TestInvalidUTF16(t *testing.T) {
	data := utf16Bytes("a\n", binary.LittleEndian, true)
	data = append(data, 0x00, 0xd8, '\n', 0, 'x', 0, '\n', 0, 'y')
	rows := mustReadAll(t, string(data), options(func(o *csvio.Options) { o.Header, o.Encoding = true, "UTF-16" }))
	if want := []string{"\"\ufffd\"", `"x"`, "\"\ufffd\""}; !slices.Equal(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
}

// TestNonASCIIHeader: header names in a single-byte charset are converted
// once, whichever file and reader reads them (schema discovery, every
// split's header check).
func TestNonASCIIHeader(t *testing.T) {
	for _, infer := range []bool{false, true} {
		o := options(func(o *csvio.Options) { o.Header, o.InferSchema, o.Encoding = true, infer, "ISO-8859-1" })
		content := "\xfd\xfd,n\xe9\r\n\xfd,1\r\n"
		src := mustSource(t, content, nil, o)
		if got := names(src.Schema()); !slices.Equal(got, []string{"ýý", "né"}) {
			t.Errorf("inferSchema=%t: names %q", infer, got)
		}
		rows := mustReadAll(t, content, o)
		want := []string{`"ý","1"`}
		if infer {
			want = []string{`"ý",1`}
		}
		if !slices.Equal(rows, want) {
			t.Errorf("inferSchema=%t: rows %q, want %q", infer, rows, want)
		}
	}
}
