package ipcio

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// arrow-go trusts the lengths written in IPC metadata (flatbuffers): a
// corrupt schema claiming four billion fields makes it allocate hundreds
// of gigabytes, which kills the process, and a field that is its own
// child recurses without end. Before arrow-go sees any metadata, the
// checks here make sure that every vector it allocates by fits in the
// bytes that hold it, that nesting is bounded and that the field tree is
// a tree. They follow the offsets exactly as the flatbuffers runtime does
// (uint32 arithmetic), so they check what arrow-go will read.
//
// The layouts are those of the Arrow format's Message.fbs, Schema.fbs and
// File.fbs; the numbers are vtable offsets of fields (4 + 2 × index).

// maxNesting bounds how deep fields nest, as arrow-go bounds arrays.
const maxNesting = 64

var errMetadata = errors.New("corrupt metadata")

type flatbuffer struct {
	b      []byte
	fields int // fields visited, bounded by the size of b
}

func (f *flatbuffer) need(at, n uint32) error {
	if uint64(at)+uint64(n) > uint64(len(f.b)) {
		return errMetadata
	}
	return nil
}

func (f *flatbuffer) u32(at uint32) (uint32, error) {
	if err := f.need(at, 4); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(f.b[at:]), nil
}

// slot returns the position of a table's field, or 0 when it is absent.
func (f *flatbuffer) slot(table uint32, voffset uint16) (uint32, error) {
	soff, err := f.u32(table)
	if err != nil {
		return 0, err
	}
	vtable := uint32(int32(table) - int32(soff))
	if err := f.need(vtable, 4); err != nil {
		return 0, err
	}
	if voffset >= binary.LittleEndian.Uint16(f.b[vtable:]) {
		return 0, nil
	}
	if err := f.need(vtable+uint32(voffset), 2); err != nil {
		return 0, err
	}
	off := binary.LittleEndian.Uint16(f.b[vtable+uint32(voffset):])
	if off == 0 {
		return 0, nil
	}
	return table + uint32(off), nil
}

// table follows the offset to a sub-table; 0 when absent.
func (f *flatbuffer) table(table uint32, voffset uint16) (uint32, error) {
	at, err := f.slot(table, voffset)
	if err != nil || at == 0 {
		return 0, err
	}
	rel, err := f.u32(at)
	return at + rel, err
}

// vector returns the position of a vector's first element and its length,
// checking that elements of size bytes each fit; n is 0 when absent.
func (f *flatbuffer) vector(table uint32, voffset uint16, size uint32) (start, n uint32, err error) {
	at, err := f.table(table, voffset)
	if err != nil || at == 0 {
		return 0, 0, err
	}
	if n, err = f.u32(at); err != nil {
		return 0, 0, err
	}
	if err := f.need(at+4, 0); err != nil || uint64(n)*uint64(size) > uint64(len(f.b))-uint64(at+4) {
		return 0, 0, errMetadata
	}
	return at + 4, n, nil
}

// tables returns the positions of the tables of a vector.
func (f *flatbuffer) tables(table uint32, voffset uint16) ([]uint32, error) {
	start, n, err := f.vector(table, voffset, 4)
	if err != nil {
		return nil, err
	}
	out := make([]uint32, n)
	for i := range out {
		at := start + 4*uint32(i)
		rel, _ := f.u32(at) // in range: vector checked it
		out[i] = at + rel
	}
	return out, nil
}

func (f *flatbuffer) keyValues(table uint32, voffset uint16) error {
	kvs, err := f.tables(table, voffset)
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		for _, vo := range []uint16{4, 6} { // key, value: strings
			if _, _, err := f.vector(kv, vo, 1); err != nil {
				return err
			}
		}
	}
	return nil
}

// schema checks a Schema table: fields, custom_metadata, features.
func (f *flatbuffer) schema(t uint32) error {
	fields, err := f.tables(t, 6)
	if err != nil {
		return err
	}
	for _, field := range fields {
		if err := f.field(field, 1); err != nil {
			return err
		}
	}
	if _, _, err := f.vector(t, 10, 8); err != nil {
		return err
	}
	return f.keyValues(t, 8)
}

