package arrowipc

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The checks follow a flatbuffer's offsets exactly as the flatbuffers
// runtime does (uint32 arithmetic), so they check what arrow-go will
// read, and they never read out of bounds: a failed check is an error,
// not a panic.
//
// The layouts are those of the Arrow format's Message.fbs, Schema.fbs and
// File.fbs; the numbers are vtable offsets of fields (4 + 2 × index).

// maxNesting bounds how deep fields nest, as arrow-go bounds arrays.
const maxNesting = 64

// ErrCorrupt is wrapped by the errors of metadata that arrow-go must not
// read.
var ErrCorrupt = errors.New("corrupt metadata")

// Continuation starts every message of a stream since Arrow 0.15, before
// the metadata's length.
const Continuation = 0xFFFFFFFF

// MessageHeader is the kind of an IPC message (Message.fbs).
type MessageHeader byte

// The message headers that carry data.
const (
	HeaderSchema      MessageHeader = 1
	HeaderDictionary  MessageHeader = 2
	HeaderRecordBatch MessageHeader = 3
)

// Message describes a checked message.
type Message struct {
	Header     MessageHeader // 0 when absent
	BodyLength int64         // as the metadata claims it: the caller checks it against what is there
}

// Block locates one message of an IPC file, as its footer lists it.
type Block struct {
	Offset int64
	Meta   int32 // bytes of metadata, with the length prefix
	Body   int64
}

type flatbuffer struct {
	b      []byte
	fields int // fields visited, bounded by the size of b
}

func (f *flatbuffer) need(at, n uint32) error {
	if uint64(at)+uint64(n) > uint64(len(f.b)) {
		return ErrCorrupt
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
		return 0, 0, ErrCorrupt
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
		return fmt.Errorf("%w: fields nest too deep or repeat", ErrCorrupt)
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
			return fmt.Errorf("%w: %d variadic buffers", ErrCorrupt, c)
		}
	}
	return nil
}

// CheckMessage checks the metadata of one IPC message (a Message
// flatbuffer, without its length prefix) before arrow-go reads it: the
// vectors of its schema or record batch and its custom metadata. It
// returns what the message says of itself; errors wrap ErrCorrupt.
func CheckMessage(meta []byte) (Message, error) {
	f := &flatbuffer{b: meta}
	var m Message
	root, err := f.u32(0)
	if err != nil {
		return m, ErrCorrupt
	}
	if at, err := f.slot(root, 6); err != nil {
		return m, err
	} else if at != 0 {
		if err := f.need(at, 1); err != nil {
			return m, err
		}
		m.Header = MessageHeader(meta[at])
	}
	if at, err := f.slot(root, 10); err != nil {
		return m, err
	} else if at != 0 {
		if err := f.need(at, 8); err != nil {
			return m, err
		}
		m.BodyLength = int64(binary.LittleEndian.Uint64(meta[at:]))
	}
	if err := f.keyValues(root, 12); err != nil {
		return m, err
	}
	header, err := f.table(root, 8)
	if err != nil || header == 0 {
		return m, err
	}
	switch m.Header {
	case HeaderSchema:
		err = f.schema(header)
	case HeaderDictionary:
		var data uint32
		if data, err = f.table(header, 6); err == nil && data != 0 {
			err = f.recordBatch(data)
		}
	case HeaderRecordBatch:
		err = f.recordBatch(header)
	}
	return m, err
}

// CheckFooter checks the Footer flatbuffer of an IPC file (its schema
// and custom metadata) and returns its dictionary and record batch
// blocks, which the caller checks against the file's size.
func CheckFooter(b []byte) (dicts, batches []Block, err error) {
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

// blocks reads a vector of Block structs {offset: int64, metaDataLength:
// int32, padding, bodyLength: int64}.
func (f *flatbuffer) blocks(t uint32, voffset uint16) ([]Block, error) {
	start, n, err := f.vector(t, voffset, 24)
	if err != nil {
		return nil, err
	}
	out := make([]Block, n)
	for i := range out {
		at := start + 24*uint32(i)
		out[i] = Block{
			Offset: int64(binary.LittleEndian.Uint64(f.b[at:])),
			Meta:   int32(binary.LittleEndian.Uint32(f.b[at+8:])),
			Body:   int64(binary.LittleEndian.Uint64(f.b[at+16:])),
		}
	}
	return out, nil
}
