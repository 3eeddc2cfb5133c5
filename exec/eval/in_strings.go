package eval

import (
	"encoding/binary"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/ember-df/ember/plan"
)

// stringSet is a list of constant strings that rows are tested against
// by their bytes: no string is built per row, a row whose length no
// constant has is rejected without comparing, and a row of up to 8 bytes
// is compared as one word.
type stringSet struct {
	list    []string
	lengths uint64 // bit l: a constant has length l (l < 64)
	long    bool   // a constant is 64 bytes or longer
	// words and wordLens are the constants of up to 8 bytes as
	// little-endian words (zero-padded), and their lengths.
	words    []uint64
	wordLens []int
	index    map[string]struct{} // for long lists
}

// mapFrom is the list length from which rows are looked up in a map
// rather than compared with each constant.
const mapFrom = 9

func newStringSet(list []string) *stringSet {
	s := &stringSet{list: list}
	for _, c := range list {
		if len(c) < 64 {
			s.lengths |= 1 << len(c)
		} else {
			s.long = true
		}
		if len(c) <= 8 {
			var w [8]byte
			copy(w[:], c)
			s.words = append(s.words, binary.LittleEndian.Uint64(w[:]))
			s.wordLens = append(s.wordLens, len(c))
		}
	}
	if len(list) >= mapFrom {
		s.index = make(map[string]struct{}, len(list))
		for _, c := range list {
			s.index[c] = struct{}{}
		}
	}
	return s
}

// wordMasks[l] keeps the first l bytes of a little-endian word.
var wordMasks = [9]uint64{0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff, ^uint64(0)}

// hasAt reports whether data[first:last] is one of the constants.
func (s *stringSet) hasAt(data []byte, first, last int) bool {
	l := last - first
	if l < 64 {
		if s.lengths&(1<<l) == 0 {
			return false
		}
	} else if !s.long {
		return false
	}
	if l <= 8 && s.index == nil && first+8 <= len(data) {
		w := binary.LittleEndian.Uint64(data[first:]) & wordMasks[l]
		for k, c := range s.words {
			if c == w && s.wordLens[k] == l {
				return true
			}
		}
		return false
	}
	v := data[first:last]
	if s.index != nil {
		_, ok := s.index[string(v)] // no allocation: the compiler looks up the bytes
		return ok
	}
	for _, c := range s.list {
		if string(v) == c {
			return true
		}
	}
	return false
}

// short reports whether every constant is at most 8 bytes long, and few
// enough to compare with each.
func (s *stringSet) short() bool { return s.index == nil && len(s.words) == len(s.list) }

// matchShort sets bit i of bits where row i (of offsets and data) is one
// of set's constants, all short: a row longer than 8 bytes is none, and
// the others are compared with every constant as one word without a
// branch on the outcome, which for rows in no order would be mispredicted
// often.
func matchShort(set *stringSet, offsets []int32, data []byte, bits []byte, rows int) {
	if !slices.Contains(set.wordLens, 8) {
		matchUpTo7(set, offsets, data, bits, rows)
		return
	}
	for k := range bits {
		var byt byte
		end := min(8, rows-k*8)
		for bit := range end {
			i := k*8 + bit
			first, last := int(offsets[i]), int(offsets[i+1])
			l := last - first
			if l > 8 {
				continue
			}
			var w uint64
			if first+8 <= len(data) {
				w = binary.LittleEndian.Uint64(data[first:]) & wordMasks[l]
			} else {
				var pad [8]byte
				copy(pad[:], data[first:last])
				w = binary.LittleEndian.Uint64(pad[:])
			}
			var hit uint64
			for c, cw := range set.words {
				x := (cw ^ w) | uint64(set.wordLens[c]^l)
				hit |= ((x | -x) >> 63) ^ 1 // 1 when x is 0
			}
			byt |= byte(hit) << bit
		}
		bits[k] = byt
	}
}

// matchUpTo7 is matchShort for constants of at most 7 bytes: the length
// goes in a word's free last byte, so that a row is one word compared with
// each constant's.
func matchUpTo7(set *stringSet, offsets []int32, data []byte, bits []byte, rows int) {
	keys := make([]uint64, len(set.words))
	for c, w := range set.words {
		keys[c] = w | uint64(set.wordLens[c])<<56
	}
	for k := range bits {
		var byt byte
		end := min(8, rows-k*8)
		for bit := range end {
			i := k*8 + bit
			first, last := int(offsets[i]), int(offsets[i+1])
			l := last - first
			if l > 7 {
				continue
			}
			var w uint64
			if first+8 <= len(data) {
				w = binary.LittleEndian.Uint64(data[first:]) & wordMasks[l&7]
			} else {
				var pad [8]byte
				copy(pad[:], data[first:last])
				w = binary.LittleEndian.Uint64(pad[:])
			}
			w |= uint64(l) << 56
			var hit uint64
			for _, key := range keys {
				x := key ^ w
				hit |= ((x | -x) >> 63) ^ 1 // 1 when x is 0
			}
			byt |= byte(hit) << bit
		}
		bits[k] = byt
	}
}

