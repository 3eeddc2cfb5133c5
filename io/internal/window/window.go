// Package window is the sliding read buffer the line-oriented readers
// (CSV, JSON lines) share: it holds the bytes of a file from Offset on, and
// Fill reads more while keeping what the reader has not consumed.
package window

import "io"

// Window holds Buf, the file's bytes from Offset; Pos is where the
// reader's next unconsumed byte is; EOF says Buf reaches the end of the
// file.
type Window struct {
	Buf    []byte
	Pos    int
	Offset int64
	EOF    bool
}

// Fill drops the consumed bytes, then reads a block of about block bytes
// (or what is left of the file and one byte more, to see its end at once,
// so that a small file costs little memory). It returns read errors as
// they are; io.EOF only sets EOF.
func (w *Window) Fill(f io.ReaderAt, size int64, block int) error {
	if w.EOF {
		return nil
	}
	if w.Pos > 0 {
		n := copy(w.Buf, w.Buf[w.Pos:])
		w.Offset += int64(w.Pos)
		w.Buf, w.Pos = w.Buf[:n], 0
	}
	want := int64(block)
	if rest := size - w.Offset - int64(len(w.Buf)); rest < want {
		want = max(rest+1, 512)
	}
	if int64(cap(w.Buf)-len(w.Buf)) < want {
		grown := make([]byte, len(w.Buf), int64(len(w.Buf))+max(want, int64(cap(w.Buf))))
		copy(grown, w.Buf)
		w.Buf = grown
	}
	n, err := f.ReadAt(w.Buf[len(w.Buf):cap(w.Buf)], w.Offset+int64(len(w.Buf)))
	w.Buf = w.Buf[:len(w.Buf)+n]
	if err == io.EOF {
		w.EOF = true
		return nil
	}
	return err
}
