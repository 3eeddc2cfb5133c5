package parquetio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/pierrec/lz4/v4"
)

// Parquet's deprecated LZ4 codec (codec 5, not LZ4_RAW) was written in
// three ways, and arrow-go reads none of them (it registers no codec for
// LZ4, and files using it failed to open):
//
//   - parquet-mr (Hadoop's Lz4Codec), which wrote nearly every such file:
//     blocks of a big-endian uint32 decompressed size, a big-endian
//     uint32 compressed size and that many bytes of a raw LZ4 block;
//   - parquet-cpp before 2020: one raw LZ4 block;
//   - others: an LZ4 frame.
//
// hadoopLZ4Codec reads all three, in the order Arrow C++ and arrow-rs try
// them: the Hadoop framing when the whole page parses as such, else an
// LZ4 frame when the page starts with the frame magic number, else a raw
// block. It writes the Hadoop framing, as Arrow C++ and parquet-mr do
// (ember itself writes lz4 as LZ4_RAW; see Options).
//
// The codec registers in arrow-go's process-wide codec table when this
// package is imported.
type hadoopLZ4Codec struct{}

func init() { compress.RegisterCodec(compress.Codecs.Lz4, hadoopLZ4Codec{}) }

var _ compress.ErrorCodec = hadoopLZ4Codec{}

// lz4FrameMagic starts an LZ4 frame (little-endian 0x184D2204).
var lz4FrameMagic = []byte{0x04, 0x22, 0x4d, 0x18}

// errLZ4 is wrapped by the codec's decoding errors.
var errLZ4 = errors.New("LZ4 (Hadoop, raw block or frame)")

// DecodeWithError implements compress.ErrorCodec: it decompresses src
// into dst, which arrow-go sizes to the page's decompressed size, and
// returns the decompressed bytes (a prefix of dst when it is large
// enough).
func (hadoopLZ4Codec) DecodeWithError(dst, src []byte) ([]byte, error) {
	if n, ok := decodeHadoopLZ4(dst, src); ok {
		return dst[:n], nil
	}
	if bytes.HasPrefix(src, lz4FrameMagic) {
		out, err := decodeLZ4Frame(dst, src)
		if err != nil {
			return nil, fmt.Errorf("%w: LZ4 frame: %w", errLZ4, err)
		}
		return out, nil
	}
	n, err := lz4.UncompressBlock(src, dst)
	if err != nil {
		return nil, fmt.Errorf("%w: neither Hadoop-framed LZ4 nor an LZ4 frame, and as a raw LZ4 block: %w", errLZ4, err)
	}
	return dst[:n], nil
}

// decodeHadoopLZ4 decompresses src as Hadoop-framed LZ4 blocks into dst,
// returning the bytes written and whether src is such blocks, every one
// of them whole, decompressing to its stated size within dst.
func decodeHadoopLZ4(dst, src []byte) (int, bool) {
	n := 0
	for len(src) > 0 {
		if len(src) < 8 {
			return 0, false
		}
		size := uint64(binary.BigEndian.Uint32(src))
		compressed := uint64(binary.BigEndian.Uint32(src[4:]))
		src = src[8:]
		if compressed > uint64(len(src)) || size > uint64(len(dst)-n) {
			return 0, false
		}
		if size == 0 && compressed == 0 {
			continue
		}
		got, err := lz4.UncompressBlock(src[:compressed], dst[n:n+int(size)])
		if err != nil || got != int(size) {
			return 0, false
		}
		n += got
		src = src[compressed:]
	}
	return n, true
}

// decodeLZ4Frame decompresses the LZ4 frame src into dst, growing it if
// it is too small.
func decodeLZ4Frame(dst, src []byte) ([]byte, error) {
	r := lz4.NewReader(bytes.NewReader(src))
	var out bytes.Buffer
	out.Grow(len(dst))
	if _, err := io.Copy(&out, r); err != nil {
		return nil, err
	}
	if out.Len() <= len(dst) {
		return dst[:copy(dst, out.Bytes())], nil
	}
	return out.Bytes(), nil
}

// Decode implements compress.Codec; it panics where DecodeWithError
// returns an error (arrow-go calls DecodeWithError).
func (c hadoopLZ4Codec) Decode(dst, src []byte) []byte {
	out, err := c.DecodeWithError(dst, src)
	if err != nil {
		panic(err)
	}
	return out
}

// hadoopBlockSize bounds the decompressed bytes of one Hadoop block, as
// Hadoop's default buffer size does.
const hadoopBlockSize = 256 << 10

// Encode implements compress.Codec: Hadoop-framed LZ4 blocks of at most
// hadoopBlockSize decompressed bytes each (none for no bytes).
func (c hadoopLZ4Codec) Encode(dst, src []byte) []byte {
	out := dst[:0]
	var compressor lz4.Compressor
	block := make([]byte, lz4.CompressBlockBound(min(len(src), hadoopBlockSize)))
	for len(src) > 0 {
		chunk := src[:min(len(src), hadoopBlockSize)]
		src = src[len(chunk):]
		// Always compresses: block has CompressBlockBound's length.
		n, err := compressor.CompressBlock(chunk, block)
		if err != nil || n == 0 {
			panic(fmt.Errorf("parquetio: LZ4 compression of %d bytes: %d bytes, %v", len(chunk), n, err))
		}
		out = binary.BigEndian.AppendUint32(out, uint32(len(chunk)))
		out = binary.BigEndian.AppendUint32(out, uint32(n))
		out = append(out, block[:n]...)
	}
	return out
}

// EncodeLevel implements compress.Codec; LZ4 blocks have no levels.
func (c hadoopLZ4Codec) EncodeLevel(dst, src []byte, _ int) []byte { return c.Encode(dst, src) }

// CompressBound implements compress.Codec.
func (hadoopLZ4Codec) CompressBound(n int64) int64 {
	blocks := max((n+hadoopBlockSize-1)/hadoopBlockSize, 1)
	return blocks*8 + int64(lz4.CompressBlockBound(int(min(n, hadoopBlockSize))))*blocks
}
