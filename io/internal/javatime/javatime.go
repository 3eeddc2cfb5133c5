// Package javatime turns Spark's date and time patterns (Java's
// DateTimeFormatter letters: yyyy-MM-dd'T'HH:mm:ss[.SSS]) into Go time
// layouts, so that dateFormat and timestampFormat mean the same in every
// format package.
package javatime

import (
	"fmt"
	"strings"
)

// maxLayouts bounds how many Go layouts the optional sections of one
// pattern may expand to.
const maxLayouts = 16

// Layouts turns a Spark (Java DateTimeFormatter) pattern such as
// dd/MM/yyyy or yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX] into the Go layouts that
// parse it: one per choice of its optional [sections], the one with every
// section first (it is the one to format with). A pattern holding a digit
// is taken as a Go layout already, and an empty one gives fallback.
func Layouts(pattern, fallback string) ([]string, error) {
	if pattern == "" {
		if fallback == "" {
			return nil, nil
		}
		return []string{fallback}, nil
	}
	if strings.ContainsAny(pattern, "0123456789") {
		return []string{pattern}, nil
	}
	var out []string
	for _, p := range expandOptional(pattern) {
		l, err := javaToGo(p)
		if err != nil {
			return nil, fmt.Errorf("date pattern %q: %w", pattern, err)
		}
		out = append(out, l)
		if len(out) > maxLayouts {
			return nil, fmt.Errorf("date pattern %q: too many optional sections", pattern)
		}
	}
	return out, nil
}

// expandOptional lists the patterns an optional section [..] makes, with
// the section kept first. Quoted text is left alone.
func expandOptional(p string) []string {
	open, depth, quoted := -1, 0, false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '[':
			if depth == 0 {
				open = i
			}
			depth++
		case c == ']' && depth > 0:
			depth--
			if depth == 0 {
				with := p[:open] + p[open+1:i] + p[i+1:]
				without := p[:open] + p[i+1:]
				return append(expandOptional(with), expandOptional(without)...)
			}
		}
	}
	return []string{p}
}

// javaToGo converts a pattern without optional sections.
func javaToGo(p string) (string, error) {
	var sb strings.Builder
	for i := 0; i < len(p); {
		c := p[i]
		if c == '\'' {
			// 'text' is literal; '' is a quote.
			j := i + 1
			for j < len(p) && p[j] != '\'' {
				j++
			}
			if j == i+1 {
				sb.WriteByte('\'')
			} else {
				sb.WriteString(p[i+1 : j])
			}
			i = j + 1
			continue
		}
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			sb.WriteByte(c)
			i++
			continue
		}
		n := 1
		for i+n < len(p) && p[i+n] == c {
			n++
		}
		i += n
		l, err := letterLayout(c, n)
		if err != nil {
			return "", err
		}
		sb.WriteString(l)
	}
	return sb.String(), nil
}

// letterLayout is the Go layout of n repeats of a Java pattern letter.
func letterLayout(c byte, n int) (string, error) {
	pick := func(ls ...string) string { return ls[min(n, len(ls))-1] }
	switch c {
	case 'y', 'u':
		if n == 2 {
			return "06", nil
		}
		return "2006", nil
	case 'M', 'L':
		return pick("1", "01", "Jan", "January"), nil
	case 'd':
		return pick("2", "02"), nil
	case 'D':
		return "002", nil
	case 'H':
		return "15", nil
	case 'h':
		return pick("3", "03"), nil
	case 'm':
		return pick("4", "04"), nil
	case 's':
		return pick("5", "05"), nil
	case 'S':
		// Go writes fractions after a '.' in the pattern; when parsing it
		// accepts any fraction after the seconds.
		return strings.Repeat("0", min(n, 9)), nil
	case 'a':
		return "PM", nil
	case 'E':
		return pick("Mon", "Mon", "Mon", "Monday"), nil
	case 'X':
		return pick("Z07", "Z0700", "Z07:00"), nil
	case 'x':
		return pick("-07", "-0700", "-07:00"), nil
	case 'Z':
		return pick("-0700", "-0700", "-0700", "-0700", "Z07:00"), nil
	case 'z':
		return "MST", nil
	}
	return "", fmt.Errorf("pattern letter %q is not supported", strings.Repeat(string(c), n))
}
