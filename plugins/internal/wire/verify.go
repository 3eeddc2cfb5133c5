package wire

import (
	"encoding/binary"
	"errors"
	"fmt"

	flatbuffers "github.com/google/flatbuffers/go"
)

// checkStream walks an Arrow IPC stream's framing and the vectors of its
// messages before arrow-go decodes it. arrow-go trusts the lengths its
// input claims and allocates what they say: a corrupt stream of a few
// bytes could claim billions of schema fields. Here every length must fit
// in the bytes actually received. Reads past the end panic, which
// ReadBatch recovers into ErrMalformed.
func checkStream(b []byte) error {
	for len(b) > 0 {
		if len(b) < 8 || binary.LittleEndian.Uint32(b) != 0xFFFFFFFF {
			return errors.New("a message does not start with the IPC continuation marker")
		}
		size := int(int32(binary.LittleEndian.Uint32(b[4:])))
		b = b[8:]
		if size == 0 { // end of stream
			if len(b) > 0 {
				return errors.New("bytes after the end of the stream")
			}
			return nil
		}
		if size < 0 || size > len(b) {
			return fmt.Errorf("message metadata of %d bytes, with %d left", size, len(b))
		}
		body, err := checkMessage(b[:size])
		if err != nil {
			return err
		}
		if body < 0 || body > int64(len(b)-size) {
			return fmt.Errorf("message body of %d bytes, with %d left", body, len(b)-size)
		}
		b = b[size+int(body):]
	}
	return errors.New("the stream ends without its end marker")
}

// Slots of the Arrow format's flatbuffer tables (format/*.fbs).
const (
	messageHeaderType, messageHeader, messageBodyLength = 1, 2, 3
	schemaFields, schemaMetadata, schemaFeatures        = 1, 2, 3
	fieldTypeType, fieldType, fieldDictionary           = 2, 3, 4
	fieldChildren, fieldMetadata                        = 5, 6
	unionTypeIDs                                        = 1
	recordNodes, recordBuffers, recordVariadic          = 1, 2, 4
	dictionaryData                                      = 1

	headerSchema, headerDictionary, headerRecordBatch = 1, 2, 3
	typeUnion                                         = 14
)

// checkMessage checks the vectors of a message's metadata and returns
// its body length.
func checkMessage(meta []byte) (int64, error) {
	v := verifier{bytes: meta, budget: len(meta)}
	msg := v.root()
	header, ok := v.table(msg, messageHeader)
	if ok {
		switch msg.GetByteSlot(slot(messageHeaderType), 0) {
		case headerSchema:
			v.schema(header)
		case headerDictionary:
			if data, ok := v.table(header, dictionaryData); ok {
				v.recordBatch(data)
			}
		case headerRecordBatch:
			v.recordBatch(header)
		default:
			v.err = errors.New("a message that is neither a schema nor a batch")
		}
	}
	return msg.GetInt64Slot(slot(messageBodyLength), 0), v.err
}

// verifier checks one flatbuffer; budget bounds the tables it visits, so
// that offsets shared by many vectors cannot make the walk explode.
type verifier struct {
	bytes  []byte
	budget int
	err    error
}

func slot(i int) flatbuffers.VOffsetT { return flatbuffers.VOffsetT(4 + 2*i) }

func (v *verifier) root() *flatbuffers.Table {
	return &flatbuffers.Table{Bytes: v.bytes, Pos: flatbuffers.GetUOffsetT(v.bytes)}
}

func (v *verifier) table(t *flatbuffers.Table, i int) (*flatbuffers.Table, bool) {
	o := flatbuffers.UOffsetT(t.Offset(slot(i)))
	if o == 0 {
		return nil, false
	}
	return &flatbuffers.Table{Bytes: t.Bytes, Pos: t.Indirect(o + t.Pos)}, true
}

// vector returns the length of a vector of elem-byte elements, which
// must fit in the buffer.
func (v *verifier) vector(t *flatbuffers.Table, i, elem int) int {
	o := flatbuffers.UOffsetT(t.Offset(slot(i)))
	if o == 0 {
		return 0
	}
	n := t.VectorLen(o)
	if n < 0 || n > len(v.bytes)/elem {
		v.fail(fmt.Errorf("a vector of %d elements in %d bytes of metadata", n, len(v.bytes)))
		return 0
	}
	return n
}

// element returns the i-th table of vector slot.
func (v *verifier) element(t *flatbuffers.Table, slotIndex, i int) *flatbuffers.Table {
	start := t.Vector(flatbuffers.UOffsetT(t.Offset(slot(slotIndex)))) + flatbuffers.UOffsetT(4*i)
	return &flatbuffers.Table{Bytes: t.Bytes, Pos: t.Indirect(start)}
}

func (v *verifier) fail(err error) {
	if v.err == nil {
		v.err = err
	}
}

func (v *verifier) visit() bool {
	v.budget--
	if v.budget < 0 {
		v.fail(errors.New("the metadata's tables are nested or shared beyond its size"))
	}
	return v.err == nil
}

func (v *verifier) schema(s *flatbuffers.Table) {
	v.vector(s, schemaMetadata, 4)
	v.vector(s, schemaFeatures, 8)
	for i := range v.vector(s, schemaFields, 4) {
		v.field(v.element(s, schemaFields, i), 0)
	}
}

func (v *verifier) field(f *flatbuffers.Table, depth int) {
	if !v.visit() {
		return
	}
	if depth > 64 {
		v.fail(errors.New("fields nested more than 64 deep"))
		return
	}
	v.vector(f, fieldMetadata, 4)
	if f.GetByteSlot(slot(fieldTypeType), 0) == typeUnion {
		if u, ok := v.table(f, fieldType); ok {
			v.vector(u, unionTypeIDs, 4)
		}
	}
	for i := range v.vector(f, fieldChildren, 4) {
		v.field(v.element(f, fieldChildren, i), depth+1)
	}
}

func (v *verifier) recordBatch(r *flatbuffers.Table) {
	v.vector(r, recordNodes, 16)
	v.vector(r, recordBuffers, 16)
	v.vector(r, recordVariadic, 8)
}
