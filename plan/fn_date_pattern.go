package plan

import (
	"fmt"
	"strings"
	"time"
)

// DatetimePattern is a compiled Spark datetime pattern (the letters of
// Spark 3's "Datetime Patterns for Formatting and Parsing", which follow
// java.time's DateTimeFormatter), used by date_format, to_date and
// to_timestamp. Supported letters:
//
//	G era (AD)         y u year (yy: two digits, 2000-2099 when parsed)
//	Q q quarter        M L month (M, MM, MMM Jan, MMMM January)
//	d day of month     D day of year       E day of week (E..EEE Mon, EEEE Monday)
//	a AM/PM            H hour 0-23   k 1-24   K 0-11   h 1-12
//	m minute           s second      S fraction of a second (S to SSSSSSSSS)
//	V z zone name      X x Z zone offset
//	'text' literal text ('' is a quote); any other non-letter is itself
//
// Other letters (Y, w, W, e, c, F, n, N, A, O, B) are refused. Formatting
// happens in UTC, so zones print as UTC, Z or +00:00. Parsing is
// case-insensitive for text, as Spark's; a numeric field of two or more
// letters takes exactly that many digits (yyyyMMdd works), one letter takes
// one or two (a year: one to nine), a fraction one to its count; the
// whole input must be used, and the date must exist.
type DatetimePattern struct {
	pattern string
	tokens  []dtToken
}

type dtToken struct {
	letter byte // 0 for literal text
	count  int
	text   string
}

// CompileDatetimePattern compiles a Spark datetime pattern.
func CompileDatetimePattern(p string) (*DatetimePattern, error) {
	out := &DatetimePattern{pattern: p}
	lit := func(s string) {
		if n := len(out.tokens); n > 0 && out.tokens[n-1].letter == 0 {
			out.tokens[n-1].text += s
			return
		}
		out.tokens = append(out.tokens, dtToken{text: s})
	}
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			j := i + 1
			var sb strings.Builder
			for {
				if j >= len(p) {
					return nil, fmt.Errorf("datetime pattern %q: unterminated quote", p)
				}
				if p[j] == '\'' {
					if j+1 < len(p) && p[j+1] == '\'' {
						sb.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				sb.WriteByte(p[j])
				j++
			}
			if j == i+1 {
				lit("'")
			} else {
				lit(sb.String())
			}
			i = j + 1
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			n := j - i
			if !strings.ContainsRune("GyuQqMLdDEaHkKhmsSVzXxZ", rune(c)) {
				return nil, fmt.Errorf("datetime pattern %q: unsupported pattern letter %q (supported: G y u Q q M L d D E a H k K h m s S V z X x Z; quote text with ')", p, c)
			}
			if (c == 'S' && n > 9) || (strings.ContainsRune("dHkKhms", rune(c)) && n > 2) || (c == 'D' && n > 3) || (strings.ContainsRune("MLQqE", rune(c)) && n > 5) || (c == 'a' && n > 1) {
				return nil, fmt.Errorf("datetime pattern %q: too many pattern letters %q", p, p[i:j])
			}
			out.tokens = append(out.tokens, dtToken{letter: c, count: n})
			i = j
		default:
			lit(string(c))
			i++
		}
	}
	return out, nil
}

func (p *DatetimePattern) String() string { return p.pattern }

// Append formats t (in UTC) and appends it to buf.
func (p *DatetimePattern) Append(buf []byte, t time.Time) []byte {
	t = t.UTC()
	pad := func(v, n int) {
		s := fmt.Sprint(v)
		for k := len(s); k < n; k++ {
			buf = append(buf, '0')
		}
		buf = append(buf, s...)
	}
	for _, tok := range p.tokens {
		n := tok.count
		switch tok.letter {
		case 0:
			buf = append(buf, tok.text...)
		case 'G':
			buf = append(buf, "AD"...)
		case 'y', 'u':
			if n == 2 {
				pad(t.Year()%100, 2)
			} else {
				pad(t.Year(), n)
			}
		case 'Q', 'q':
			q := (int(t.Month())-1)/3 + 1
			switch {
			case n <= 2:
				pad(q, n)
			case n == 3:
				buf = append(buf, fmt.Sprintf("Q%d", q)...)
			default:
				buf = append(buf, []string{"1st", "2nd", "3rd", "4th"}[q-1]+" quarter"...)
			}
		case 'M', 'L':
			switch {
			case n <= 2:
				pad(int(t.Month()), n)
			case n == 3:
				buf = append(buf, t.Month().String()[:3]...)
			default:
				buf = append(buf, t.Month().String()...)
			}
		case 'd':
			pad(t.Day(), n)
		case 'D':
			pad(t.YearDay(), n)
		case 'E':
			if n <= 3 {
				buf = append(buf, t.Weekday().String()[:3]...)
			} else {
				buf = append(buf, t.Weekday().String()...)
			}
		case 'a':
			if t.Hour() < 12 {
				buf = append(buf, "AM"...)
			} else {
				buf = append(buf, "PM"...)
			}
		case 'H':
			pad(t.Hour(), n)
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			pad(h, n)
		case 'K':
			pad(t.Hour()%12, n)
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			pad(h, n)
		case 'm':
			pad(t.Minute(), n)
		case 's':
			pad(t.Second(), n)
		case 'S':
			frac := fmt.Sprintf("%09d", t.Nanosecond())
			buf = append(buf, frac[:n]...)
		case 'V', 'z':
			buf = append(buf, "UTC"...)
		case 'X':
			buf = append(buf, 'Z')
		case 'x':
			buf = append(buf, []string{"+00", "+0000", "+00:00", "+0000", "+00:00"}[n-1]...)
		case 'Z':
			buf = append(buf, []string{"+0000", "+0000", "+0000", "GMT", "Z"}[n-1]...)
		}
	}
	return buf
}

