package eval

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/plan"
)

// formatStringKernel is Spark's format_string: Java's String.format with
// the format and the arguments of each row.
func formatStringKernel(ev *Evaluator, _ *plan.Builtin, args []arrow.Array, rows int) (arrow.Array, error) {
	format := argOf[*array.String](args[0], rows)
	b := array.NewStringBuilder(ev.mem)
	defer b.Release()
	b.Reserve(rows)
	values := args[1:]
	steps := argSteps(values, rows)
	var buf []byte
	var last string
	var specs []formatSpec
	for r := 0; r < rows; r++ {
		if format.null(r) {
			b.AppendNull()
			continue
		}
		f := format.a.Value(format.at(r))
		if specs == nil || f != last {
			var err error
			if specs, err = parseJavaFormat(f); err != nil {
				return nil, err
			}
			last = f
		}
		var err error
		if buf, err = appendJavaFormat(buf[:0], specs, values, steps, r); err != nil {
			return nil, err
		}
		b.BinaryBuilder.Append(buf)
	}
	return b.NewArray(), nil
}

// formatSpec is one piece of a Java format string: literal text, or a
// conversion.
type formatSpec struct {
	text      string
	conv      byte // 0 for text
	arg       int  // 0-based argument, -1 for none (%%, %n)
	flags     string
	width     int // -1 when absent
	precision int // -1 when absent
}

// parseJavaFormat splits a java.util.Formatter format string:
// %[index$][flags][width][.precision]conversion, with the conversions
// s S d o x X e E f g G c C b B % n. Arguments without an index take the
// next one; %<s reuses the previous one.
func parseJavaFormat(f string) ([]formatSpec, error) {
	var out []formatSpec
	next, prev := 0, -1
	for i := 0; i < len(f); {
		j := strings.IndexByte(f[i:], '%')
		if j < 0 {
			out = append(out, formatSpec{text: f[i:]})
			break
		}
		if j > 0 {
			out = append(out, formatSpec{text: f[i : i+j]})
		}
		i += j + 1
		spec := formatSpec{arg: -2, width: -1, precision: -1}
		// index$ or <
		k := i
		for k < len(f) && f[k] >= '0' && f[k] <= '9' {
			k++
		}
		if k < len(f) && f[k] == '$' && k > i {
			n, _ := strconv.Atoi(f[i:k])
			spec.arg = n - 1
			i = k + 1
		} else if i < len(f) && f[i] == '<' {
			spec.arg = prev
			i++
		}
		for i < len(f) && strings.IndexByte("-#+ 0,(", f[i]) >= 0 {
			spec.flags += string(f[i])
			i++
		}
		k = i
		for k < len(f) && f[k] >= '0' && f[k] <= '9' {
			k++
		}
		if k > i {
			spec.width, _ = strconv.Atoi(f[i:k])
			i = k
		}
		if i < len(f) && f[i] == '.' {
			k = i + 1
			for k < len(f) && f[k] >= '0' && f[k] <= '9' {
				k++
			}
			if k == i+1 {
				return nil, fmt.Errorf("format %q: a precision needs digits after the point", f)
			}
			spec.precision, _ = strconv.Atoi(f[i+1 : k])
			i = k
		}
		if i >= len(f) {
			return nil, fmt.Errorf("format %q ends inside a conversion", f)
		}
		spec.conv = f[i]
		i++
		switch spec.conv {
		case '%', 'n':
			spec.arg = -1
		case 's', 'S', 'd', 'o', 'x', 'X', 'e', 'E', 'f', 'g', 'G', 'c', 'C', 'b', 'B':
			if spec.arg == -2 {
				spec.arg = next
				next++
			}
			if spec.arg < 0 {
				return nil, fmt.Errorf("format %q: %%< with no previous argument", f)
			}
			prev = spec.arg
		default:
			return nil, fmt.Errorf("format %q: unsupported conversion %%%c (supported: s S d o x X e E f g G c C b B %% n)", f, spec.conv)
		}
		out = append(out, spec)
	}
	return out, nil
}

func appendJavaFormat(buf []byte, specs []formatSpec, values []arrow.Array, steps []int, r int) ([]byte, error) {
	for _, s := range specs {
		if s.conv == 0 {
			buf = append(buf, s.text...)
			continue
		}
		var body string
		switch s.conv {
		case '%':
			body = "%"
		case 'n':
			body = "\n"
		default:
			if s.arg >= len(values) {
				return nil, fmt.Errorf("format specifier %%%c needs argument %d; %d given", s.conv, s.arg+1, len(values))
			}
			a, i := values[s.arg], r*steps[s.arg]
			var err error
			if body, err = formatJavaValue(s, a, i); err != nil {
				return nil, err
			}
		}
		if s.width > len([]rune(body)) {
			pad := strings.Repeat(" ", s.width-len([]rune(body)))
			if strings.Contains(s.flags, "-") {
				body += pad
			} else {
				body = pad + body
			}
		}
		buf = append(buf, body...)
	}
	return buf, nil
}

