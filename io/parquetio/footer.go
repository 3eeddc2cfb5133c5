package parquetio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// The footer is read here, not by arrow-go's file reader, so that two
// kinds of column written by other implementations can be read, as DuckDB
// reads them, by rewriting their schema elements before arrow-go parses
// the footer:
//
//   - A logical type that arrow-go does not know (a newer writer's: the
//     LogicalType union holds a member arrow-go cannot decode) made
//     arrow-go panic ("invalid logical type"). Its annotation is dropped,
//     so the column reads by its physical type (and converted type, if
//     any), as the Parquet format asks of readers that meet an unknown
//     logical type.
//   - INT96 timestamps (Impala, Hive, Spark) were decoded by arrow-go
//     only as nanoseconds since the epoch, which fails for any date
//     outside 1677-2262 (Spark writes 0001-01-01 and 9999-12-31). An
//     INT96 column is declared FIXED_LEN_BYTE_ARRAY(12), which decodes
//     the same bytes, and its values are converted to microseconds by
//     the reader (int96.go).
//
// The footer is Thrift's compact protocol. Only the schema list is
// decoded, into its elements' fields; every other field is copied as the
// bytes it is, so what is not rewritten reaches arrow-go unchanged.

// Thrift compact protocol type codes.
const (
	thriftBoolTrue  = 1
	thriftBoolFalse = 2
	thriftByte      = 3
	thriftI16       = 4
	thriftI32       = 5
	thriftI64       = 6
	thriftDouble    = 7
	thriftBinary    = 8
	thriftList      = 9
	thriftSet       = 10
	thriftMap       = 11
	thriftStruct    = 12
)

// Field ids of parquet.thrift.
const (
	fileMetaSchema        = 2  // FileMetaData.schema: list<SchemaElement>
	elementType           = 1  // SchemaElement.type: Type
	elementTypeLength     = 2  // SchemaElement.type_length: i32
	elementNameField      = 4  // SchemaElement.name: string
	elementNumChildren    = 5  // SchemaElement.num_children: i32
	elementLogicalType    = 10 // SchemaElement.logicalType: LogicalType
	physicalInt96         = 3  // Type.INT96
	physicalFixedLenBytes = 7  // Type.FIXED_LEN_BYTE_ARRAY
)

// knownLogicalTypes are the members of parquet.thrift's LogicalType union
// that arrow-go decodes (STRING … GEOGRAPHY; 9 was never assigned).
// A union holding none of them is a logical type arrow-go does not know.
var knownLogicalTypes = []int16{1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18}

// maxThriftDepth bounds the nesting of structs and containers skipped in
// a footer; parquet.thrift nests a few levels, and a corrupt footer must
// not recurse without end.
const maxThriftDepth = 64

// footerRewrite is what rewriteFooter changed.
type footerRewrite struct {
	int96Leaves    []int    // leaf column indices of INT96 columns, ascending
	droppedLogical []string // schema element names whose logical type was dropped
}

// rewriteFooter returns the serialized FileMetaData footer with the
// schema rewritten as the comment above says, and what it rewrote. A
// footer that needs no rewriting is returned as it is. Malformed Thrift
// is an error; malformed metadata that is well-formed Thrift is left for
// arrow-go to reject.
func rewriteFooter(footer []byte) ([]byte, footerRewrite, error) {
	var rw footerRewrite
	r := &thriftReader{buf: footer}
	fields, err := r.structFields()
	if err != nil {
		return nil, rw, fmt.Errorf("%w: file metadata: %w", ErrCorrupt, err)
	}
	i := slices.IndexFunc(fields, func(f thriftField) bool { return f.id == fileMetaSchema && f.typ == thriftList })
	if i < 0 {
		return footer, rw, nil // arrow-go reports the missing schema
	}
	schema := &thriftReader{buf: fields[i].value}
	elemType, n, err := schema.listHeader()
	if err != nil || elemType != thriftStruct {
		return footer, rw, nil
	}
	elems := make([][]thriftField, 0, min(n, len(footer)))
	changed := false
	leaf := 0
	for e := 0; e < n; e++ {
		ef, err := schema.structFields()
		if err != nil {
			return nil, rw, fmt.Errorf("%w: file metadata: schema element %d: %w", ErrCorrupt, e, err)
		}
		if dropped, ok := dropUnknownLogicalType(ef); ok {
			rw.droppedLogical = append(rw.droppedLogical, elementName(ef))
			ef, changed = dropped, true
		}
		// Leaves are the elements after the root without children, in
		// order, as arrow-go's schema.FromParquet numbers them.
		if e > 0 && elementInt(ef, elementNumChildren) == 0 {
			if elementInt(ef, elementType) == physicalInt96 {
				ef, changed = int96AsFixedLenBytes(ef), true
				rw.int96Leaves = append(rw.int96Leaves, leaf)
			}
			leaf++
		}
		elems = append(elems, ef)
	}
	if !changed {
		return footer, rw, nil
	}
	var list thriftWriter
	list.listHeader(thriftStruct, len(elems))
	for _, ef := range elems {
		list.structFields(ef)
	}
	fields[i].value = list.buf
	var out thriftWriter
	out.structFields(fields)
	out.buf = append(out.buf, r.buf[r.pos:]...) // what follows the struct (a plaintext footer's signature)
	return out.buf, rw, nil
}

