package ipcio

import (
	"fmt"
	"github.com/ember-df/ember/internal/arrowipc"

	"github.com/apache/arrow-go/v18/arrow"
)

// plainType is t with every dictionary-encoded type, wherever it nests
// (in lists, list views, maps, structs, unions, run-end encoded values and
// the values of other dictionaries), replaced by its value type: ember
// reads dictionary-encoded columns as plain columns (strings as plain
// strings). Extension types are left as they are, storage included.
func plainType(t arrow.DataType) arrow.DataType {
	if !arrowipc.HasDictionary(t) {
		return t
	}
	switch t := t.(type) {
	case *arrow.DictionaryType:
		return plainType(t.ValueType)
	case *arrow.ListType:
		return arrow.ListOfField(plainField(t.ElemField()))
	case *arrow.LargeListType:
		return arrow.LargeListOfField(plainField(t.ElemField()))
	case *arrow.ListViewType:
		return arrow.ListViewOfField(plainField(t.ElemField()))
	case *arrow.LargeListViewType:
		return arrow.LargeListViewOfField(plainField(t.ElemField()))
	case *arrow.FixedSizeListType:
		return arrow.FixedSizeListOfField(t.Len(), plainField(t.ElemField()))
	case *arrow.MapType:
		m := arrow.MapOfFields(plainField(t.KeyField()), plainField(t.ItemField()))
		m.KeysSorted = t.KeysSorted
		return m
	case *arrow.StructType:
		return arrow.StructOf(plainFields(t.Fields())...)
	case *arrow.SparseUnionType:
		return arrow.SparseUnionOf(plainFields(t.Fields()), t.TypeCodes())
	case *arrow.DenseUnionType:
		return arrow.DenseUnionOf(plainFields(t.Fields()), t.TypeCodes())
	case *arrow.RunEndEncodedType:
		r := arrow.RunEndEncodedOf(t.RunEnds(), plainType(t.Encoded()))
		r.ValueNullable = t.ValueNullable
		return r
	}
	return t
}

func plainField(f arrow.Field) arrow.Field {
	f.Type = plainType(f.Type)
	return f
}

func plainFields(fs []arrow.Field) []arrow.Field {
	out := make([]arrow.Field, len(fs))
	for i, f := range fs {
		out[i] = plainField(f)
	}
	return out
}

// columnNames are the names ember gives a file's columns: their own, but
// that a name used by more than one column gets the column's index
// appended (two columns "ints" become "ints0" and "ints1"), and then
// underscores until it differs from every other name, as csvio names the
// columns of a header with repeated names, after Spark. Arrow allows
// repeated names; ember's plans select columns by name, so names must be
// unique.
func columnNames(s *arrow.Schema) []string {
	names := make([]string, s.NumFields())
	count := map[string]int{}
	for i, f := range s.Fields() {
		names[i] = f.Name
		count[f.Name]++
	}
	used := map[string]bool{}
	for _, n := range names {
		if count[n] == 1 {
			used[n] = true
		}
	}
	for i, n := range names {
		if count[n] > 1 {
			n = fmt.Sprintf("%s%d", n, i)
			for used[n] || count[n] > 0 {
				n += "_"
			}
			names[i] = n
			used[n] = true
		}
	}
	return names
}

// plainSchema checks a file's schema, makes its column names unique
// (columnNames) and its types plain.
func plainSchema(s *arrow.Schema) (*arrow.Schema, error) {
	names := columnNames(s)
	fields := make([]arrow.Field, s.NumFields())
	for i, f := range s.Fields() {
		if err := checkType(f.Type); err != nil {
			return nil, fmt.Errorf("column %q: %w", f.Name, err)
		}
		fields[i] = plainField(f)
		fields[i].Name = names[i]
	}
	md := s.Metadata()
	return arrow.NewSchema(fields, &md), nil
}

// widens reports whether values of type from convert to type to without
// loss: an integer to a wider integer of the same signedness, float32 to
// float64.
func widens(from, to arrow.DataType) bool {
	rank := func(t arrow.DataType) (kind, width int) {
		switch t.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
			return 1, t.(arrow.FixedWidthDataType).BitWidth()
		case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
			return 2, t.(arrow.FixedWidthDataType).BitWidth()
		case arrow.FLOAT32, arrow.FLOAT64:
			return 3, t.(arrow.FixedWidthDataType).BitWidth()
		}
		return 0, 0
	}
	fk, fw := rank(from)
	tk, tw := rank(to)
	return fk != 0 && fk == tk && fw <= tw
}

// merged is a schema being merged from the files' schemas, remembering
// the file each column was first seen in, for error messages.
type merged struct {
	fields []arrow.Field
	index  map[string]int
	from   []string // per column: the first file that has it
	all    []bool   // per column: every file so far has it
	md     arrow.Metadata
	first  string // the first file's path
	files  int
}

