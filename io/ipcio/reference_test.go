package ipcio_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/ipcio"
	"github.com/ember-df/ember/plan"
)

// The conformance tests hold ember's IPC reader to arrow-go's: a file is
// read by arrow-go's own ipc.FileReader or ipc.Reader (the reference) and
// by an ipcio.Source, and the two readings must agree batch for batch.
// ember reads dictionary-encoded columns as their value type, skips
// batches of no rows, gives a column name used twice a suffix (see
// TestDuplicateColumnNames) and keeps the metadata of every column but
// not the schema's own (no ember source keeps it: see
// TestCustomMetadata); everything else must be exactly what arrow-go
// gives.

// reading is the schema and the batches of one reading of a file; the
// batches are released by release.
type reading struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
}

func (r reading) release() {
	for _, b := range r.batches {
		b.Release()
	}
}

// readReference reads the file at path with arrow-go's IPC readers, as a
// file or a stream (LayoutAuto tells them apart by the magic). A panic
// inside arrow-go is returned as an error: the reference may fail on
// corrupt input however it likes.
func readReference(mem memory.Allocator, path string, layout ipcio.Layout) (out reading, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return out, err
	}
	if layout == ipcio.LayoutAuto {
		layout = ipcio.LayoutStream
		if bytes.HasPrefix(data, []byte("ARROW1")) {
			layout = ipcio.LayoutFile
		}
	}
	defer func() {
		if p := recover(); p != nil {
			out.release()
			out, err = reading{}, fmt.Errorf("arrow-go panicked: %v", p)
		}
	}()
	if layout == ipcio.LayoutFile {
		r, err := ipc.NewFileReader(bytes.NewReader(data), ipc.WithAllocator(mem))
		if err != nil {
			return out, err
		}
		defer r.Close()
		out.schema = r.Schema()
		for i := range r.NumRecords() {
			b, err := r.RecordBatchAt(i)
			if err != nil {
				out.release()
				return reading{}, err
			}
			out.batches = append(out.batches, b)
		}
		return out, nil
	}
	r, err := ipc.NewReader(bytes.NewReader(data), ipc.WithAllocator(mem))
	if err != nil {
		return out, err
	}
	defer r.Release()
	out.schema = r.Schema()
	for r.Next() {
		b := r.RecordBatch()
		b.Retain()
		out.batches = append(out.batches, b)
	}
	if err := r.Err(); err != nil {
		out.release()
		return reading{}, err
	}
	return out, nil
}

// readEmber reads the file at path with an ipcio.Source of one partition
// per file, the batches as stored (no BatchRows or BatchBytes).
func readEmber(mem memory.Allocator, path string, layout ipcio.Layout) (out reading, err error) {
	src, err := ipcio.NewSource([]string{path}, ipcio.Options{Layout: layout})
	if err != nil {
		return out, err
	}
	out.schema = src.Schema()
	for p := range src.Partitions() {
		r, err := src.Open(ctx, p, plan.ScanOptions{Allocator: mem})
		if err != nil {
			out.release()
			return reading{}, err
		}
		for {
			b, err := r.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				r.Close()
				out.release()
				return reading{}, err
			}
			b.Retain()
			out.batches = append(out.batches, b)
		}
		r.Close()
	}
	return out, nil
}

// compareReadings reports how ember's reading of a file differs from
// arrow-go's, or nil when it gives exactly the same: the same columns in
// the same order, each of the reference's type with dictionaries decoded
// (decodedType), nullability and metadata, and the same values in the same batches (the reference's
// batches of no rows left out). A column without dictionaries must be
// array.ApproxEqual to the reference's with no tolerance (NaN equal to
// NaN); a column with dictionaries must have the same JSON as arrow-go
// writes for its dictionary-encoded column (array.Dictionary marshals its
// values), which tells the decoding apart from arrow-go's own.
func compareReadings(want, got reading) error {
	if w, g := want.schema.NumFields(), got.schema.NumFields(); w != g {
		return fmt.Errorf("%d columns, arrow-go reads %d", g, w)
	}
	names := duplicatedNames(want.schema)
	for i, wf := range want.schema.Fields() {
		gf := got.schema.Field(i)
		switch {
		case names[wf.Name] && !strings.HasPrefix(gf.Name, wf.Name):
			return fmt.Errorf("column %d: named %q, arrow-go's column is %q (used twice)", i, gf.Name, wf.Name)
		case !names[wf.Name] && gf.Name != wf.Name:
			return fmt.Errorf("column %d: named %q, arrow-go names it %q", i, gf.Name, wf.Name)
		case !arrow.TypeEqual(gf.Type, decodedType(wf.Type)):
			return fmt.Errorf("column %q: type %s, arrow-go reads %s (want %s)", gf.Name, gf.Type, wf.Type, decodedType(wf.Type))
		case gf.Nullable != wf.Nullable:
			return fmt.Errorf("column %q: nullable %t, arrow-go says %t", gf.Name, gf.Nullable, wf.Nullable)
		case !gf.Metadata.Equal(wf.Metadata):
			return fmt.Errorf("column %q: metadata %v, arrow-go reads %v", gf.Name, gf.Metadata, wf.Metadata)
		}
	}
	if got.schema.HasMetadata() {
		return fmt.Errorf("schema metadata %v: ember's sources keep only their columns' metadata", got.schema.Metadata())
	}
	var batches []arrow.RecordBatch
	for _, b := range want.batches {
		if b.NumRows() > 0 {
			batches = append(batches, b)
		}
	}
	if len(got.batches) != len(batches) {
		return fmt.Errorf("%d batches, arrow-go reads %d with rows", len(got.batches), len(batches))
	}
	for k, w := range batches {
		g := got.batches[k]
		if g.NumRows() != w.NumRows() {
			return fmt.Errorf("batch %d: %d rows, arrow-go reads %d", k, g.NumRows(), w.NumRows())
		}
		for i, wc := range w.Columns() {
			if err := compareColumn(wc, g.Column(i)); err != nil {
				return fmt.Errorf("batch %d: column %q: %w", k, got.schema.Field(i).Name, err)
			}
		}
	}
	return nil
}

