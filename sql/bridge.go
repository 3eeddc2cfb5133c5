package sql

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// The parser's grammar is MySQL's. Spark SQL spells a few things MySQL
// does not, and those are bridged here, lexically, on the parser's own
// tokenizer — no grammar is written:
//
//   - "NULLS FIRST" / "NULLS LAST" after an ORDER BY key becomes one more
//     ORDER BY key, a marker column (nullsFirstMarker, nullsLastMarker),
//     which the translator folds into the key before it;
//   - the type of a CAST (int, bigint, string, boolean, timestamp,
//     decimal(p,s), …, which MySQL's CAST mostly refuses) becomes
//     char(N), N numbering the Spark type the translator reads back
//     (castMarkerBase + its index in source.casts).
//   - LEFT SEMI JOIN / LEFT ANTI JOIN (also without LEFT), which MySQL
//     lacks, become LEFT JOIN with a marker column ANDed before the ON
//     condition (semiJoinMarker, antiJoinMarker: "ON marker AND (cond)"),
//     a USING list becoming "ON marker AND __ember_using__(a, b)" and no
//     condition "ON marker"; the translator reads the join type back;
//   - f(x, …) IGNORE NULLS OVER (Spark's, for first_value, last_value
//     and nth_value) becomes f(ignoreNullsMarker(x), …) OVER (a call
//     around the first argument, as the grammar gives first_value one
//     argument), which the translator unwraps; RESPECT NULLS (the
//     default) is dropped;
//   - OFFSET without LIMIT gets LIMIT 9223372036854775807 before it;
//   - LATERAL VIEW [OUTER] f(args) a [AS] c1, c2 (Spark's) becomes
//     JOIN LATERAL (SELECT f[_outer](args)) a(c1, c2), which the
//     translator turns into a Generate of the rows before it.
//
// Every edit is recorded, so positions in the rewritten text map back to
// the user's text for error messages.

const (
	nullsFirstMarker  = "__ember_nulls_first__"
	nullsLastMarker   = "__ember_nulls_last__"
	castMarkerBase    = 7_000_000_000
	semiJoinMarker    = "__ember_left_semi__"
	antiJoinMarker    = "__ember_left_anti__"
	usingMarker       = "__ember_using__"
	ignoreNullsMarker = "__ember_ignore_nulls__"
)

// joinClauseEnd are the words that end a join's table and condition at
// their own depth.
var joinClauseEnd = map[string]bool{
	"JOIN": true, "INNER": true, "LEFT": true, "RIGHT": true, "FULL": true, "CROSS": true, "NATURAL": true,
	"STRAIGHT_JOIN": true, "SEMI": true, "ANTI": true, "WHERE": true, "GROUP": true, "HAVING": true, "ORDER": true,
	"LIMIT": true, "WINDOW": true, "UNION": true, "INTERSECT": true, "EXCEPT": true, "LATERAL": true, ",": true, ";": true,
}

// clauseEnd returns the index of the first token from i on, at depth 0,
// that ends a join clause (or that starts it, when stopAtCond: ON or
// USING): a word of joinClauseEnd or a ')' closing an outer group;
// len(toks) at the end.
func clauseEnd(toks []token, i int, stopAtCond bool) int {
	depth := 0
	for ; i < len(toks); i++ {
		t := toks[i]
		word := strings.ToUpper(t.val)
		if t.typ < 256 {
			word = string(rune(t.typ))
		}
		switch {
		case t.typ == '(':
			depth++
		case t.typ == ')':
			if depth == 0 {
				return i
			}
			depth--
		case depth == 0 && (joinClauseEnd[word] || stopAtCond && (word == "ON" || word == "USING")):
			return i
		}
	}
	return len(toks)
}

// token is one token of the user's text, with its byte offsets.
type token struct {
	typ        int
	val        string
	start, end int
}

// edit replaces text[at:at+oldLen] of the user's text by newLen bytes.
type edit struct {
	origAt, oldLen, newLen int
}

// source is a statement as the user wrote it and as the parser reads it.
type source struct {
	orig   string
	text   string  // what the parser reads: prefix + the rewritten text
	prefix int     // bytes of a wrapper before the user's text (expressions)
	tokens []token // of orig
	edits  []edit  // in text order
	casts  []castSpec
}

// castSpec is the Spark type of one CAST, as written.
type castSpec struct {
	text string // the type as written
	at   int    // its offset in orig
}

