package storage

import (
	"bytes"
	"compress/bzip2"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	dsbzip2 "github.com/dsnet/compress/bzip2"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// Codec is a whole-file compression format, as Spark (through Hadoop's
// codecs) writes text files: chosen by the file's extension when reading
// (CodecForPath) and by the value of Spark's compression option when
// writing (CodecByName), whose extension the writer appends.
//
//   - gzip, .gz: RFC 1952; concatenated members read as one stream.
//   - bzip2, .bz2: concatenated streams read as one.
//   - zstd, .zst: the zstd frame format.
//   - lz4, .lz4: the LZ4 frame format (what the lz4 tool writes) is
//     written; reading also accepts Hadoop's Lz4Codec block framing.
//   - snappy, .snappy: Hadoop's SnappyCodec block framing, as Spark's
//     text writers produce it (per block: the uncompressed length, then
//     chunks of a compressed length and raw snappy data, lengths 4-byte
//     big-endian), written in blocks of 128 KiB; reading also accepts the
//     snappy framing format (the snzip/python-snappy stream, sniffed by
//     its stream identifier).
//   - deflate, .deflate: Hadoop's DefaultCodec, a zlib stream.
//
// A Codec is immutable and safe for concurrent use. A nil *Codec means
// no compression.
type Codec struct {
	name, ext string
	reader    func(io.Reader) (io.Reader, func() error, error)
	writer    func(io.Writer) (io.WriteCloser, error)
}

// Name is the codec's value of Spark's compression option ("gzip").
func (c *Codec) Name() string { return c.name }

// Extension is the file extension the codec reads and writes, without the
// dot ("gz").
func (c *Codec) Extension() string { return c.ext }

// String returns the codec's name.
func (c *Codec) String() string { return c.name }

var codecs = []*Codec{
	{name: "gzip", ext: "gz",
		reader: func(r io.Reader) (io.Reader, func() error, error) {
			z, err := gzip.NewReader(r)
			if err != nil {
				return nil, nil, err
			}
			return z, z.Close, nil
		},
		writer: func(w io.Writer) (io.WriteCloser, error) { return gzip.NewWriter(w), nil }},
	{name: "bzip2", ext: "bz2",
		reader: func(r io.Reader) (io.Reader, func() error, error) { return bzip2.NewReader(r), nil, nil },
		writer: func(w io.Writer) (io.WriteCloser, error) { return dsbzip2.NewWriter(w, nil) }},
	{name: "zstd", ext: "zst",
		reader: func(r io.Reader) (io.Reader, func() error, error) {
			z, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
			if err != nil {
				return nil, nil, err
			}
			return z, func() error { z.Close(); return nil }, nil
		},
		writer: func(w io.Writer) (io.WriteCloser, error) {
			return zstd.NewWriter(w, zstd.WithEncoderConcurrency(1))
		}},
	{name: "lz4", ext: "lz4",
		reader: func(r io.Reader) (io.Reader, func() error, error) {
			br, head := peek(r, 4)
			if bytes.Equal(head, []byte{0x04, 0x22, 0x4d, 0x18}) {
				return lz4.NewReader(br), nil, nil
			}
			return &hadoopReader{r: br, decode: lz4.UncompressBlock}, nil, nil
		},
		writer: func(w io.Writer) (io.WriteCloser, error) { return lz4.NewWriter(w), nil }},
	{name: "snappy", ext: "snappy",
		reader: func(r io.Reader) (io.Reader, func() error, error) {
			br, head := peek(r, 10)
			if bytes.Equal(head, []byte("\xff\x06\x00\x00sNaPpY")) {
				return snappy.NewReader(br), nil, nil
			}
			return &hadoopReader{r: br, decode: decodeSnappy}, nil, nil
		},
		writer: func(w io.Writer) (io.WriteCloser, error) {
			return &hadoopWriter{w: w, compress: snappy.Encode, buf: make([]byte, 0, hadoopBlock)}, nil
		}},
	{name: "deflate", ext: "deflate",
		reader: func(r io.Reader) (io.Reader, func() error, error) {
			z, err := zlib.NewReader(r)
			if err != nil {
				return nil, nil, err
			}
			return z, z.Close, nil
		},
		writer: func(w io.Writer) (io.WriteCloser, error) { return zlib.NewWriter(w), nil }},
}

// peek reads up to n bytes of r and returns a reader of all of r.
func peek(r io.Reader, n int) (io.Reader, []byte) {
	head := make([]byte, n)
	k, _ := io.ReadFull(r, head)
	return io.MultiReader(bytes.NewReader(head[:k]), r), head[:k]
}

// CodecForPath returns the codec of path's extension (case-insensitive),
// or nil when the file is not compressed.
func CodecForPath(path string) *Codec {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	for _, c := range codecs {
		if c.ext == ext {
			return c
		}
	}
	return nil
}

// CodecByName returns the codec of a value of Spark's compression option
// (case-insensitive): gzip, bzip2, zstd, lz4, snappy or deflate; none,
// uncompressed and "" give nil (no compression). Another value is an
// error listing these.
func CodecByName(name string) (*Codec, error) {
	n := strings.ToLower(name)
	if n == "" || n == "none" || n == "uncompressed" {
		return nil, nil
	}
	names := []string{"none", "uncompressed"}
	for _, c := range codecs {
		if c.name == n {
			return c, nil
		}
		names = append(names, c.name)
	}
	slices.Sort(names)
	return nil, fmt.Errorf("storage: unknown compression %q (want one of %s)", name, strings.Join(names, ", "))
}

// NewReader decompresses r. Errors name the codec ("gzip: unexpected
// EOF"); Close releases the decoder, not r.
func (c *Codec) NewReader(r io.Reader) (io.ReadCloser, error) {
	d, closer, err := c.reader(r)
	if err != nil {
		return nil, c.wrap(err)
	}
	return &decoder{r: d, close: closer, c: c}, nil
}

// NewWriter compresses into w. Close writes the end of the compressed
// stream; it does not close w.
func (c *Codec) NewWriter(w io.Writer) (io.WriteCloser, error) {
	e, err := c.writer(w)
	if err != nil {
		return nil, c.wrap(err)
	}
	return e, nil
}

// wrap prefixes an error with the codec's name unless it has it already.
func (c *Codec) wrap(err error) error {
	if err == nil || err == io.EOF || strings.HasPrefix(err.Error(), c.name) {
		return err
	}
	return fmt.Errorf("%s: %w", c.name, err)
}

// decoder is a codec's reader: errors name the codec, and only Read is
// exposed (not a WriteTo of the decoder, which pierrec/lz4 v4.1.29 gets
// wrong).
type decoder struct {
	r     io.Reader
	close func() error
	c     *Codec
}

func (d *decoder) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	return n, d.c.wrap(err)
}

func (d *decoder) Close() error {
	if d.close == nil {
		return nil
	}
	err := d.close()
	d.close = nil
	return d.c.wrap(err)
}