// matchStrings tests each of the rows of x against set: the result is
// true where x is valid and (unless negate) one of the constants, or
// (with negate) none of them; NULL where x is NULL or, when sawNull (the
// list held a NULL, which negate excludes), where no constant matched, as
// SQL's IN has it; false elsewhere. It reads x's offsets and bytes
// directly and writes the result's bits a byte at a time.
func matchStrings(mem memory.Allocator, x *array.String, set *stringSet, sawNull, negate bool, rows int) arrow.Array {
	d := x.Data()
	nbytes := int(bitutil.BytesForBits(int64(rows)))
	values := memory.NewResizableBuffer(mem)
	values.Resize(nbytes)
	bits := values.Bytes()
	var offsets []int32
	var data []byte
	if rows > 0 {
		offsets = arrow.Int32Traits.CastFromBytes(d.Buffers()[1].Bytes())[d.Offset() : d.Offset()+rows+1]
		if b := d.Buffers()[2]; b != nil {
			data = b.Bytes()
		}
	}
	if set.short() {
		matchShort(set, offsets, data, bits, rows)
	} else {
		for k := range nbytes {
			var byt byte
			end := min(8, rows-k*8)
			for bit := range end {
				i := k*8 + bit
				if set.hasAt(data, int(offsets[i]), int(offsets[i+1])) {
					byt |= 1 << bit
				}
			}
			bits[k] = byt
		}
	}
	if negate {
		for k := range bits {
			bits[k] = ^bits[k]
		}
		if tail := rows % 8; tail != 0 {
			bits[nbytes-1] &= 1<<tail - 1 // no bits past the last row
		}
	}
	xNulls := x.NullN() > 0
	if !xNulls && !sawNull {
		return booleanResult(rows, 0, nil, values)
	}
	// valid: x valid and, when the list held a NULL, a match.
	validity := memory.NewResizableBuffer(mem)
	validity.Resize(nbytes)
	valid := validity.Bytes()
	if xNulls {
		bitutil.CopyBitmap(d.Buffers()[0].Bytes(), d.Offset(), rows, valid, 0)
	} else {
		for k := range valid {
			valid[k] = 0xff
		}
	}
	for k := range nbytes {
		if sawNull {
			valid[k] &= bits[k]
		}
		bits[k] &= valid[k]
	}
	nulls := rows - bitutil.CountSetBits(valid, 0, rows)
	return booleanResult(rows, nulls, validity, values)
}

// booleanResult wraps result buffers in a boolean array, handing their
// references to it.
func booleanResult(rows, nulls int, validity, values *memory.Buffer) arrow.Array {
	data := array.NewData(arrow.FixedWidthTypes.Boolean, rows, []*memory.Buffer{validity, values}, nil, nulls, 0)
	values.Release()
	if validity != nil {
		validity.Release()
	}
	defer data.Release()
	return array.MakeFromData(data)
}

// compareStringConstant is x = 'c' or x <> 'c' for x a string column and
// c a non-NULL string constant (either side), on matchStrings' path; ok
// is false for other operands, which arrow-go's comparison kernels take.
func (ev *Evaluator) compareStringConstant(op plan.BinaryOp, l, r compute.Datum) (out compute.Datum, ok bool) {
	if op != plan.OpEq && op != plan.OpNeq {
		return nil, false
	}
	col, lit := l, r
	if _, isArr := col.(*compute.ArrayDatum); !isArr {
		col, lit = r, l
	}
	a, isArr := col.(*compute.ArrayDatum)
	c, isScalar := lit.(*compute.ScalarDatum)
	if !isArr || !isScalar || a.Type().ID() != arrow.STRING {
		return nil, false
	}
	s, isString := c.Value.(*scalar.String)
	if !isString || !s.IsValid() {
		return nil, false
	}
	x := a.MakeArray().(*array.String)
	defer x.Release()
	res := matchStrings(ev.mem, x, newStringSet([]string{string(s.Data())}), false, op == plan.OpNeq, x.Len())
	defer res.Release()
	return compute.NewDatum(res), true
}
