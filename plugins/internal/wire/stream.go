package wire

import (
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// frameWriter cuts what is written to it into frames of at most size
// bytes and sends each as it fills.
type frameWriter struct {
	send func(any) error
	size int
	buf  []byte
}

func (w *frameWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		k := min(len(p), w.size-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p, written = p[k:], written+k
		if len(w.buf) == w.size {
			if err := w.flush(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

// flush sends what is buffered. The next frame gets a new buffer, since
// gRPC may still hold this one.
func (w *frameWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	f := &Frame{Data: w.buf}
	w.buf = nil
	return w.send(f)
}

// frameReader reads the frames that recv receives as one stream of
// bytes; recv's io.EOF ends it, and its other errors are kept for Cause.
type frameReader struct {
	recv func(any) error
	cur  []byte
	err  error
}

func (r *frameReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		var f Frame
		if err := r.recv(&f); err != nil {
			r.err = err
			return 0, err
		}
		r.cur = f.Data
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// fail returns the transport's error, which the IPC reader wraps or
// hides, when there was one; otherwise err, as a malformed stream.
func (r *frameReader) fail(err error) error {
	if r.err != nil && r.err != io.EOF {
		return r.err
	}
	return fmt.Errorf("%w: %w", ErrMalformed, err)
}

// WriteBatch sends batch through send as an Arrow IPC stream in frames of
// at most FrameBytes bytes.
func WriteBatch(send func(any) error, batch arrow.RecordBatch, mem memory.Allocator) error {
	w := &frameWriter{send: send, size: FrameBytes}
	iw := ipc.NewWriter(w, ipc.WithSchema(batch.Schema()), ipc.WithAllocator(mem))
	if err := iw.Write(batch); err != nil {
		iw.Close()
		return err
	}
	if err := iw.Close(); err != nil {
		return err
	}
	return w.flush()
}

// ErrMalformed is wrapped by ReadBatch's errors when the bytes received
// are not one Arrow IPC stream of one batch.
var ErrMalformed = errors.New("malformed batch")

// ReadBatch receives one batch through recv, as WriteBatch sent it, with
// its buffers from mem, and reads on to the end of the stream. The batch
// belongs to the caller. Errors of recv come back as they are, so a
// transport's status survives.
func ReadBatch(recv func(any) error, mem memory.Allocator) (batch arrow.RecordBatch, err error) {
	fr := &frameReader{recv: recv}
	defer func() {
		if r := recover(); r != nil {
			if batch != nil {
				batch.Release()
				batch = nil
			}
			err = fmt.Errorf("%w: %v", ErrMalformed, r)
		}
	}()
	r, err := ipc.NewReader(fr, ipc.WithAllocator(mem))
	if err != nil {
		return nil, fr.fail(err)
	}
	defer r.Release()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return nil, fr.fail(err)
		}
		return nil, fr.fail(errors.New("the stream holds no batch"))
	}
	batch = r.RecordBatch()
	batch.Retain()
	if r.Next() {
		batch.Release()
		return nil, fr.fail(errors.New("the stream holds more than one batch"))
	}
	if err := r.Err(); err != nil {
		batch.Release()
		return nil, fr.fail(err)
	}
	// Read to the end, where a transport reports how the call ended.
	for fr.err == nil {
		var f Frame
		fr.err = recv(&f)
		if fr.err == nil && len(f.Data) > 0 {
			fr.err = fmt.Errorf("%w: bytes after the end of the stream", ErrMalformed)
		}
	}
	if fr.err != io.EOF {
		batch.Release()
		return nil, fr.err
	}
	return batch, nil
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) }
