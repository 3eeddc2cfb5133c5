package jsonio

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ember-df/ember/io/internal/parsemode"
)

// kind is the kind of a JSON value.
type kind uint8

const (
	kindNull kind = iota
	kindFalse
	kindTrue
	kindInt     // a number without fraction or exponent
	kindFloat   // a number with a fraction or an exponent; NaN, Infinity, -Infinity
	kindString  // a string without escapes: its bytes are its value
	kindEscaped // a string with escapes
	kindObject
	kindArray
)

// token is one value on a tape.
type token struct {
	// start and end delimit the value's text in the line: inside the
	// quotes for a string, brackets included for an object or array.
	start, end int32
	// next is the tape index after the value and everything inside it.
	next int32
	kind kind
}

// maxDepth bounds how deeply objects and arrays may nest, so that a
// hostile line cannot exhaust the stack.
const maxDepth = 1000

// tape is a line of JSON parsed into a flat list of tokens, in the order
// they appear, as simdjson lays out its tape: an object is followed by its
// keys and values (each key a string token before its value), an array by
// its elements. Parsing validates the whole line (syntax and UTF-8) before
// anything is converted, so that a malformed line never leaves half a row
// in the builders; converting then walks the tokens it needs and jumps
// over the others with next.
type tape struct {
	line []byte
	toks []token
	pos  int
}

// errSyntax is wrapped by the errors parse returns.
var errSyntax = errors.New("invalid JSON")

// parse parses line, which holds exactly one JSON value (surrounded by
// optional whitespace). NaN, Infinity and -Infinity are accepted as
// numbers, as Spark and Python's json module accept them.
func (t *tape) parse(line []byte) error {
	t.line, t.toks, t.pos = line, t.toks[:0], 0
	if len(line) >= math.MaxInt32 {
		return fmt.Errorf("%w: line longer than 2 GiB", errSyntax)
	}
	if !utf8.Valid(line) {
		return fmt.Errorf("%w: invalid UTF-8", errSyntax)
	}
	t.skipSpace()
	if err := t.value(0); err != nil {
		return err
	}
	t.skipSpace()
	if t.pos < len(t.line) {
		return t.unexpected("after the value")
	}
	return nil
}

func (t *tape) skipSpace() {
	line, pos := t.line, t.pos
	if pos < len(line) && line[pos] > ' ' {
		return // the common case: no space at all
	}
	for pos < len(line) && space[line[pos]] {
		pos++
	}
	t.pos = pos
}

// space marks JSON's whitespace.
var space = [256]bool{' ': true, '\t': true, '\r': true, '\n': true}

// unexpected describes the byte at pos (or the end of the line).
func (t *tape) unexpected(context string) error {
	if t.pos >= len(t.line) {
		return fmt.Errorf("%w: unexpected end of line %s", errSyntax, context)
	}
	r, _ := utf8.DecodeRune(t.line[t.pos:])
	return fmt.Errorf("%w: unexpected %q at column %d %s", errSyntax, r, t.pos+1, context)
}

func (t *tape) push(k kind, start, end int) {
	t.toks = append(t.toks, token{kind: k, start: int32(start), end: int32(end), next: int32(len(t.toks) + 1)})
}

func (t *tape) value(depth int) error {
	if t.pos >= len(t.line) {
		return t.unexpected("looking for a value")
	}
	switch c := t.line[t.pos]; {
	case c == '{':
		return t.object(depth + 1)
	case c == '[':
		return t.array(depth + 1)
	case c == '"':
		return t.str()
	case c == 't':
		return t.literal("true", kindTrue)
	case c == 'f':
		return t.literal("false", kindFalse)
	case c == 'n':
		return t.literal("null", kindNull)
	case c == 'N':
		return t.literal("NaN", kindFloat)
	case c == 'I':
		return t.literal("Infinity", kindFloat)
	case c == '-' || ('0' <= c && c <= '9'):
		return t.number()
	}
	return t.unexpected("looking for a value")
}

func (t *tape) literal(word string, k kind) error {
	end := t.pos + len(word)
	if end > len(t.line) || string(t.line[t.pos:end]) != word {
		return t.unexpected("looking for a value")
	}
	t.push(k, t.pos, end)
	t.pos = end
	return nil
}

