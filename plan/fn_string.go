package plan

import (
	"fmt"
	"regexp"

	"github.com/apache/arrow-go/v18/arrow"
)

// The string functions, with Spark's semantics (docs/functions.md lists
// the differences). Every argument converts as asString/asInt64 say; a
// NULL argument gives NULL unless a function says otherwise.
//
//	like(str, pattern[, escape])       SQL LIKE: % any run, _ one character, escape (default \) quotes them
//	rlike(str, regexp)                 regexp found anywhere in str (Go RE2 syntax)
//	substring(str, pos[, len])         1-based; pos 0 is 1; negative pos counts from the end
//	split(str, regexp[, limit])        array<string>; limit > 0 caps the pieces, ≤ 0 keeps all
//	trim/ltrim/rtrim(str[, chars])     strips spaces (only ' '), or any of chars
//	lpad/rpad(str, len[, pad])         pads with pad (default ' ') or truncates to len characters
//	regexp_extract(str, regexp[, idx]) group idx (default 1) of the first match; "" when none
//	regexp_replace(str, regexp, rep[, pos]) replaces every match from character pos on; $1 in rep is group 1
//	replace(str, search[, rep])        replaces every occurrence of search (rep default "")
//	concat_ws(sep, s…)                 joins the non-NULL values (and array elements) with sep
//	format_string(fmt, arg…)           Java's String.format for %s %d %f %e %g %x %o %c %b %% %n
func init() {
	str := func(idx ...int) func(string, []Expr) ([]Expr, arrow.DataType, error) {
		return func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
			return convertArgs(fn, args, typString, idx...)
		}
	}
	defineBuiltin("like", 2, 3, resolveLike)
	defineBuiltin("rlike", 2, 2, resolveRegexpArgs(1, typBool, asString), "regexp", "regexp_like")
	defineBuiltin("substring", 2, 3, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		return convertEach(fn, args, typString, asString, asInt64, asInt64)
	}, "substr")
	defineBuiltin("split", 2, 3, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		if err := checkRegexpLiteral(fn, args, 1); err != nil {
			return nil, nil, err
		}
		return convertEach(fn, args, arrow.ListOf(typString), asString, asString, asInt64)
	})
	for _, name := range []string{"trim", "ltrim", "rtrim"} {
		defineBuiltin(name, 1, 2, str())
	}
	for _, name := range []string{"lpad", "rpad"} {
		defineBuiltin(name, 2, 3, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
			return convertEach(fn, args, typString, asString, asInt64, asString)
		})
	}
	defineBuiltin("regexp_extract", 2, 3, resolveRegexpArgs(1, typString, asString, asString, asInt64))
	defineBuiltin("regexp_replace", 3, 4, resolveRegexpArgs(1, typString, asString, asString, asString, asInt64))
	defineBuiltin("replace", 2, 3, str())
	defineBuiltin("concat_ws", 1, -1, resolveConcatWS)
	defineBuiltin("format_string", 1, -1, func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		if err := asString(fn, args, 0); err != nil {
			return nil, nil, err
		}
		for i, a := range args[1:] {
			if _, ok := a.Type().(arrow.NestedType); ok {
				return nil, nil, argTypeError(fn, i+1, a, "a scalar value")
			}
		}
		return args, typString, nil
	}, "printf")
}

// convertArgs converts the arguments at idx (all when idx is empty) with
// asString (the only conversion str() needs).
func convertArgs(fn string, args []Expr, result arrow.DataType, idx ...int) ([]Expr, arrow.DataType, error) {
	if len(idx) == 0 {
		for i := range args {
			idx = append(idx, i)
		}
	}
	for _, i := range idx {
		if err := asString(fn, args, i); err != nil {
			return nil, nil, err
		}
	}
	return args, result, nil
}

// convertEach converts argument i with conv[i] (arguments beyond conv are
// left as they are).
func convertEach(fn string, args []Expr, result arrow.DataType, conv ...func(string, []Expr, int) error) ([]Expr, arrow.DataType, error) {
	for i := range args {
		if i < len(conv) {
			if err := conv[i](fn, args, i); err != nil {
				return nil, nil, err
			}
		}
	}
	return args, result, nil
}

