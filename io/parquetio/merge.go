package parquetio

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Schema merging, as Spark's mergeSchema: the files of one source may
// differ in compatible ways, and the source's schema is their union.
//
//   - Columns are matched by name (recursively inside structs). Their
//     order is the first file's, then each new column where it first
//     appears.
//   - A column missing from some files is nullable, and reads as NULL for
//     those files.
//   - Integers widen to the widest integer of the same signedness
//     (int32 and int64 read as int64), float32 and float64 as float64,
//     and lists of such elements likewise; the reader casts.
//   - Anything else must have the same type in every file; otherwise
//     NewSource fails with an error naming the column and both files.

// mergeConflict says where two types cannot be merged.
type mergeConflict struct {
	path       string // dotted column path: "meta.stars"
	have, with arrow.DataType
}

// columnOrigin records which file last changed a merged top-level
// column's type, to name it in errors.
type columnOrigin struct {
	field arrow.Field
	path  string // the file
}

// schemaMerger accumulates the union of file schemas.
type schemaMerger struct {
	cols  []columnOrigin
	index map[string]int
	files int
}

// add merges the schema of the file at path into the union.
func (m *schemaMerger) add(path string, s *arrow.Schema) error {
	if m.index == nil {
		m.index = map[string]int{}
	}
	seen := make(map[string]bool, s.NumFields())
	for _, f := range s.Fields() {
		if seen[f.Name] {
			return fmt.Errorf("parquetio: %s: duplicate column %q", path, f.Name)
		}
		seen[f.Name] = true
		i, ok := m.index[f.Name]
		if !ok {
			if m.files > 0 {
				f.Nullable = true // the files before this one lack it
			}
			m.index[f.Name] = len(m.cols)
			m.cols = append(m.cols, columnOrigin{field: f, path: path})
			continue
		}
		merged, conflict := mergeField(f.Name, m.cols[i].field, f)
		if conflict != nil {
			return fmt.Errorf("parquetio: cannot merge schemas: column %q is %s in %s but %s in %s",
				conflict.path, conflict.have, m.cols[i].path, conflict.with, path)
		}
		if !sameType(merged.Type, m.cols[i].field.Type) {
			m.cols[i].path = path // errors name the file that gave the type
		}
		m.cols[i].field = merged
	}
	if m.files > 0 {
		for i := range m.cols {
			if !seen[m.cols[i].field.Name] {
				m.cols[i].field.Nullable = true // this file lacks it
			}
		}
	}
	m.files++
	return nil
}

// schema is the union of the schemas added so far.
func (m *schemaMerger) schema() *arrow.Schema {
	fields := make([]arrow.Field, len(m.cols))
	for i, c := range m.cols {
		fields[i] = c.field
	}
	return arrow.NewSchema(fields, nil)
}

// mergeField merges two fields of the same name; path names the field in
// a conflict.
func mergeField(path string, a, b arrow.Field) (arrow.Field, *mergeConflict) {
	t, conflict := mergeType(path, a.Type, b.Type)
	if conflict != nil {
		return arrow.Field{}, conflict
	}
	return arrow.Field{Name: a.Name, Type: t, Nullable: a.Nullable || b.Nullable}, nil
}

// mergeType is the type that values of types a and b both read as.
func mergeType(path string, a, b arrow.DataType) (arrow.DataType, *mergeConflict) {
	if sameType(a, b) {
		return a, nil
	}
	conflict := &mergeConflict{path: path, have: a, with: b}
	switch a := a.(type) {
	case *arrow.StructType:
		b, ok := b.(*arrow.StructType)
		if !ok {
			return nil, conflict
		}
		fields := make([]arrow.Field, 0, a.NumFields())
		for _, fa := range a.Fields() {
			fb, ok := b.FieldByName(fa.Name)
			if !ok {
				fa.Nullable = true
				fields = append(fields, fa)
				continue
			}
			f, c := mergeField(path+"."+fa.Name, fa, fb)
			if c != nil {
				return nil, c
			}
			fields = append(fields, f)
		}
		for _, fb := range b.Fields() {
			if _, ok := a.FieldByName(fb.Name); !ok {
				fb.Nullable = true
				fields = append(fields, fb)
			}
		}
		return arrow.StructOf(fields...), nil
	case *arrow.ListType:
		b, ok := b.(*arrow.ListType)
		if !ok {
			return nil, conflict
		}
		elem, c := mergeField(path+".item", a.ElemField(), b.ElemField())
		if c != nil {
			return nil, c
		}
		return arrow.ListOfField(elem), nil
	case *arrow.LargeListType:
		b, ok := b.(*arrow.LargeListType)
		if !ok {
			return nil, conflict
		}
		elem, c := mergeField(path+".item", a.ElemField(), b.ElemField())
		if c != nil {
			return nil, c
		}
		return arrow.LargeListOfField(elem), nil
	case *arrow.FixedSizeListType:
		b, ok := b.(*arrow.FixedSizeListType)
		if !ok || a.Len() != b.Len() {
			return nil, conflict
		}
		elem, c := mergeField(path+".item", a.ElemField(), b.ElemField())
		if c != nil {
			return nil, c
		}
		return arrow.FixedSizeListOfField(a.Len(), elem), nil
	}
	if w := widerNumber(a, b); w != nil {
		return w, nil
	}
	return nil, conflict
}

// sameType reports whether a and b are the same type, field names (list
// elements included) and nullability too.
func sameType(a, b arrow.DataType) bool {
	return arrow.TypeEqual(a, b) && a.String() == b.String()
}

// numberRanks order the numeric types that widen into each other: integers
// of one signedness, and floats.
var numberRanks = map[arrow.Type]struct{ kind, rank int }{
	arrow.INT8: {0, 0}, arrow.INT16: {0, 1}, arrow.INT32: {0, 2}, arrow.INT64: {0, 3},
	arrow.UINT8: {1, 0}, arrow.UINT16: {1, 1}, arrow.UINT32: {1, 2}, arrow.UINT64: {1, 3},
	arrow.FLOAT32: {2, 0}, arrow.FLOAT64: {2, 1},
}

// widerNumber is the wider of two numeric types of the same kind, or nil.
func widerNumber(a, b arrow.DataType) arrow.DataType {
	ra, okA := numberRanks[a.ID()]
	rb, okB := numberRanks[b.ID()]
	if !okA || !okB || ra.kind != rb.kind {
		return nil
	}
	if ra.rank >= rb.rank {
		return a
	}
	return b
}
