package parquetio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// element is a schema element's Thrift fields: name, and the others given.
func element(name string, fields ...thriftField) []thriftField {
	encoded := append(binary.AppendUvarint(nil, uint64(len(name))), name...)
	out := append([]thriftField{{id: 4, typ: thriftBinary, value: encoded}}, fields...)
	slices.SortStableFunc(out, func(a, b thriftField) int { return int(a.id) - int(b.id) })
	return out
}

func i32Field(id int16, v int64) thriftField {
	return thriftField{id: id, typ: thriftI32, value: appendZigzag(nil, v)}
}

// footerOf serializes a FileMetaData of the given schema elements, with
// version 1, 0 rows and no row groups.
func footerOf(elements ...[]thriftField) []byte {
	var list thriftWriter
	list.listHeader(thriftStruct, len(elements))
	for _, e := range elements {
		list.structFields(e)
	}
	var rowGroups thriftWriter
	rowGroups.listHeader(thriftStruct, 0)
	var w thriftWriter
	w.structFields([]thriftField{
		i32Field(1, 1),
		{id: 2, typ: thriftList, value: list.buf},
		{id: 3, typ: thriftI64, value: appendZigzag(nil, 0)},
		{id: 4, typ: thriftList, value: rowGroups.buf},
	})
	return w.buf
}

func unknownLogicalType(id int16) thriftField {
	var union thriftWriter
	union.structFields([]thriftField{{id: id, typ: thriftStruct, value: []byte{0}}})
	return thriftField{id: elementLogicalType, typ: thriftStruct, value: union.buf}
}

func TestRewriteFooterLeavesOrdinaryFootersAlone(t *testing.T) {
	footer := footerOf(
		element("schema", i32Field(elementNumChildren, 1)),
		element("s", i32Field(elementType, 6), thriftField{id: elementLogicalType, typ: thriftStruct, value: []byte{0x1c, 0, 0}}), // STRING
	)
	got, rw, err := rewriteFooter(footer)
	if err != nil || !bytes.Equal(got, footer) || len(rw.int96Leaves)+len(rw.droppedLogical) > 0 {
		t.Fatalf("rewrote an ordinary footer: %v, %+v", err, rw)
	}
}

func TestRewriteFooterInt96AndUnknownLogicalTypes(t *testing.T) {
	footer := footerOf(
		element("schema", i32Field(elementNumChildren, 3)),
		element("g", i32Field(elementNumChildren, 2)),
		element("n", i32Field(elementType, 1), unknownLogicalType(200)), // INT32
		element("when", i32Field(elementType, physicalInt96)),
		element("also", i32Field(elementType, physicalInt96), i32Field(elementTypeLength, 0)),
		element("u", i32Field(elementType, 6), unknownLogicalType(9)), // 9: never assigned
	)
	got, rw, err := rewriteFooter(footer)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rw.int96Leaves, []int{1, 2}) || !slices.Equal(rw.droppedLogical, []string{"n", "u"}) {
		t.Fatalf("rewrote %+v, want INT96 leaves [1 2] and logical types of n and u dropped", rw)
	}
	meta, err := metadata.NewFileMetaData(got, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"FIXED_LEN_BYTE_ARRAY 12", "FIXED_LEN_BYTE_ARRAY 12"} {
		c := meta.Schema.Column(rw.int96Leaves[i])
		if got := c.PhysicalType().String() + " " + strconv.Itoa(c.TypeLength()); got != want {
			t.Errorf("%s: %s, want %s", c.Name(), got, want)
		}
	}
	for _, leaf := range []int{0, 3} {
		if c := meta.Schema.Column(leaf); !c.LogicalType().Equals(schema.NoLogicalType{}) {
			t.Errorf("%s keeps logical type %s", c.Name(), c.LogicalType())
		}
	}
}

// TestRewriteFooterRejectsMalformedThrift cuts a footer at every length
// and nests structs past the depth limit: an error, never a panic.
func TestRewriteFooterRejectsMalformedThrift(t *testing.T) {
	footer := footerOf(
		element("schema", i32Field(elementNumChildren, 1)),
		element("when", i32Field(elementType, physicalInt96)),
	)
	for n := 0; n < len(footer); n++ {
		if _, _, err := rewriteFooter(footer[:n]); !errors.Is(err, ErrCorrupt) {
			t.Errorf("footer cut at %d of %d bytes: %v, want ErrCorrupt", n, len(footer), err)
		}
	}
	deep := bytes.Repeat([]byte{0x1c}, 100_000) // field 1, a struct, in a struct, …
	if _, _, err := rewriteFooter(deep); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("deeply nested structs: %v", err)
	}
	huge := []byte{0x19, 0xfc, 0xff, 0xff, 0xff, 0x0f} // a list of 2^32 structs in 6 bytes
	if _, _, err := rewriteFooter(huge); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a list longer than the footer: %v", err)
	}
}
