package jsonio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ember-df/ember/io/internal/parsemode"
	"github.com/ember-df/ember/io/internal/textfile"
	"github.com/ember-df/ember/io/internal/window"
	"github.com/ember-df/ember/storage"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
)

const readBlock = 1 << 20 // bytes a reader reads at a time

// ErrMalformed is wrapped by FAILFAST errors about malformed records.
var ErrMalformed = errors.New("malformed JSON record")

var bom = []byte("\xef\xbb\xbf")

// lines reads the lines of one split of a file: those that start in it.
type lines struct {
	path          string
	size          int64 // of the file when it was listed; textfile.Unbounded when compressed
	split         textfile.Split
	f             storage.File
	window.Window      // the file bytes being parsed: Buf from Offset, the next record at Pos
	done          bool // no line of the split is left
}

func openLines(ctx context.Context, fi textfile.File, sp textfile.Split) (*lines, error) {
	f, err := textfile.Open(ctx, fi)
	if err != nil {
		return nil, fmt.Errorf("jsonio: %w", err)
	}
	l := &lines{path: fi.Path, size: f.Size(), split: sp, f: f}
	if err := l.seek(); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

// fill reads more of the file into the window.
func (l *lines) fill() error {
	if err := l.Window.Fill(l.f, l.size, readBlock); err != nil {
		return fmt.Errorf("jsonio: reading %q: %w", l.path, err)
	}
	return nil
}

// seek positions the reader at the first line that starts inside the
// split: its first byte, or the byte after the first newline at or after
// start-1. A newline cannot appear raw inside a JSON string, so every
// newline ends a record.
func (l *lines) seek() error {
	if l.split.Start == 0 {
		return nil
	}
	l.Offset = l.split.Start - 1
	for {
		if err := l.fill(); err != nil {
			return err
		}
		data := l.Buf[l.Pos:]
		// A line must start before the split's end: the newline that
		// precedes it is before end-1.
		if limit := l.split.End - 1 - l.Offset - int64(l.Pos); limit < int64(len(data)) {
			data = data[:max(limit, 0)]
		}
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l.Pos += i + 1
			return nil
		}
		l.Pos += len(data)
		if l.EOF || l.Offset+int64(l.Pos) >= l.split.End-1 {
			l.done = true
			return nil
		}
	}
}

// next returns the next line of the split without its newline, and the
// file offset where it starts; nil at the end of the split. The line is
// valid until the next call.
func (l *lines) next() ([]byte, int64, error) {
	scanned := 0 // bytes after pos known to hold no newline
	for {
		start := l.Offset + int64(l.Pos)
		if l.done || start >= l.split.End || (l.EOF && l.Pos >= len(l.Buf)) {
			l.done = true
			return nil, start, nil
		}
		if i := bytes.IndexByte(l.Buf[l.Pos+scanned:], '\n'); i >= 0 {
			line := l.Buf[l.Pos : l.Pos+scanned+i]
			l.Pos += scanned + i + 1
			return trimBOM(line, start), start, nil
		}
		if l.EOF {
			line := l.Buf[l.Pos:]
			l.Pos = len(l.Buf)
			return trimBOM(line, start), start, nil
		}
		scanned = len(l.Buf) - l.Pos
		if err := l.fill(); err != nil {
			return nil, start, err
		}
	}
}

// trimBOM removes a UTF-8 byte order mark from the first line of a file.
func trimBOM(line []byte, start int64) []byte {
	if start == 0 {
		return bytes.TrimPrefix(line, bom)
	}
	return line
}

// lineAt returns the 1-based number of the line starting at file offset
// off, counting the newlines before it; it is only needed for error
// messages, so it is computed then rather than kept up to date.
func (l *lines) lineAt(off int64) (int64, error) {
	block := make([]byte, min(readBlock, max(off, 1)))
	n := int64(1)
	for pos := int64(0); pos < off; {
		k, err := l.f.ReadAt(block[:min(int64(len(block)), off-pos)], pos)
		n += int64(bytes.Count(block[:k], []byte{'\n'}))
		pos += int64(k)
		if err != nil && pos < off {
			return 0, err
		}
	}
	return n, nil
}

// where names a line for an error: path:line, or path at byte offset
// when the line cannot be counted.
func (l *lines) where(off int64) string {
	n, err := l.lineAt(off)
	if err != nil {
		return fmt.Sprintf("%s (byte %d)", l.path, off)
	}
	return fmt.Sprintf("%s:%d", l.path, n)
}

