package parquetio

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// Files written through Arrow carry their Arrow schema in the footer's
// "ARROW:schema" metadata: a base64 Arrow IPC schema message, which
// pqarrow decodes with arrow-go's IPC reader. That reader trusts the
// message: it allocates whatever metadata and body lengths the framing
// states, makes slices of whatever length a flatbuffer vector states, and
// follows child fields without a depth limit, so one corrupt byte can ask
// for gigabytes or recurse forever, and the process dies of it (no
// recover helps). FuzzFooter found the first two. checkArrowSchema
// verifies what the IPC reader will trust before pqarrow sees it.

// maxSchemaDepth bounds the nesting of fields in fields; real schemas are
// far inside it.
const maxSchemaDepth = 250

// errBadSchemaMessage is wrapped by checkArrowSchema's errors.
var errBadSchemaMessage = errors.New("ARROW:schema metadata")

// checkArrowSchema verifies the "ARROW:schema" metadata of a file, if it
// has one: the IPC framing, and every table, vector and string of the
// schema message that arrow-go reads, within the message's bytes; then it
// decodes it with an allocator bounded by its size. Metadata that is not
// base64 at all is left for pqarrow to report.
func checkArrowSchema(kv metadata.KeyValueMetadata) (err error) {
	serialized := kv.FindValue("ARROW:schema")
	if serialized == nil {
		return nil
	}
	// Decoded as pqarrow decodes it.
	var decoded []byte
	if len(*serialized)%4 == 0 {
		decoded, err = base64.StdEncoding.DecodeString(*serialized)
	}
	if len(decoded) == 0 || err != nil {
		if decoded, err = base64.RawStdEncoding.DecodeString(*serialized); err != nil {
			return nil
		}
	}
	if err := verifySchemaMessage(decoded); err != nil {
		return fmt.Errorf("%w: %w: %w", ErrCorrupt, errBadSchemaMessage, err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %w: %v", ErrCorrupt, errBadSchemaMessage, p)
		}
	}()
	mem := &boundedAllocator{Allocator: memory.NewGoAllocator(), limit: len(decoded) + 64}
	r, err := ipc.NewReader(bytes.NewReader(decoded), ipc.WithAllocator(mem))
	if err != nil {
		return fmt.Errorf("%w: %w: %w", ErrCorrupt, errBadSchemaMessage, err)
	}
	r.Release()
	return nil
}

// verifySchemaMessage checks an IPC stream's first message as arrow-go's
// messageReader and schemaFromFB read it.
func verifySchemaMessage(data []byte) error {
	if len(data) < 4 {
		return nil // the IPC reader fails cleanly
	}
	start, msgLen := 4, int64(binary.LittleEndian.Uint32(data))
	switch msgLen {
	case 0:
		return nil // end of stream: the IPC reader fails cleanly
	case 0xFFFFFFFF: // continuation marker, then the length
		if len(data) < 8 {
			return nil
		}
		start, msgLen = 8, int64(binary.LittleEndian.Uint32(data[4:]))
	}
	if msgLen > int64(len(data)-start) {
		return fmt.Errorf("message of %d bytes in %d", msgLen, len(data)-start)
	}
	fb := flatBuffer(data[start : start+int(msgLen)])
	msg, err := fb.root()
	if err != nil {
		return fmt.Errorf("message: %w", err)
	}
	if p, ok, err := msg.scalar(3, 8); err != nil {
		return fmt.Errorf("message: %w", err)
	} else if ok {
		body := int64(binary.LittleEndian.Uint64(fb[p:]))
		if body < 0 || body > int64(len(data)-start)-msgLen {
			return fmt.Errorf("message body of %d bytes in %d", body, int64(len(data)-start)-msgLen)
		}
	}
	if p, ok, err := msg.scalar(1, 1); err != nil || !ok || fb[p] != 1 {
		return err // not a schema: the IPC reader fails cleanly
	}
	schema, ok, err := msg.table(2)
	if err != nil || !ok {
		return err
	}
	budget := len(fb) / 4 // fields a message of this size can hold
	if err := verifyFields(schema, 1, &budget, 0); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	return verifyKeyValues(schema, 2)
}

// verifyFields checks the vector of Field tables in field i of t, and
// their children, at nesting depth. budget bounds the fields visited, so
// that fields shared by reference cannot multiply the work.
func verifyFields(t flatTable, i int, budget *int, depth int) error {
	if depth > maxSchemaDepth {
		return fmt.Errorf("fields nested more than %d deep", maxSchemaDepth)
	}
	fields, err := t.tables(i)
	if err != nil {
		return err
	}
	for _, f := range fields {
		if *budget--; *budget < 0 {
			return errors.New("more fields than the message can hold")
		}
		if _, err := f.vector(0, 1); err != nil { // name
			return err
		}
		if err := verifyFields(f, 5, budget, depth+1); err != nil { // children
			return err
		}
		if err := verifyKeyValues(f, 6); err != nil {
			return err
		}
	}
	return nil
}

