package storage_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/pierrec/lz4/v4"

	"github.com/ember-df/ember/storage"
)

var codecNames = []string{"gzip", "bzip2", "zstd", "lz4", "snappy", "deflate"}

func codec(t *testing.T, name string) *storage.Codec {
	t.Helper()
	c, err := storage.CodecByName(name)
	if err != nil || c == nil {
		t.Fatalf("CodecByName(%q) = %v, %v", name, c, err)
	}
	return c
}

func compress(t *testing.T, c *storage.Codec, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := c.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// Uneven writes cross the codecs' block boundaries.
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 1+len(rest)%77777)
		if _, err := w.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decompress(c *storage.Codec, data []byte) ([]byte, error) {
	r, err := c.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// text is compressible, like the CSV and JSON files codecs are for.
func text(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%d,row %d,%.3f\n", i, i*i%1000, float64(i)/7)
	}
	return b.Bytes()[:n]
}

func TestCodecRoundTrip(t *testing.T) {
	for _, name := range codecNames {
		c := codec(t, name)
		for _, n := range []int{0, 1, 1000, 300 << 10, 3 << 20} {
			data := text(n)
			got, err := decompress(c, compress(t, c, data))
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("%s, %d bytes: got %d bytes, %v", name, n, len(got), err)
			}
		}
	}
}

func TestCodecTruncated(t *testing.T) {
	data := text(1 << 20)
	for _, name := range codecNames {
		c := codec(t, name)
		z := compress(t, c, data)
		for _, cut := range []int{len(z) / 2, len(z) - 1, 3} {
			got, err := decompress(c, z[:cut])
			if err == nil {
				t.Errorf("%s cut to %d of %d bytes: no error (%d bytes read)", name, cut, len(z), len(got))
			} else if !strings.HasPrefix(err.Error(), name) {
				t.Errorf("%s: error %q does not name the codec", name, err)
			}
		}
	}
	_, err := decompress(codec(t, "gzip"), compress(t, codec(t, "gzip"), data)[:1000])
	if err == nil || err.Error() != "gzip: unexpected EOF" {
		t.Errorf("truncated gzip: %v, want gzip: unexpected EOF", err)
	}
}

func TestCodecCorrupt(t *testing.T) {
	data := text(1 << 20)
	// Codecs with checksums notice a flipped byte; the others at least
	// never panic.
	checked := map[string]bool{"gzip": true, "bzip2": true, "zstd": true, "lz4": true, "deflate": true}
	for _, name := range codecNames {
		c := codec(t, name)
		z := compress(t, c, data)
		for _, at := range []int{len(z) / 3, len(z) / 2, len(z) - 5} {
			bad := bytes.Clone(z)
			bad[at] ^= 0x5a
			got, err := decompress(c, bad)
			if err == nil && checked[name] && !bytes.Equal(got, data) {
				t.Errorf("%s with byte %d flipped: no error", name, at)
			}
		}
		if _, err := decompress(c, []byte("not compressed at all, just text\n")); err == nil {
			t.Errorf("%s read plain text without an error", name)
		}
	}
}

func TestGzipMembers(t *testing.T) {
	c := codec(t, "gzip")
	z := append(compress(t, c, []byte("a\n")), compress(t, c, []byte("b\n"))...)
	if got, err := decompress(c, z); err != nil || string(got) != "a\nb\n" {
		t.Errorf("two gzip members: %q, %v", got, err)
	}
}

// hadoopBlock frames chunks (raw compressed blocks) as one Hadoop block
// of n uncompressed bytes.
func hadoopBlock(n int, chunks ...[]byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(n))
	for _, c := range chunks {
		out = binary.BigEndian.AppendUint32(out, uint32(len(c)))
		out = append(out, c...)
	}
	return out
}