func (l *lines) close() error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// isBlank tells whether a line holds only whitespace; such lines are
// skipped.
func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// reader reads the records of one split into batches.
type reader struct {
	src  *Source
	in   *lines
	opts plan.ScanOptions
	mem  memory.Allocator
	left int64 // rows still allowed by the limit; negative means no limit
	err  error // sticky: once Next failed, it keeps failing

	schema *arrow.Schema
	tape   tape
	row    rowConv

	current arrow.RecordBatch
}

// rowConv converts a top-level object into one row of the output columns.
type rowConv struct {
	keys   keys        // of the data columns (all but the corrupt one)
	convs  []converter // per data column
	slots  []int32     // per data column, the tape index of its value
	out    []int       // per output column, its data column; -1 for the corrupt column
	checks []int       // data columns not output, validated when that matters
	// builders of the batch being built, per output column; corrupt is
	// the corrupt column's, when it is output.
	builders []array.Builder
	corrupt  *array.StringBuilder
	scratch  []byte
}

func newReader(ctx context.Context, s *Source, index int, opts plan.ScanOptions) (*reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sp := s.splits[index]
	fi := s.files[sp.File]
	r := &reader{src: s, opts: opts, mem: opts.Allocator, left: s.Limit, schema: s.Schema()}
	if r.mem == nil {
		r.mem = memory.DefaultAllocator
	}
	if r.opts.BatchRows <= 0 {
		r.opts.BatchRows = 16384
	}
	if r.opts.BatchBytes <= 0 {
		r.opts.BatchBytes = 8 << 20
	}
	if err := r.setup(); err != nil {
		return nil, err
	}
	in, err := openLines(ctx, fi, sp)
	if err != nil {
		return nil, err
	}
	r.in = in
	return r, nil
}

// setup creates a converter per data column. The data columns that are
// not output are still converted to check them where they decide whether
// a record is malformed (in the strict modes, or when the corrupt-record
// column is read): projecting columns away never changes which rows are
// kept or which are reported corrupt.
func (r *reader) setup() error {
	s := r.src
	rc := &r.row
	var names []string
	dataOf := map[int]int{} // full index → data index
	for i, f := range s.Full.Fields() {
		if f.Name == s.opts.CorruptColumn {
			continue
		}
		c, err := newConverter(f.Type, &s.opts)
		if err != nil {
			return fmt.Errorf("jsonio: column %q: %w", f.Name, err)
		}
		dataOf[i] = len(rc.convs)
		names = append(names, f.Name)
		rc.convs = append(rc.convs, c)
	}
	rc.keys = newKeys(names)
	rc.slots = make([]int32, len(rc.convs))
	output := make([]bool, len(rc.convs))
	corruptOut := false
	for _, c := range s.Cols {
		d, ok := dataOf[c]
		if !ok {
			d, corruptOut = -1, true
		} else {
			output[d] = true
		}
		rc.out = append(rc.out, d)
	}
	if corruptOut || s.opts.Mode != Permissive {
		for d, o := range output {
			if !o {
				rc.checks = append(rc.checks, d)
			}
		}
	}
	return nil
}