func compareColumn(want, got arrow.Array) error {
	if !hasDictionary(want.DataType()) {
		// Equal tells NaN from NaN, ApproxEqual +Inf from +Inf in float16:
		// equal is what either finds equal.
		if !array.Equal(want, got) && !array.ApproxEqual(want, got, array.WithNaNsEqual(true), array.WithAbsTolerance(0)) {
			return fmt.Errorf("values differ:\n got %v\nwant %v", got, want)
		}
		return nil
	}
	wj, werr := json.Marshal(want)
	gj, gerr := json.Marshal(got)
	if werr != nil || gerr != nil {
		return fmt.Errorf("rendering as JSON: %v, %v", werr, gerr)
	}
	if !bytes.Equal(wj, gj) {
		return fmt.Errorf("values differ:\n got %s\nwant %s", gj, wj)
	}
	return nil
}

// duplicatedNames are the column names that s uses more than once.
func duplicatedNames(s *arrow.Schema) map[string]bool {
	count := map[string]int{}
	for _, f := range s.Fields() {
		count[f.Name]++
	}
	out := map[string]bool{}
	for n, c := range count {
		if c > 1 {
			out[n] = true
		}
	}
	return out
}

// decodedType is t with every dictionary, wherever it nests, replaced by its
// value type: what ember reads a dictionary-encoded column as.
func decodedType(t arrow.DataType) arrow.DataType {
	if !hasDictionary(t) {
		return t
	}
	plainFields := func(fs []arrow.Field) []arrow.Field {
		out := make([]arrow.Field, len(fs))
		for i, f := range fs {
			f.Type = decodedType(f.Type)
			out[i] = f
		}
		return out
	}
	switch t := t.(type) {
	case *arrow.DictionaryType:
		return decodedType(t.ValueType)
	case *arrow.ListType:
		return arrow.ListOfField(plainFields([]arrow.Field{t.ElemField()})[0])
	case *arrow.LargeListType:
		return arrow.LargeListOfField(plainFields([]arrow.Field{t.ElemField()})[0])
	case *arrow.ListViewType:
		return arrow.ListViewOfField(plainFields([]arrow.Field{t.ElemField()})[0])
	case *arrow.LargeListViewType:
		return arrow.LargeListViewOfField(plainFields([]arrow.Field{t.ElemField()})[0])
	case *arrow.FixedSizeListType:
		return arrow.FixedSizeListOfField(t.Len(), plainFields([]arrow.Field{t.ElemField()})[0])
	case *arrow.MapType:
		m := arrow.MapOfFields(plainFields([]arrow.Field{t.KeyField()})[0], plainFields([]arrow.Field{t.ItemField()})[0])
		m.KeysSorted = t.KeysSorted
		return m
	case *arrow.StructType:
		return arrow.StructOf(plainFields(t.Fields())...)
	case *arrow.SparseUnionType:
		return arrow.SparseUnionOf(plainFields(t.Fields()), t.TypeCodes())
	case *arrow.DenseUnionType:
		return arrow.DenseUnionOf(plainFields(t.Fields()), t.TypeCodes())
	case *arrow.RunEndEncodedType:
		return arrow.RunEndEncodedOf(t.RunEnds(), decodedType(t.Encoded()))
	}
	panic(fmt.Sprintf("plainType: %s holds a dictionary", t))
}

// hasDictionary reports whether t is or holds a dictionary type.
func hasDictionary(t arrow.DataType) bool {
	switch t := t.(type) {
	case *arrow.DictionaryType:
		return true
	case *arrow.RunEndEncodedType:
		return hasDictionary(t.Encoded())
	case arrow.ExtensionType:
		return hasDictionary(t.StorageType())
	case arrow.NestedType:
		for _, f := range t.Fields() {
			if hasDictionary(f.Type) {
				return true
			}
		}
	}
	return false
}

// checkConforms reads the file at path with arrow-go and with ember and
// fails t unless ember reads it exactly as arrow-go does. Both readings
// use checked allocators, and leak nothing.
func checkConforms(t *testing.T, path string, layout ipcio.Layout) {
	t.Helper()
	refMem, mem := checkedAllocator(t), checkedAllocator(t)
	want, err := readReference(refMem, path, layout)
	if err != nil {
		t.Fatalf("arrow-go cannot read %s: %v", path, err)
	}
	defer want.release()
	got, err := readEmber(mem, path, layout)
	if err != nil {
		t.Fatalf("ember cannot read what arrow-go reads: %v", err)
	}
	defer got.release()
	if err := compareReadings(want, got); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
