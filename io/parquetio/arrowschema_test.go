package parquetio

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// schemaMessage serializes s as pqarrow stores it in "ARROW:schema" (an
// IPC stream of the schema alone), before base64.
func schemaMessage(t *testing.T, s *arrow.Schema) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(s), ipc.WithAllocator(memory.NewGoAllocator()))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// nestedStructs is a column of depth structs, one in the other.
func nestedStructs(depth int) *arrow.Schema {
	var typ arrow.DataType = arrow.PrimitiveTypes.Int32
	for range depth {
		typ = arrow.StructOf(arrow.Field{Name: "f", Type: typ, Nullable: true})
	}
	return arrow.NewSchema([]arrow.Field{{Name: "deep", Type: typ}}, nil)
}

var richSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "s", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Paris"}, Nullable: true,
		Metadata: arrow.NewMetadata([]string{"k"}, []string{"v"})},
	{Name: "l", Type: arrow.ListOf(arrow.StructOf(
		arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		arrow.Field{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int8)},
	)), Nullable: true},
	{Name: "u", Type: arrow.SparseUnionOf([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int8}}, []arrow.UnionTypeCode{5})},
	{Name: "d", Type: &arrow.Decimal128Type{Precision: 20, Scale: 3}},
}, &arrow.Metadata{})

func TestVerifySchemaMessageAcceptsValid(t *testing.T) {
	for name, s := range map[string]*arrow.Schema{"rich": richSchema, "deep": nestedStructs(maxSchemaDepth - 1)} {
		if err := verifySchemaMessage(schemaMessage(t, s)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	err := verifySchemaMessage(schemaMessage(t, nestedStructs(maxSchemaDepth+1)))
	if err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("too deep: err = %v", err)
	}
}

// TestVerifySchemaMessageMutations changes every byte of a schema message
// to a few values, and every 4 bytes to large lengths: whatever the verifier accepts, arrow-go's IPC reader
// must decode without dying (an out-of-memory or a stack overflow kills
// this test; a panic it may recover from is fine).
func TestVerifySchemaMessageMutations(t *testing.T) {
	msg := schemaMessage(t, richSchema)
	var mutants [][]byte
	for i := range msg {
		for _, v := range []byte{0x00, 0x01, 0x7f, 0x80, 0xff, msg[i] ^ 0x40} {
			data := bytes.Clone(msg)
			data[i] = v
			mutants = append(mutants, data)
		}
		if i+4 <= len(msg) {
			for _, v := range []uint32{0x40000000, 0xfffffff0, uint32(len(msg))} {
				data := bytes.Clone(msg)
				binary.LittleEndian.PutUint32(data[i:], v)
				mutants = append(mutants, data)
			}
		}
	}
	accepted := 0
	for _, data := range mutants {
		if verifySchemaMessage(data) != nil {
			continue
		}
		accepted++
		func() {
			defer func() { _ = recover() }()
			if r, err := ipc.NewReader(bytes.NewReader(data)); err == nil {
				r.Release()
			}
		}()
	}
	t.Logf("%d of %d mutations passed the verifier", accepted, len(mutants))
}
