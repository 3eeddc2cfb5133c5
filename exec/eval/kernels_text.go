package eval

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/plan"
)

// The kernels of the string functions (plan/fn_string.go states their
// semantics).

func init() {
	registerKernel("like", likeKernel)
	registerKernel("rlike", rlikeKernel)
	registerKernel("substring", substringKernel)
	registerKernel("split", splitKernel)
	registerKernel("trim", trimKernel(true, true))
	registerKernel("ltrim", trimKernel(true, false))
	registerKernel("rtrim", trimKernel(false, true))
	registerKernel("lpad", padKernel(true))
	registerKernel("rpad", padKernel(false))
	registerKernel("regexp_extract", regexpExtractKernel)
	registerKernel("regexp_replace", regexpReplaceKernel)
	registerKernel("replace", replaceKernel)
	registerKernel("concat_ws", concatWSKernel)
	registerKernel("format_string", formatStringKernel)
}

// stringsOf reads every argument as a string argument.
func stringsOf(args []arrow.Array, rows int) []argCol[*array.String] {
	out := make([]argCol[*array.String], len(args))
	for i, a := range args {
		out[i] = argOf[*array.String](a, rows)
	}
	return out
}

// stringValues reads row r of every argument into vals.
func stringValues(cols []argCol[*array.String], r int, vals []string) {
	for i, c := range cols {
		vals[i] = c.a.Value(c.at(r))
	}
}

// mapStrings builds a string column: row r is fn's value, NULL when any
// argument is NULL or fn reports !ok.
func mapStrings(ev *Evaluator, args []arrow.Array, rows int, fn func(r int, s []string) (string, bool, error)) (arrow.Array, error) {
	cols := stringsOf(args, rows)
	b := array.NewStringBuilder(ev.mem)
	defer b.Release()
	b.Reserve(rows)
	vals := make([]string, len(cols))
	for r := range validRows(b, rows, args...) {
		stringValues(cols, r, vals)
		v, ok, err := fn(r, vals)
		if err != nil {
			return nil, err
		}
		if ok {
			b.Append(v)
		} else {
			b.AppendNull()
		}
	}
	return b.NewArray(), nil
}

// mapBools is mapStrings for a boolean result.
func mapBools(ev *Evaluator, args []arrow.Array, rows int, fn func(s []string) (bool, error)) (arrow.Array, error) {
	cols := stringsOf(args, rows)
	b := array.NewBooleanBuilder(ev.mem)
	defer b.Release()
	b.Reserve(rows)
	vals := make([]string, len(cols))
	for r := range validRows(b, rows, args...) {
		stringValues(cols, r, vals)
		v, err := fn(vals)
		if err != nil {
			return nil, err
		}
		b.UnsafeAppend(v)
	}
	return b.NewArray(), nil
}

func likeKernel(ev *Evaluator, e *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	esc := '\\'
	if len(args) == 3 {
		s := args[2].(*array.String)
		if s.IsNull(0) {
			return array.MakeArrayOfNull(ev.mem, e.Type(), rows), nil
		}
		esc, _ = utf8.DecodeRuneInString(s.Value(0))
	}
	var last string
	var re *regexp.Regexp
	return mapBools(ev, args[:2], rows, func(s []string) (bool, error) {
		if re == nil || s[1] != last {
			var err error
			if re, err = plan.LikeRegexp(s[1], esc); err != nil {
				return false, err
			}
			last = s[1]
		}
		return re.MatchString(s[0]), nil
	})
}

func rlikeKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	var cache regexpCache
	return mapBools(ev, args, rows, func(s []string) (bool, error) {
		re, err := cache.get(s[1])
		if err != nil {
			return false, err
		}
		return re.MatchString(s[0]), nil
	})
}

// intArgs reads int64 arguments, which need not be strings.
func intArg(args []arrow.Array, i, rows int) (argCol[*array.Int64], bool) {
	if i >= len(args) {
		return argCol[*array.Int64]{}, false
	}
	return argOf[*array.Int64](args[i], rows), true
}

// withInts runs mapStrings over the string arguments, handing fn the int64
// arguments at the indices ints (NULL when one is).
func withInts(ev *Evaluator, args []arrow.Array, rows int, strs []int, ints []int, fn func(s []string, n []int64) (string, bool, error)) (arrow.Array, error) {
	icols := make([]argCol[*array.Int64], len(ints))
	for k, i := range ints {
		icols[k], _ = intArg(args, i, rows)
	}
	sargs := make([]arrow.Array, len(strs))
	for k, i := range strs {
		sargs[k] = args[i]
	}
	nums := make([]int64, len(ints))
	return mapStrings(ev, sargs, rows, func(r int, s []string) (string, bool, error) {
		for k, c := range icols {
			if c.null(r) {
				return "", false, nil
			}
			nums[k] = c.a.Value(c.at(r))
		}
		return fn(s, nums)
	})
}

func substringKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	ints := []int{1}
	if len(args) == 3 {
		ints = append(ints, 2)
	}
	return withInts(ev, args, rows, []int{0}, ints, func(s []string, n []int64) (string, bool, error) {
		length := int64(1<<31 - 1)
		if len(n) == 2 {
			length = n[1]
		}
		return SparkSubstring(s[0], n[0], length), true, nil
	})
}

// SparkSubstring is Spark's substring(s, pos, length) on characters: pos
// is 1-based, 0 acts as 1, a negative pos counts from the end; the part of
// the range before the start of s is cut off.
func SparkSubstring(s string, pos, length int64) string {
	n := int64(utf8.RuneCountInString(s))
	var start int64
	switch {
	case pos > 0:
		start = pos - 1
	case pos < 0:
		start = n + pos
	}
	var end int64
	switch {
	case length > 0 && start > (1<<62)-length:
		end = 1 << 62
	default:
		end = start + length
	}
	start = max(start, 0)
	end = min(end, n)
	if start >= end {
		return ""
	}
	if n == int64(len(s)) {
		return s[start:end]
	}
	return runeSlice(s, int(start), int(end))
}

func runeSlice(s string, start, end int) string {
	i, from := 0, -1
	for b := range s {
		if i == start {
			from = b
		}
		if i == end {
			return s[from:b]
		}
		i++
	}
	if from < 0 {
		return ""
	}
	return s[from:]
}

func splitKernel(ev *Evaluator, e *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	cols := stringsOf(args[:2], rows)
	limit, hasLimit := intArg(args, 2, rows)
	lb := array.NewListBuilder(ev.mem, arrow.BinaryTypes.String)
	defer lb.Release()
	vb := lb.ValueBuilder().(*array.StringBuilder)
	var cache regexpCache
	for r := 0; r < rows; r++ {
		if cols[0].null(r) || cols[1].null(r) || (hasLimit && limit.null(r)) {
			lb.AppendNull()
			continue
		}
		re, err := cache.get(cols[1].a.Value(cols[1].at(r)))
		if err != nil {
			return nil, err
		}
		n := -1
		if hasLimit {
			if l := limit.a.Value(limit.at(r)); l > 0 {
				n = int(min(l, 1<<31-1))
			}
		}
		lb.Append(true)
		for _, part := range re.Split(cols[0].a.Value(cols[0].at(r)), n) {
			vb.Append(part)
		}
	}
	return lb.NewArray(), nil
}

func trimKernel(left, right bool) builtinKernel {
	return func(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
		return mapStrings(ev, args, rows, func(_ int, s []string) (string, bool, error) {
			chars := " "
			if len(s) == 2 {
				chars = s[1]
			}
			v := s[0]
			if left {
				v = strings.TrimLeft(v, chars)
			}
			if right {
				v = strings.TrimRight(v, chars)
			}
			return v, true, nil
		})
	}
}

func padKernel(left bool) builtinKernel {
	return func(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
		strs := []int{0}
		if len(args) == 3 {
			strs = append(strs, 2)
		}
		return withInts(ev, args, rows, strs, []int{1}, func(s []string, n []int64) (string, bool, error) {
			pad := " "
			if len(s) == 2 {
				pad = s[1]
			}
			return sparkPad(s[0], n[0], pad, left), true, nil
		})
	}
}

// sparkPad is Spark's lpad/rpad: s cut to length characters, or padded to
// it with repeats of pad (unchanged when pad is empty).
func sparkPad(s string, length int64, pad string, left bool) string {
	n := int64(utf8.RuneCountInString(s))
	if length <= 0 {
		return ""
	}
	if length <= n || pad == "" {
		return SparkSubstring(s, 1, length)
	}
	padRunes := []rune(pad)
	need := length - n
	fill := make([]rune, 0, need)
	for int64(len(fill)) < need {
		fill = append(fill, padRunes[int64(len(fill))%int64(len(padRunes))])
	}
	if left {
		return string(fill) + s
	}
	return s + string(fill)
}

func regexpExtractKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	var cache regexpCache
	var ints []int
	if len(args) == 3 {
		ints = []int{2}
	}
	return withInts(ev, args, rows, []int{0, 1}, ints, func(s []string, n []int64) (string, bool, error) {
		re, err := cache.get(s[1])
		if err != nil {
			return "", false, err
		}
		idx := int64(1)
		if len(n) == 1 {
			idx = n[0]
		}
		if idx < 0 || idx > int64(re.NumSubexp()) {
			return "", false, fmt.Errorf("the regular expression %q has %d groups; group %d does not exist", s[1], re.NumSubexp(), idx)
		}
		m := re.FindStringSubmatchIndex(s[0])
		if m == nil || m[2*idx] < 0 {
			return "", true, nil
		}
		return s[0][m[2*idx]:m[2*idx+1]], true, nil
	})
}

func regexpReplaceKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	var cache regexpCache
	var lastRep, template string
	var lastRe *regexp.Regexp
	var ints []int
	if len(args) == 4 {
		ints = []int{3}
	}
	return withInts(ev, args, rows, []int{0, 1, 2}, ints, func(s []string, n []int64) (string, bool, error) {
		re, err := cache.get(s[1])
		if err != nil {
			return "", false, err
		}
		if re != lastRe || s[2] != lastRep {
			if template, err = JavaReplacement(s[2], re.NumSubexp()); err != nil {
				return "", false, err
			}
			lastRe, lastRep = re, s[2]
		}
		pos := int64(1)
		if len(n) == 1 {
			pos = n[0]
		}
		if pos < 1 {
			return "", false, fmt.Errorf("the position %d must be 1 or more", pos)
		}
		head := SparkSubstring(s[0], 1, pos-1)
		return head + re.ReplaceAllString(s[0][len(head):], template), true, nil
	})
}

// JavaReplacement translates a Java replacement string (what Spark's
// regexp_replace takes: $n and ${name} refer to groups, a backslash makes
// the next character literal) into the template Go's Regexp.Expand reads.
// As in Java, $ followed by digits takes as many digits as still name an
// existing group.
func JavaReplacement(rep string, groups int) (string, error) {
	var b strings.Builder
	for i := 0; i < len(rep); i++ {
		switch c := rep[i]; c {
		case '\\':
			if i+1 == len(rep) {
				return "", fmt.Errorf("the replacement %q ends with a backslash", rep)
			}
			i++
			if rep[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(rep[i])
			}
		case '$':
			if i+1 < len(rep) && rep[i+1] == '{' {
				end := strings.IndexByte(rep[i:], '}')
				if end < 0 {
					return "", fmt.Errorf("the replacement %q has an unclosed ${", rep)
				}
				b.WriteString(rep[i : i+end+1])
				i += end
				continue
			}
			if i+1 == len(rep) || rep[i+1] < '0' || rep[i+1] > '9' {
				return "", fmt.Errorf("the replacement %q has a $ not followed by a group number (write \\$ for a dollar sign)", rep)
			}
			g := int(rep[i+1] - '0')
			j := i + 2
			for j < len(rep) && rep[j] >= '0' && rep[j] <= '9' && g*10+int(rep[j]-'0') <= groups {
				g = g*10 + int(rep[j]-'0')
				j++
			}
			if g > groups {
				return "", fmt.Errorf("the replacement %q refers to group %d; the pattern has %d", rep, g, groups)
			}
			b.WriteString("${" + strconv.Itoa(g) + "}")
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func replaceKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	return mapStrings(ev, args, rows, func(_ int, s []string) (string, bool, error) {
		if s[1] == "" {
			return s[0], true, nil
		}
		rep := ""
		if len(s) == 3 {
			rep = s[2]
		}
		return strings.ReplaceAll(s[0], s[1], rep), true, nil
	})
}

func concatWSKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	sep := argOf[*array.String](args[0], rows)
	b := array.NewStringBuilder(ev.mem)
	defer b.Release()
	b.Reserve(rows)
	var buf []byte
	for r := 0; r < rows; r++ {
		if sep.null(r) {
			b.AppendNull()
			continue
		}
		s := sep.a.Value(sep.at(r))
		buf = buf[:0]
		first := true
		add := func(v string) {
			if !first {
				buf = append(buf, s...)
			}
			buf = append(buf, v...)
			first = false
		}
		for _, a := range args[1:] {
			i := r
			if a.Len() != rows {
				i = 0
			}
			if a.IsNull(i) {
				continue
			}
			switch a := a.(type) {
			case *array.String:
				add(a.Value(i))
			case *array.List:
				elems := a.ListValues().(*array.String)
				from, to := a.ValueOffsets(i)
				for k := from; k < to; k++ {
					if elems.IsValid(int(k)) {
						add(elems.Value(int(k)))
					}
				}
			}
		}
		b.BinaryBuilder.Append(buf)
	}
	return b.NewArray(), nil
}
