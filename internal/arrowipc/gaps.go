package arrowipc

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Validate checks a column as arrow-go decoded it from IPC bytes (a file,
// a stream, a plugin's reply), before anything reads its values: corrupt
// input must give an error, not a panic downstream.
//
// arrow-go v18.8.0's validation refuses two kinds of arrays that its own
// IPC reader builds from sound files: a column of type null comes with no
// buffers, where validation wants one (absent) validity buffer, and an
// empty dense union has no offsets buffer, which ValidateFull dereferences
// (a nil pointer panic). Validate checks a copy of the column's tree in
// which such arrays have those buffers (a null array also counts all its
// slots as NULL, its only possible values); the column itself is used as
// arrow-go read it. A column holding dictionaries is checked in full
// (ValidateFull), so that every index is in its dictionary's bounds before
// decoding.
func Validate(a arrow.Array) error {
	check := validateDecoded
	if HasDictionary(a.DataType()) {
		check = array.ValidateFull
	}
	return validateCopy(a, check)
}

// ValidateFull is Validate with array.ValidateFull's every check (UTF-8
// of strings included), for input that must be exact, as a plugin's reply.
func ValidateFull(a arrow.Array) error { return validateCopy(a, array.ValidateFull) }

// validateCopy runs check on a, or on its validation copy when arrow-go's
// validation would refuse a as its reader built it.
func validateCopy(a arrow.Array, check func(arrow.Array) error) error {
	if !needsValidationCopy(a.DataType()) {
		return check(a)
	}
	d := validationCopy(a.Data())
	defer d.Release()
	c := array.MakeFromData(d)
	defer c.Release()
	return check(c)
}

// needsValidationCopy reports whether t is or nests a null or dense union
// type (validationCopy's cases); dictionary values included.
func needsValidationCopy(t arrow.DataType) bool {
	switch t := t.(type) {
	case *arrow.NullType, *arrow.DenseUnionType:
		return true
	case *arrow.DictionaryType:
		return needsValidationCopy(t.ValueType)
	case arrow.ExtensionType:
		return needsValidationCopy(t.StorageType())
	case *arrow.RunEndEncodedType:
		return needsValidationCopy(t.Encoded())
	case arrow.NestedType:
		for _, f := range t.Fields() {
			if needsValidationCopy(f.Type) {
				return true
			}
		}
	}
	return false
}

// emptyBuffer stands for the offsets of an empty dense union.
var emptyBuffer = memory.NewBufferBytes([]byte{})

// validationCopy is d, its children and dictionary with the buffers
// arrow-go's validation expects where its IPC reader leaves them out (see
// Validate). The caller releases it.
func validationCopy(d arrow.ArrayData) arrow.ArrayData {
	children := make([]arrow.ArrayData, len(d.Children()))
	for i, c := range d.Children() {
		children[i] = validationCopy(c)
	}
	buffers, nulls := d.Buffers(), d.NullN()
	switch d.DataType().ID() {
	case arrow.NULL:
		buffers, nulls = []*memory.Buffer{nil}, d.Len()
	case arrow.DENSE_UNION:
		if d.Len() == 0 && len(buffers) == 3 && buffers[2] == nil {
			buffers = []*memory.Buffer{buffers[0], buffers[1], emptyBuffer}
		}
	}
	out := array.NewData(d.DataType(), d.Len(), buffers, children, nulls, d.Offset())
	for _, c := range children {
		c.Release()
	}
	if dict := DictionaryOf(d); dict != nil {
		dc := validationCopy(dict)
		out.SetDictionary(dc)
		dc.Release()
	}
	return out
}

// HasDictionary reports whether t is, or nests, a dictionary type (not
// inside extension types, whose storage a reader leaves alone).
func HasDictionary(t arrow.DataType) bool {
	switch t := t.(type) {
	case *arrow.DictionaryType:
		return true
	case arrow.ExtensionType:
		return false
	case *arrow.RunEndEncodedType:
		return HasDictionary(t.Encoded())
	case arrow.NestedType:
		for _, f := range t.Fields() {
			if HasDictionary(f.Type) {
				return true
			}
		}
	}
	return false
}

// DictionaryOf is d's dictionary, or nil: array.Data returns its absent
// dictionary as a typed nil, which is not a nil interface.
func DictionaryOf(d arrow.ArrayData) arrow.ArrayData {
	if dict, ok := d.Dictionary().(*array.Data); ok && dict != nil {
		return dict
	}
	return nil
}