func TestHadoopSnappy(t *testing.T) {
	c := codec(t, "snappy")
	// A block split into two chunks, then a second block, as Hadoop's
	// BlockCompressorStream writes when a block outgrows its buffer.
	file := hadoopBlock(10, snappy.Encode(nil, []byte("hello")), snappy.Encode(nil, []byte("world")))
	file = append(file, hadoopBlock(2, snappy.Encode(nil, []byte("!\n")))...)
	if got, err := decompress(c, file); err != nil || string(got) != "helloworld!\n" {
		t.Errorf("Hadoop snappy: %q, %v", got, err)
	}
	// What ember writes is that framing.
	z := compress(t, c, []byte("abc"))
	if want := hadoopBlock(3, snappy.Encode(nil, []byte("abc"))); !bytes.Equal(z, want) {
		t.Errorf("snappy writes % x, want Hadoop framing % x", z, want)
	}
	// The snappy framing format is recognised by its stream identifier.
	var framed bytes.Buffer
	w := snappy.NewBufferedWriter(&framed)
	w.Write(text(200 << 10))
	w.Close()
	if got, err := decompress(c, framed.Bytes()); err != nil || !bytes.Equal(got, text(200<<10)) {
		t.Errorf("snappy framing format: %d bytes, %v", len(got), err)
	}
	// A chunk that decodes to more than its block is corrupt.
	if _, err := decompress(c, hadoopBlock(2, snappy.Encode(nil, []byte("hello")))); err == nil {
		t.Error("an oversized chunk gave no error")
	}
}

func TestHadoopLZ4(t *testing.T) {
	data := text(10000)
	block := make([]byte, lz4.CompressBlockBound(len(data)))
	n, err := lz4.CompressBlock(data, block, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := decompress(codec(t, "lz4"), hadoopBlock(len(data), block[:n])); err != nil || !bytes.Equal(got, data) {
		t.Errorf("Hadoop lz4: %d bytes, %v", len(got), err)
	}
	// ember writes the LZ4 frame format, which the lz4 tool reads.
	z := compress(t, codec(t, "lz4"), data)
	if got, err := io.ReadAll(lz4.NewReader(bytes.NewReader(z))); err != nil || !bytes.Equal(got, data) {
		t.Errorf("lz4 frame: %d bytes, %v", len(got), err)
	}
}

func TestGzipInterop(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("x\n"))
	zw.Close()
	if got, err := decompress(codec(t, "gzip"), buf.Bytes()); err != nil || string(got) != "x\n" {
		t.Errorf("%q, %v", got, err)
	}
}

func TestCodecLookup(t *testing.T) {
	paths := map[string]string{
		"a.csv.gz": "gzip", "A.CSV.GZ": "gzip", "s3://b/x.json.bz2": "bzip2", "x.zst": "zstd", "x.lz4": "lz4",
		"x.snappy": "snappy", "x.deflate": "deflate", "x.csv": "", "gz": "", "x.gzip": "",
	}
	for p, want := range paths {
		got := ""
		if c := storage.CodecForPath(p); c != nil {
			got = c.Name()
		}
		if got != want {
			t.Errorf("CodecForPath(%q) = %q, want %q", p, got, want)
		}
	}
	for _, name := range []string{"none", "NONE", "uncompressed", ""} {
		if c, err := storage.CodecByName(name); c != nil || err != nil {
			t.Errorf("CodecByName(%q) = %v, %v; want nil, nil", name, c, err)
		}
	}
	exts := map[string]string{"gzip": "gz", "GZIP": "gz", "bzip2": "bz2", "zstd": "zst", "lz4": "lz4", "snappy": "snappy", "deflate": "deflate"}
	for name, ext := range exts {
		if c := codec(t, name); c.Extension() != ext {
			t.Errorf("%s: extension %q, want %q", name, c.Extension(), ext)
		}
	}
	_, err := storage.CodecByName("brotli")
	want := `storage: unknown compression "brotli" (want one of bzip2, deflate, gzip, lz4, none, snappy, uncompressed, zstd)`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}
