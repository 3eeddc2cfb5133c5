package ipcio

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/internal/arrowipc"
	"github.com/ember-df/ember/io/internal/listing"
	"github.com/ember-df/ember/storage"
)

// file is one listed file and what reading its metadata found.
type file struct {
	path   string
	size   int64
	layout Layout // LayoutFile or LayoutStream, never LayoutAuto
	// batches is the number of record batches of an IPC file; -1 for
	// a stream, whose batches are only known by reading it.
	batches int
}

// fileInfo is what inspect reads from a file at plan time.
type fileInfo struct {
	file
	schema *arrow.Schema // as stored, dictionaries included
	blocks []int64       // bytes of each record batch of an IPC file
}

var magic = []byte("ARROW1")

// footerTail is the end of an IPC file: the footer length and the magic.
const footerTail = 4 + 6

// listFiles expands paths (see package listing) and reads the metadata
// of every file, a few files at a time.
func listFiles(paths []string, layout Layout) ([]fileInfo, error) {
	found, err := listing.List(paths, nil)
	if err != nil {
		return nil, fmt.Errorf("ipcio: %w", err)
	}
	infos := make([]fileInfo, len(found))
	errs := make([]error, len(found))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, f := range found {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			infos[i], errs[i] = inspect(f.Path, f.Size, layout)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return infos, nil
}

// inspect reads the schema of a file and, for an IPC file, the sizes of
// its record batches. Errors name the file.
func inspect(path string, size int64, want Layout) (fileInfo, error) {
	info := fileInfo{file: file{path: path, size: size, batches: -1}}
	f, err := storage.OpenFile(context.Background(), path, size)
	if err != nil {
		return info, fmt.Errorf("ipcio: %w", err)
	}
	defer f.Close()
	if info.layout, err = detect(f, size, want); err != nil {
		return info, fmt.Errorf("ipcio: %s: %w", path, err)
	}
	mem := arrowipc.NewAllocator(memory.NewGoAllocator(), arrowipc.AllocationLimit(size))
	defer mem.Sweep() // after the deferred Close: whatever arrow-go left
	err = guard(func() error {
		if info.layout == LayoutStream {
			r, err := openStream(f, size, mem)
			if err != nil {
				return fmt.Errorf("corrupt or truncated Arrow IPC stream: %w", err)
			}
			defer r.Release()
			info.schema = r.Schema()
			return nil
		}
		r, blocks, err := openFile(f, size, mem)
		if err != nil {
			return fmt.Errorf("corrupt Arrow IPC file: %w", err)
		}
		defer r.Close()
		info.schema = r.Schema()
		info.blocks = make([]int64, len(blocks))
		for i, b := range blocks {
			info.blocks[i] = int64(b.Meta) + b.Body
		}
		info.batches = len(blocks)
		return nil
	}, nil)
	if err != nil {
		return info, fmt.Errorf("ipcio: %s: %w", path, err)
	}
	return info, nil
}

// detect tells an IPC file from a stream by the magic at its start, and
// checks it against the layout wanted.
func detect(f io.ReaderAt, size int64, want Layout) (Layout, error) {
	head := make([]byte, min(size, int64(len(magic))))
	if _, err := f.ReadAt(head, 0); err != nil && err != io.EOF {
		return "", err
	}
	isFile := bytes.Equal(head, magic)
	switch {
	case size == 0:
		return "", errors.New("empty file: neither an Arrow IPC file nor a stream")
	case want == LayoutStream && isFile:
		return "", errors.New("this is an Arrow IPC file, not a stream: read it with format=file or auto")
	case (want == LayoutFile || want == "") && !isFile:
		if looksLikeStream(head) {
			return "", errors.New("not an Arrow IPC file (no ARROW1 magic at the start); it looks like an Arrow IPC stream: read it with format=stream or auto")
		}
		return "", errors.New("not an Arrow IPC file (no ARROW1 magic at the start)")
	case want == LayoutAuto && !isFile && !looksLikeStream(head):
		return "", errors.New("neither an Arrow IPC file (no ARROW1 magic at the start) nor an Arrow IPC stream")
	case isFile:
		tail := make([]byte, len(magic))
		if size < int64(len(magic)+footerTail) {
			return "", fmt.Errorf("truncated Arrow IPC file: %d bytes, too short for a footer", size)
		}
		if _, err := f.ReadAt(tail, size-int64(len(tail))); err != nil {
			return "", err
		}
		if !bytes.Equal(tail, magic) {
			return "", errors.New("truncated Arrow IPC file: no footer (ARROW1 magic) at the end")
		}
		return LayoutFile, nil
	}
	return LayoutStream, nil
}

// looksLikeStream reports whether head starts like an IPC stream: the
// continuation marker, or (before Arrow 0.15) a small metadata length.
func looksLikeStream(head []byte) bool {
	if len(head) < 4 {
		return false
	}
	n := binary.LittleEndian.Uint32(head)
	return n == 0xFFFFFFFF || (n >= 8 && n < 1<<24)
}

// readerLimits bounds what one message of a file may claim: no message
// can be larger than the file (arrow-go's defaults, 64 MiB of metadata
// and 256 MiB of body, would refuse large batches of sound files).
func readerLimits(size int64, mem memory.Allocator) []ipc.Option {
	limit := max(size, 1)
	return []ipc.Option{ipc.WithAllocator(mem), ipc.WithMetadataSizeLimit(limit), ipc.WithBodySizeLimit(limit)}
}

// openFile checks the footer and dictionaries of an IPC file and opens
// it; the caller closes the reader. It returns the record batch blocks.
func openFile(f io.ReaderAt, size int64, mem memory.Allocator) (*ipc.FileReader, []arrowipc.Block, error) {
	dicts, batches, err := readFooter(f, size)
	if err != nil {
		return nil, nil, err
	}
	for i, d := range dicts {
		if err := checkBlock(f, size, d); err != nil {
			return nil, nil, fmt.Errorf("dictionary %d: %w", i, err)
		}
	}
	r, err := ipc.NewFileReader(io.NewSectionReader(f, 0, size), readerLimits(size, mem)...)
	if err != nil {
		return nil, nil, err
	}
	if r.NumRecords() != len(batches) {
		r.Close()
		return nil, nil, fmt.Errorf("corrupt footer: %d record batches, %d blocks", r.NumRecords(), len(batches))
	}
	return r, batches, nil
}

// openStream opens an IPC stream and reads its schema; the caller
// releases the reader.
func openStream(f io.ReaderAt, size int64, mem memory.Allocator) (*ipc.Reader, error) {
	mr := &messageReader{r: bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 1<<20), mem: mem, size: size, refs: 1}
	return ipc.NewReaderFromMessageReader(mr, readerLimits(size, mem)...)
}

