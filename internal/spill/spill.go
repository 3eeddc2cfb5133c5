package spill

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// bufferSize is the buffer of each file being written or read. It only
// gathers the small writes and reads of IPC framing (message lengths,
// metadata, the buffers of short batches): a body buffer larger than it
// goes to the file directly. A spilling hash table keeps 16 files open
// per task, so the buffers are kept small.
const bufferSize = 16 << 10

// ErrRemoved is returned by Dir.Create after Dir.Remove: the job that
// owned the directory has ended.
var ErrRemoved = errors.New("spill: directory removed (the job has ended)")

// DefaultBase is the base directory of spill directories when none is
// configured: ember-spill-<pid> under os.TempDir().
func DefaultBase() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("ember-spill-%d", os.Getpid()))
}

// Dir is one job's directory of spill files. It is created, under its
// base, on the first Create, and removed with its files by Remove. It is
// safe for concurrent use.
type Dir struct {
	base string

	mu      sync.Mutex
	path    string // "" until the first Create
	removed bool

	files, bytes atomic.Int64

	// pool allocates what Writers encode with.
	pool bufferPool
}

// NewDir returns a Dir that will create its directory under base
// (DefaultBase when empty). It touches no file until the first Create.
func NewDir(base string) *Dir {
	if base == "" {
		base = DefaultBase()
	}
	return &Dir{base: base}
}

// Files is the number of files Create has created so far.
func (d *Dir) Files() int64 { return d.files.Load() }

// Bytes is the number of bytes written to the Dir's files so far
// (compressed, as on disk).
func (d *Dir) Bytes() int64 { return d.bytes.Load() }

// dir returns the directory, creating it on the first call.
func (d *Dir) dir() (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.removed {
		return "", ErrRemoved
	}
	if d.path != "" {
		return d.path, nil
	}
	if err := os.MkdirAll(d.base, 0o700); err != nil {
		return "", fmt.Errorf("spill: creating the spill directory: %w", err)
	}
	p, err := os.MkdirTemp(d.base, "job-")
	if err != nil {
		return "", fmt.Errorf("spill: creating the spill directory: %w", err)
	}
	d.path = p
	return p, nil
}

// Remove removes the directory and every file in it; later Creates fail
// with ErrRemoved. Files still being read stay readable through their
// open handles until closed (POSIX semantics). It is idempotent.
func (d *Dir) Remove() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.removed = true
	if d.path == "" {
		return nil
	}
	p := d.path
	d.path = ""
	if err := os.RemoveAll(p); err != nil {
		return fmt.Errorf("spill: removing the spill directory: %w", err)
	}
	return nil
}

// Create starts a new spill file for batches of schema s. The Writer
// holds a buffer of 16 KiB until Finish or Abort, which the caller must
// call; the compressed copies of a batch's buffers live during its Write
// and come from the Dir's pool, which keeps up to 8 MiB of them for
// the next Writes.
func (d *Dir) Create(s *arrow.Schema) (*Writer, error) {
	dir, err := d.dir()
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "run-*.arrows")
	if err != nil {
		return nil, fmt.Errorf("spill: creating a spill file: %w", err)
	}
	d.files.Add(1)
	w := &Writer{dir: d, file: f, schema: s}
	w.buf = bufio.NewWriterSize(&countingWriter{w: f, n: &w.size}, bufferSize)
	w.ipc = ipc.NewWriter(w.buf, ipc.WithSchema(s), ipc.WithAllocator(&d.pool), ipc.WithLZ4())
	return w, nil
}

type countingWriter struct {
	w io.Writer
	n *int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	*c.n += int64(n)
	return n, err
}

// Writer writes one spill file. It is used by one goroutine at a time.
type Writer struct {
	dir    *Dir
	file   *os.File
	schema *arrow.Schema
	buf    *bufio.Writer
	ipc    *ipc.Writer
	size   int64
	rows   int64
	n      int
}

// Write appends b (borrowed for the call) to the file.
func (w *Writer) Write(b arrow.RecordBatch) error {
	if err := w.ipc.Write(b); err != nil {
		return fmt.Errorf("spill: writing %s: %w", w.file.Name(), err)
	}
	w.rows += b.NumRows()
	w.n++
	return nil
}

// Rows is the number of rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

// Finish ends the stream, closes the file and returns it for reading.
// On error the file is removed.
func (w *Writer) Finish() (*File, error) {
	err := w.ipc.Close()
	if err == nil {
		err = w.buf.Flush()
	}
	if cerr := w.file.Close(); err == nil {
		err = cerr
	}
	w.dir.bytes.Add(w.size)
	if err != nil {
		os.Remove(w.file.Name())
		return nil, fmt.Errorf("spill: writing %s: %w", w.file.Name(), err)
	}
	return &File{path: w.file.Name(), schema: w.schema, Rows: w.rows, Batches: w.n, Bytes: w.size}, nil
}

// Abort closes and removes the file, for a writer that failed or is no
// longer wanted.
func (w *Writer) Abort() {
	w.ipc.Close()
	w.file.Close()
	w.dir.bytes.Add(w.size)
	os.Remove(w.file.Name())
}

// File is a finished spill file. Its methods are safe for concurrent use;
// Remove it when no reader needs it any more.
type File struct {
	path   string
	schema *arrow.Schema
	// Rows, Batches and Bytes (on disk) describe the file's contents.
	Rows    int64
	Batches int
	Bytes   int64
}

// Open returns a reader of the file's batches, decoded with mem. Besides
// the batch it returns, a Reader holds a buffer of 16 KiB and the
// compressed message of that batch (about Bytes/Batches).
func (f *File) Open(mem memory.Allocator) (*Reader, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return nil, fmt.Errorf("spill: reading a spill file: %w", err)
	}
	r, err := ipc.NewReader(bufio.NewReaderSize(fh, bufferSize), ipc.WithAllocator(mem), ipc.WithSchema(f.schema))
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("spill: reading %s: %w", f.path, err)
	}
	return &Reader{file: fh, ipc: r}, nil
}

// Remove deletes the file. A reader that has it open keeps reading.
func (f *File) Remove() error {
	if err := os.Remove(f.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("spill: %w", err)
	}
	return nil
}

// Reader reads one spill file's batches in the order they were written.
// It is used by one goroutine at a time.
type Reader struct {
	file *os.File
	ipc  *ipc.Reader
}

// Next returns the next batch, or io.EOF after the last. The batch is
// valid until the next call to Next or Close; Retain it to keep it.
func (r *Reader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.ipc.Next() {
		return r.ipc.RecordBatch(), nil
	}
	if err := r.ipc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("spill: reading %s: %w", r.file.Name(), err)
	}
	return nil, io.EOF
}

// Close releases the current batch and closes the file. It is
// idempotent.
func (r *Reader) Close() error {
	if r.ipc == nil {
		return nil
	}
	r.ipc.Release()
	r.ipc = nil
	return r.file.Close()
}
