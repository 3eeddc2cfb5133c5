package arrowipc

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// validateDecoded checks a decoded array whose buffers are as arrow-go's
// validation expects them (see Validate). array.ValidateFull does that but also checks that every string is UTF-8,
// which halves the reading speed of string columns; for the common types
// Validate checks buffer sizes (array.Validate) and that offsets never
// decrease, which is what keeps every value's slice in bounds. Strings
// are not checked for UTF-8, as pyarrow and Polars do not check on read.
// Other types (views, run-end encoded, unions, dictionaries) get
// ValidateFull.
func validateDecoded(a arrow.Array) error {
	if !offsetsOnly(a.DataType()) {
		return array.ValidateFull(a)
	}
	if err := array.Validate(a); err != nil {
		return err
	}
	return checkOffsets(a.Data())
}

// offsetsOnly reports whether t is built of types whose soundness
// (beyond buffer sizes) is only a matter of offsets.
func offsetsOnly(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.BINARY, arrow.LARGE_STRING, arrow.LARGE_BINARY:
		return true
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST, arrow.MAP, arrow.STRUCT:
		for _, f := range t.(arrow.NestedType).Fields() {
			if !offsetsOnly(f.Type) {
				return false
			}
		}
		return true
	}
	_, fixed := t.(arrow.FixedWidthDataType)
	return fixed || t.ID() == arrow.NULL
}

// checkOffsets checks that the offsets of d and of its children are
// non-negative and never decrease.
func checkOffsets(d arrow.ArrayData) error {
	if d.Len() > 0 {
		var err error
		switch d.DataType().ID() {
		case arrow.STRING, arrow.BINARY, arrow.LIST, arrow.MAP:
			err = increasing(d, arrow.Int32Traits.CastFromBytes)
		case arrow.LARGE_STRING, arrow.LARGE_BINARY, arrow.LARGE_LIST:
			err = increasing(d, arrow.Int64Traits.CastFromBytes)
		}
		if err != nil {
			return err
		}
	}
	for _, c := range d.Children() {
		if err := checkOffsets(c); err != nil {
			return err
		}
	}
	return nil
}

// increasing checks the offsets of d's values, which array.Validate made
// sure exist.
func increasing[T int32 | int64](d arrow.ArrayData, cast func([]byte) []T) error {
	buf := d.Buffers()[1]
	if buf == nil {
		return fmt.Errorf("no offsets for %d values", d.Len())
	}
	o := cast(buf.Bytes())[d.Offset() : d.Offset()+d.Len()+1]
	if o[0] < 0 {
		return fmt.Errorf("negative offset %d", o[0])
	}
	for i := 1; i < len(o); i++ {
		if o[i] < o[i-1] {
			return fmt.Errorf("offsets decrease at %d: %d < %d", d.Offset()+i, o[i], o[i-1])
		}
	}
	return nil
}
