package csvio

import (
	"bytes"
)

// quoting knows how quotes and escapes delimit records and fields.
type quoting struct {
	delim, quote, escape byte
	none                 bool // no quoting (quote=""): every byte is data
}

func newQuoting(o Options) quoting {
	q := quoting{delim: o.Delimiter, quote: o.Quote, escape: o.Escape, none: o.Quote == 0}
	if q.escape == 0 {
		q.escape = q.quote
	}
	return q
}

// hasQuote reports whether data holds a quote character.
func (q quoting) hasQuote(data []byte) bool {
	return !q.none && bytes.IndexByte(data, q.quote) >= 0
}

// isEOL tells a line end: \n or \r. A record ends at either, outside
// quotes; \r\n ends a record and then an empty one, which is skipped as a
// blank line is, so \n, \r and \r\n files give the same records (as Spark
// and DuckDB read them).
func isEOL(c byte) bool { return c == '\n' || c == '\r' }

// lineBreaks counts the line ends in data: each \r, and each \n not right
// after a \r (prevCR says whether the byte before data is one).
func lineBreaks(data []byte, prevCR bool) int64 {
	if len(data) == 0 {
		return 0
	}
	n := bytes.Count(data, []byte{'\n'}) + bytes.Count(data, []byte{'\r'}) - bytes.Count(data, []byte("\r\n"))
	if prevCR && data[0] == '\n' {
		n--
	}
	return int64(n)
}

// eolFinder finds line ends in a reader's window. It remembers where the
// next \n is (or that there is none up to some offset), so that a file
// whose lines end with \r alone is not searched to its end for a \n once
// per record. Offsets are the file's; queries move forward.
type eolFinder struct {
	valid   bool  // the fields below say something (the zero value does not)
	from    int64 // the cache is about the bytes from here
	lf      int64 // the first \n at or after from; -1 when none before scanned
	scanned int64 // with lf == -1: no \n in [from, scanned)
}

// next returns the index in data (which starts at file offset base) of the
// first \r or \n, or -1.
func (e *eolFinder) next(data []byte, base int64) int {
	end := base + int64(len(data))
	switch {
	case !e.valid || base < e.from || (e.lf >= 0 && e.lf < base):
		e.valid, e.from, e.lf, e.scanned = true, base, -1, base // stale: start over here
	case e.lf < 0 && e.scanned < base:
		e.from, e.scanned = base, base
	}
	if e.lf < 0 && e.scanned < end {
		if i := bytes.IndexByte(data[e.scanned-base:], '\n'); i >= 0 {
			e.lf = e.scanned + int64(i)
		} else {
			e.scanned = end
		}
	}
	lim := len(data)
	if e.lf >= 0 && e.lf < end {
		lim = int(e.lf - base)
	}
	if i := bytes.IndexByte(data[:lim], '\r'); i >= 0 {
		return i
	}
	if lim < len(data) {
		return lim
	}
	return -1
}

// scanState is the quote state at a point of a file: inside quotes or
// not and, outside, where in a field the last byte left the reader, since
// a quote opens a quoted field only at the start of a field (as Spark's
// and DuckDB's readers take it); elsewhere (5'11") it is data.
type scanState struct {
	inQuote  bool
	skipNext bool // inside quotes: the previous byte was an escape
	mid      bool // outside quotes: the last byte is text of an unquoted field, so a quote is data
	closed   bool // outside quotes: the last byte closed a quote, so a quote is a doubled one (back inside)
}

// advance moves the state over data. Inside quotes a quote closes them
// and an escape character makes the next byte ordinary; outside, a quote
// at the start of a field (after a delimiter, a line end or the start of
// the file) opens quotes, one right after a closing quote (a doubled
// quote) reopens them, and any other is data. Only quotes, escapes inside
// quotes and the byte before a quote are looked at, so a scan moves at
// memchr speed between quotes. Without quoting the state never changes.
func (q quoting) advance(st scanState, data []byte) scanState {
	if q.none {
		return st
	}
	i := 0
	for i < len(data) {
		if st.inQuote {
			if st.skipNext {
				st.skipNext = false
				i++
				continue
			}
			j := q.nextSpecial(data[i:], true)
			if j < 0 {
				return st
			}
			i += j
			if data[i] == q.quote {
				st.inQuote, st.closed = false, true
			} else {
				st.skipNext = true // an escape inside quotes
			}
			i++
			continue
		}
		j := bytes.IndexByte(data[i:], q.quote)
		if j < 0 {
			return q.outside(st, data[len(data)-1])
		}
		if j > 0 {
			st = q.outside(st, data[i+j-1])
		}
		if st.mid {
			st.closed = false // a quote in unquoted text is data
		} else {
			st = scanState{inQuote: true} // at a field's start, or a doubled quote
		}
		i += j + 1
	}
	return st
}

