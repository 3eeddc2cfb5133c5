package parquetio

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// WithLogicalTypeMember returns the Parquet file data with the logical
// type of its schema element named column replaced by a LogicalType
// union holding only member id (an empty struct), as a writer newer than
// any reader writes a logical type the reader does not know. It rewrites
// the footer with the Thrift code of footer.go.
func WithLogicalTypeMember(data []byte, column string, id int16) ([]byte, error) {
	if len(data) < 12 {
		return nil, fmt.Errorf("%d bytes", len(data))
	}
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	start := len(data) - 8 - n
	r := &thriftReader{buf: data[start : len(data)-8]}
	fields, err := r.structFields()
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(fields, func(f thriftField) bool { return f.id == fileMetaSchema })
	if i < 0 {
		return nil, fmt.Errorf("no schema")
	}
	list := &thriftReader{buf: fields[i].value}
	_, count, err := list.listHeader()
	if err != nil {
		return nil, err
	}
	var w thriftWriter
	w.listHeader(thriftStruct, count)
	found := false
	for e := 0; e < count; e++ {
		ef, err := list.structFields()
		if err != nil {
			return nil, err
		}
		if elementName(ef) == column {
			found = true
			var union thriftWriter
			union.structFields([]thriftField{{id: id, typ: thriftStruct, value: []byte{0}}})
			ef = slices.DeleteFunc(ef, func(f thriftField) bool { return f.id == elementLogicalType })
			ef = append(ef, thriftField{id: elementLogicalType, typ: thriftStruct, value: union.buf})
			slices.SortStableFunc(ef, func(a, b thriftField) int { return int(a.id) - int(b.id) })
		}
		w.structFields(ef)
	}
	if !found {
		return nil, fmt.Errorf("no schema element %q", column)
	}
	fields[i].value = w.buf
	var footer thriftWriter
	footer.structFields(fields)
	out := append(slices.Clone(data[:start]), footer.buf...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer.buf)))
	return append(out, "PAR1"...), nil
}

// SetReadDictionaries turns reading wholly dictionary-encoded strings as
// dictionaries (dictstrings.go) on or off for the readers opened after it,
// and returns a function that restores the previous setting.
func SetReadDictionaries(on bool) (restore func()) {
	was := readDictionaries.Swap(on)
	return func() { readDictionaries.Store(was) }
}

// DictionaryColumns names the top-level columns of the Parquet file at
// path that a scan of all its row groups in batches of batchRows reads as
// dictionaries.
func DictionaryColumns(path string, size, batchRows int64) ([]string, error) {
	pf, err := readFooter(path, size)
	if err != nil {
		return nil, err
	}
	rowGroups := make([]int, pf.meta.NumRowGroups())
	cols := make([]int, pf.schema.NumFields())
	for i := range rowGroups {
		rowGroups[i] = i
	}
	for i := range cols {
		cols[i] = i
	}
	var names []string
	for _, leaf := range dictionaryLeaves(pf, rowGroups, cols, batchRows) {
		for c, leaves := range pf.leaves {
			if len(leaves) == 1 && leaves[0] == leaf {
				names = append(names, pf.schema.Field(c).Name)
			}
		}
	}
	return names, nil
}

// PlainStrings is plainStrings.
var PlainStrings = plainStrings
