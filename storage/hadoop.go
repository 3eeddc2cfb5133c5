package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/snappy"
)

// Hadoop's block framing (BlockCompressorStream), used by its SnappyCodec
// and Lz4Codec: every block is the 4-byte big-endian length of its
// uncompressed bytes, then chunks of a 4-byte big-endian compressed length
// and compressed data until that many bytes are decoded.

// hadoopBlock is the uncompressed size of the blocks hadoopWriter writes:
// half of Hadoop's default codec buffer (256 KiB), so that any Hadoop
// reader decodes them.
const hadoopBlock = 128 << 10

// maxHadoopBlock bounds the block lengths hadoopReader accepts, so that a
// corrupt length cannot allocate gigabytes.
const maxHadoopBlock = 64 << 20

var errHadoopFraming = errors.New("corrupt block framing")

// hadoopReader decodes Hadoop block framing.
type hadoopReader struct {
	r      io.Reader
	decode func(src, dst []byte) (int, error) // into dst, sized to the most it may hold
	left   int                                // bytes of the current block still to decode
	out    []byte                             // decoded bytes not yet read
	src    []byte
	dst    []byte
}

func (h *hadoopReader) Read(p []byte) (int, error) {
	for len(h.out) == 0 {
		if err := h.chunk(); err != nil {
			return 0, err
		}
	}
	n := copy(p, h.out)
	h.out = h.out[n:]
	return n, nil
}

// chunk decodes the next chunk into out; io.EOF at the end of the stream.
func (h *hadoopReader) chunk() error {
	var word [4]byte
	if h.left == 0 {
		if _, err := io.ReadFull(h.r, word[:]); err != nil {
			return err // io.EOF between blocks is the end
		}
		if h.left = int(binary.BigEndian.Uint32(word[:])); h.left > maxHadoopBlock {
			return fmt.Errorf("%w: a block of %d bytes", errHadoopFraming, h.left)
		}
		if h.left == 0 {
			return nil
		}
	}
	if _, err := io.ReadFull(h.r, word[:]); err != nil {
		return noEOF(err)
	}
	n := int(binary.BigEndian.Uint32(word[:]))
	if n == 0 || n > maxHadoopBlock {
		return fmt.Errorf("%w: a compressed chunk of %d bytes", errHadoopFraming, n)
	}
	if cap(h.src) < n {
		h.src = make([]byte, n)
	}
	h.src = h.src[:n]
	if _, err := io.ReadFull(h.r, h.src); err != nil {
		return noEOF(err)
	}
	if cap(h.dst) < h.left {
		h.dst = make([]byte, h.left)
	}
	k, err := h.decode(h.src, h.dst[:h.left])
	if err != nil {
		return err
	}
	h.left -= k
	h.out = h.dst[:k]
	return nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// decodeSnappy decodes a raw snappy block into dst, which must hold it.
func decodeSnappy(src, dst []byte) (int, error) {
	n, err := snappy.DecodedLen(src)
	if err != nil {
		return 0, err
	}
	if n > len(dst) {
		return 0, fmt.Errorf("%w: a chunk decodes to more than its block", errHadoopFraming)
	}
	out, err := snappy.Decode(dst, src)
	return len(out), err
}

// hadoopWriter writes Hadoop block framing, one chunk per block.
type hadoopWriter struct {
	w        io.Writer
	compress func(dst, src []byte) []byte
	buf      []byte
	out      []byte
	err      error
}

func (h *hadoopWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 && h.err == nil {
		n := min(len(p), cap(h.buf)-len(h.buf))
		h.buf = append(h.buf, p[:n]...)
		p, written = p[n:], written+n
		if len(h.buf) == cap(h.buf) {
			h.flush()
		}
	}
	return written, h.err
}

func (h *hadoopWriter) flush() {
	if len(h.buf) == 0 || h.err != nil {
		return
	}
	h.out = h.compress(h.out[:cap(h.out)], h.buf)
	var head [8]byte
	binary.BigEndian.PutUint32(head[:4], uint32(len(h.buf)))
	binary.BigEndian.PutUint32(head[4:], uint32(len(h.out)))
	if _, err := h.w.Write(head[:]); err != nil {
		h.err = err
	} else if _, err := h.w.Write(h.out); err != nil {
		h.err = err
	}
	h.buf = h.buf[:0]
}

// Close writes the last block; it does not close the underlying writer.
func (h *hadoopWriter) Close() error {
	h.flush()
	return h.err
}
