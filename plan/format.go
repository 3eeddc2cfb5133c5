package plan

import "strconv"

// AppendFloat appends v as Spark and pandas print floats: the shortest
// text that reads back as the same value (bits is 32 or 64), with ".0" on
// whole numbers so that it still reads back as a float.
func AppendFloat(dst []byte, v float64, bits int) []byte {
	start := len(dst)
	dst = strconv.AppendFloat(dst, v, 'g', -1, bits)
	for _, c := range dst[start:] {
		switch c {
		case '.', 'e', 'n', 'N', 'I':
			return dst
		}
	}
	return append(dst, '.', '0')
}