// dropUnknownLogicalType removes the logicalType field of a schema element
// whose union holds no member arrow-go knows.
func dropUnknownLogicalType(fields []thriftField) ([]thriftField, bool) {
	i := slices.IndexFunc(fields, func(f thriftField) bool { return f.id == elementLogicalType })
	if i < 0 || fields[i].typ != thriftStruct {
		return fields, false
	}
	members, err := (&thriftReader{buf: fields[i].value}).structFields()
	if err != nil {
		return fields, false // malformed: arrow-go reports it
	}
	for _, m := range members {
		if slices.Contains(knownLogicalTypes, m.id) {
			return fields, false
		}
	}
	return slices.Delete(slices.Clone(fields), i, i+1), true
}

// int96AsFixedLenBytes declares an INT96 schema element
// FIXED_LEN_BYTE_ARRAY of 12 bytes, the same values' bytes.
func int96AsFixedLenBytes(fields []thriftField) []thriftField {
	out := make([]thriftField, 0, len(fields)+1)
	for _, f := range fields {
		switch f.id {
		case elementType:
			f.value = appendZigzag(nil, physicalFixedLenBytes)
		case elementTypeLength:
			continue // replaced below
		}
		out = append(out, f)
	}
	out = append(out, thriftField{id: elementTypeLength, typ: thriftI32, value: appendZigzag(nil, 12)})
	slices.SortStableFunc(out, func(a, b thriftField) int { return int(a.id) - int(b.id) })
	return out
}

// elementInt is the value of an i32 field, 0 if it is absent or not an
// i32.
func elementInt(fields []thriftField, id int16) int64 {
	for _, f := range fields {
		if f.id == id && f.typ == thriftI32 {
			v, err := (&thriftReader{buf: f.value}).zigzag()
			if err == nil {
				return v
			}
		}
	}
	return 0
}

// elementName is a schema element's name, for messages.
func elementName(fields []thriftField) string {
	for _, f := range fields {
		if f.id == elementNameField && f.typ == thriftBinary {
			r := &thriftReader{buf: f.value}
			if b, err := r.binary(); err == nil {
				return string(b)
			}
		}
	}
	return "?"
}

// thriftField is one field of a struct: its id, its compact type code and
// its value as encoded (empty for booleans, whose value is the type code).
type thriftField struct {
	id    int16
	typ   byte
	value []byte
}

// thriftReader reads Thrift's compact protocol.
type thriftReader struct {
	buf   []byte
	pos   int
	depth int
}

var errThriftEOF = errors.New("thrift data ends early")

func (r *thriftReader) byte() (byte, error) {
	if r.pos >= len(r.buf) {
		return 0, errThriftEOF
	}
	b := r.buf[r.pos]
	r.pos++
	return b, nil
}

func (r *thriftReader) uvarint() (uint64, error) {
	v, n := binary.Uvarint(r.buf[r.pos:])
	if n <= 0 {
		if n == 0 {
			return 0, errThriftEOF
		}
		return 0, errors.New("thrift varint overflows 64 bits")
	}
	r.pos += n
	return v, nil
}

func (r *thriftReader) zigzag() (int64, error) {
	v, err := r.uvarint()
	return int64(v>>1) ^ -int64(v&1), err
}

// length reads a container's or binary's length, which must fit in what
// is left of the buffer at elemBytes bytes an element.
func (r *thriftReader) length(elemBytes int) (int, error) {
	v, err := r.uvarint()
	if err != nil {
		return 0, err
	}
	if v > uint64(len(r.buf)-r.pos)/uint64(elemBytes) {
		return 0, fmt.Errorf("thrift length %d exceeds the %d bytes left", v, len(r.buf)-r.pos)
	}
	return int(v), nil
}