// messageReader reads the messages of a stream as arrow-go's does, but
// checks every message's metadata before arrow-go reads it.
type messageReader struct {
	r    io.Reader
	mem  memory.Allocator
	size int64 // of the file: no message is larger
	msg  *ipc.Message
	refs int // arrow-go retains and releases the reader on one goroutine
}

// Message implements ipc.MessageReader: it returns the next message,
// valid until the next call, or io.EOF after the last.
func (r *messageReader) Message() (*ipc.Message, error) {
	if r.msg != nil {
		r.msg.Release()
		r.msg = nil
	}
	var head [4]byte
	if _, err := io.ReadFull(r.r, head[:]); err != nil {
		if err == io.EOF {
			return nil, io.EOF // a stream may end without the end-of-stream marker
		}
		return nil, fmt.Errorf("reading a message: %w", err)
	}
	n := binary.LittleEndian.Uint32(head[:])
	if n == arrowipc.Continuation {
		if _, err := io.ReadFull(r.r, head[:]); err != nil {
			return nil, fmt.Errorf("reading a message length: %w", noEOF(err))
		}
		n = binary.LittleEndian.Uint32(head[:])
	}
	if n == 0 {
		return nil, io.EOF // the end-of-stream marker
	}
	if int64(n) > r.size || n < 4 {
		return nil, fmt.Errorf("%w: a message of %d bytes in a file of %d", arrowipc.ErrCorrupt, n, r.size)
	}
	meta := make([]byte, n)
	if _, err := io.ReadFull(r.r, meta); err != nil {
		return nil, fmt.Errorf("reading a message: %w", noEOF(err))
	}
	m, err := arrowipc.CheckMessage(meta)
	if err != nil {
		return nil, err
	}
	if m.BodyLength < 0 || m.BodyLength > r.size {
		return nil, fmt.Errorf("%w: a message body of %d bytes in a file of %d", arrowipc.ErrCorrupt, m.BodyLength, r.size)
	}
	body := memory.NewResizableBuffer(r.mem)
	defer body.Release()
	body.Resize(int(m.BodyLength))
	if _, err := io.ReadFull(r.r, body.Bytes()); err != nil {
		return nil, fmt.Errorf("reading a message body: %w", noEOF(err))
	}
	r.msg = ipc.NewMessage(memory.NewBufferBytes(meta), body)
	return r.msg, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Retain implements ipc.MessageReader.
func (r *messageReader) Retain() { r.refs++ }

// Release implements ipc.MessageReader: the last release frees the
// current message.
func (r *messageReader) Release() {
	if r.refs--; r.refs == 0 && r.msg != nil {
		r.msg.Release()
		r.msg = nil
	}
}

// readFooter reads and checks the footer of an IPC file: the Footer
// flatbuffer before its int32 length and the magic at the end. It returns
// the blocks of the dictionaries and record batches. arrow-go reads the
// footer too, but does not expose the blocks.
func readFooter(f io.ReaderAt, size int64) (dicts, batches []arrowipc.Block, err error) {
	tail := make([]byte, footerTail)
	if _, err := f.ReadAt(tail, size-footerTail); err != nil {
		return nil, nil, err
	}
	n := int64(binary.LittleEndian.Uint32(tail))
	if n <= 0 || n > size-footerTail-int64(len(magic)) {
		return nil, nil, fmt.Errorf("corrupt footer: %d bytes long in a file of %d", n, size)
	}
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, size-footerTail-n); err != nil {
		return nil, nil, err
	}
	if dicts, batches, err = arrowipc.CheckFooter(buf); err != nil {
		return nil, nil, fmt.Errorf("corrupt footer: %w", err)
	}
	return dicts, batches, nil
}