// newSource tokenizes query and rewrites it for the parser; prefix is
// put before the rewritten text (a wrapper that makes an expression a
// statement), suffix after it.
func newSource(query, prefix, suffix string) *source {
	s := &source{orig: query, prefix: len(prefix)}
	s.tokens = tokenize(query)
	type replacement struct {
		start, end int
		with       string
	}
	var pending []replacement
	replace := func(start, end int, with string) {
		pending = append(pending, replacement{start, end, with})
	}
	toks := s.tokens
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case strings.EqualFold(t.val, "NULLS") && i+1 < len(toks) && t.typ == sqlparser.ID &&
			(strings.EqualFold(toks[i+1].val, "FIRST") || strings.EqualFold(toks[i+1].val, "LAST")):
			marker := nullsLastMarker
			if strings.EqualFold(toks[i+1].val, "FIRST") {
				marker = nullsFirstMarker
			}
			replace(t.start, toks[i+1].end, ", "+marker)
			i++
		case (strings.EqualFold(t.val, "SEMI") || strings.EqualFold(t.val, "ANTI")) && t.typ == sqlparser.ID &&
			i+1 < len(toks) && strings.EqualFold(toks[i+1].val, "JOIN"):
			marker := semiJoinMarker
			if strings.EqualFold(t.val, "ANTI") {
				marker = antiJoinMarker
			}
			start := t.start
			if i > 0 && strings.EqualFold(toks[i-1].val, "LEFT") {
				start = toks[i-1].start
			}
			replace(start, toks[i+1].end, "LEFT JOIN")
			k := clauseEnd(toks, i+2, true)
			word := ""
			if k < len(toks) {
				word = strings.ToUpper(toks[k].val)
			}
			switch {
			case word == "ON":
				replace(toks[k].start, toks[k].end, "ON "+marker+" AND (")
				if e := clauseEnd(toks, k+1, false); e < len(toks) {
					replace(toks[e].start, toks[e].start, ") ")
				} else {
					replace(len(query), len(query), ")")
				}
			case word == "USING" && k+1 < len(toks) && toks[k+1].typ == '(':
				replace(toks[k].start, toks[k+1].start, "ON "+marker+" AND "+usingMarker)
			case k < len(toks):
				replace(toks[k].start, toks[k].start, "ON "+marker+" ")
			default:
				replace(len(query), len(query), " ON "+marker)
			}
			i++
		case (strings.EqualFold(t.val, "IGNORE") || strings.EqualFold(t.val, "RESPECT")) && i > 0 && toks[i-1].typ == ')' &&
			i+2 < len(toks) && strings.EqualFold(toks[i+1].val, "NULLS") && strings.EqualFold(toks[i+2].val, "OVER"):
			replace(t.start, toks[i+1].end, "")
			if strings.EqualFold(t.val, "IGNORE") {
				wrapFirstArgument(toks, i-1, ignoreNullsMarker, replace)
			}
			i++
		case strings.EqualFold(t.val, "LATERAL") && i+1 < len(toks) && strings.EqualFold(toks[i+1].val, "VIEW"):
			i = s.lateralView(toks, i, replace)
		case strings.EqualFold(t.val, "OFFSET") && (i < 2 || !strings.EqualFold(toks[i-2].val, "LIMIT")):
			// OFFSET without LIMIT (Spark 3.4): MySQL needs a LIMIT.
			replace(t.start, t.start, "LIMIT 9223372036854775807 ")
		case strings.EqualFold(t.val, "CAST") && i+1 < len(toks) && toks[i+1].typ == '(':
			// Find AS at the CAST's own depth, and the ')' that closes it.
			depth, as, closing := 0, -1, -1
			for j := i + 1; j < len(toks) && closing < 0; j++ {
				switch toks[j].typ {
				case '(':
					depth++
				case ')':
					depth--
					if depth == 0 {
						closing = j
					}
				default:
					if depth == 1 && toks[j].typ == sqlparser.AS {
						as = j
					}
				}
			}
			if as < 0 || closing < 0 || as+1 >= closing {
				continue // a syntax error the parser reports
			}
			start, end := toks[as+1].start, toks[closing].start
			replace(start, end, fmt.Sprintf("char(%d)", castMarkerBase+len(s.casts)))
			s.casts = append(s.casts, castSpec{text: strings.TrimSpace(query[start:end]), at: start})
		}
	}
	// A CAST inside another's operand is found after the outer one.
	slices.SortStableFunc(pending, func(a, b replacement) int { return a.start - b.start })
	var b strings.Builder
	b.WriteString(prefix)
	last := 0
	for _, r := range pending {
		b.WriteString(query[last:r.start])
		b.WriteString(r.with)
		s.edits = append(s.edits, edit{origAt: r.start, oldLen: r.end - r.start, newLen: len(r.with)})
		last = r.end
	}
	b.WriteString(query[last:])
	b.WriteString(suffix)
	s.text = b.String()
	return s
}