// formatJavaValue formats value i of a with one conversion (the width is
// applied by the caller, except the zero padding of numbers).
func formatJavaValue(s formatSpec, a arrow.Array, i int) (string, error) {
	null := a.IsNull(i)
	switch s.conv {
	case 'b', 'B':
		v := !null
		if b, ok := a.(*array.Boolean); ok && !null {
			v = b.Value(i)
		}
		return caseOf(s.conv, strconv.FormatBool(v)), nil
	case 's', 'S':
		v := "null"
		if !null {
			v = string(AppendValue(nil, a, i))
		}
		if s.precision >= 0 && s.precision < len([]rune(v)) {
			v = string([]rune(v)[:s.precision])
		}
		return caseOf(s.conv, v), nil
	}
	if null {
		return caseOf(s.conv, "null"), nil
	}
	switch s.conv {
	case 'c', 'C':
		n, ok := integerValue(a, i)
		if !ok {
			return "", fmt.Errorf("%%%c needs an integer code point, got %s", s.conv, a.DataType())
		}
		return caseOf(s.conv, string(rune(n))), nil
	case 'd':
		n, ok := integerValue(a, i)
		if !ok {
			return "", fmt.Errorf("%%d needs an integer, got %s", a.DataType())
		}
		return numberBody(s, n < 0, strconv.FormatUint(absInt(n), 10)), nil
	case 'o', 'x', 'X':
		n, ok := integerValue(a, i)
		if !ok {
			return "", fmt.Errorf("%%%c needs an integer, got %s", s.conv, a.DataType())
		}
		// Java prints a negative int or long as its two's complement.
		u := uint64(n)
		if w := bitWidthOf(a.DataType()); w < 64 && n < 0 {
			u &= 1<<w - 1
		}
		base := 16
		if s.conv == 'o' {
			base = 8
		}
		body := strconv.FormatUint(u, base)
		if strings.Contains(s.flags, "#") {
			body = map[byte]string{'o': "0", 'x': "0x", 'X': "0x"}[s.conv] + body
		}
		return caseOf(s.conv, numberBody(s, false, body)), nil
	}
	f, ok := floatValue(a, i)
	if !ok {
		return "", fmt.Errorf("%%%c needs a number, got %s", s.conv, a.DataType())
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		v := "NaN"
		if math.IsInf(f, 1) {
			v = "Infinity"
		} else if math.IsInf(f, -1) {
			v = "-Infinity"
		}
		return v, nil
	}
	prec := s.precision
	if prec < 0 {
		prec = 6
	}
	var body string
	switch s.conv {
	case 'f':
		body = strconv.FormatFloat(math.Abs(f), 'f', prec, 64)
	case 'e', 'E':
		body = strconv.FormatFloat(math.Abs(f), 'e', prec, 64)
	case 'g', 'G':
		// Java's %g: scientific notation unless 10^-4 <= |x| < 10^precision
		// after rounding, and never drops trailing zeros.
		if prec == 0 {
			prec = 1
		}
		x := math.Abs(f)
		rounded, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'e', prec-1, 64), 64)
		if x != 0 && (rounded < 1e-4 || rounded >= math.Pow(10, float64(prec))) {
			body = strconv.FormatFloat(x, 'e', prec-1, 64)
		} else {
			exp := 0
			if rounded != 0 {
				exp = int(math.Floor(math.Log10(rounded)))
			}
			body = strconv.FormatFloat(x, 'f', max(prec-1-exp, 0), 64)
		}
	}
	return caseOf(s.conv, numberBody(s, math.Signbit(f) && f != 0, body)), nil
}

// numberBody applies the sign, grouping and zero-padding flags to the
// digits of a number.
func numberBody(s formatSpec, negative bool, digits string) string {
	if strings.Contains(s.flags, ",") {
		intPart, rest := digits, ""
		if k := strings.IndexAny(digits, ".e"); k >= 0 {
			intPart, rest = digits[:k], digits[k:]
		}
		var g []byte
		for k, c := range []byte(intPart) {
			if k > 0 && (len(intPart)-k)%3 == 0 {
				g = append(g, ',')
			}
			g = append(g, c)
		}
		digits = string(g) + rest
	}
	sign := ""
	switch {
	case negative && strings.Contains(s.flags, "("):
		digits, sign = digits+")", "("
	case negative:
		sign = "-"
	case strings.Contains(s.flags, "+"):
		sign = "+"
	case strings.Contains(s.flags, " "):
		sign = " "
	}
	if strings.Contains(s.flags, "0") && s.width > len(sign)+len(digits) {
		digits = strings.Repeat("0", s.width-len(sign)-len(digits)) + digits
	}
	return sign + digits
}

func caseOf(conv byte, s string) string {
	if conv >= 'A' && conv <= 'Z' {
		return strings.ToUpper(s)
	}
	return s
}

func absInt(n int64) uint64 {
	if n < 0 {
		return uint64(-(n + 1)) + 1
	}
	return uint64(n)
}

func bitWidthOf(t arrow.DataType) int {
	if fw, ok := t.(arrow.FixedWidthDataType); ok {
		return fw.BitWidth()
	}
	return 64
}

// integerValue reads value i of an integer array as int64.
func integerValue(a arrow.Array, i int) (int64, bool) {
	switch a := a.(type) {
	case *array.Int8:
		return int64(a.Value(i)), true
	case *array.Int16:
		return int64(a.Value(i)), true
	case *array.Int32:
		return int64(a.Value(i)), true
	case *array.Int64:
		return a.Value(i), true
	case *array.Uint8:
		return int64(a.Value(i)), true
	case *array.Uint16:
		return int64(a.Value(i)), true
	case *array.Uint32:
		return int64(a.Value(i)), true
	case *array.Uint64:
		return int64(a.Value(i)), true
	}
	return 0, false
}

// floatValue reads value i of a numeric array as float64 (integers
// convert, where Java's %f would refuse them).
func floatValue(a arrow.Array, i int) (float64, bool) {
	switch a := a.(type) {
	case *array.Float64:
		return a.Value(i), true
	case *array.Float32:
		return float64(a.Value(i)), true
	case *array.Uint64:
		return float64(a.Value(i)), true
	}
	n, ok := integerValue(a, i)
	return float64(n), ok
}
