package csvio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"

	"github.com/ember-df/ember/io/internal/parsemode"
	"github.com/ember-df/ember/io/internal/textfile"
	"github.com/ember-df/ember/io/internal/window"
	"github.com/ember-df/ember/storage"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
)

const (
	readBlock = 1 << 20 // bytes a reader reads at a time
	scanBlock = 4 << 20 // bytes the quote-state scan reads at a time
)

// ErrMalformed is wrapped by FAILFAST errors about malformed records.
var ErrMalformed = errors.New("malformed CSV record")

// reader reads the records of one split into batches.
type reader struct {
	src   *Source
	index int // of the split in src.splits
	split textfile.Split
	path  string
	size  int64 // of the file when it was listed; textfile.Unbounded when compressed
	f     storage.File
	q     quoting
	opts  plan.ScanOptions
	mem   memory.Allocator

	window.Window       // the file bytes being parsed: Buf from Offset, the next record at Pos
	line          int64 // line number of the record at pos
	left          int64 // rows still allowed by the limit; negative means no limit
	headerAt      int64 // file offset of the header record; -1 when none
	perm          []int // field k of a record is field perm[k] of this file's; nil when in order
	eol           eolFinder
	bom           int64 // length of the byte order mark skipped at the file's start
	lead          int8  // the file's leading byte order mark, by split starts: 0 unknown, 1 none, 2 one
	afterCR       bool  // the last record ended with \r: a \n right after is no new line
	badQuote      bool  // the record nextRecord returned opens a quote that never closes
	tooLong       bool  // the record nextRecord returned is longer than maxRecordBytes: it is its start
	unbounded     bool  // after an unclosed quote, this split reads on to the end of the file
	sampling      bool  // reads a header or samples types: a long record is no FAILFAST error
	done          bool
	err           error // sticky: once Next failed, it keeps failing

	schema  *arrow.Schema
	columns []*column // one per output column, in output order
	checks  []*column // other data columns, parsed only to validate
	nfields int       // fields a well-formed record has
	corrupt *array.StringBuilder
	fields  [][]byte
	quoted  []bool
	long    []bool // long[k]: field k is longer than maxCharsPerColumn; empty when none is
	// permuted and permQuoted are spare slices for reordering fields.
	permuted   [][]byte
	permQuoted []bool
	scratch    []byte
	current    arrow.RecordBatch
}

