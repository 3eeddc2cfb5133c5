package parquetio

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// conformer turns what pqarrow read from one file into the source's
// schema: dictionary-encoded strings become plain strings, narrower
// numbers are widened, INT96 values become timestamps (int96.go), struct
// fields and columns the file lacks are filled with NULLs, and fields are
// relabelled (list elements named "item", merged nullability). It is the
// reading side of merge.go.
type conformer struct {
	ctx  context.Context // carries the allocator for compute casts
	mem  memory.Allocator
	path string
}

// batch returns b with the given schema; columns are matched by name and
// those b lacks are NULL. The result is owned by the caller.
func (c conformer) batch(b arrow.RecordBatch, want *arrow.Schema) (arrow.RecordBatch, error) {
	if b.Schema().Equal(want) {
		b.Retain()
		return b, nil
	}
	cols := make([]arrow.Array, want.NumFields())
	defer func() {
		for _, col := range cols {
			if col != nil {
				col.Release()
			}
		}
	}()
	n := int(b.NumRows())
	for i, f := range want.Fields() {
		idx := b.Schema().FieldIndices(f.Name)
		if len(idx) == 0 {
			cols[i] = array.MakeArrayOfNull(c.mem, f.Type, n)
			continue
		}
		col, err := c.array(f.Name, b.Column(idx[0]), f.Type)
		if err != nil {
			return nil, err
		}
		cols[i] = col
	}
	return array.NewRecordBatch(want, cols, int64(n)), nil
}

// nulls returns a batch of n rows of NULLs with the given schema (a file
// with none of the wanted columns, or no columns wanted at all). The
// caller releases it.
func (c conformer) nulls(want *arrow.Schema, n int) arrow.RecordBatch {
	cols := make([]arrow.Array, want.NumFields())
	for i, f := range want.Fields() {
		cols[i] = array.MakeArrayOfNull(c.mem, f.Type, n)
	}
	b := array.NewRecordBatch(want, cols, int64(n))
	for _, col := range cols {
		col.Release()
	}
	return b
}

// array returns a as type want; path names the column in errors. The
// result is owned by the caller.
func (c conformer) array(path string, a arrow.Array, want arrow.DataType) (arrow.Array, error) {
	have := a.DataType()
	if sameType(have, want) {
		a.Retain()
		return a, nil
	}
	if isInt96(have, want) {
		return c.int96Timestamps(a.(*array.FixedSizeBinary)), nil
	}
	d := a.Data()
	switch want := want.(type) {
	case *arrow.StructType:
		if _, ok := have.(*arrow.StructType); !ok {
			break
		}
		haveFields := have.(*arrow.StructType)
		children := make([]arrow.ArrayData, want.NumFields())
		defer func() {
			for _, ch := range children {
				if ch != nil {
					ch.Release()
				}
			}
		}()
		// A struct's children are indexed with the struct's offset: a
		// missing child is offset+len NULLs.
		for i, f := range want.Fields() {
			var child arrow.Array
			if j, ok := haveFields.FieldIdx(f.Name); ok {
				src := array.MakeFromData(d.Children()[j])
				var err error
				child, err = c.array(path+"."+f.Name, src, f.Type)
				src.Release()
				if err != nil {
					return nil, err
				}
			} else {
				child = array.MakeArrayOfNull(c.mem, f.Type, d.Offset()+d.Len())
			}
			children[i] = child.Data()
			children[i].Retain()
			child.Release()
		}
		out := array.NewData(want, d.Len(), d.Buffers(), children, d.NullN(), d.Offset())
		defer out.Release()
		return array.MakeFromData(out), nil
	case *arrow.ListType, *arrow.LargeListType, *arrow.FixedSizeListType, *arrow.MapType:
		if have.ID() != want.ID() {
			break
		}
		// Offsets index the whole child, so the child converts whole.
		elem := want.(arrow.ListLikeType).Elem()
		src := array.MakeFromData(d.Children()[0])
		child, err := c.array(path+".item", src, elem)
		src.Release()
		if err != nil {
			return nil, err
		}
		defer child.Release()
		out := array.NewData(want, d.Len(), d.Buffers(), []arrow.ArrayData{child.Data()}, d.NullN(), d.Offset())
		defer out.Release()
		return array.MakeFromData(out), nil
	}
	if dict, ok := a.(*array.Dictionary); ok {
		out, ok, err := plainStrings(c.mem, dict, want)
		if err != nil {
			return nil, fmt.Errorf("parquetio: %s: column %s: %w", c.path, path, err)
		}
		if ok {
			return out, nil
		}
	}
	if have.ID() == arrow.DICTIONARY || widerNumber(have, want) != nil {
		out, err := compute.CastArray(c.ctx, a, compute.SafeCastOptions(want))
		if err != nil {
			return nil, fmt.Errorf("parquetio: %s: column %s: %w", c.path, path, err)
		}
		if sameType(out.DataType(), want) {
			return out, nil
		}
		defer out.Release()
		return c.array(path, out, want)
	}
	if arrow.TypeEqual(have, want) {
		// Same layout, other labels (a map's entry names): relabel.
		return array.MakeFromData(retype(d, want)), nil
	}
	return nil, fmt.Errorf("parquetio: %s: column %s is %s in the file, cannot read it as %s", c.path, path, have, want)
}

// retype relabels array data with a type of the same layout (only field
// names and metadata differ), sharing its buffers. The caller releases the
// result.
func retype(d arrow.ArrayData, t arrow.DataType) arrow.ArrayData {
	children := make([]arrow.ArrayData, len(d.Children()))
	for i, c := range d.Children() {
		var ct arrow.DataType
		switch t := t.(type) {
		case arrow.NestedType:
			ct = t.Fields()[i].Type
		default:
			ct = c.DataType()
		}
		children[i] = retype(c, ct)
		defer children[i].Release()
	}
	return array.NewData(t, d.Len(), d.Buffers(), children, d.NullN(), d.Offset())
}