var monthNames = [...]string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
var dayNames = [...]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// Parse reads s with the pattern; ok is false when s does not match or
// names a date that does not exist.
func (p *DatetimePattern) Parse(s string) (time.Time, bool) {
	year, month, day, yday := 1970, 1, 1, 0
	hour, minute, sec, nanos := 0, 0, 0, 0
	hour12, pm, hasAmPm, hasHour12 := 0, false, false, false
	loc := time.UTC
	num := func(min, max int) (int, bool) {
		v, rest, digits := leadingInt(s, max)
		if digits < min {
			return 0, false
		}
		s = rest
		return v, true
	}
	for _, tok := range p.tokens {
		n := tok.count
		width := func(oneMax int) (int, int) {
			if n >= 2 {
				return n, n
			}
			return 1, oneMax
		}
		var ok bool
		switch tok.letter {
		case 0:
			if len(s) < len(tok.text) || !strings.EqualFold(s[:len(tok.text)], tok.text) {
				return time.Time{}, false
			}
			s = s[len(tok.text):]
			ok = true
		case 'G':
			if ok = len(s) >= 2 && strings.EqualFold(s[:2], "AD"); ok {
				s = s[2:]
			}
		case 'y', 'u':
			if n == 2 {
				year, ok = num(2, 2)
				year += 2000
			} else {
				lo, hi := width(9)
				if n >= 4 {
					hi = max(n, 4)
				}
				year, ok = num(lo, hi)
			}
		case 'Q', 'q':
			if n <= 2 {
				lo, hi := width(1)
				_, ok = num(lo, hi)
			} else if ok = len(s) >= 2 && (s[0] == 'Q' || s[0] == 'q'); ok {
				s = s[1:]
				_, ok = num(1, 1)
			}
		case 'M', 'L':
			if n <= 2 {
				lo, hi := width(2)
				month, ok = num(lo, hi)
			} else {
				month, ok = matchName(&s, monthNames[:], n == 3)
				month++
			}
		case 'd':
			lo, hi := width(2)
			day, ok = num(lo, hi)
		case 'D':
			lo, hi := width(3)
			yday, ok = num(lo, hi)
		case 'E':
			_, ok = matchName(&s, dayNames[:], n <= 3)
		case 'a':
			if ok = len(s) >= 2; ok {
				switch strings.ToUpper(s[:2]) {
				case "AM":
				case "PM":
					pm = true
				default:
					ok = false
				}
				s, hasAmPm = s[2:], true
			}
		case 'H', 'k', 'K', 'h':
			lo, hi := width(2)
			var v int
			v, ok = num(lo, hi)
			switch tok.letter {
			case 'H':
				hour, ok = v, ok && v <= 23
			case 'k':
				hour, ok = v%24, ok && v >= 1 && v <= 24
			case 'K':
				hour12, hasHour12, ok = v, true, ok && v <= 11
			case 'h':
				hour12, hasHour12, ok = v%12, true, ok && v >= 1 && v <= 12
			}
		case 'm':
			lo, hi := width(2)
			minute, ok = num(lo, hi)
			ok = ok && minute <= 59
		case 's':
			lo, hi := width(2)
			sec, ok = num(lo, hi)
			ok = ok && sec <= 59
		case 'S':
			var digits int
			var v int
			v, s, digits = leadingInt(s, n)
			ok = digits > 0
			for ; digits < 9; digits++ {
				v *= 10
			}
			nanos = v
		case 'V', 'z':
			j := 0
			for j < len(s) && (s[j] == '/' || s[j] == '_' || s[j] == '+' || s[j] == '-' || s[j] == ':' ||
				(s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			loc, ok = parseZone(s[:j])
			s = s[j:]
		case 'X', 'x', 'Z':
			if tok.letter != 'x' && len(s) > 0 && s[0] == 'Z' {
				s, ok = s[1:], true
				break
			}
			j := 0
			for j < len(s) && (s[j] == '+' || s[j] == '-' || s[j] == ':' || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			loc, ok = parseZone(s[:j])
			s = s[j:]
		}
		if !ok {
			return time.Time{}, false
		}
	}
	if s != "" {
		return time.Time{}, false
	}
	if hasHour12 || hasAmPm {
		hour = hour12
		if pm {
			hour += 12
		}
	}
	if yday > 0 {
		t := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, yday-1)
		if t.Year() != year {
			return time.Time{}, false
		}
		month, day = int(t.Month()), t.Day()
	}
	if _, ok := makeDate(year, month, day); !ok {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nanos, loc), true
}

// matchName reads a month or day name (its first three letters when
// short) from the start of *s, case-insensitively.
func matchName(s *string, names []string, short bool) (int, bool) {
	for i, name := range names {
		if short {
			name = name[:3]
		}
		if len(*s) >= len(name) && strings.EqualFold((*s)[:len(name)], name) {
			*s = (*s)[len(name):]
			return i, true
		}
	}
	return 0, false
}
