package parquetio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/pierrec/lz4/v4"
)

// lz4Block compresses src as one raw LZ4 block with pierrec/lz4.
func lz4Block(t *testing.T, src []byte) []byte {
	t.Helper()
	dst := make([]byte, lz4.CompressBlockBound(len(src)))
	var c lz4.Compressor
	n, err := c.CompressBlock(src, dst)
	if err != nil || n == 0 {
		t.Fatalf("lz4: %d, %v", n, err)
	}
	return dst[:n]
}

// hadoopFrame frames blocks as Hadoop's Lz4Codec (parquet-mr) writes
// them: each a big-endian uint32 decompressed size, a big-endian uint32
// compressed size, and the raw LZ4 block.
func hadoopFrame(t *testing.T, chunks ...[]byte) []byte {
	t.Helper()
	var out []byte
	for _, c := range chunks {
		b := lz4Block(t, c)
		out = binary.BigEndian.AppendUint32(out, uint32(len(c)))
		out = binary.BigEndian.AppendUint32(out, uint32(len(b)))
		out = append(out, b...)
	}
	return out
}

func TestHadoopLZ4CodecDecodes(t *testing.T) {
	codec, err := compress.GetCodec(compress.Codecs.Lz4)
	if err != nil {
		t.Fatalf("no codec for LZ4: %v", err)
	}
	a := []byte(strings.Repeat("parquet-mr wrote this ", 300))
	b := []byte("a second block, shorter")
	whole := append(append([]byte(nil), a...), b...)
	var frame bytes.Buffer
	fw := lz4.NewWriter(&frame)
	if _, err := fw.Write(whole); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		src  []byte
	}{
		{"Hadoop framing, one block", hadoopFrame(t, whole)},
		{"Hadoop framing, two blocks", hadoopFrame(t, a, b)},
		{"raw LZ4 block (parquet-cpp before 2020)", lz4Block(t, whole)},
		{"LZ4 frame", frame.Bytes()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := compress.Decode(codec, make([]byte, len(whole)), tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, whole) {
				t.Fatalf("decoded %d bytes, not the %d written", len(got), len(whole))
			}
		})
	}
}

func TestHadoopLZ4CodecRejectsCorruptPages(t *testing.T) {
	codec, _ := compress.GetCodec(compress.Codecs.Lz4)
	whole := []byte(strings.Repeat("abc", 1000))
	framed := hadoopFrame(t, whole)
	for _, tc := range []struct {
		name string
		src  []byte
		dst  int
	}{
		{"truncated block", framed[:len(framed)/2], len(whole)},
		{"garbage", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, len(whole)},
		{"larger than the page", framed, len(whole) - 1},
		{"corrupt frame", append(append([]byte(nil), lz4FrameMagic...), 0xff, 0x00, 0x13), len(whole)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compress.Decode(codec, make([]byte, tc.dst), tc.src)
			if !errors.Is(err, errLZ4) {
				t.Fatalf("error %v, want one wrapping %v", err, errLZ4)
			}
		})
	}
}

// TestHadoopLZ4CodecEncodes checks that Encode writes the Hadoop framing,
// in blocks of at most 256 KiB, each a raw LZ4 block pierrec/lz4
// decompresses.
func TestHadoopLZ4CodecEncodes(t *testing.T) {
	codec, _ := compress.GetCodec(compress.Codecs.Lz4)
	src := bytes.Repeat([]byte("0123456789abcdef ember "), 30000) // 690,000 bytes: three blocks
	enc := codec.Encode(nil, src)
	if int64(len(enc)) > codec.CompressBound(int64(len(src))) {
		t.Errorf("%d bytes encoded, bound %d", len(enc), codec.CompressBound(int64(len(src))))
	}
	var got []byte
	blocks := 0
	for rest := enc; len(rest) > 0; blocks++ {
		if len(rest) < 8 {
			t.Fatalf("%d bytes after block %d", len(rest), blocks)
		}
		size, n := binary.BigEndian.Uint32(rest), binary.BigEndian.Uint32(rest[4:])
		if size > hadoopBlockSize {
			t.Errorf("block %d of %d bytes", blocks, size)
		}
		out := make([]byte, size)
		if m, err := lz4.UncompressBlock(rest[8:8+n], out); err != nil || m != int(size) {
			t.Fatalf("block %d: %d bytes, %v", blocks, m, err)
		}
		got = append(got, out...)
		rest = rest[8+n:]
	}
	if blocks != 3 || !bytes.Equal(got, src) {
		t.Fatalf("%d blocks of %d bytes, want 3 of the %d written", blocks, len(got), len(src))
	}
	if enc := codec.Encode(nil, nil); len(enc) != 0 {
		t.Errorf("no bytes encode as %d bytes", len(enc))
	}
}