func (r *thriftReader) binary() ([]byte, error) {
	n, err := r.length(1)
	if err != nil {
		return nil, err
	}
	b := r.buf[r.pos : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *thriftReader) listHeader() (elemType byte, n int, err error) {
	h, err := r.byte()
	if err != nil {
		return 0, 0, err
	}
	elemType, n = h&0x0f, int(h>>4)
	if n == 15 {
		n, err = r.length(1)
	} else if n > len(r.buf)-r.pos {
		err = fmt.Errorf("thrift list of %d elements exceeds the %d bytes left", n, len(r.buf)-r.pos)
	}
	return elemType, n, err
}

// structFields reads a struct's fields up to its stop byte.
func (r *thriftReader) structFields() ([]thriftField, error) {
	if r.depth++; r.depth > maxThriftDepth {
		return nil, fmt.Errorf("thrift structs nested more than %d deep", maxThriftDepth)
	}
	defer func() { r.depth-- }()
	var fields []thriftField
	var last int16
	for {
		h, err := r.byte()
		if err != nil {
			return nil, err
		}
		if h == 0 {
			return fields, nil
		}
		id := last + int16(h>>4)
		if h>>4 == 0 {
			v, err := r.zigzag()
			if err != nil {
				return nil, err
			}
			id = int16(v)
		}
		typ := h & 0x0f
		start := r.pos
		if typ != thriftBoolTrue && typ != thriftBoolFalse {
			if err := r.skip(typ); err != nil {
				return nil, fmt.Errorf("field %d: %w", id, err)
			}
		}
		fields = append(fields, thriftField{id: id, typ: typ, value: r.buf[start:r.pos]})
		last = id
	}
}

// skip reads past one value of compact type typ (in a container: a
// boolean is one byte there).
func (r *thriftReader) skip(typ byte) error {
	switch typ {
	case thriftBoolTrue, thriftBoolFalse, thriftByte:
		_, err := r.byte()
		return err
	case thriftI16, thriftI32, thriftI64:
		_, err := r.uvarint()
		return err
	case thriftDouble:
		if len(r.buf)-r.pos < 8 {
			return errThriftEOF
		}
		r.pos += 8
		return nil
	case thriftBinary:
		_, err := r.binary()
		return err
	case thriftStruct:
		_, err := r.structFields()
		return err
	case thriftList, thriftSet:
		elemType, n, err := r.listHeader()
		if err != nil {
			return err
		}
		return r.skipValues(n, elemType)
	case thriftMap:
		n, err := r.length(2)
		if err != nil || n == 0 {
			return err
		}
		kv, err := r.byte()
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := r.skipValues(1, kv>>4); err != nil {
				return err
			}
			if err := r.skipValues(1, kv&0x0f); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown thrift type %d", typ)
}

func (r *thriftReader) skipValues(n int, typ byte) error {
	if r.depth++; r.depth > maxThriftDepth {
		return fmt.Errorf("thrift containers nested more than %d deep", maxThriftDepth)
	}
	defer func() { r.depth-- }()
	for i := 0; i < n; i++ {
		if err := r.skip(typ); err != nil {
			return err
		}
	}
	return nil
}

// thriftWriter writes Thrift's compact protocol.
type thriftWriter struct{ buf []byte }

// structFields writes fields, in ascending id order, and the stop byte.
func (w *thriftWriter) structFields(fields []thriftField) {
	var last int16
	for _, f := range fields {
		if d := f.id - last; d > 0 && d <= 15 {
			w.buf = append(w.buf, byte(d)<<4|f.typ)
		} else {
			w.buf = append(w.buf, f.typ)
			w.buf = appendZigzag(w.buf, int64(f.id))
		}
		w.buf = append(w.buf, f.value...)
		last = f.id
	}
	w.buf = append(w.buf, 0)
}

func (w *thriftWriter) listHeader(elemType byte, n int) {
	if n < 15 {
		w.buf = append(w.buf, byte(n)<<4|elemType)
		return
	}
	w.buf = append(w.buf, 0xf0|elemType)
	w.buf = binary.AppendUvarint(w.buf, uint64(n))
}

func appendZigzag(b []byte, v int64) []byte {
	return binary.AppendUvarint(b, uint64(v<<1)^uint64(v>>63))
}
