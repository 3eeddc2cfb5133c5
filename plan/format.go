package plan

import (
	"math"
	"strconv"
)

// AppendFloat appends v as Spark prints floats: the shortest text that
// reads back as the same value (bits is 32 or 64), in plain notation for
// magnitudes from 0.001 up to 10⁷ and in scientific notation outside, with
// ".0" on whole numbers so that the text still reads back as a float.
func AppendFloat(dst []byte, v float64, bits int) []byte {
	start := len(dst)
	format := byte('e')
	if a := math.Abs(v); a == 0 || (a >= 1e-3 && a < 1e7) {
		format = 'f'
	}
	dst = strconv.AppendFloat(dst, v, format, -1, bits)
	for _, c := range dst[start:] {
		switch c {
		case '.', 'e', 'n', 'N', 'I':
			return dst
		}
	}
	return append(dst, '.', '0')
}
