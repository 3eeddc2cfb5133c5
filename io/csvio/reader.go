package csvio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
)

const readBlock = 1 << 20

// ErrMalformed is wrapped by FAILFAST errors about malformed records.
var ErrMalformed = errors.New("malformed CSV record")

// reader reads the records of one split into batches.
type reader struct {
	src   *Source
	split split
	path  string
	f     *os.File
	q     quoting
	opts  plan.ScanOptions
	mem   memory.Allocator

	buf    []byte // file bytes from offset
	pos    int    // start of the next record in buf
	offset int64  // file offset of buf[0]
	eof    bool   // buf holds everything up to the end of the file
	line   int64  // line number of the record at pos
	left   int64  // rows still allowed by the limit; -1 means no limit
	done   bool

	schema  *arrow.Schema
	columns []*column // one per output column, in output order
	checks  []*column // columns parsed only to validate (strict modes)
	nfields int       // fields a well-formed record has
	corrupt *array.StringBuilder
	fields  [][]byte
	quoted  []bool
	scratch []byte
	current arrow.RecordBatch
}

func newReader(ctx context.Context, s *Source, sp split, opts plan.ScanOptions) (*reader, error) {
	fi := s.files[sp.file]
	f, err := os.Open(fi.path)
	if err != nil {
		return nil, fmt.Errorf("csvio: %w", err)
	}
	r := &reader{src: s, split: sp, path: fi.path, f: f, q: newQuoting(s.opts), opts: opts,
		mem: opts.Allocator, line: 1, left: -1, schema: s.Schema(), nfields: len(s.data)}
	if r.mem == nil {
		r.mem = memory.DefaultAllocator
	}
	if s.limit > 0 {
		r.left = s.limit
	}
	if r.opts.BatchRows <= 0 {
		r.opts.BatchRows = 16384
	}
	if r.opts.BatchBytes <= 0 {
		r.opts.BatchBytes = 8 << 20
	}
	if err := r.setupColumns(); err != nil {
		f.Close()
		return nil, err
	}
	if err := r.seek(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// setupColumns creates a converter per output column, and in strict modes
// a validating converter for every other data column.
func (r *reader) setupColumns() error {
	s := r.src
	fieldOf := map[int]int{} // full index → field index in the record
	for k, c := range s.data {
		fieldOf[c] = k
	}
	output := map[int]bool{}
	for _, c := range s.cols {
		output[c] = true
		f := s.full.Field(c)
		if k, ok := fieldOf[c]; ok {
			col, err := newColumn(f, k, s.opts)
			if err != nil {
				return err
			}
			r.columns = append(r.columns, col)
		} else {
			r.columns = append(r.columns, nil) // the corrupt-record column
		}
	}
	if s.opts.Mode != Permissive {
		for _, c := range s.data {
			if !output[c] {
				col, err := newColumn(s.full.Field(c), fieldOf[c], s.opts)
				if err != nil {
					return err
				}
				r.checks = append(r.checks, col)
			}
		}
	}
	return nil
}

// fill reads more of the file into buf, keeping buf[pos:].
func (r *reader) fill() error {
	if r.eof {
		return nil
	}
	if r.pos > 0 {
		n := copy(r.buf, r.buf[r.pos:])
		r.offset += int64(r.pos)
		r.buf, r.pos = r.buf[:n], 0
	}
	if cap(r.buf)-len(r.buf) < readBlock {
		grown := make([]byte, len(r.buf), 2*cap(r.buf)+readBlock)
		copy(grown, r.buf)
		r.buf = grown
	}
	n, err := r.f.ReadAt(r.buf[len(r.buf):cap(r.buf)], r.offset+int64(len(r.buf)))
	r.buf = r.buf[:len(r.buf)+n]
	if err == io.EOF {
		r.eof = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("csvio: %s: %w", r.path, err)
	}
	return nil
}

// seek positions the reader at the first record that starts inside the
// split: the split's first byte, or the byte after the first newline
// outside quotes at or after start-1. The quote state and line count at
// start-1 come from a scan of everything before it.
func (r *reader) seek(ctx context.Context) error {
	start := r.split.start
	if start == 0 {
		if r.src.opts.Header && r.split.end > 0 {
			return r.skipRecord()
		}
		return nil
	}
	st := scanState{}
	block := make([]byte, 4<<20)
	for off := int64(0); off < start-1; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := int(min(int64(len(block)), start-1-off))
		if _, err := r.f.ReadAt(block[:n], off); err != nil {
			return fmt.Errorf("csvio: %s: %w", r.path, err)
		}
		st = r.q.advance(st, block[:n])
		r.line += int64(bytes.Count(block[:n], []byte{'\n'}))
		off += int64(n)
	}
	r.offset = start - 1
	for {
		if err := r.fill(); err != nil {
			return err
		}
		data := r.buf[r.pos:]
		for i, c := range data {
			switch {
			case st.skipNext:
				st.skipNext = false
			case c == r.q.quote:
				st.inQuote = !st.inQuote
			case st.inQuote && c == r.q.escape && r.q.escape != r.q.quote:
				st.skipNext = true
			case c == '\n' && !st.inQuote:
				r.line += int64(bytes.Count(data[:i], []byte{'\n'})) + 1
				r.pos += i + 1
				return nil
			}
		}
		r.line += int64(bytes.Count(data, []byte{'\n'}))
		r.pos = len(r.buf)
		if r.eof {
			return nil
		}
	}
}

// skipRecord moves past one record (the header).
func (r *reader) skipRecord() error {
	_, _, err := r.nextRecord()
	return err
}

// nextRecord returns the next record of the split without its newline, or
// nil at the end of the split.
func (r *reader) nextRecord() (rec []byte, hasQuote bool, err error) {
	for {
		if r.offset+int64(r.pos) >= r.split.end || (r.eof && r.pos >= len(r.buf)) {
			return nil, false, nil
		}
		end, quoted, ok := r.q.recordEnd(r.buf[r.pos:])
		if ok {
			rec = r.buf[r.pos : r.pos+end]
			r.pos += end + 1
			return rec, quoted, nil
		}
		if r.eof {
			rec = r.buf[r.pos:]
			r.pos = len(r.buf)
			return rec, bytes.IndexByte(rec, r.q.quote) >= 0, nil
		}
		if err := r.fill(); err != nil {
			return nil, false, err
		}
	}
}

// Next implements plan.BatchReader.
func (r *reader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	r.release()
	if r.done || r.left == 0 {
		return nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	maxRows := r.opts.BatchRows
	if r.left > 0 && r.left < int64(maxRows) {
		maxRows = int(r.left)
	}
	builders := r.startBatch(maxRows)
	rows, consumed := 0, int64(0)
	for rows < maxRows && consumed < r.opts.BatchBytes {
		line := r.line
		rec, hasQuote, err := r.nextRecord()
		if err != nil {
			releaseBuilders(builders)
			return nil, err
		}
		if rec == nil {
			r.done = true
			break
		}
		r.line += 1 + int64(countNewlines(rec, hasQuote))
		consumed += int64(len(rec)) + 1
		if len(rec) == 0 || (len(rec) == 1 && rec[0] == '\r') {
			continue // blank lines are skipped, as Spark does
		}
		kept, err := r.parseRecord(rec, hasQuote, line)
		if err != nil {
			releaseBuilders(builders)
			return nil, err
		}
		if kept {
			rows++
		}
	}
	if r.left > 0 {
		r.left -= int64(rows)
	}
	if rows == 0 && r.done {
		releaseBuilders(builders)
		return nil, io.EOF
	}
	cols := make([]arrow.Array, len(builders))
	for i, b := range builders {
		cols[i] = b.NewArray()
		b.Release()
	}
	r.current = array.NewRecordBatch(r.schema, cols, int64(rows))
	for _, c := range cols {
		c.Release()
	}
	return r.current, nil
}

func countNewlines(rec []byte, hasQuote bool) int {
	if !hasQuote {
		return 0
	}
	return bytes.Count(rec, []byte{'\n'})
}

// startBatch creates the builders of a batch of up to rows rows.
func (r *reader) startBatch(rows int) []array.Builder {
	builders := make([]array.Builder, len(r.columns))
	r.corrupt = nil
	for i, c := range r.columns {
		if c == nil {
			sb := array.NewStringBuilder(r.mem)
			r.corrupt = sb
			builders[i] = sb
		} else {
			builders[i] = c.start(r.mem, rows)
		}
	}
	return builders
}

func releaseBuilders(bs []array.Builder) {
	for _, b := range bs {
		b.Release()
	}
}

// parseRecord converts one record into the batch, applying the mode to a
// malformed one. It reports whether the record became a row.
func (r *reader) parseRecord(rec []byte, hasQuote bool, line int64) (bool, error) {
	r.fields, r.quoted, r.scratch = r.q.fields(rec, hasQuote, r.fields, r.quoted, r.scratch)
	mode := r.src.opts.Mode
	if mode != Permissive {
		if err := r.validate(); err != nil {
			if mode == DropMalformed {
				return false, nil
			}
			return false, fmt.Errorf("csvio: %w: %s:%d: %v (record %q)", ErrMalformed, r.path, line, err, truncate(rec))
		}
	}
	bad := len(r.fields) != r.nfields
	for _, c := range r.columns {
		if c == nil {
			continue
		}
		if c.field >= len(r.fields) {
			c.appendNull()
			continue
		}
		if !c.append(r.fields[c.field], r.quoted[c.field]) {
			bad = true
		}
	}
	if r.corrupt != nil {
		if bad {
			r.corrupt.BinaryBuilder.Append(rec)
		} else {
			r.corrupt.AppendNull()
		}
	}
	return true, nil
}

// validate checks the field count and that every data column parses.
func (r *reader) validate() error {
	if len(r.fields) != r.nfields {
		return fmt.Errorf("%d fields, want %d", len(r.fields), r.nfields)
	}
	for _, set := range [][]*column{r.columns, r.checks} {
		for _, c := range set {
			if c != nil && !c.validates(r.fields[c.field], r.quoted[c.field]) {
				return fmt.Errorf("column %q: cannot parse %q as %s", c.name, truncate(r.fields[c.field]), c.typ)
			}
		}
	}
	return nil
}

func truncate(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
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
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}