// field checks a Field table: name, type (a union's type ids), children,
// custom_metadata.
func (f *flatbuffer) field(t uint32, depth int) error {
	f.fields++
	// Every field table takes more than four bytes: visiting more than
	// that many means tables are shared, a DAG or a cycle.
	if depth > maxNesting || f.fields > len(f.b)/4 {
		return fmt.Errorf("%w: fields nest too deep or repeat", errMetadata)
	}
	if _, _, err := f.vector(t, 4, 1); err != nil {
		return err
	}
	typeType, err := f.slot(t, 8)
	if err != nil {
		return err
	}
	if typeType != 0 {
		if err := f.need(typeType, 1); err != nil {
			return err
		}
		if f.b[typeType] == 14 { // Type.Union: typeIds is a vector of int32
			u, err := f.table(t, 10)
			if err != nil {
				return err
			}
			if u != 0 {
				if _, _, err := f.vector(u, 6, 4); err != nil {
					return err
				}
			}
		}
	}
	children, err := f.tables(t, 14)
	if err != nil {
		return err
	}
	for _, c := range children {
		if err := f.field(c, depth+1); err != nil {
			return err
		}
	}
	return f.keyValues(t, 16)
}

// recordBatch checks a RecordBatch table: nodes, buffers, and the variadic
// buffer counts, which arrow-go allocates by and which cannot be more
// than the buffers.
func (f *flatbuffer) recordBatch(t uint32) error {
	if _, _, err := f.vector(t, 6, 16); err != nil {
		return err
	}
	_, buffers, err := f.vector(t, 8, 16)
	if err != nil {
		return err
	}
	start, n, err := f.vector(t, 12, 8)
	if err != nil {
		return err
	}
	for i := range n {
		if c := int64(binary.LittleEndian.Uint64(f.b[start+8*i:])); c < 0 || c > int64(buffers) {
			return fmt.Errorf("%w: %d variadic buffers", errMetadata, c)
		}
	}
	return nil
}

// message describes a checked Message.
type message struct {
	header   byte // MessageHeader: 1 Schema, 2 DictionaryBatch, 3 RecordBatch
	bodySize int64
}

// checkMessage checks the metadata of one IPC message (a Message
// flatbuffer, without its length prefix).
func checkMessage(b []byte) (message, error) {
	f := &flatbuffer{b: b}
	var m message
	root, err := f.u32(0)
	if err != nil {
		return m, errMetadata
	}
	if at, err := f.slot(root, 6); err != nil {
		return m, err
	} else if at != 0 {
		if err := f.need(at, 1); err != nil {
			return m, err
		}
		m.header = b[at]
	}
	if at, err := f.slot(root, 10); err != nil {
		return m, err
	} else if at != 0 {
		if err := f.need(at, 8); err != nil {
			return m, err
		}
		m.bodySize = int64(binary.LittleEndian.Uint64(b[at:]))
	}
	if err := f.keyValues(root, 12); err != nil {
		return m, err
	}
	header, err := f.table(root, 8)
	if err != nil || header == 0 {
		return m, err
	}
	switch m.header {
	case 1:
		err = f.schema(header)
	case 2:
		var data uint32
		if data, err = f.table(header, 6); err == nil && data != 0 {
			err = f.recordBatch(data)
		}
	case 3:
		err = f.recordBatch(header)
	}
	return m, err
}

// checkFooter checks the Footer of an IPC file and returns its dictionary
// and record batch blocks.
func checkFooter(b []byte) (dicts, batches []block, err error) {
	f := &flatbuffer{b: b}
	root, err := f.u32(0)
	if err != nil {
		return nil, nil, err
	}
	schema, err := f.table(root, 6)
	if err != nil {
		return nil, nil, err
	}
	if schema != 0 {
		if err := f.schema(schema); err != nil {
			return nil, nil, err
		}
	}
	if err := f.keyValues(root, 12); err != nil {
		return nil, nil, err
	}
	if dicts, err = f.blocks(root, 8); err != nil {
		return nil, nil, err
	}
	batches, err = f.blocks(root, 10)
	return dicts, batches, err
}

// block locates one message of an IPC file.
type block struct {
	offset int64
	meta   int32 // bytes of metadata, with the length prefix
	body   int64
}

// blocks reads a vector of Block structs {offset: int64, metaDataLength:
// int32, padding, bodyLength: int64}.
func (f *flatbuffer) blocks(t uint32, voffset uint16) ([]block, error) {
	start, n, err := f.vector(t, voffset, 24)
	if err != nil {
		return nil, err
	}
	out := make([]block, n)
	for i := range out {
		at := start + 24*uint32(i)
		out[i] = block{
			offset: int64(binary.LittleEndian.Uint64(f.b[at:])),
			meta:   int32(binary.LittleEndian.Uint32(f.b[at+8:])),
			body:   int64(binary.LittleEndian.Uint64(f.b[at+16:])),
		}
	}
	return out, nil
}