// resolveRegexpArgs converts the arguments with conv and checks that a
// literal regular expression at index re compiles (RE2 syntax), so a bad
// pattern is reported when the plan is built.
func resolveRegexpArgs(re int, result arrow.DataType, conv ...func(string, []Expr, int) error) func(string, []Expr) ([]Expr, arrow.DataType, error) {
	return func(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
		if err := checkRegexpLiteral(fn, args, re); err != nil {
			return nil, nil, err
		}
		return convertEach(fn, args, result, conv...)
	}
}

func checkRegexpLiteral(fn string, args []Expr, i int) error {
	lit, ok := Unalias(args[i]).(*Literal)
	if !ok {
		return nil
	}
	if s, ok := lit.Value.(string); ok {
		if _, err := regexp.Compile(s); err != nil {
			return typeError("%s: argument %d: invalid regular expression %q (Go RE2 syntax: no backreferences or lookaround): %v", fn, i+1, s, err)
		}
	}
	return nil
}

// resolveLike checks that the escape, when given, is a literal of one
// character, and compiles a literal pattern to report a bad escape early.
func resolveLike(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
	if len(args) == 3 {
		esc, ok, err := stringLiteral(fn, args, 2, "the escape character")
		if err != nil {
			return nil, nil, err
		}
		if !ok || len([]rune(esc)) != 1 {
			return nil, nil, typeError("%s: the escape %q must be one character", fn, esc)
		}
	}
	if lit, ok := Unalias(args[1]).(*Literal); ok {
		if p, ok := lit.Value.(string); ok {
			esc := '\\'
			if len(args) == 3 {
				esc = []rune(Unalias(args[2]).(*Literal).Value.(string))[0]
			}
			if _, err := LikeRegexp(p, esc); err != nil {
				return nil, nil, typeError("%s: %v", fn, err)
			}
		}
	}
	return convertArgs(fn, args, typBool, 0, 1)
}

// resolveConcatWS takes a string separator and strings or arrays of
// strings.
func resolveConcatWS(fn string, args []Expr) ([]Expr, arrow.DataType, error) {
	if err := asString(fn, args, 0); err != nil {
		return nil, nil, err
	}
	for i := 1; i < len(args); i++ {
		if l, ok := args[i].Type().(*arrow.ListType); ok {
			if !isString(l.Elem()) {
				return nil, nil, argTypeError(fn, i, args[i], "a string or an array of strings")
			}
			if l.Elem().ID() != arrow.STRING {
				return nil, nil, argTypeError(fn, i, args[i], "a string or an array of strings")
			}
			continue
		}
		if err := asString(fn, args, i); err != nil {
			return nil, nil, err
		}
	}
	return args, typString, nil
}

// LikeRegexp translates a SQL LIKE pattern into an anchored regular
// expression: % matches any run of characters, _ one character, and esc
// makes the character after it literal. An escape at the end of the
// pattern, or before anything other than %, _ or itself, is an error, as
// in Spark.
func LikeRegexp(pattern string, esc rune) (*regexp.Regexp, error) {
	out := []byte("(?s)^")
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; {
		case c == esc:
			if i+1 == len(rs) {
				return nil, fmt.Errorf("the pattern %q ends with the escape character %q", pattern, esc)
			}
			n := rs[i+1]
			if n != '%' && n != '_' && n != esc {
				return nil, fmt.Errorf("the escape character %q in the pattern %q is followed by %q (only %%, _ and the escape itself may be escaped)", esc, pattern, n)
			}
			out = append(out, regexp.QuoteMeta(string(n))...)
			i++
		case c == '%':
			out = append(out, ".*"...)
		case c == '_':
			out = append(out, '.')
		default:
			out = append(out, regexp.QuoteMeta(string(c))...)
		}
	}
	return regexp.Compile(string(append(out, '$')))
}
