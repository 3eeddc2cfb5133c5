package eval

import (
	"iter"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// nullMask reads whether row r of a kernel argument (a column, or a
// constant of one row) is NULL from its validity bitmap, as IsNull does,
// without a call through arrow.Array per row.
type nullMask struct {
	bits      []byte // empty when the argument has no bitmap
	off, step int
}

func maskOf(a arrow.Array, rows int) nullMask {
	m := nullMask{bits: a.NullBitmapBytes(), off: a.Data().Offset(), step: 1}
	if a.Len() != rows {
		m.step = 0
	}
	return m
}

func masksOf(args []arrow.Array, rows int) []nullMask {
	masks := make([]nullMask, len(args))
	for i, a := range args {
		masks[i] = maskOf(a, rows)
	}
	return masks
}

func (m nullMask) null(r int) bool {
	return len(m.bits) > 0 && bitutil.BitIsNotSet(m.bits, m.off+r*m.step)
}

// validRows yields the rows of a batch of rows in which no argument is
// NULL, appending a NULL to b for each of the others: the NULL in, NULL
// out of most functions. The caller appends one value (or NULL) to b per
// row yielded.
func validRows(b array.Builder, rows int, args ...arrow.Array) iter.Seq[int] {
	return func(yield func(int) bool) {
		masks := masksOf(args, rows)
	rows:
		for r := 0; r < rows; r++ {
			for _, m := range masks {
				if m.null(r) {
					b.AppendNull()
					continue rows
				}
			}
			if !yield(r) {
				return
			}
		}
	}
}