func newReader(ctx context.Context, s *Source, index int, opts plan.ScanOptions) (*reader, error) {
	sp := s.splits[index]
	fi := s.files[sp.File]
	f, err := s.open(ctx, sp.File)
	if err != nil {
		return nil, err
	}
	r := &reader{src: s, index: index, split: sp, path: fi.Path, size: f.Size(), f: f, q: newQuoting(s.opts),
		opts: opts, mem: opts.Allocator, line: 1, left: s.Limit, headerAt: -1, schema: s.Schema(),
		nfields: len(s.data)}
	if r.mem == nil {
		r.mem = memory.DefaultAllocator
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

// setupColumns creates a converter per output column and, where the other
// data columns decide whether a record is malformed (in the strict modes,
// or when the corrupt-record column is read), a validating converter for
// each of them: projecting columns away never changes which rows are kept
// or which are reported corrupt.
func (r *reader) setupColumns() error {
	s := r.src
	fieldOf := map[int]int{} // full index → field index in the record
	for k, c := range s.data {
		fieldOf[c] = k
	}
	output := map[int]bool{}
	strict := s.opts.Mode != Permissive
	for _, c := range s.Cols {
		output[c] = true
		f := s.Full.Field(c)
		if k, ok := fieldOf[c]; ok {
			col, err := newColumn(f, k, s.opts, s.cs)
			if err != nil {
				return err
			}
			r.columns = append(r.columns, col)
		} else {
			r.columns = append(r.columns, nil) // the corrupt-record column
			strict = true
		}
	}
	if strict {
		for _, c := range s.data {
			if !output[c] {
				col, err := newColumn(s.Full.Field(c), fieldOf[c], s.opts, s.cs)
				if err != nil {
					return err
				}
				r.checks = append(r.checks, col)
			}
		}
	}
	return nil
}

// fill reads more of the file into the window.
func (r *reader) fill() error {
	if err := r.Window.Fill(r.f, r.size, readBlock); err != nil {
		return fmt.Errorf("csvio: reading %q: %w", r.path, err)
	}
	return nil
}

// seek positions the reader at the first record that starts inside the
// split: the split's first byte, or the byte after the first newline
// outside quotes at or after start-1. The quote state and line count at
// start-1 come from the scans of the pieces of the file before it.
func (r *reader) seek(ctx context.Context) error {
	if r.src.opts.Header {
		var err error
		var names []string
		if r.headerAt, names, err = r.findHeader(); err != nil {
			return err
		}
		if r.perm, err = r.src.matchHeader(r.path, names); err != nil {
			return err
		}
	}
	start := r.split.Start
	if start == 0 {
		return r.skipBOM()
	}
	st, lines, prevCR, err := r.prefix(ctx)
	if err != nil {
		return err
	}
	r.line += lines
	r.Offset = start - 1
	if r.Offset < int64(len(bom)) {
		// Inside a byte order mark, which is no part of the first field:
		// the first record starts after it, with the quote state of the
		// file's start (prefix skipped its bytes too).
		skip, err := r.leadingBOM()
		if err != nil {
			return err
		}
		r.Offset = max(r.Offset, skip)
	}
	for {
		if err := r.fill(); err != nil {
			return err
		}
		data := r.Buf[r.Pos:]
		// Past the split's last byte, no record can start in it.
		if limit := r.split.End - r.Offset - int64(r.Pos); limit < int64(len(data)) {
			data = data[:max(limit, 0)]
		}
		i, next := r.q.endFrom(st, data)
		if i >= 0 {
			r.line += lineBreaks(data[:i+1], prevCR)
			r.afterCR = data[i] == '\r'
			r.Pos += i + 1
			return nil
		}
		st = next
		r.line += lineBreaks(data, prevCR)
		if len(data) > 0 {
			prevCR = data[len(data)-1] == '\r'
		}
		r.Pos += len(data)
		if r.EOF || r.Offset+int64(r.Pos) >= r.split.End {
			r.done = true
			return nil
		}
	}
}

// bom is the UTF-8 byte order mark, which some tools write at the start of
// a file; it is no part of the first field.
var bom = []byte{0xef, 0xbb, 0xbf}

// skipBOM steps over a byte order mark at the start of the file.
func (r *reader) skipBOM() error {
	for len(r.Buf) < len(bom) && !r.EOF {
		if err := r.fill(); err != nil {
			return err
		}
	}
	if bytes.HasPrefix(r.Buf, bom) {
		r.Pos, r.bom = len(bom), int64(len(bom))
	}
	return nil
}

// leadingBOM returns the length of the byte order mark at the start of
// the file: 0 when it has none. Only a split or scanned piece that starts
// in the file's first three bytes asks (split starts, not the hot path),
// and a reader reads it at most once.
func (r *reader) leadingBOM() (int64, error) {
	if r.lead == 0 {
		var head [3]byte // len(bom)
		n, err := r.f.ReadAt(head[:], 0)
		if err != nil && err != io.EOF {
			return 0, fmt.Errorf("csvio: reading %q: %w", r.path, err)
		}
		r.lead = 1
		if bytes.Equal(head[:n], bom) {
			r.lead = 2
		}
	}
	if r.lead == 2 {
		return int64(len(bom)), nil
	}
	return 0, nil
}

// chunkScan caches how one piece of a file moves the quote state and the
// line count: the piece of split i runs from the byte before its start to
// the byte before the next split's start. Since the state at the piece's
// start is unknown until the pieces before it are scanned, the scan keeps
// the end state for every start state; opening split k then composes the
// pieces of the splits before it, so every byte of a file is scanned once
// however many splits are opened, and splits opened together scan their
// pieces in parallel.
type chunkScan struct {
	mu      sync.Mutex
	done    bool
	next    [5]scanState // the state after the piece, by startStates index
	lines   int64        // line ends in the piece (see lineBreaks)
	firstLF bool         // the piece starts with \n (one line end with a \r before it)
	lastCR  bool         // the piece ends with \r
}

// startStates are the quote states a byte can be read in (see scanState).
var startStates = [5]scanState{{}, {mid: true}, {closed: true}, {inQuote: true}, {inQuote: true, skipNext: true}}

func (st scanState) index() int {
	switch {
	case st.skipNext:
		return 4
	case st.inQuote:
		return 3
	case st.closed:
		return 2
	case st.mid:
		return 1
	}
	return 0
}

// prefix returns the quote state after the bytes before start-1, the line
// ends among them, and whether the last of them is \r.
func (r *reader) prefix(ctx context.Context) (scanState, int64, bool, error) {
	// Scan the nearest piece first: it is the one no other split needs
	// sooner, so splits opened at once scan different pieces.
	var block []byte
	for j := r.index - 1; j >= r.split.First; j-- {
		if err := r.scanChunk(ctx, j, &block); err != nil {
			return scanState{}, 0, false, err
		}
	}
	st, lines, cr := scanState{}, int64(0), false
	for j := r.split.First; j < r.index; j++ {
		c := &r.src.scans[j]
		c.mu.Lock()
		st, lines = c.next[st.index()], lines+c.lines
		if cr && c.firstLF {
			lines-- // a \r\n split between two pieces
		}
		if sp := r.src.splits[j]; sp.End-1 > max(sp.Start-1, 0) {
			cr = c.lastCR
		}
		c.mu.Unlock()
	}
	return st, lines, cr, nil
}

// scanChunk scans the piece of split j, unless it was scanned already.
func (r *reader) scanChunk(ctx context.Context, j int, block *[]byte) error {
	c := &r.src.scans[j]
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return nil
	}
	sp := r.src.splits[j]
	first, to := max(sp.Start-1, 0), sp.End-1
	from := first
	if from < int64(len(bom)) && from < to {
		// A byte order mark is no part of the first field (see skipBOM):
		// its bytes leave the quote state as it is, however the pieces cut
		// it (a piece of a tiny split holds part of it, or none of what
		// follows it).
		skip, err := r.leadingBOM()
		if err != nil {
			return err
		}
		from = max(from, min(skip, to))
	}
	states, lines := startStates, int64(0)
	prevCR := false
	same := [5]int{0, 1, 2, 3, 4} // runs that reached the same state share one scan
	for off := from; off < to; {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(*block) == 0 {
			*block = make([]byte, min(scanBlock, to-from))
		}
		n := int(min(int64(len(*block)), to-off))
		data := (*block)[:n]
		if _, err := r.f.ReadAt(data, off); err != nil {
			return fmt.Errorf("csvio: reading %q: %w", r.path, err)
		}
		for i := range states {
			if same[i] == i {
				states[i] = r.q.advance(states[i], data)
			} else {
				states[i] = states[same[i]]
			}
		}
		for i := range states {
			for k := 0; k < i && same[i] == i; k++ {
				if same[k] == k && states[k] == states[i] {
					same[i] = k
				}
			}
		}
		if off == first {
			c.firstLF = data[0] == '\n' // not when the piece starts in a byte order mark
		}
		lines += lineBreaks(data, prevCR)
		prevCR = data[n-1] == '\r'
		off += int64(n)
	}
	c.next, c.lines, c.lastCR, c.done = states, lines, prevCR, true
	return nil
}

// findHeader returns the file offset of the header — the first record that
// is not blank, a comment or among the skipped rows, as schema discovery
// takes it — and its fields (nil when the file has no record).
func (r *reader) findHeader() (int64, []string, error) {
	h := &reader{src: r.src, split: textfile.Split{File: r.split.File, End: r.size}, path: r.path, size: r.size, f: r.f, q: r.q, line: 1, sampling: true}
	if err := h.skipBOM(); err != nil {
		return 0, nil, err
	}
	for {
		at, line := h.Offset+int64(h.Pos), h.line
		rec, hasQuote, err := h.nextRecord()
		if err != nil || rec == nil {
			return at, nil, err
		}
		if !h.skipped(rec, line) {
			if h.tooLong {
				return 0, nil, fmt.Errorf("csvio: %s:%d: the header is longer than maxRecordBytes (%d bytes)", r.path, line, r.src.opts.maxRecordBytes())
			}
			h.fields, h.quoted, h.scratch = h.q.fields(rec, hasQuote, nil, nil, nil)
			names := make([]string, len(h.fields))
			for i, f := range h.fields {
				names[i] = string(r.src.cs.validText(f))
			}
			return at, names, nil
		}
	}
}

// skipped tells the records that are no data nor header: blank lines,
// comments, and those that start within the first SkipRows lines.
func (r *reader) skipped(rec []byte, line int64) bool {
	o := &r.src.opts
	return isBlank(rec) || line <= int64(o.SkipRows) || (o.Comment != 0 && len(rec) > 0 && rec[0] == o.Comment)
}

// nextRecord returns the next record of the split without its line end,
// or nil at the end of the split, and counts its lines. The record is
// valid until the next call. A record whose quote never closes would run
// to the end of the file: it is cut at its first line end instead and
// reported by badQuote, and the split then reads on to the end of the
// file, since the splits after it, counting quotes, take all that follows
// for the inside of the quote and read nothing. A record longer than
// maxRecordBytes is its first maxRecordBytes bytes, reported by tooLong
// (an error in FAILFAST), and reading goes on after its end.
func (r *reader) nextRecord() (rec []byte, hasQuote bool, err error) {
	r.badQuote, r.tooLong = false, false
	limit := r.src.opts.maxRecordBytes()
	for {
		at := r.Offset + int64(r.Pos)
		if at == r.bom {
			at = 0 // the record after a byte order mark is the file's first
		}
		if (!r.unbounded && at >= r.split.End) || (r.EOF && r.Pos >= len(r.Buf)) {
			return nil, false, nil
		}
		base := r.Offset + int64(r.Pos)
		end, quoted, ok := r.q.recordEnd(r.Buf[r.Pos:], base, &r.eol)
		if ok && end <= limit {
			return r.take(end, quoted, true), quoted, nil
		}
		if ok || len(r.Buf)-r.Pos > limit {
			if !ok {
				end = -1
			}
			rec, err := r.longRecord(limit, end)
			return rec, true, err
		}
		if r.EOF {
			rest := r.Buf[r.Pos:]
			if !r.q.hasQuote(rest) {
				return r.take(len(rest), false, false), false, nil
			}
			if st := r.q.advance(scanState{}, rest); !st.inQuote && !st.skipNext {
				return r.take(len(rest), true, false), true, nil
			}
			r.badQuote, r.unbounded = true, true
			if i := r.eol.next(rest, base); i >= 0 {
				return r.take(i, r.q.hasQuote(rest[:i]), true), true, nil
			}
			return r.take(len(rest), true, false), true, nil
		}
		if err := r.fill(); err != nil {
			return nil, false, err
		}
	}
}

// longRecord deals with a record at Pos that is longer than limit bytes:
// end is the index of its line end in the window, or -1 when the window
// (more than limit bytes) holds none. It returns the record's first limit
// bytes and sets tooLong, and moves the reader past the record's end —
// the first line end outside quotes, found by reading on in blocks
// without keeping them — or, when the quote it opens never closes, past
// its first line end, as nextRecord cuts such a record. In FAILFAST it
// fails instead, unless the record is skipped anyway (a comment or among
// the skipped rows).
func (r *reader) longRecord(limit, end int) ([]byte, error) {
	line := r.line
	rec := r.Buf[r.Pos : r.Pos+limit]
	if r.src.opts.Mode == FailFast && !r.sampling && !r.skipped(rec, line) {
		cause := fmt.Errorf("the record is longer than maxRecordBytes (%d bytes): a quote may never close, or the file may lack line ends", limit)
		return nil, parsemode.Malformed("csvio", ErrMalformed, fmt.Sprintf("%s:%d", r.path, line), cause, rec)
	}
	start := r.Offset + int64(r.Pos)
	if end >= 0 {
		r.skipRecord(start+int64(end), r.Buf[r.Pos+end], lineBreaks(r.Buf[r.Pos:r.Pos+end], false))
		r.tooLong = true
		return rec, nil
	}
	// Read on for the record's end, from the quote state at the window's end.
	window := r.Buf[r.Pos:]
	st := r.q.advance(scanState{}, window)
	lines := lineBreaks(window, false)
	prevCR := window[len(window)-1] == '\r'
	var block []byte
	off := r.Offset + int64(len(r.Buf))
	for eof := r.EOF; !eof; {
		if block == nil {
			// Small blocks: a compressed or decoded stream returns to the
			// record's end from its last 64 KiB without starting over.
			block = make([]byte, 32<<10)
		}
		n, err := r.f.ReadAt(block, off)
		switch {
		case err == io.EOF:
			eof = true
		case err != nil:
			return nil, fmt.Errorf("csvio: reading %q: %w", r.path, err)
		}
		data := block[:n]
		var i int
		i, st = r.q.endFrom(st, data)
		if i >= 0 {
			r.skipRecord(off+int64(i), data[i], lines+lineBreaks(data[:i], prevCR))
			r.tooLong = true
			return rec, nil
		}
		lines += lineBreaks(data, prevCR)
		if n > 0 {
			prevCR = data[n-1] == '\r'
		}
		off += int64(n)
	}
	if !st.inQuote && !st.skipNext {
		// No line end up to the end of the file: the record is all of it.
		r.skipRecord(-1, 0, lines)
		r.tooLong = true
		return rec, nil
	}
	// The quote never closes: the record ends at its first line end.
	r.badQuote, r.unbounded = true, true
	if i := r.eol.next(window, start); i >= 0 {
		if i <= limit {
			r.tooLong = false
			return r.take(i, true, true), nil
		}
		r.skipRecord(start+int64(i), window[i], lineBreaks(window[:i], false))
		r.tooLong = true
		return rec, nil
	}
	if block == nil {
		block = make([]byte, 32<<10)
	}
	for off = r.Offset + int64(len(r.Buf)); ; off += int64(len(block)) {
		n, err := r.f.ReadAt(block, off)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("csvio: reading %q: %w", r.path, err)
		}
		if i := bytes.IndexAny(block[:n], "\r\n"); i >= 0 {
			r.skipRecord(off+int64(i), block[i], 0)
			break
		}
		if err == io.EOF {
			r.skipRecord(-1, 0, 0)
			break
		}
	}
	r.tooLong = true
	return rec, nil
}

