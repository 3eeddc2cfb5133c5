// Package textfile is what the line-oriented readers (CSV, JSON lines)
// share about their files: cutting them into byte ranges that partitions
// read in parallel, and opening a file for reading by offset — through
// package storage, so on every backend, and decompressed when its
// extension names a codec. A compressed file cannot be cut (a split
// cannot start inside a compressed stream): it is one split, read from
// its start.
package textfile

import (
	"context"
	"io"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/ember-df/ember/io/internal/listing"
	"github.com/ember-df/ember/storage"
)

// Unbounded is the size of a compressed file's decompressed bytes, which
// are known only by reading them, and the end of its split.
const Unbounded = math.MaxInt64

// File is one listed file. It serializes as its path and size (sources
// travel with the files they listed); WithCodecs restores the codec.
type File struct {
	Path  string         `json:"path"`
	Size  int64          `json:"size"` // bytes as stored (compressed, for a compressed file)
	Codec *storage.Codec `json:"-"`    // by the file's extension; nil when not compressed
}

// Files returns the listed files with their codecs.
func Files(found []listing.File) []File {
	out := make([]File, len(found))
	for i, f := range found {
		out[i] = File{Path: f.Path, Size: f.Size}
	}
	return WithCodecs(out)
}

// WithCodecs sets every file's codec from its extension, as after
// decoding files, and returns files.
func WithCodecs(files []File) []File {
	for i := range files {
		files[i].Codec = storage.CodecForPath(files[i].Path)
	}
	return files
}

// Split is a byte range of one file; its reader reads the records that
// start in it.
type Split struct {
	File       int   // index in the files
	Start, End int64 // End is Unbounded for a compressed file
	First      int   // index of the file's first split
}

// MakeSplits cuts files into ranges of about total/partitions bytes, at
// least 4 MiB (so that small files are not cut into tiny pieces) but at
// most maxSplitBytes when it is positive, as Spark sizes file splits;
// maxSplitBytes wins over the minimum, which lets tests cut files into
// splits of a few bytes. A compressed file is one split.
func MakeSplits(files []File, partitions int, maxSplitBytes int64) []Split {
	var total int64
	for _, f := range files {
		total += f.Size
	}
	size := total / int64(max(partitions, 1))
	size = max(size, 4<<20)
	if maxSplitBytes > 0 {
		size = min(size, maxSplitBytes)
	}
	size = max(size, 1)
	var out []Split
	for i, f := range files {
		first := len(out)
		switch {
		case f.Codec != nil:
			out = append(out, Split{File: i, End: Unbounded, First: first})
		case f.Size == 0:
			out = append(out, Split{File: i, First: first})
		default:
			for start := int64(0); start < f.Size; start += size {
				out = append(out, Split{File: i, Start: start, End: min(start+size, f.Size), First: first})
			}
		}
	}
	return out
}

// Note is what a source adds to its EXPLAIN line about compressed files,
// such as " (gzip: not split)"; "" when none is compressed.
func Note(files []File) string {
	var names []string
	for _, f := range files {
		if f.Codec != nil && !slices.Contains(names, f.Codec.Name()) {
			names = append(names, f.Codec.Name())
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " (" + strings.Join(names, ", ") + ": not split)"
}

// Open opens f for reading by offset. Size of what it returns is f.Size
// for a plain file and Unbounded for a compressed one, whose ReadAt reads
// the decompressed bytes: forward cheaply, backward (beyond the last
// 64 KiB read) by decompressing again from the start. ctx must outlive
// the file, which the caller closes.
func Open(ctx context.Context, f File) (storage.File, error) {
	if f.Codec == nil {
		return storage.OpenFile(ctx, f.Path, f.Size)
	}
	return &stream{ctx: ctx, f: f}, nil
}

// keepBack is how many bytes before its position a stream can return
// again without reopening the file.
const keepBack = 64 << 10

// stream reads a compressed file's decompressed bytes by offset.
type stream struct {
	ctx context.Context
	f   File

	mu   sync.Mutex
	raw  io.ReadCloser // the stored bytes
	dec  io.ReadCloser // the decompressed bytes, from pos on
	pos  int64
	back []byte // the decompressed bytes just before pos
}

func (s *stream) Size() int64 { return Unbounded }

func (s *stream) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closeStreams()
}

func (s *stream) closeStreams() error {
	var err error
	if s.dec != nil {
		s.dec.Close()
		err = s.raw.Close()
		s.dec, s.raw = nil, nil
	}
	return err
}

func (s *stream) reopen() error {
	s.closeStreams()
	raw, err := storage.Open(s.ctx, s.f.Path)
	if err != nil {
		return err
	}
	dec, err := s.f.Codec.NewReader(raw)
	if err != nil {
		raw.Close()
		return err
	}
	s.raw, s.dec, s.pos, s.back = raw, dec, 0, s.back[:0]
	return nil
}

// ReadAt implements io.ReaderAt over the decompressed bytes.
func (s *stream) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	if from := s.pos - int64(len(s.back)); s.dec != nil && off >= from && off < s.pos {
		n = copy(p, s.back[off-from:])
	}
	if n == len(p) {
		return n, nil
	}
	at := off + int64(n)
	if s.dec == nil || at < s.pos {
		if err := s.reopen(); err != nil {
			return 0, err
		}
	}
	if at > s.pos { // skip forward
		skip := make([]byte, min(at-s.pos, 32<<10))
		for at > s.pos {
			if _, err := s.read(skip[:min(at-s.pos, int64(len(skip)))]); err != nil {
				return 0, err
			}
		}
	}
	for n < len(p) {
		k, err := s.read(p[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// read reads from the decompressed stream, keeping the last keepBack
// bytes in back.
func (s *stream) read(dst []byte) (int, error) {
	k, err := s.dec.Read(dst)
	s.pos += int64(k)
	if k >= keepBack {
		s.back = append(s.back[:0], dst[k-keepBack:k]...)
	} else if k > 0 {
		if drop := len(s.back) + k - keepBack; drop > 0 {
			s.back = s.back[:copy(s.back, s.back[drop:])]
		}
		s.back = append(s.back, dst[:k]...)
	}
	if k > 0 && err == io.EOF {
		err = nil // the next read returns it
	}
	return k, err
}

// Compress wraps w, the part file a writer writes, in the compressor of
// compression, a value of Spark's compression option (see
// storage.CodecByName); finish ends the compressed stream without closing
// w. With no compression it returns w and a finish that does nothing.
func Compress(w io.Writer, compression string) (_ io.Writer, finish func() error, _ error) {
	c, err := storage.CodecByName(compression)
	if err != nil || c == nil {
		return w, func() error { return nil }, err
	}
	z, err := c.NewWriter(w)
	if err != nil {
		return nil, nil, err
	}
	return z, z.Close, nil
}

// Extension is a format's part-file extension followed by the codec's of
// compression: "csv.gz" for "csv" and "gzip"; ext alone without
// compression or with an unknown one (which the writer refuses).
func Extension(ext, compression string) string {
	if c, err := storage.CodecByName(compression); err == nil && c != nil {
		return ext + "." + c.Extension()
	}
	return ext
}