// Next implements plan.BatchReader. The batch is valid until the next
// call to Next or Close. After an error, Next keeps returning it.
func (r *reader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	r.release()
	if r.err != nil {
		return nil, r.err
	}
	if r.in == nil {
		return nil, errors.New("jsonio: Next after Close")
	}
	if r.in.done || r.left == 0 {
		return nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	batch, err := r.next(ctx)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return batch, err
}

// next reads a batch of at least one row, or returns io.EOF.
func (r *reader) next(ctx context.Context) (arrow.RecordBatch, error) {
	maxRows := r.opts.BatchRows
	if r.left >= 0 && r.left < int64(maxRows) {
		maxRows = int(r.left)
	}
	rows, consumed := 0, int64(0)
	started := false // builders are made at the first record, so an empty split costs nothing
	defer func() {
		if started {
			r.releaseBuilders()
		}
	}()
	for lines := 1; rows < maxRows && (consumed < r.opts.BatchBytes || rows == 0); lines++ {
		if lines%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		line, start, err := r.in.next()
		if err != nil {
			return nil, err
		}
		if line == nil {
			break
		}
		consumed += int64(len(line)) + 1
		if isBlank(line) {
			continue
		}
		if !started {
			r.startBatch()
			started = true
		}
		kept, err := r.addRecord(line, start)
		if err != nil {
			return nil, err
		}
		if kept {
			rows++
		}
	}
	if r.left >= 0 {
		r.left -= int64(rows)
	}
	if rows == 0 {
		return nil, io.EOF
	}
	cols := make([]arrow.Array, len(r.row.builders))
	for i, b := range r.row.builders {
		cols[i] = b.NewArray()
	}
	r.current = array.NewRecordBatch(r.schema, cols, int64(rows))
	for _, c := range cols {
		c.Release()
	}
	return r.current, nil
}

// startBatch creates the builders of a batch and binds the converters.
func (r *reader) startBatch() {
	rc := &r.row
	rc.builders = make([]array.Builder, len(rc.out))
	rc.corrupt = nil
	for j, d := range rc.out {
		if d < 0 {
			rc.corrupt = array.NewStringBuilder(r.mem)
			rc.builders[j] = rc.corrupt
			continue
		}
		b := array.NewBuilder(r.mem, r.schema.Field(j).Type)
		rc.convs[d].bind(b)
		rc.builders[j] = b
	}
}

func (r *reader) releaseBuilders() {
	for _, b := range r.row.builders {
		b.Release()
	}
	r.row.builders, r.row.corrupt = nil, nil
}

// addRecord converts one line into the batch, applying the mode to a
// malformed one. It reports whether the line became a row.
func (r *reader) addRecord(line []byte, start int64) (bool, error) {
	rc := &r.row
	t := &r.tape
	cause := t.parse(line)
	if cause == nil && t.toks[0].kind != kindObject {
		cause = fmt.Errorf("the line holds %s, not a JSON object", describeKind(t.toks[0].kind))
	}
	if cause == nil {
		rc.keys.fill(t, 0, rc.slots, &rc.scratch)
	}
	mode := r.src.opts.Mode
	if mode == DropMalformed && cause == nil {
		// A dropped record must leave nothing in the builders: check it
		// all first.
		cause = r.firstMisfit()
	}
	if cause != nil && mode != Permissive {
		return false, r.malformed(cause, mode, line, start)
	}
	bad := cause != nil
	for j, d := range rc.out {
		switch {
		case d < 0:
		case cause != nil:
			rc.builders[j].AppendNull()
		case !rc.convs[d].append(t, rc.slots[d]):
			bad = true
		}
	}
	if (rc.corrupt != nil && mode == Permissive) || mode == FailFast {
		for _, d := range rc.checks {
			if bad {
				break
			}
			bad = rc.convs[d].check(t, rc.slots[d]) != nil
		}
	}
	if mode == FailFast && bad {
		// The batch is dropped with the error, so what was appended does
		// not matter; the cause named is the first in schema order,
		// whatever the projection.
		return false, r.malformed(r.firstMisfit(), mode, line, start)
	}
	if rc.corrupt != nil {
		if bad {
			rc.corrupt.Append(strings.ToValidUTF8(text(bytes.TrimSuffix(line, []byte{'\r'})), "\uFFFD"))
		} else {
			rc.corrupt.AppendNull()
		}
	}
	return true, nil
}

// firstMisfit returns why the first data column whose value does not fit
// its type does not, or nil.
func (r *reader) firstMisfit() error {
	rc := &r.row
	for d, c := range rc.convs {
		if m := c.check(&r.tape, rc.slots[d]); m != nil {
			return m.in(rc.keys.names[d])
		}
	}
	return nil
}

// malformed is what a strict mode does with a malformed record: nil to
// drop it, or the FAILFAST error.
func (r *reader) malformed(cause error, mode Mode, line []byte, start int64) error {
	if mode == DropMalformed {
		return nil
	}
	if cause == nil {
		cause = errors.New("a value does not fit its type")
	}
	return parsemode.Malformed("jsonio", ErrMalformed, r.in.where(start), cause, line)
}

func describeKind(k kind) string {
	switch k {
	case kindNull:
		return "null"
	case kindTrue, kindFalse:
		return "a boolean"
	case kindInt, kindFloat:
		return "a number"
	case kindString, kindEscaped:
		return "a string"
	case kindArray:
		return "an array"
	}
	return "an object"
}

func (r *reader) release() {
	if r.current != nil {
		r.current.Release()
		r.current = nil
	}
}

// Close implements plan.BatchReader.
func (r *reader) Close() error {
	r.release()
	if r.in == nil {
		return nil
	}
	err := r.in.close()
	r.in = nil
	return err
}
