package csvio

import (
	"bytes"
)

// quoting knows how quotes and escapes delimit records and fields.
type quoting struct {
	delim, quote, escape byte
}

func newQuoting(o Options) quoting {
	q := quoting{delim: o.Delimiter, quote: o.Quote, escape: o.Escape}
	if q.escape == 0 {
		q.escape = q.quote
	}
	return q
}

// scanState is the quote state at a point of a file.
type scanState struct {
	inQuote  bool
	skipNext bool // the previous byte was an escape inside quotes
}

// advance moves the state over data. A quote toggles the state; inside
// quotes an escape character makes the next byte ordinary. A doubled quote
// toggles twice, so it needs no special case.
func (q quoting) advance(st scanState, data []byte) scanState {
	i := 0
	if st.skipNext && len(data) > 0 {
		st.skipNext = false
		i = 1
	}
	for i < len(data) {
		j := q.nextSpecial(data[i:], st.inQuote)
		if j < 0 {
			return st
		}
		i += j
		if data[i] == q.quote {
			st.inQuote = !st.inQuote
			i++
			continue
		}
		// an escape inside quotes
		if i+1 < len(data) {
			i += 2
		} else {
			st.skipNext = true
			i++
		}
	}
	return st
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

// recordEnd finds the end of the record starting at data[0]: the index of
// the newline that ends it (outside quotes), and whether the record holds
// any quote. ok is false when data holds no complete record.
func (q quoting) recordEnd(data []byte) (end int, quoted bool, ok bool) {
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		return 0, false, false
	}
	if bytes.IndexByte(data[:nl], q.quote) < 0 {
		return nl, false, true
	}
	st := q.advance(scanState{}, data[:nl])
	for st.inQuote || st.skipNext {
		st = q.advance(st, data[nl:nl+1])
		next := bytes.IndexByte(data[nl+1:], '\n')
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
	if !hasQuote {
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
			// Text after the closing quote, up to the delimiter, is kept.
			j := bytes.IndexByte(rec[i:], q.delim)
			if j < 0 {
				scratch = append(scratch, rec[i:]...)
				out, quoted = append(out, scratch[lo:len(scratch):len(scratch)]), append(quoted, true)
				break
			}
			scratch = append(scratch, rec[i:i+j]...)
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