// checkBlock checks the metadata of one message of an IPC file.
func checkBlock(f io.ReaderAt, size int64, b arrowipc.Block) error {
	if b.Offset < 0 || b.Meta < 8 || b.Body < 0 || b.Offset > size || int64(b.Meta) > size-b.Offset {
		return fmt.Errorf("corrupt footer: block of %d bytes at %d in a file of %d", b.Meta, b.Offset, size)
	}
	buf := make([]byte, b.Meta)
	if _, err := f.ReadAt(buf, b.Offset); err != nil {
		return err
	}
	prefix := 4 // before Arrow 0.15: the length only
	if binary.LittleEndian.Uint32(buf) == arrowipc.Continuation {
		prefix = 8
	}
	m, err := arrowipc.CheckMessage(buf[prefix:])
	if err != nil {
		return err
	}
	if m.BodyLength != b.Body {
		return fmt.Errorf("%w: a body of %d bytes, the footer says %d", arrowipc.ErrCorrupt, m.BodyLength, b.Body)
	}
	return nil
}

// guard runs fn, a call into arrow-go: a panic becomes an error, and when
// fn fails (io.EOF is no failure) onFail closes the arrow-go readers
// involved.
func guard(fn func() error, onFail func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("%v", p)
			}
		}
		if err != nil && err != io.EOF && onFail != nil {
			onFail()
		}
	}()
	return fn()
}
