package parquetio_test

import (
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/variant"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
)

// Variant bytes written by hand (the Parquet variant encoding spec): the
// metadata of the one key "a", the object {"a": 5} (an int8), and the
// same object claiming 99 fields, whose field-ID and offset tables run
// past its 7 bytes (the fuzzer's FuzzPages/f722e8dd1436273b: arrow-go's
// ObjectValue.MarshalJSON then slices out of range).
var (
	variantMeta    = []byte{0x01, 0x01, 0x00, 0x01, 'a'}
	variantObject  = []byte{0x02, 0x01, 0x00, 0x00, 0x02, 0x0c, 0x05}
	variantCorrupt = []byte{0x02, 0x63, 0x00, 0x00, 0x02, 0x0c, 0x05}
)

// writeVariants writes the variant column v of the given storage rows
// (JSON, binary fields as base64) with pqarrow, as other writers would.
func writeVariants(t *testing.T, path string, storage *arrow.StructType, rowsJSON string) {
	t.Helper()
	vt, err := extensions.NewVariantType(storage)
	if err != nil {
		t.Fatal(err)
	}
	mem := checkedAllocator(t)
	st, _, err := array.FromJSON(mem, storage, strings.NewReader(rowsJSON))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Release()
	col := array.NewExtensionArrayWithStorage(vt, st)
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: vt, Nullable: true}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(parquet.WithAllocator(mem)), pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCorruptVariant reads variant columns whose value bytes are corrupt:
// the read fails with ErrCorrupt naming the file and the column, where
// the reader used to hand out the values and formatting them panicked.
func TestCorruptVariant(t *testing.T) {
	if _, err := variant.New(variantMeta, variantObject); err != nil {
		t.Fatalf("the valid value does not decode: %v", err)
	}
	b64 := func(b []byte) string { return `"` + base64.StdEncoding.EncodeToString(b) + `"` }
	plain := arrow.StructOf(
		arrow.Field{Name: "metadata", Type: arrow.BinaryTypes.Binary},
		arrow.Field{Name: "value", Type: arrow.BinaryTypes.Binary, Nullable: true})
	// Shredded as int64: a value that is not an int64 is in value, which
	// arrow-go copies unchecked into the variant it reassembles.
	shredded := arrow.StructOf(
		arrow.Field{Name: "metadata", Type: arrow.BinaryTypes.Binary},
		arrow.Field{Name: "value", Type: arrow.BinaryTypes.Binary, Nullable: true},
		arrow.Field{Name: "typed_value", Type: arrow.PrimitiveTypes.Int64, Nullable: true})
	m := b64(variantMeta)
	for _, tc := range []struct {
		name    string
		storage *arrow.StructType
		rows    string
		want    []string // the values formatted, or nil for an error
	}{
		{"plain", plain, `[{"metadata": ` + m + `, "value": ` + b64(variantObject) + `}, null, {"metadata": ` + m + `, "value": null}]`,
			[]string{`{"a":5}`, "(null)", "null"}},
		{"plain corrupt", plain, `[{"metadata": ` + m + `, "value": ` + b64(variantObject) + `}, {"metadata": ` + m + `, "value": ` + b64(variantCorrupt) + `}]`, nil},
		{"plain corrupt metadata", plain, `[{"metadata": ` + b64(variantMeta[:4]) + `, "value": ` + b64(variantObject) + `}]`, nil},
		{"shredded", shredded, `[{"metadata": ` + m + `, "typed_value": 7}, {"metadata": ` + m + `, "value": ` + b64(variantObject) + `}]`,
			[]string{"7", `{"a":5}`}},
		{"shredded corrupt", shredded, `[{"metadata": ` + m + `, "typed_value": 7}, {"metadata": ` + m + `, "value": ` + b64(variantCorrupt) + `}]`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "variant.parquet")
			writeVariants(t, path, tc.storage, tc.rows)
			mem := newLeakCheckedAllocator()
			defer func() {
				if _, err := mem.leakCheck(); err != nil {
					t.Error(err)
				}
			}()
			src, err := parquetio.NewSource([]string{path}, parquetio.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			res, err := scanErr(src, plan.ScanOptions{Allocator: mem})
			if tc.want != nil {
				if err != nil {
					t.Fatal(err)
				}
				if strings.Join(res.rows, "\n") != strings.Join(tc.want, "\n") {
					t.Fatalf("read %q, want %q", res.rows, tc.want)
				}
				return
			}
			if !errors.Is(err, parquetio.ErrCorrupt) || !strings.HasPrefix(err.Error(), "parquetio: "+path+": ") ||
				!strings.Contains(err.Error(), "column v: ") {
				t.Fatalf("err = %v, want ErrCorrupt naming %s and column v", err, path)
			}
		})
	}
}

// BenchmarkReadVariant reads a column of 1<<20 valid variant objects of
// a few fields (variant validation is a pass over their bytes).
func BenchmarkReadVariant(b *testing.B) {
	path := filepath.Join(b.TempDir(), "variants.parquet")
	vt := extensions.NewDefaultVariantType()
	bld := extensions.NewVariantBuilder(memory.DefaultAllocator, vt)
	const n = 1 << 20
	for i := range n {
		var vb variant.Builder
		start := vb.Offset()
		fields := []variant.FieldEntry{vb.NextField(start, "id")}
		if err := vb.Append(int64(i)); err != nil {
			b.Fatal(err)
		}
		fields = append(fields, vb.NextField(start, "name"))
		if err := vb.Append("row name"); err != nil {
			b.Fatal(err)
		}
		fields = append(fields, vb.NextField(start, "score"))
		if err := vb.Append(float64(i) / 3); err != nil {
			b.Fatal(err)
		}
		if err := vb.FinishObject(start, fields); err != nil {
			b.Fatal(err)
		}
		v, err := vb.Build()
		if err != nil {
			b.Fatal(err)
		}
		bld.Append(v)
	}
	col := bld.NewArray()
	bld.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: vt, Nullable: true}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, n)
	col.Release()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		b.Fatal(err)
	}
	rec.Release()
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	src, err := parquetio.NewSource([]string{path}, parquetio.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		rows := 0
		for p := 0; p < src.Partitions(); p++ {
			r, err := src.Open(b.Context(), p, plan.ScanOptions{})
			if err != nil {
				b.Fatal(err)
			}
			for {
				batch, err := r.Next(b.Context())
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				rows += int(batch.NumRows())
			}
			r.Close()
		}
		if rows != n {
			b.Fatalf("%d rows", rows)
		}
	}
}
