package sql

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var (
	// ErrSyntax is wrapped by the error of a statement that does not parse.
	ErrSyntax = errors.New("syntax error")
	// ErrNotFound is wrapped by the error of a table, view or function
	// name that the catalog does not hold.
	ErrNotFound = errors.New("not found")
	// ErrUnsupported is wrapped by the error of SQL that parses but that
	// ember does not run (yet): window functions, OFFSET, joins, …
	ErrUnsupported = errors.New("not supported")
)

// Error is an error in a statement, with where it is. Line and Column
// are 1-based (Column counts characters); both are 0 when no single place
// is at fault.
type Error struct {
	Line, Column int
	Msg          string
	Err          error // what it wraps (a sentinel of this package or plan's), or nil
}

// Error implements error.
func (e *Error) Error() string {
	if e.Line == 0 {
		return "sql: " + e.Msg
	}
	return fmt.Sprintf("sql: %d:%d: %s", e.Line, e.Column, e.Msg)
}

// Unwrap returns the error Error wraps.
func (e *Error) Unwrap() error { return e.Err }

// errorAt builds an Error at offset at of the user's text (none when at
// is negative).
func (s *source) errorAt(at int, err error, format string, args ...any) *Error {
	e := &Error{Msg: fmt.Sprintf(format, args...), Err: err}
	if at >= 0 && s != nil {
		e.Line, e.Column = s.lineCol(at)
	}
	return e
}

// near matches the parser's "syntax error at position N near 'X'".
var near = regexp.MustCompile(`at position (\d+)(?: near '([^']*)')?`)

// syntaxError turns the parser's error into an Error at its place in the
// user's text.
func (s *source) syntaxError(err error) *Error {
	msg := err.Error()
	// The parser's errors read "Code: INVALID_ARGUMENT\nsyntax error at …".
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:]
	}
	m := near.FindStringSubmatch(msg)
	if m == nil {
		return &Error{Msg: msg, Err: ErrSyntax}
	}
	pos, _ := strconv.Atoi(m[1])
	// The position is one past the byte after the offending token; past
	// the end, the statement ended too early.
	if pos-1 >= len(s.text) {
		e := s.errorAt(len(s.orig), ErrSyntax, "syntax error at the end of the statement")
		return e
	}
	// The offending token is the one that ends there (the parser's "near"
	// names the last word before it, which may be another token).
	end := s.origPos(pos - 1)
	at := end
	for _, t := range s.tokens {
		if t.end <= end && t.start < t.end {
			at = t.start
		}
	}
	e := s.errorAt(at, ErrSyntax, "syntax error")
	if at < end {
		e.Msg += fmt.Sprintf(" near %q", s.orig[at:end])
	}
	return e
}

// suggest returns ` (did you mean "x"?)` for the candidate closest to
// name, when one is close enough, or "".
func suggest(name string, candidates []string) string {
	best, bestD := "", len(name)/2+2
	for _, c := range candidates {
		if d := distance(strings.ToLower(name), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// listNames renders names for an error message, sorted, at most 50.
func listNames(names []string) string {
	names = slices.Clone(names)
	slices.Sort(names)
	if len(names) > 50 {
		return strings.Join(names[:50], ", ") + fmt.Sprintf(", … (%d more)", len(names)-50)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
