package onnx

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	ort "github.com/yalue/onnxruntime_go"
)

// buildTensors makes the model's input tensors from rows [from, to) of the
// argument columns.
func buildTensors(feeds []feed, args []arrow.Array, from, to int) ([]ort.Value, error) {
	out := make([]ort.Value, 0, len(feeds))
	for _, f := range feeds {
		t, err := buildTensor(f, args, from, to)
		if err != nil {
			destroyAll(out)
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func buildTensor(f feed, args []arrow.Array, from, to int) (ort.Value, error) {
	n := to - from
	var cols []flat
	for _, c := range f.cols {
		fl, err := flatten(args[c], from, to)
		if err != nil {
			return nil, fmt.Errorf("model input %q: %w", f.input.Name, err)
		}
		cols = append(cols, fl)
	}
	width := f.width
	if width == 0 || (!f.packed && cols[0].width != width) {
		width = cols[0].width
	}
	shape, err := tensorShape(f, n, width)
	if err != nil {
		return nil, err
	}
	switch f.input.Elem {
	case "float32":
		return numericTensor[float32](shape, cols, n, width)
	case "float64":
		return numericTensor[float64](shape, cols, n, width)
	case "int64":
		return numericTensor[int64](shape, cols, n, width)
	case "int32":
		return numericTensor[int32](shape, cols, n, width)
	case "int16":
		return numericTensor[int16](shape, cols, n, width)
	case "int8":
		return numericTensor[int8](shape, cols, n, width)
	case "uint8":
		return numericTensor[uint8](shape, cols, n, width)
	case "string":
		return stringTensor(shape, cols, n, width)
	}
	return nil, fmt.Errorf("model input %s: element type %s is not supported", f.input, f.input.Elem)
}

// tensorShape resolves the input's shape for n rows of width values.
func tensorShape(f feed, n, width int) (ort.Shape, error) {
	if f.packed {
		return ort.NewShape(int64(n), int64(width)), nil
	}
	dims := append([]int64{int64(n)}, f.input.Shape[1:]...)
	known, unknown := int64(1), -1
	for i, d := range dims[1:] {
		if d < 0 {
			if unknown >= 0 {
				return nil, fmt.Errorf("model input %s has several dimensions of any size; ember cannot tell them apart", f.input)
			}
			unknown = i + 1
			continue
		}
		known *= d
	}
	if unknown >= 0 {
		if known == 0 || int64(width)%known != 0 {
			return nil, fmt.Errorf("model input %q wants %s; rows of %d values do not fit", f.input.Name, f.input.shapeString(), width)
		}
		dims[unknown] = int64(width) / known
	} else if known != int64(width) {
		return nil, fmt.Errorf("model input %q wants %s (%d values per row); rows have %d", f.input.Name, f.input.shapeString(), known, width)
	}
	return ort.Shape(dims), nil
}

// flat is rows of a column as a run of primitive values: row r's values
// are values[lo+r*width : lo+(r+1)*width].
type flat struct {
	values arrow.Array
	lo     int
	width  int
}

// flatten finds the values of rows [from, to) of a (a primitive, string or
// (nested) list column), checking for NULLs and equal row lengths.
func flatten(a arrow.Array, from, to int) (flat, error) {
	if err := noNulls(a, from, to); err != nil {
		return flat{}, err
	}
	list, ok := a.(array.ListLike)
	if !ok {
		return flat{values: a, lo: from, width: 1}, nil
	}
	start, _ := list.ValueOffsets(from)
	width := -1
	for r := from; r < to; r++ {
		s, e := list.ValueOffsets(r)
		if width >= 0 && int(e-s) != width {
			return flat{}, fmt.Errorf("list rows have %d and %d values; a batch's rows must be the same size", width, e-s)
		}
		width = int(e - s)
	}
	inner, err := flatten(list.ListValues(), int(start), int(start)+width*(to-from))
	if err != nil {
		return flat{}, err
	}
	inner.width *= width
	return inner, nil
}

func noNulls(a arrow.Array, from, to int) error {
	if a.NullN() == 0 {
		return nil
	}
	for r := from; r < to; r++ {
		if a.IsNull(r) {
			return fmt.Errorf("row %d is NULL; a model needs a value for every input", r)
		}
	}
	return nil
}

type tensorNumber interface {
	~float32 | ~float64 | ~int64 | ~int32 | ~int16 | ~int8 | ~uint8
}

// numericTensor packs columns side by side (or one list column) into a
// tensor of element type T.
func numericTensor[T tensorNumber](shape ort.Shape, cols []flat, n, width int) (ort.Value, error) {
	data := make([]T, n*width)
	stride := len(cols)
	for c, col := range cols {
		if err := convert(col, data[c:], stride, n*col.width); err != nil {
			return nil, err
		}
	}
	t, err := ort.NewTensor(shape, data)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return t, nil
}

// convert writes count values of col to dst[0], dst[stride], ...
func convert[T tensorNumber](col flat, dst []T, stride, count int) error {
	lo, hi := col.lo, col.lo+count
	switch a := col.values.(type) {
	case *array.Float64:
		store(dst, stride, a.Float64Values()[lo:hi])
	case *array.Float32:
		store(dst, stride, a.Float32Values()[lo:hi])
	case *array.Int64:
		store(dst, stride, a.Int64Values()[lo:hi])
	case *array.Int32:
		store(dst, stride, a.Int32Values()[lo:hi])
	case *array.Int16:
		store(dst, stride, a.Int16Values()[lo:hi])
	case *array.Int8:
		store(dst, stride, a.Int8Values()[lo:hi])
	case *array.Uint64:
		store(dst, stride, a.Uint64Values()[lo:hi])
	case *array.Uint32:
		store(dst, stride, a.Uint32Values()[lo:hi])
	case *array.Uint16:
		store(dst, stride, a.Uint16Values()[lo:hi])
	case *array.Uint8:
		store(dst, stride, a.Uint8Values()[lo:hi])
	case *array.Boolean:
		for i := lo; i < hi; i++ {
			if a.Value(i) {
				dst[(i-lo)*stride] = 1
			}
		}
	default:
		return fmt.Errorf("onnx: cannot feed %s values to a numeric tensor", col.values.DataType())
	}
	return nil
}

func store[T tensorNumber, S float32 | float64 | int64 | int32 | int16 | int8 | uint64 | uint32 | uint16 | uint8](dst []T, stride int, src []S) {
	if stride == 1 {
		for i, v := range src {
			dst[i] = T(v)
		}
		return
	}
	for i, v := range src {
		dst[i*stride] = T(v)
	}
}

func stringTensor(shape ort.Shape, cols []flat, n, width int) (ort.Value, error) {
	data := make([]string, n*width)
	stride := len(cols)
	for c, col := range cols {
		s, ok := col.values.(interface{ Value(int) string })
		if !ok {
			return nil, fmt.Errorf("onnx: cannot feed %s values to a string tensor", col.values.DataType())
		}
		for i := range n * col.width {
			data[c+i*stride] = s.Value(col.lo + i)
		}
	}
	t, err := ort.NewStringTensor(shape)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	if err := t.SetContents(data); err != nil {
		t.Destroy()
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return t, nil
}

// toArrays turns the model's output values into Arrow arrays of types.
func toArrays(mem memory.Allocator, outs []Tensor, types []arrow.DataType, values []ort.Value, rows int) ([]arrow.Array, error) {
	arrs := make([]arrow.Array, 0, len(values))
	for i, v := range values {
		a, err := toArray(mem, types[i], v, rows)
		if err == nil && (a.Len() != rows || !arrow.TypeEqual(a.DataType(), types[i])) {
			a.Release()
			err = fmt.Errorf("gave %d rows of %s, want %d of %s", a.Len(), a.DataType(), rows, types[i])
		}
		if err != nil {
			for _, a := range arrs {
				a.Release()
			}
			return nil, fmt.Errorf("onnx: output %s: %w", outs[i], err)
		}
		arrs = append(arrs, a)
	}
	return arrs, nil
}

func toArray(mem memory.Allocator, typ arrow.DataType, v ort.Value, rows int) (arrow.Array, error) {
	switch v := v.(type) {
	case *ort.Tensor[float32]:
		return wrap(typ, v.GetData(), v.GetShape(), rows)
	case *ort.Tensor[float64]:
		return wrap(typ, v.GetData(), v.GetShape(), rows)
	case *ort.Tensor[int64]:
		return wrap(typ, v.GetData(), v.GetShape(), rows)
	case *ort.Tensor[int32]:
		return wrap(typ, v.GetData(), v.GetShape(), rows)
	case *ort.Tensor[int16]:
		return wrap(typ, v.GetData(), v.GetShape(), rows)
	case *ort.Tensor[int8]:
		return wrap(typ, v.GetData(), v.GetShape(), rows)
	case *ort.Tensor[uint8]:
		return wrap(typ, v.GetData(), v.GetShape(), rows)
	case *ort.StringTensor:
		s, err := v.GetContents()
		if err != nil {
			return nil, err
		}
		if len(s) != rows {
			return nil, fmt.Errorf("string output of shape %s; want one string per row", v.GetShape())
		}
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.AppendValues(s, nil)
		return b.NewArray(), nil
	case *ort.Sequence:
		return sequenceOfMaps(mem, typ, v)
	}
	return nil, fmt.Errorf("values of type %T are not supported", v)
}

// wrap makes an Arrow array of typ over a tensor's values without copying
// them (the values are Go memory that the array keeps alive).
func wrap[T tensorNumber](typ arrow.DataType, data []T, shape ort.Shape, rows int) (arrow.Array, error) {
	if len(shape) == 0 || shape[0] != int64(rows) {
		return nil, fmt.Errorf("shape %s for %d rows", shape, rows)
	}
	var zero T
	bytes := []byte(nil)
	if len(data) > 0 {
		bytes = unsafe.Slice((*byte)(unsafe.Pointer(&data[0])), len(data)*int(unsafe.Sizeof(zero)))
	}
	elemType := typ
	if l, ok := typ.(arrow.ListLikeType); ok {
		elemType = l.Elem()
	}
	values := array.NewData(elemType, len(data), []*memory.Buffer{nil, memory.NewBufferBytes(bytes)}, nil, 0, 0)
	defer values.Release()
	switch t := typ.(type) {
	case *arrow.FixedSizeListType:
		if int(t.Len())*rows != len(data) {
			return nil, fmt.Errorf("%d values for %d rows of %d", len(data), rows, t.Len())
		}
		d := array.NewData(typ, rows, []*memory.Buffer{nil}, []arrow.ArrayData{values}, 0, 0)
		defer d.Release()
		return array.MakeFromData(d), nil
	case *arrow.ListType:
		width := int32(len(data) / max(rows, 1))
		offsets := make([]int32, rows+1)
		for i := range offsets {
			offsets[i] = int32(i) * width
		}
		ob := memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offsets))
		d := array.NewData(typ, rows, []*memory.Buffer{nil, ob}, []arrow.ArrayData{values}, 0, 0)
		defer d.Release()
		return array.MakeFromData(d), nil
	}
	if len(data) != rows {
		return nil, fmt.Errorf("%d values for %d rows", len(data), rows)
	}
	return array.MakeFromData(values), nil
}

// sequenceOfMaps turns ZipMap's output, one map per row, into a map
// column.
func sequenceOfMaps(mem memory.Allocator, typ arrow.DataType, seq *ort.Sequence) (arrow.Array, error) {
	mt, ok := typ.(*arrow.MapType)
	if !ok {
		return nil, fmt.Errorf("a sequence cannot become %s", typ)
	}
	maps, err := seq.GetValues()
	if err != nil {
		return nil, err
	}
	b := array.NewMapBuilderWithType(mem, mt)
	defer b.Release()
	kb, vb := b.KeyBuilder(), b.ItemBuilder()
	for _, m := range maps {
		mp, ok := m.(*ort.Map)
		if !ok {
			return nil, fmt.Errorf("sequence of %T, want maps", m)
		}
		keys, values, err := mp.GetKeysAndValues()
		if err != nil {
			return nil, err
		}
		b.Append(true)
		if err := appendValues(kb, keys); err != nil {
			return nil, err
		}
		if err := appendValues(vb, values); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
}

func appendValues(b array.Builder, v ort.Value) error {
	switch v := v.(type) {
	case *ort.Tensor[int64]:
		b.(*array.Int64Builder).AppendValues(v.GetData(), nil)
	case *ort.Tensor[float32]:
		b.(*array.Float32Builder).AppendValues(v.GetData(), nil)
	case *ort.Tensor[float64]:
		b.(*array.Float64Builder).AppendValues(v.GetData(), nil)
	case *ort.StringTensor:
		s, err := v.GetContents()
		if err != nil {
			return err
		}
		b.(*array.StringBuilder).AppendValues(s, nil)
	default:
		return fmt.Errorf("map values of type %T are not supported", v)
	}
	return nil
}

// concat joins one-row results.
func concat(mem memory.Allocator, parts []arrow.Array) (arrow.Array, error) {
	if len(parts) == 1 {
		parts[0].Retain()
		return parts[0], nil
	}
	return array.Concatenate(parts, mem)
}