// skipRecord moves the reader to the byte after the line end eol at file
// offset stop (or to the end of the file when stop is -1) that ends a
// record whose bytes hold lines line ends. The record returned last stays
// valid: the window's bytes are replaced only by the next fill.
func (r *reader) skipRecord(stop int64, eol byte, lines int64) {
	r.line += lines
	if stop < 0 {
		r.Offset += int64(len(r.Buf))
		r.Buf, r.Pos, r.EOF = nil, 0, true
		return
	}
	r.line++ // the record is not empty: its line end is no \n of a \r\n
	r.afterCR = eol == '\r'
	if stop < r.Offset+int64(len(r.Buf)) {
		r.Pos = int(stop-r.Offset) + 1
		return
	}
	// Past the window: start a new one there (the big one goes).
	r.Offset, r.Buf, r.Pos, r.EOF = stop+1, nil, 0, false
}

// take returns the record of n bytes at Pos, steps over it and its line
// end (when it has one), and counts its lines.
func (r *reader) take(n int, quoted, ended bool) []byte {
	rec := r.Buf[r.Pos : r.Pos+n]
	r.Pos += n
	if quoted {
		r.line += lineBreaks(rec, false)
	}
	if ended {
		c := r.Buf[r.Pos]
		if c == '\r' || n > 0 || !r.afterCR {
			r.line++ // not the \n of a \r\n
		}
		r.afterCR = c == '\r'
		r.Pos++
	}
	return rec
}

