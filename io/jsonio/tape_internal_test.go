package jsonio

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestParseFloat checks the fast float path against strconv, bit for bit,
// on numbers as data holds them and on the edges of the fast path.
func TestParseFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	inputs := []string{"0", "-0", "0.0", "-0.0", "1", "1.5", "0.1", "0.3", "123456789012345678", "9007199254740993",
		"16777217", "16777216", "8388609", "1e22", "1e23", "1e-22", "1e-23", "3.4028235e38", "1e39", "1e-46", "1.7976931348623157e308",
		"1e309", "4.9e-324", "1e-400", "0.000001", "1234567890123456789", "12345678901234567890", "00", "1E+2", "1e-0", "2.5E-3",
		"NaN", "Infinity", "-Infinity", "0.30000000000000004", "1.00000017881393432617187499", "1.00000017881393432617187501"}
	for range 20000 {
		switch rng.IntN(4) {
		case 0:
			inputs = append(inputs, strconv.FormatFloat(rng.NormFloat64()*math.Pow(10, float64(rng.IntN(30)-15)), 'f', rng.IntN(12), 64))
		case 1:
			inputs = append(inputs, strconv.FormatFloat(math.Float64frombits(rng.Uint64()), 'g', -1, 64))
		case 2:
			inputs = append(inputs, fmt.Sprintf("%d.%de%d", rng.IntN(1e6)-5e5, rng.IntN(1e4), rng.IntN(50)-25))
		default:
			inputs = append(inputs, strconv.FormatFloat(float64(math.Float32frombits(rng.Uint32())), 'g', -1, 32))
		}
	}
	for _, in := range inputs {
		for _, bits := range []int{32, 64} {
			want, err := strconv.ParseFloat(in, bits)
			wantOK := err == nil || err.(*strconv.NumError).Err == strconv.ErrRange
			got, ok := parseFloat([]byte(in), bits)
			if ok != wantOK || (ok && math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want))) {
				t.Fatalf("parseFloat(%q, %d) = %v, %v; strconv gives %v, %v", in, bits, got, ok, want, err)
			}
		}
	}
}

// TestAppendCompact checks the text a string column takes of a value
// that is not a string.
func TestAppendCompact(t *testing.T) {
	cases := []struct{ in, want string }{
		{`1.50`, `1.50`},
		{`true`, `true`},
		{` { "a" : [ 1 , 2 ] ,"b":{ } } `, `{"a":[1,2],"b":{}}`},
		{`["a b", "c\" d", "e\\", " "]`, `["a b","c\" d","e\\"," "]`},
		{"[\t1,\r\n2]", `[1,2]`},
	}
	for _, c := range cases {
		var tp tape
		if err := tp.parse([]byte(c.in)); err != nil {
			t.Fatal(err)
		}
		if got := string(tp.appendCompact([]byte("x"), 0)); got != "x"+c.want {
			t.Errorf("%s: got %s, want x%s", c.in, got, c.want)
		}
	}
}