// outside is the state after c, a byte outside quotes that is not a
// quote.
func (q quoting) outside(st scanState, c byte) scanState {
	return scanState{mid: c != q.delim && c != '\n' && c != '\r'}
}

// nextSpecial finds the next quote, or escape inside quotes.
func (q quoting) nextSpecial(data []byte, inQuote bool) int {
	if !inQuote || q.escape == q.quote {
		return bytes.IndexByte(data, q.quote)
	}
	i := bytes.IndexByte(data, q.quote)
	if i < 0 {
		i = len(data)
	}
	if j := bytes.IndexByte(data[:i], q.escape); j >= 0 {
		return j
	}
	if i == len(data) {
		return -1
	}
	return i
}

// recordEnd finds the end of the record starting at data[0], which is at
// file offset base: the index of the line end (\r or \n, outside quotes)
// that ends it, and whether the record holds any quote. ok is false when
// data holds no complete record.
func (q quoting) recordEnd(data []byte, base int64, eol *eolFinder) (end int, quoted bool, ok bool) {
	nl := eol.next(data, base)
	if nl < 0 {
		return 0, false, false
	}
	if !q.hasQuote(data[:nl]) {
		return nl, false, true
	}
	st := q.advance(scanState{}, data[:nl])
	for st.inQuote || st.skipNext {
		st = q.advance(st, data[nl:nl+1])
		next := eol.next(data[nl+1:], base+int64(nl)+1)
		if next < 0 {
			return 0, true, false
		}
		st = q.advance(st, data[nl+1:nl+1+next])
		nl += 1 + next
	}
	return nl, true, true
}

// fields splits one record (without its newline) into fields, unquoting
// quoted ones into scratch. quoted[i] tells whether field i was quoted.
func (q quoting) fields(rec []byte, hasQuote bool, out [][]byte, quoted []bool, scratch []byte) ([][]byte, []bool, []byte) {
	out, quoted, scratch = out[:0], quoted[:0], scratch[:0]
	if len(rec) > 0 && rec[len(rec)-1] == '\r' {
		rec = rec[:len(rec)-1]
	}
	if !hasQuote || q.none {
		for {
			i := bytes.IndexByte(rec, q.delim)
			if i < 0 {
				return append(out, rec), append(quoted, false), scratch
			}
			out, quoted = append(out, rec[:i]), append(quoted, false)
			rec = rec[i+1:]
		}
	}
	// Quoted fields are unescaped into scratch. A field's slice stays
	// right when scratch grows: append moves the bytes to a new array and
	// leaves the old one as it was.
	for {
		if len(rec) > 0 && rec[0] == q.quote {
			lo := len(scratch)
			i := 1
			for i < len(rec) {
				c := rec[i]
				switch {
				case c == q.quote && i+1 < len(rec) && rec[i+1] == q.quote:
					scratch = append(scratch, q.quote)
					i += 2
				case c == q.escape && c != q.quote && i+1 < len(rec):
					scratch = append(scratch, rec[i+1])
					i += 2
				case c == q.quote:
					i++
					goto closed
				default:
					scratch = append(scratch, c)
					i++
				}
			}
		closed:
			// Text after the closing quote, up to the delimiter, is kept,
			// unless it is only spaces and tabs, which are dropped (as
			// Spark's and DuckDB's readers do: "x"  , reads x).
			j := bytes.IndexByte(rec[i:], q.delim)
			if j < 0 {
				scratch = append(scratch, afterQuote(rec[i:])...)
				out, quoted = append(out, scratch[lo:len(scratch):len(scratch)]), append(quoted, true)
				break
			}
			scratch = append(scratch, afterQuote(rec[i:i+j])...)
			out, quoted = append(out, scratch[lo:len(scratch):len(scratch)]), append(quoted, true)
			rec = rec[i+j+1:]
			continue
		}
		i := bytes.IndexByte(rec, q.delim)
		if i < 0 {
			out, quoted = append(out, rec), append(quoted, false)
			break
		}
		out, quoted = append(out, rec[:i]), append(quoted, false)
		rec = rec[i+1:]
	}
	return out, quoted, scratch
}

// endFrom finds the end of a record in data, the quote state at data[0]
// being st: the index of the first line end outside quotes, or -1 and the
// state after data.
func (q quoting) endFrom(st scanState, data []byte) (int, scanState) {
	for i := 0; ; {
		j := bytes.IndexAny(data[i:], "\r\n")
		if j < 0 {
			return -1, q.advance(st, data[i:])
		}
		st = q.advance(st, data[i:i+j])
		if !st.inQuote && !st.skipNext {
			return i + j, st
		}
		st = q.advance(st, data[i+j:i+j+1])
		i += j + 1
	}
}

// afterQuote is the text after a field's closing quote that the field
// keeps: all of it, or nothing when it is only spaces and tabs.
func afterQuote(text []byte) []byte {
	for _, c := range text {
		if c != ' ' && c != '\t' {
			return text
		}
	}
	return nil
}