func (t *tape) object(depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: nested more than %d deep", errSyntax, maxDepth)
	}
	at := len(t.toks)
	start := t.pos
	t.push(kindObject, start, start)
	t.pos++
	t.skipSpace()
	if t.pos < len(t.line) && t.line[t.pos] == '}' {
		t.pos++
	} else {
		for {
			if t.pos >= len(t.line) || t.line[t.pos] != '"' {
				return t.unexpected("looking for a key")
			}
			if err := t.str(); err != nil {
				return err
			}
			t.skipSpace()
			if t.pos >= len(t.line) || t.line[t.pos] != ':' {
				return t.unexpected("after a key")
			}
			t.pos++
			t.skipSpace()
			if err := t.value(depth); err != nil {
				return err
			}
			t.skipSpace()
			if t.pos < len(t.line) && t.line[t.pos] == ',' {
				t.pos++
				t.skipSpace()
				continue
			}
			if t.pos < len(t.line) && t.line[t.pos] == '}' {
				t.pos++
				break
			}
			return t.unexpected("in an object")
		}
	}
	t.toks[at].end, t.toks[at].next = int32(t.pos), int32(len(t.toks))
	return nil
}

func (t *tape) array(depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: nested more than %d deep", errSyntax, maxDepth)
	}
	at := len(t.toks)
	start := t.pos
	t.push(kindArray, start, start)
	t.pos++
	t.skipSpace()
	if t.pos < len(t.line) && t.line[t.pos] == ']' {
		t.pos++
	} else {
		for {
			if err := t.value(depth); err != nil {
				return err
			}
			t.skipSpace()
			if t.pos < len(t.line) && t.line[t.pos] == ',' {
				t.pos++
				t.skipSpace()
				continue
			}
			if t.pos < len(t.line) && t.line[t.pos] == ']' {
				t.pos++
				break
			}
			return t.unexpected("in an array")
		}
	}
	t.toks[at].end, t.toks[at].next = int32(t.pos), int32(len(t.toks))
	return nil
}

// plain marks the bytes a string holds as they are: not a quote, a
// backslash or a control character.
var plain = func() (p [256]bool) {
	for c := 0x20; c < 256; c++ {
		p[c] = c != '"' && c != '\\'
	}
	return p
}()

func (t *tape) str() error {
	start := t.pos + 1
	k := kindString
	line := t.line
	i := start
	for {
		for i < len(line) && plain[line[i]] {
			i++
		}
		if i >= len(line) {
			t.pos = i
			return t.unexpected("in a string")
		}
		switch c := line[i]; {
		case c == '"':
			t.push(k, start, i)
			t.pos = i + 1
			return nil
		case c == '\\':
			k = kindEscaped
			if i+1 >= len(line) {
				t.pos = i + 1
				return t.unexpected("in a string")
			}
			switch line[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(line) || !isHex4(line[i+2:i+6]) {
					t.pos = i
					return fmt.Errorf("%w: bad \\u escape at column %d", errSyntax, i+1)
				}
				i += 6
			default:
				t.pos = i + 1
				return t.unexpected("after a backslash")
			}
		default:
			t.pos = i
			return t.unexpected("in a string (control characters must be escaped)")
		}
	}
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if hexValue(c) < 0 {
			return false
		}
	}
	return true
}

func hexValue(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? or -Infinity.
func (t *tape) number() error {
	line := t.line
	start, i := t.pos, t.pos
	k := kindInt
	if line[i] == '-' {
		i++
		if i < len(line) && line[i] == 'I' {
			return t.literal("-Infinity", kindFloat)
		}
	}
	digits := func() bool {
		from := i
		for i < len(line) && isDigit(line[i]) {
			i++
		}
		return i > from
	}
	switch {
	case i < len(line) && line[i] == '0':
		i++
	case !digits():
		t.pos = i
		return t.unexpected("in a number")
	}
	if i < len(line) && line[i] == '.' {
		k = kindFloat
		i++
		if !digits() {
			t.pos = i
			return t.unexpected("in a number")
		}
	}
	if i < len(line) && (line[i] == 'e' || line[i] == 'E') {
		k = kindFloat
		i++
		if i < len(line) && (line[i] == '+' || line[i] == '-') {
			i++
		}
		if !digits() {
			t.pos = i
			return t.unexpected("in a number")
		}
	}
	t.push(k, start, i)
	t.pos = i
	return nil
}

// raw returns a token's text as it is in the line: a string's without its
// quotes and unescaped.
func (t *tape) raw(i int32) []byte {
	tok := &t.toks[i]
	return t.line[tok.start:tok.end]
}

// stringValue returns the value of a string token, unescaping into
// scratch when it has escapes. The result aliases the line or scratch.
func (t *tape) stringValue(i int32, scratch *[]byte) []byte {
	if t.toks[i].kind == kindString {
		return t.raw(i)
	}
	*scratch = appendUnescaped((*scratch)[:0], t.raw(i))
	return *scratch
}

// appendUnescaped appends the value of a valid JSON string body s. A
// lone surrogate becomes U+FFFD, as in encoding/json.
func appendUnescaped(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			j := i + 1
			for j < len(s) && s[j] != '\\' {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		switch s[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := rune(hex4(s[i+2:]))
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					r2 = utf16.DecodeRune(r, rune(hex4(s[i+2:])))
					if r2 != utf8.RuneError {
						i += 6
					}
				}
				r = r2
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, s[i+1])
		}
		i += 2
	}
	return dst
}