// wrapFirstArgument puts a call of fn around the first argument of the
// call that the ')' at toks[closing] ends; a call without arguments is
// left as it is.
func wrapFirstArgument(toks []token, closing int, fn string, replace func(start, end int, with string)) {
	depth, open := 0, -1
	for k := closing; k >= 0 && open < 0; k-- {
		switch toks[k].typ {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				open = k
			}
		}
	}
	if open < 0 || open+1 == closing {
		return
	}
	end := closing
	depth = 0
	for k := open + 1; k < closing; k++ {
		switch toks[k].typ {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 && end == closing {
				end = k
			}
		}
	}
	replace(toks[open+1].start, toks[open+1].start, fn+"(")
	replace(toks[end].start, toks[end].start, ")")
}

// tokenize splits text into the parser's tokens, with their offsets.
func tokenize(text string) []token {
	tz := sqlparser.NewStringTokenizer(text)
	var out []token
	for {
		typ, val := tz.Scan()
		if typ == 0 || typ == sqlparser.LEX_ERROR {
			return out
		}
		// The tokenizer's Position is one past the byte after the token.
		end := min(tz.Position-1, len(text))
		n := len(val)
		switch {
		case typ < 256: // one-character punctuation: val is empty
			n = 1
		case len(val) == 0: // an operator of several characters (<=, <=>, !=, ||)
			for n < end && strings.IndexByte("<>=!|&:", text[end-1-n]) >= 0 {
				n++
			}
		case end > 0 && text[end-1] == '`':
			n = len(val) + 2 + strings.Count(string(val), "`")
		case end > 0 && (text[end-1] == '\'' || text[end-1] == '"'):
			n = strings.LastIndexByte(text[:end-1], text[end-1]) // opening quote
			n = end - max(n, 0)
		}
		start := max(end-n, 0)
		out = append(out, token{typ: typ, val: string(val), start: start, end: end})
	}
}

// origPos maps an offset in s.text to one in s.orig.
func (s *source) origPos(p int) int {
	p -= s.prefix
	if p < 0 {
		return 0
	}
	shift := 0 // orig - text, for the edits before p
	for _, e := range s.edits {
		at := e.origAt - shift // where the edit is in the rewritten text
		if p < at {
			break
		}
		if p < at+e.newLen {
			return e.origAt
		}
		shift += e.oldLen - e.newLen
	}
	return min(p+shift, len(s.orig))
}

// lineCol returns the 1-based line and column (in characters) of offset
// p of the user's text.
func (s *source) lineCol(p int) (int, int) {
	p = min(max(p, 0), len(s.orig))
	before := s.orig[:p]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

// find returns the offset of the first token spelled name (ignoring
// case), at or after offset from, or -1. With call, only a name followed
// by '(' counts.
func (s *source) find(name string, from int, call bool) int {
	for i, t := range s.tokens {
		if t.start < from || t.typ < 256 || !strings.EqualFold(t.val, name) {
			continue
		}
		if call && (i+1 >= len(s.tokens) || s.tokens[i+1].typ != '(') {
			continue
		}
		return t.start
	}
	return -1
}

// lateralView rewrites the LATERAL VIEW clause at toks[i] (see above)
// and returns the index of its last token; one it cannot read is left
// as it is, for the parser to report.
func (s *source) lateralView(toks []token, i int, replace func(start, end int, with string)) int {
	j := i + 2
	outer := j < len(toks) && strings.EqualFold(toks[j].val, "OUTER")
	if outer {
		j++
	}
	if j+1 >= len(toks) || toks[j+1].typ != '(' {
		return i
	}
	fn := j
	depth, closing := 0, -1
	for k := j + 1; k < len(toks) && closing < 0; k++ {
		switch toks[k].typ {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				closing = k
			}
		}
	}
	if closing < 0 || closing+1 >= len(toks) {
		return i
	}
	alias := closing + 1
	last := alias
	var cols []string
	k := alias + 1
	if k < len(toks) && strings.EqualFold(toks[k].val, "AS") {
		k++
	}
	for k < len(toks) && toks[k].typ >= 256 && !joinClauseEnd[strings.ToUpper(toks[k].val)] {
		cols = append(cols, s.orig[toks[k].start:toks[k].end])
		last = k
		if k+1 < len(toks) && toks[k+1].typ == ',' {
			k += 2
			continue
		}
		break
	}
	replace(toks[i].start, toks[fn].start, "JOIN LATERAL (SELECT ")
	if outer {
		replace(toks[fn].end, toks[fn].end, "_outer")
	}
	replace(toks[closing].end, toks[closing].end, ")")
	if len(cols) > 0 {
		replace(toks[alias].end, toks[last].end, "("+strings.Join(cols, ", ")+")")
	}
	return last
}
