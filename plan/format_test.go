package plan

import (
	"math"
	"testing"
)

func TestAppendFloat(t *testing.T) {
	cases := []struct {
		v    float64
		bits int
		want string
	}{
		{1, 64, "1.0"},
		{-2, 64, "-2.0"},
		{0, 64, "0.0"},
		{math.Copysign(0, -1), 64, "-0.0"},
		{1.5, 64, "1.5"},
		{0.1, 64, "0.1"},
		{1e21, 64, "1e+21"},
		{1.5e-7, 64, "1.5e-07"},
		{123456789, 64, "1.23456789e+08"},
		{math.NaN(), 64, "NaN"},
		{math.Inf(1), 64, "+Inf"},
		{math.Inf(-1), 64, "-Inf"},
		// float32 values print their own shortest form, not float64's.
		{float64(float32(0.1)), 32, "0.1"},
		{float64(float32(0.1)), 64, "0.10000000149011612"},
		{float64(float32(3)), 32, "3.0"},
	}
	for _, c := range cases {
		if got := string(AppendFloat(nil, c.v, c.bits)); got != c.want {
			t.Errorf("AppendFloat(%v, %d) = %q, want %q", c.v, c.bits, got, c.want)
		}
	}
	if got := string(AppendFloat([]byte("x="), 2, 64)); got != "x=2.0" {
		t.Errorf("AppendFloat keeps the prefix: %q", got)
	}
}

// TestAppendFloatLargeWholeNumbers: Spark and pandas print 1000000.0;
// strconv's shortest 'g' form switches to an exponent as soon as the
// exponent reaches the number of significant digits.
func TestAppendFloatLargeWholeNumbers(t *testing.T) {
	for v, want := range map[float64]string{1e6: "1000000.0", 1234567: "1234567.0", 2.5e6: "2500000.0"} {
		if got := string(AppendFloat(nil, v, 64)); got != want {
			t.Errorf("AppendFloat(%v) = %q, want %q", v, got, want)
		}
	}
}