func hex4(b []byte) int {
	return hexValue(b[0])<<12 | hexValue(b[1])<<8 | hexValue(b[2])<<4 | hexValue(b[3])
}

// appendCompact appends a value's JSON text without the whitespace
// between tokens: the form a string column takes of a value that is not
// a string, as Spark re-serializes it.
func (t *tape) appendCompact(dst []byte, i int32) []byte {
	tok := &t.toks[i]
	switch tok.kind {
	case kindString, kindEscaped:
		return append(dst, t.line[tok.start-1:tok.end+1]...)
	case kindObject, kindArray:
	default:
		return append(dst, t.line[tok.start:tok.end]...)
	}
	text := t.line[tok.start:tok.end]
	inString := false
	from := 0
	for j := 0; j < len(text); j++ {
		switch c := text[j]; {
		case inString:
			switch c {
			case '\\':
				j++
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			dst = append(dst, text[from:j]...)
			from = j + 1
		}
	}
	return append(dst, text[from:]...)
}

// describe returns a value's text for an error message, shortened.
func (t *tape) describe(i int32) string {
	tok := &t.toks[i]
	var text []byte
	if tok.kind == kindString || tok.kind == kindEscaped {
		text = t.line[tok.start-1 : tok.end+1]
	} else {
		text = t.appendCompact(nil, i)
	}
	return parsemode.Excerpt(text)
}

// parseInt parses an integer token's text without allocating.
func parseInt(b []byte, bits int) (int64, bool) {
	if bits == 64 && len(b) <= 18 {
		// Fast path: up to 18 digits cannot overflow int64.
		neg := b[0] == '-'
		d := b
		if neg {
			d = b[1:]
		}
		if len(d) > 0 {
			var n int64
			for _, c := range d {
				n = n*10 + int64(c-'0')
			}
			if neg {
				n = -n
			}
			return n, true
		}
	}
	n, err := strconv.ParseInt(text(b), 10, bits)
	return n, err == nil
}

// pow10 holds the powers of ten that float64 and float32 represent
// exactly.
var (
	pow10f64 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}
	pow10f32 = [...]float32{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10}
)

// parseFloat parses a number token. Most numbers in data have few digits
// and a small exponent: their mantissa and power of ten are then exact
// floats, and one multiplication or division rounds correctly (the exact
// path of strconv, without its generality); others go to strconv.
// A value beyond the type's range becomes an infinity, as in Java.
func parseFloat(b []byte, bits int) (float64, bool) {
	if f, ok := parseFloatFast(b, bits); ok {
		return f, true
	}
	f, err := strconv.ParseFloat(text(b), bits)
	return f, err == nil || err.(*strconv.NumError).Err == strconv.ErrRange
}

func parseFloatFast(b []byte, bits int) (float64, bool) {
	i, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		neg, i = true, 1
	}
	var mant uint64
	digits, exp := 0, 0
	for ; i < len(b) && isDigit(b[i]); i++ {
		if mant != 0 || b[i] != '0' {
			digits++
		}
		mant = mant*10 + uint64(b[i]-'0')
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && isDigit(b[i]); i++ {
			if mant != 0 || b[i] != '0' {
				digits++
			}
			mant = mant*10 + uint64(b[i]-'0')
			exp--
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		e := 0
		for ; i < len(b) && isDigit(b[i]); i++ {
			if e < 1000 {
				e = e*10 + int(b[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != len(b) || digits > 19 {
		return 0, false
	}
	var f float64
	if bits == 32 {
		if mant >= 1<<24 || exp < -len(pow10f32)+1 || exp > len(pow10f32)-1 {
			return 0, false
		}
		g := float32(mant)
		if exp >= 0 {
			g *= pow10f32[exp]
		} else {
			g /= pow10f32[-exp]
		}
		f = float64(g)
	} else {
		if mant >= 1<<53 || exp < -len(pow10f64)+1 || exp > len(pow10f64)-1 {
			return 0, false
		}
		f = float64(mant)
		if exp >= 0 {
			f *= pow10f64[exp]
		} else {
			f /= pow10f64[-exp]
		}
	}
	if neg {
		f = -f
	}
	return f, true
}