// verifyKeyValues checks the vector of KeyValue tables in field i of t.
func verifyKeyValues(t flatTable, i int) error {
	kvs, err := t.tables(i)
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		if _, err := kv.vector(0, 1); err != nil {
			return err
		}
		if _, err := kv.vector(1, 1); err != nil {
			return err
		}
	}
	return nil
}

// flatBuffer is a flatbuffer being verified. Its methods check every
// offset they follow against its length, so what they accept the
// flatbuffers runtime reads without wrapping its uint32 arithmetic.
type flatBuffer []byte

// flatTable is a table at pos in a flatBuffer.
type flatTable struct {
	buf     flatBuffer
	pos     int
	vtable  int
	vfields int // fields the vtable describes
}

func (b flatBuffer) u32(p int) (int, error) {
	if p < 0 || p > len(b)-4 {
		return 0, fmt.Errorf("offset %d outside %d bytes", p, len(b))
	}
	return int(binary.LittleEndian.Uint32(b[p:])), nil
}

func (b flatBuffer) root() (flatTable, error) {
	off, err := b.u32(0)
	if err != nil {
		return flatTable{}, err
	}
	return b.tableAt(off)
}

func (b flatBuffer) tableAt(pos int) (flatTable, error) {
	soff, err := b.u32(pos)
	if err != nil {
		return flatTable{}, err
	}
	vtable := pos - int(int32(uint32(soff)))
	if vtable < 0 || vtable > len(b)-4 {
		return flatTable{}, fmt.Errorf("vtable %d outside %d bytes", vtable, len(b))
	}
	size := int(binary.LittleEndian.Uint16(b[vtable:]))
	if size < 4 || size%2 != 0 || vtable+size > len(b) {
		return flatTable{}, fmt.Errorf("vtable of %d bytes at %d outside %d bytes", size, vtable, len(b))
	}
	return flatTable{buf: b, pos: pos, vtable: vtable, vfields: (size - 4) / 2}, nil
}

// field is the position of field i's value, or 0 if it is absent.
func (t flatTable) field(i int) int {
	if i >= t.vfields {
		return 0
	}
	off := int(binary.LittleEndian.Uint16(t.buf[t.vtable+4+2*i:]))
	if off == 0 {
		return 0
	}
	return t.pos + off
}

// scalar is the position of field i, a scalar of size bytes.
func (t flatTable) scalar(i, size int) (int, bool, error) {
	p := t.field(i)
	if p == 0 {
		return 0, false, nil
	}
	if p > len(t.buf)-size {
		return 0, false, fmt.Errorf("field at %d outside %d bytes", p, len(t.buf))
	}
	return p, true, nil
}

// ref is the position field i refers to.
func (t flatTable) ref(i int) (int, bool, error) {
	p := t.field(i)
	if p == 0 {
		return 0, false, nil
	}
	off, err := t.buf.u32(p)
	if err != nil {
		return 0, false, err
	}
	return p + off, true, nil
}

func (t flatTable) table(i int) (flatTable, bool, error) {
	p, ok, err := t.ref(i)
	if err != nil || !ok {
		return flatTable{}, ok, err
	}
	sub, err := t.buf.tableAt(p)
	return sub, err == nil, err
}

// vector checks field i, a vector (or string) of elements of elem bytes,
// and returns the position of its first element.
func (t flatTable) vector(i, elem int) (int, error) {
	p, ok, err := t.ref(i)
	if err != nil || !ok {
		return 0, err
	}
	n, err := t.buf.u32(p)
	if err != nil {
		return 0, err
	}
	if n > (len(t.buf)-p-4)/elem {
		return 0, fmt.Errorf("vector of %d elements at %d outside %d bytes", n, p, len(t.buf))
	}
	return p + 4, nil
}

// tables checks field i, a vector of tables, and returns them.
func (t flatTable) tables(i int) ([]flatTable, error) {
	start, err := t.vector(i, 4)
	if err != nil || start == 0 {
		return nil, err
	}
	n, _ := t.buf.u32(start - 4)
	out := make([]flatTable, n)
	for j := range out {
		p := start + 4*j
		off, _ := t.buf.u32(p)
		if out[j], err = t.buf.tableAt(p + off); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// boundedAllocator panics rather than allocate more than limit bytes at
// once.
type boundedAllocator struct {
	memory.Allocator
	limit int
}

func (a *boundedAllocator) Allocate(n int) []byte {
	if n > a.limit {
		panic(fmt.Sprintf("a message asks for %d bytes in %d bytes of metadata", n, a.limit))
	}
	return a.Allocator.Allocate(n)
}

func (a *boundedAllocator) Reallocate(n int, b []byte) []byte {
	if n > a.limit {
		panic(fmt.Sprintf("a message asks for %d bytes in %d bytes of metadata", n, a.limit))
	}
	return a.Allocator.Reallocate(n, b)
}
