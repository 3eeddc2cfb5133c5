package ipcio

import (
	"context"
	"fmt"
	"github.com/ember-df/ember/internal/arrowipc"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
)

// plainArray returns a with every dictionary-encoded array in it, at any
// depth, replaced by its values: an array of type plainType(a.DataType())
// with the same values. compute's casts decode a dictionary at the top
// only (not one in a list, a map or a union, nor one whose values hold
// dictionaries), so plainArray decodes bottom-up: each dictionary's values
// first, then the values the indices pick (compute.TakeArray, with the
// allocator ctx carries); around them, the nested arrays keep their
// buffers and get decoded children. A dictionary whose values neither
// take nor gather's workarounds can gather (list views, sparse unions,
// run-end encoded values) is an error naming its type. The caller releases
// the result.
func plainArray(ctx context.Context, a arrow.Array) (arrow.Array, error) {
	if !arrowipc.HasDictionary(a.DataType()) {
		a.Retain()
		return a, nil
	}
	d, err := plainData(ctx, a.Data())
	if err != nil {
		return nil, err
	}
	defer d.Release()
	return array.MakeFromData(d), nil
}

// plainData is plainArray for array data; the caller releases the result.
func plainData(ctx context.Context, d arrow.ArrayData) (arrow.ArrayData, error) {
	t := d.DataType()
	if !arrowipc.HasDictionary(t) {
		d.Retain()
		return d, nil
	}
	if dt, ok := t.(*arrow.DictionaryType); ok {
		return decodeDictionary(ctx, dt, d)
	}
	children := make([]arrow.ArrayData, len(d.Children()))
	defer func() {
		for _, c := range children {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, c := range d.Children() {
		var err error
		if children[i], err = plainData(ctx, c); err != nil {
			return nil, err
		}
	}
	return array.NewData(plainType(t), d.Len(), d.Buffers(), children, d.NullN(), d.Offset()), nil
}

// decodeDictionary gathers the (decoded) values that the indices of d, a
// dictionary-encoded array of type dt, pick; a NULL index gives NULL.
func decodeDictionary(ctx context.Context, dt *arrow.DictionaryType, d arrow.ArrayData) (arrow.ArrayData, error) {
	dict := arrowipc.DictionaryOf(d)
	if dict == nil {
		return nil, fmt.Errorf("dictionary-encoded %s without a dictionary", dt)
	}
	valuesData, err := plainData(ctx, dict)
	if err != nil {
		return nil, err
	}
	defer valuesData.Release()
	indicesData := array.NewData(dt.IndexType, d.Len(), d.Buffers(), nil, d.NullN(), d.Offset())
	defer indicesData.Release()
	out, err := gather(ctx, valuesData, indicesData)
	if err != nil {
		return nil, fmt.Errorf("decoding a dictionary of %s: %w", valuesData.DataType(), err)
	}
	return out, nil
}

// gather picks values by indices, with NULL for a NULL index. take has no
// kernel for views, decimal32 or decimal64: views are decoded by
// compute's cast of a dictionary (which unpacks views itself), and
// decimals are taken as integers of their width.
func gather(ctx context.Context, values, indices arrow.ArrayData) (arrow.ArrayData, error) {
	vt := values.DataType()
	switch vt.ID() {
	case arrow.STRING_VIEW, arrow.BINARY_VIEW:
		dictData := array.NewData(&arrow.DictionaryType{IndexType: indices.DataType(), ValueType: vt},
			indices.Len(), indices.Buffers(), nil, indices.NullN(), indices.Offset())
		dictData.SetDictionary(values)
		encoded := array.MakeFromData(dictData)
		dictData.Release()
		defer encoded.Release()
		return arrayData(compute.CastArray(ctx, encoded, compute.SafeCastOptions(vt)))
	case arrow.DECIMAL32, arrow.DECIMAL64:
		as := arrow.DataType(arrow.PrimitiveTypes.Int32)
		if vt.ID() == arrow.DECIMAL64 {
			as = arrow.PrimitiveTypes.Int64
		}
		ints := array.NewData(as, values.Len(), values.Buffers(), nil, values.NullN(), values.Offset())
		defer ints.Release()
		taken, err := take(ctx, ints, indices)
		if err != nil {
			return nil, err
		}
		defer taken.Release()
		return array.NewData(vt, taken.Len(), taken.Buffers(), nil, taken.NullN(), taken.Offset()), nil
	}
	return take(ctx, values, indices)
}

// take is compute.TakeArray over array data.
func take(ctx context.Context, values, indices arrow.ArrayData) (arrow.ArrayData, error) {
	v, i := array.MakeFromData(values), array.MakeFromData(indices)
	defer v.Release()
	defer i.Release()
	return arrayData(compute.TakeArray(ctx, v, i))
}

// arrayData is the data of a, which it releases; a's error passes.
func arrayData(a arrow.Array, err error) (arrow.ArrayData, error) {
	if err != nil {
		return nil, err
	}
	defer a.Release()
	d := a.Data()
	d.Retain()
	return d, nil
}
