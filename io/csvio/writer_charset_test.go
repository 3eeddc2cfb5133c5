package csvio_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/plan"
)

// TestWriterNoQuoting: with quote="" values are written as they are; a
// value holding the delimiter or a line end is an error naming its column
// and row (it would read back as other fields or records), and no part of
// its row is written.
func TestWriterNoQuoting(t *testing.T) {
	o, err := csvio.ParseOptions(map[string]string{"quote": "", "header": "true"})
	if err != nil {
		t.Fatal(err)
	}
	s := schema("name", tString, "n", tInt64)
	mem := checkedAllocator(t)
	good := buildBatch(t, mem, s, [][]any{{`say "hi"`, 1}, {`back\slash`, nil}, {nil, 3}})
	defer good.Release()
	text := writeBatches(t, o, s, good)
	if want := "name,n\nsay \"hi\",1\nback\\slash,\n,3\n"; text != want {
		t.Errorf("text %q, want %q", text, want)
	}
	got := mustScan(t, mustSource(t, text, s, o), plan.ScanOptions{}).Rows
	if d := diffRows(got, formatRows(good)); d != "" {
		t.Errorf("read back: %s", d)
	}

	for _, bad := range []string{"a,b", "two\nlines", "cr\r"} {
		b := buildBatch(t, mem, s, [][]any{{"ok", 1}, {"fine", 2}, {bad, 3}})
		var out bytes.Buffer
		w, err := csvio.Format{Options: o}.NewWriter(&out, s)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(good); err != nil {
			t.Fatal(err)
		}
		err = w.Write(b)
		b.Release()
		if !errors.Is(err, csvio.ErrCannotWrite) || !strings.Contains(err.Error(), `column "name", row 6 of the file`) || !strings.Contains(err.Error(), `quote=""`) {
			t.Errorf("%q: error %v, want ErrCannotWrite naming column name and row 6", bad, err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if want := text + "ok,1\nfine,2\n"; out.String() != want {
			t.Errorf("%q: wrote %q, want %q (no part of the bad row)", bad, out.String(), want)
		}
	}
	// A header that cannot be written is an error at once.
	if _, err := (csvio.Format{Options: o}).NewWriter(&bytes.Buffer{}, schema("a,b", tString)); !errors.Is(err, csvio.ErrCannotWrite) || !strings.Contains(err.Error(), `header's column "a,b"`) {
		t.Errorf("header: %v", err)
	}
}

// pythonDecode decodes data in Python's codec: the text another
// implementation reads in the file.
func pythonDecode(t *testing.T, data []byte, codec string) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 not found (CI=true: it must be installed): %v", err)
		}
		t.Skipf("python3 not found: %v", err)
	}
	cmd := exec.Command(py, "-c", "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read().decode(sys.argv[1]).encode('utf-8'))", codec)
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 decoding %s: %v\n%s", codec, err, stderr.String())
	}
	return string(out)
}

// TestWriterEncoding: the writer encodes its files in the encoding
// option — Python's codec decodes them to the UTF-8 text the writer
// writes without it, and ember reads them back — and a character the
// charset lacks is an error naming the column and row.
func TestWriterEncoding(t *testing.T) {
	s := schema("name", tString, "n", tFloat64)
	mem := checkedAllocator(t)
	cases := []struct {
		encoding, codec string
		values          []any
	}{
		{"UTF-16", "utf-16", []any{"café", "😀, \"日本\"", "two\nlines"}},
		{"UTF-16LE", "utf-16-le", []any{"café", "Ω"}},
		{"windows-1252", "cp1252", []any{"€uro", "“quoted”, é"}},
		{"ISO-8859-1", "latin-1", []any{"café", "ÿ"}},
		{"Shift_JIS", "shift_jis", []any{"日本語", "表示"}},
		{"GB18030", "gb18030", []any{"中文", "𠀀"}},
	}
	for _, c := range cases {
		rows := make([][]any, len(c.values))
		for i, v := range c.values {
			rows[i] = []any{v, float64(i) + 0.5}
		}
		b := buildBatch(t, mem, s, rows)
		o := options(func(o *csvio.Options) { o.Header, o.Encoding = true, c.encoding })
		encoded := writeBatches(t, o, s, b)
		utf8Text := writeBatches(t, options(func(o *csvio.Options) { o.Header = true }), s, b)
		decoded := pythonDecode(t, []byte(encoded), c.codec)
		if decoded != utf8Text {
			t.Errorf("%s: Python reads %q, want %q", c.encoding, decoded, utf8Text)
		}
		got := mustScan(t, mustSource(t, encoded, s, o), plan.ScanOptions{}).Rows
		if d := diffRows(got, formatRows(b)); d != "" {
			t.Errorf("%s: read back: %s", c.encoding, d)
		}
		b.Release()
	}

	// Encoded, then compressed: the file reads back by its extension.
	b := buildBatch(t, mem, s, [][]any{{"café", 1.0}, {"日本", 2.0}})
	defer b.Release()
	o := options(func(o *csvio.Options) { o.Header, o.Encoding, o.Compression = true, "UTF-16LE", "gzip" })
	path := writeFile(t, t.TempDir(), "part.csv.gz", writeBatches(t, o, s, b))
	src, err := csvio.NewSource([]string{path}, s, o)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffRows(mustScan(t, src, plan.ScanOptions{}).Rows, formatRows(b)); d != "" {
		t.Errorf("UTF-16LE gzip: %s", d)
	}

	w, err := csvio.Format{Options: options(func(o *csvio.Options) { o.Encoding = "latin1" })}.NewWriter(&bytes.Buffer{}, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(b); !errors.Is(err, csvio.ErrCannotWrite) || !strings.Contains(err.Error(), `column "name", row 2 of the file`) || !strings.Contains(err.Error(), "ISO-8859-1 cannot encode") {
		t.Errorf("error %v, want ErrCannotWrite naming column name, row 2 and the charset", err)
	}
	if _, err := (csvio.Format{Options: options(func(o *csvio.Options) { o.Encoding = "US-ASCII"; o.Header = true })}).NewWriter(&bytes.Buffer{}, schema("naïve", tString)); !errors.Is(err, csvio.ErrCannotWrite) {
		t.Errorf("header: %v", err)
	}
}
