package wire

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/internal/arrowipc"
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
// transport's status survives; bytes that are not one valid Arrow IPC
// stream of one batch give ErrMalformed, never a panic or an allocation
// larger than what was received.
func ReadBatch(recv func(any) error, mem memory.Allocator) (batch arrow.RecordBatch, err error) {
	var frames [][]byte
	for {
		var f Frame
		if err := recv(&f); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		frames = append(frames, f.Data)
	}
	stream := bytes.Join(frames, nil)
	// A decoder that fails or panics may leave buffers behind: tracked,
	// they are freed then. (The tracker lives on in the batch's buffers,
	// which free through it.) It also refuses a buffer larger than the
	// stream could decompress to.
	tracked := arrowipc.NewAllocator(mem, arrowipc.AllocationLimit(int64(len(stream))))
	mem = tracked
	defer func() {
		if r := recover(); r != nil {
			batch = nil
			err = fmt.Errorf("%w: %v", ErrMalformed, r)
		}
		if err != nil {
			tracked.Sweep()
		}
	}()
	if err := arrowipc.CheckStream(stream); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	limit := int64(len(stream))
	r, err := ipc.NewReader(bytes.NewReader(stream), ipc.WithAllocator(mem),
		ipc.WithMetadataSizeLimit(limit), ipc.WithBodySizeLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	defer r.Release()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		return nil, fmt.Errorf("%w: the stream holds no batch", ErrMalformed)
	}
	batch = r.RecordBatch()
	batch.Retain()
	if r.Next() || r.Err() != nil {
		batch.Release()
		return nil, fmt.Errorf("%w: the stream holds more than one batch (%v)", ErrMalformed, r.Err())
	}
	for i, col := range batch.Columns() {
		if err := arrowipc.ValidateFull(col); err != nil {
			batch.Release()
			return nil, fmt.Errorf("%w: column %d: %w", ErrMalformed, i, err)
		}
	}
	return batch, nil
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) }