// add merges the (plain) schema of one more file: columns are matched by
// name; a column some files lack must be nullable where it is present, and
// is nullable in the result; types must be equal, or widen (int32 and
// int64 merge to int64).
func (m *merged) add(path string, s *arrow.Schema) error {
	if m.files == 0 {
		m.index = map[string]int{}
		m.md = s.Metadata()
		m.first = path
	}
	m.files++
	present := make([]bool, len(m.fields))
	for _, f := range s.Fields() {
		i, ok := m.index[f.Name]
		if !ok {
			if m.files > 1 && !f.Nullable {
				return fmt.Errorf("ipcio: column %q is in %s, where it is not nullable, but not in %s", f.Name, path, m.first)
			}
			m.index[f.Name] = len(m.fields)
			m.fields = append(m.fields, arrow.Field{Name: f.Name, Type: f.Type, Nullable: f.Nullable || m.files > 1, Metadata: f.Metadata})
			m.from = append(m.from, path)
			m.all = append(m.all, m.files == 1)
			continue
		}
		present[i] = true
		have := &m.fields[i]
		switch {
		case arrow.TypeEqual(have.Type, f.Type):
		case widens(have.Type, f.Type):
			have.Type = f.Type
		case widens(f.Type, have.Type):
		default:
			return fmt.Errorf("ipcio: column %q is %s in %s but %s in %s", f.Name, have.Type, m.from[i], f.Type, path)
		}
		have.Nullable = have.Nullable || f.Nullable
	}
	for i, ok := range present {
		if ok || !m.all[i] {
			continue
		}
		m.all[i] = false
		if !m.fields[i].Nullable {
			return fmt.Errorf("ipcio: column %q is in %s, where it is not nullable, but not in %s", m.fields[i].Name, m.from[i], path)
		}
	}
	return nil
}

func (m *merged) schema() *arrow.Schema {
	return arrow.NewSchema(m.fields, &m.md)
}

// column says where an output column comes from in one file's batches.
type column struct {
	index  int  // in the file's schema; -1 when the file lacks it (all NULL)
	decode bool // the file's type holds dictionaries (plainData decodes them)
	cast   bool // the file's type, decoded, is not the output type (it widens)
	field  arrow.Field
}

// columnsFor matches the output fields with a file's schema, as stored,
// by the names columnNames gives its columns, checking that the file
// still fits the schema planned (it may have changed since).
func columnsFor(out []arrow.Field, stored *arrow.Schema, path string) ([]column, error) {
	index := map[string]int{}
	for i, n := range columnNames(stored) {
		index[n] = i
	}
	cols := make([]column, len(out))
	for i, f := range out {
		idx, ok := index[f.Name]
		switch {
		case !ok && f.Nullable:
			cols[i] = column{index: -1, field: f}
			continue
		case !ok:
			return nil, fmt.Errorf("ipcio: %s: no longer fits the schema planned: column %q", path, f.Name)
		}
		have := stored.Field(idx)
		plain := plainType(have.Type)
		if !arrow.TypeEqual(plain, f.Type) && !widens(plain, f.Type) || have.Nullable && !f.Nullable {
			return nil, fmt.Errorf("ipcio: %s: no longer fits the schema planned: column %q is %s, not %s", path, f.Name, have.Type, f.Type)
		}
		cols[i] = column{index: idx, decode: arrowipc.HasDictionary(have.Type), cast: !arrow.TypeEqual(plain, f.Type), field: f}
	}
	return cols, nil
}

// checkType rejects type parameters no valid file has, which corrupt
// metadata can hold and which would make values fail to print or
// convert: decimal precisions and scales, negative widths.
func checkType(t arrow.DataType) error {
	switch t := t.(type) {
	case arrow.DecimalType:
		maxPrecision := map[arrow.Type]int32{arrow.DECIMAL32: 9, arrow.DECIMAL64: 18, arrow.DECIMAL128: 38, arrow.DECIMAL256: 76}[t.ID()]
		if p, s := t.GetPrecision(), t.GetScale(); p < 1 || p > maxPrecision || s < -maxPrecision || s > maxPrecision {
			return fmt.Errorf("bad type %s", t)
		}
	case *arrow.FixedSizeBinaryType:
		if t.ByteWidth < 0 {
			return fmt.Errorf("bad type %s", t)
		}
	case *arrow.FixedSizeListType:
		if t.Len() < 0 {
			return fmt.Errorf("bad type %s", t)
		}
		return checkType(t.Elem())
	case *arrow.DictionaryType:
		if !arrow.IsInteger(t.IndexType.ID()) {
			return fmt.Errorf("bad type %s", t)
		}
		return checkType(t.ValueType)
	case arrow.NestedType:
		for _, f := range t.Fields() {
			if err := checkType(f.Type); err != nil {
				return err
			}
		}
	}
	return nil
}