// Next implements plan.BatchReader. The batch is valid until the next
// call to Next or Close. After an error, Next keeps returning it.
func (r *reader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	r.release()
	if r.err != nil {
		return nil, r.err
	}
	if r.f == nil {
		return nil, errors.New("csvio: Next after Close")
	}
	if r.done || r.left == 0 {
		return nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	batch, err := r.next(ctx)
	if err != nil {
		r.err = err
		return nil, err
	}
	return batch, nil
}

// next reads a batch of at least one row, or returns io.EOF.
func (r *reader) next(ctx context.Context) (arrow.RecordBatch, error) {
	maxRows := r.opts.BatchRows
	if r.left >= 0 && r.left < int64(maxRows) {
		maxRows = int(r.left)
	}
	var builders []array.Builder // made at the first record, so an empty split costs nothing
	rows, consumed := 0, int64(0)
	for records := 1; rows < maxRows && (consumed < r.opts.BatchBytes || rows == 0); records++ {
		if records%4096 == 0 {
			if err := ctx.Err(); err != nil {
				releaseBuilders(builders)
				return nil, err
			}
		}
		start, line := r.Offset+int64(r.Pos), r.line
		rec, hasQuote, err := r.nextRecord()
		if err != nil {
			releaseBuilders(builders)
			return nil, err
		}
		if rec == nil {
			r.done = true
			break
		}
		consumed += int64(len(rec)) + 1
		if r.skipped(rec, line) || start == r.headerAt {
			continue // blank lines are skipped, as Spark does, and so are comments and the header
		}
		if builders == nil {
			// Reserve for the rows the batch's byte bound will let in, as
			// the first record's size suggests, not BatchRows: a file of
			// 100,000 columns reserved BatchRows values of each (GBs).
			builders = r.startBatch(min(maxRows, max(1, int(r.opts.BatchBytes/int64(len(rec)+1)))))
		}
		kept, err := r.parseRecord(rec, hasQuote, line, start)
		if err != nil {
			releaseBuilders(builders)
			return nil, err
		}
		if kept {
			rows++
		}
	}
	if r.left >= 0 {
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

// isBlank tells whether a record (without its line end) is an empty line.
func isBlank(rec []byte) bool { return len(rec) == 0 }

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

// parseRecord converts one record, which starts at file offset start,
// into the batch, applying the mode to a malformed one. It reports whether
// the record became a row.
func (r *reader) parseRecord(rec []byte, hasQuote bool, line, start int64) (bool, error) {
	r.fields, r.quoted, r.scratch = r.q.fields(rec, hasQuote, r.fields, r.quoted, r.scratch)
	if r.perm != nil && len(r.fields) == len(r.perm) {
		r.permuted, r.permQuoted = r.permuted[:0], r.permQuoted[:0]
		for _, j := range r.perm {
			r.permuted, r.permQuoted = append(r.permuted, r.fields[j]), append(r.permQuoted, r.quoted[j])
		}
		r.fields, r.permuted = r.permuted, r.fields
		r.quoted, r.permQuoted = r.permQuoted, r.quoted
	}
	mode := r.src.opts.Mode
	if r.tooLong {
		// Not parsed (FAILFAST failed already): a row of NULLs.
		if mode == DropMalformed {
			return false, nil
		}
		for _, c := range r.columns {
			if c != nil {
				c.appendNull()
			}
		}
		if r.corrupt != nil {
			r.corrupt.BinaryBuilder.Append(r.src.cs.validText(rec))
		}
		return true, nil
	}
	r.long = r.long[:0]
	if limit := r.src.opts.MaxCharsPerColumn; limit > 0 {
		r.markLongFields(limit)
	}
	if mode != Permissive {
		err := r.validate()
		if r.badQuote {
			err = fmt.Errorf("a quote opened in this record (at byte %d of the file) is never closed", start)
		}
		if err != nil {
			if mode == DropMalformed {
				return false, nil
			}
			return false, parsemode.Malformed("csvio", ErrMalformed, fmt.Sprintf("%s:%d", r.path, line), err, rec)
		}
	}
	bad := len(r.fields) != r.nfields || r.badQuote
	if len(r.long) > 0 {
		// The fields too long to keep become NULL (as an empty unquoted
		// field is), and the record is malformed.
		for k, long := range r.long {
			if long {
				r.fields[k], r.quoted[k] = nil, false
			}
		}
		bad = true
	}
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
		for _, c := range r.checks {
			if bad {
				break
			}
			bad = !c.validates(r.fields[c.field], r.quoted[c.field])
		}
		if bad {
			r.corrupt.BinaryBuilder.Append(r.src.cs.validText(rec))
		} else {
			r.corrupt.AppendNull()
		}
	}
	return true, nil
}

// markLongFields sets long[k] for each field k longer than limit
// characters, leaving long empty when there is none.
func (r *reader) markLongFields(limit int) {
	for k, f := range r.fields {
		if len(f) <= limit || (r.src.cs.table == nil && utf8.RuneCount(f) <= limit) {
			continue
		}
		if len(r.long) == 0 {
			r.long = append(r.long, make([]bool, len(r.fields))...)
		}
		r.long[k] = true
	}
}

// validate checks the field count, the fields' lengths and that every
// data column parses.
func (r *reader) validate() error {
	if len(r.fields) != r.nfields {
		return fmt.Errorf("%d fields, want %d", len(r.fields), r.nfields)
	}
	for k, long := range r.long {
		if long {
			return fmt.Errorf("column %q: a value of more than maxCharsPerColumn (%d) characters", r.src.Full.Field(r.src.data[k]).Name, r.src.opts.MaxCharsPerColumn)
		}
	}
	for _, set := range [][]*column{r.columns, r.checks} {
		for _, c := range set {
			if c != nil && !c.validates(r.fields[c.field], r.quoted[c.field]) {
				if c.typ.ID() == arrow.STRING {
					return fmt.Errorf("column %q: %q is not valid UTF-8 (set the encoding option for other character sets)", c.name, parsemode.Excerpt(r.fields[c.field]))
				}
				return fmt.Errorf("column %q: cannot parse %q as %s", c.name, parsemode.Excerpt(r.fields[c.field]), c.typ)
			}
		}
	}
	return nil
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
