package ipcio_test

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/ipcio"
	"github.com/ember-df/ember/plan"
)

// allTypes has a column of every type ember handles.
var allTypes = schema(
	"bool", arrow.FixedWidthTypes.Boolean,
	"i8", arrow.PrimitiveTypes.Int8, "i16", arrow.PrimitiveTypes.Int16,
	"i32", arrow.PrimitiveTypes.Int32, "i64", arrow.PrimitiveTypes.Int64,
	"u8", arrow.PrimitiveTypes.Uint8, "u16", arrow.PrimitiveTypes.Uint16,
	"u32", arrow.PrimitiveTypes.Uint32, "u64", arrow.PrimitiveTypes.Uint64,
	"f16", arrow.FixedWidthTypes.Float16,
	"f32", arrow.PrimitiveTypes.Float32, "f64", arrow.PrimitiveTypes.Float64,
	"s", arrow.BinaryTypes.String, "ls", arrow.BinaryTypes.LargeString,
	"bin", arrow.BinaryTypes.Binary,
	"d32", arrow.FixedWidthTypes.Date32, "d64", arrow.FixedWidthTypes.Date64,
	"ts", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Paris"},
	"tsns", &arrow.TimestampType{Unit: arrow.Nanosecond},
	"dec", &arrow.Decimal128Type{Precision: 10, Scale: 2},
	"list", arrow.ListOf(arrow.PrimitiveTypes.Float32),
	"st", arrow.StructOf(
		arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		arrow.Field{Name: "y", Type: arrow.BinaryTypes.String, Nullable: true}),
)

const allTypesRows = `[
{"bool": true, "i8": -128, "i16": -32768, "i32": -2147483648, "i64": -9223372036854775808,
 "u8": 255, "u16": 65535, "u32": 4294967295, "u64": 18446744073709551615, "f16": 1.5,
 "f32": -0.25, "f64": 1e300, "s": "héllo, \"world\"\n", "ls": "large", "bin": "AAEC/w==",
 "d32": "2024-02-29", "d64": "1969-12-31", "ts": "2024-03-31T01:59:59.123456Z", "tsns": "1677-09-21 00:12:43.145224192",
 "dec": "-12345678.90", "list": [1.5, null, -2], "st": {"x": 7, "y": "seven"}},
{"bool": null, "i8": null, "i16": null, "i32": null, "i64": null, "u8": null, "u16": null,
 "u32": null, "u64": null, "f16": null, "f32": null, "f64": null, "s": null, "ls": null, "bin": null,
 "d32": null, "d64": null, "ts": null, "tsns": null, "dec": null, "list": null, "st": null},
{"bool": false, "i8": 127, "i16": 0, "i32": 2147483647, "i64": 9223372036854775807,
 "u8": 0, "u16": 1, "u32": 2, "u64": 3, "f16": -0.0, "f32": 3.4e38, "f64": -0.0, "s": "", "ls": "",
 "bin": "", "d32": "1970-01-01", "d64": "2262-04-11", "ts": "1900-01-01T00:00:00Z", "tsns": "2262-04-11 23:47:16.854775807",
 "dec": "0.01", "list": [], "st": {"x": null, "y": null}}
]`

// TestRoundTrip writes every type, with NULLs, as files and streams with
// every codec, and reads the same rows back, at several batch sizes.
func TestRoundTrip(t *testing.T) {
	mem := checkedAllocator(t)
	b1 := fromJSON(t, mem, allTypes, allTypesRows)
	defer b1.Release()
	b2 := b1.NewSlice(1, 3) // a sliced batch writes as its rows only
	defer b2.Release()
	want := rowsOf(b1, b2)
	if want[0] == want[1] || want[1] != want[3] {
		t.Fatalf("formatting does not tell rows apart: %q", want)
	}
	for _, l := range layouts {
		for _, c := range []ipcio.Compression{ipcio.Uncompressed, ipcio.LZ4, ipcio.Zstd} {
			t.Run(fmt.Sprintf("%s/%s", l, c), func(t *testing.T) {
				o := options(l, c)
				path := writeFile(t, t.TempDir(), "data."+ipcio.Format{Options: o}.Extension(), encode(t, o, allTypes, b1, b2))
				for _, read := range []ipcio.Layout{l, ipcio.LayoutAuto} {
					src, err := ipcio.NewSource([]string{path}, options(read, ""))
					if err != nil {
						t.Fatal(err)
					}
					if !src.Schema().Equal(allTypes) {
						t.Fatalf("schema\n%s\nwant\n%s", src.Schema(), allTypes)
					}
					for _, rows := range []int{0, 1, 2, 1000} {
						res := mustScan(t, src, plan.ScanOptions{BatchRows: rows})
						if d := diffRows(res.rows, want); d != "" {
							t.Fatalf("read as %s, %d rows per batch: %s", read, rows, d)
						}
					}
				}
			})
		}
	}
}
