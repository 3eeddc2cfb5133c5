package ipcio_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/ember-df/ember/io/internal/sourcetest"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/ipcio"
	"github.com/ember-df/ember/plan"
)

var ctx = context.Background()

// The helpers every format's tests share.
var (
	checkedAllocator = sourcetest.CheckedAllocator
	writeFile        = sourcetest.WriteFile
	schema           = sourcetest.Schema
	names            = sourcetest.Names
)

// fromJSON builds a batch from a JSON array of row objects; the caller
// releases it.
func fromJSON(t testing.TB, mem memory.Allocator, s *arrow.Schema, rows string) arrow.RecordBatch {
	t.Helper()
	b, _, err := array.RecordFromJSON(mem, s, strings.NewReader(rows))
	if err != nil {
		t.Fatalf("RecordFromJSON: %v", err)
	}
	return b
}

// encode writes batches with Format{o} and returns the bytes.
func encode(t testing.TB, o ipcio.Options, s *arrow.Schema, batches ...arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := ipcio.Format{Options: o}.NewWriter(&buf, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if err := w.Write(b); err != nil {
			w.Close()
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// layouts are the two framings, with the options that write them.
var layouts = []ipcio.Layout{ipcio.LayoutFile, ipcio.LayoutStream}

func options(l ipcio.Layout, c ipcio.Compression) ipcio.Options {
	o := ipcio.DefaultOptions()
	o.Layout, o.Compression = l, c
	return o
}

// scanResult is what reading every partition of a source gave.
type scanResult struct {
	rows    []string // one per row
	batches []int    // rows per batch, in order
	parts   [][]string
}

// scan reads every partition of src in order with a checked allocator
// (asserting nothing leaks) and the given scan options, formatting every
// value, and checking what every BatchReader must do.
func scan(t testing.TB, src plan.Source, so plan.ScanOptions) (scanResult, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	so.Allocator = mem
	var res scanResult
	for p := range src.Partitions() {
		rows, batches, err := scanPartition(src, p, so)
		res.rows = append(res.rows, rows...)
		res.batches = append(res.batches, batches...)
		res.parts = append(res.parts, rows)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

func scanPartition(src plan.Source, p int, so plan.ScanOptions) (rows []string, batches []int, err error) {
	r, err := src.Open(ctx, p, so)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	want := src.Schema()
	for {
		b, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			if b != nil {
				return rows, batches, fmt.Errorf("Next returned a batch with io.EOF")
			}
			if _, err := r.Next(ctx); !errors.Is(err, io.EOF) {
				return rows, batches, fmt.Errorf("Next after the end: %v, want io.EOF", err)
			}
			return rows, batches, r.Close()
		}
		if err != nil {
			return rows, batches, err
		}
		if !b.Schema().Equal(want) {
			return rows, batches, fmt.Errorf("batch schema %s, source schema %s", b.Schema(), want)
		}
		if b.NumRows() == 0 {
			return rows, batches, fmt.Errorf("Next returned an empty batch")
		}
		if so.BatchRows > 0 && b.NumRows() > int64(so.BatchRows) {
			return rows, batches, fmt.Errorf("batch of %d rows, BatchRows %d", b.NumRows(), so.BatchRows)
		}
		batches = append(batches, int(b.NumRows()))
		rows = append(rows, formatRows(b)...)
	}
}

// mustScan is scan failing the test on error.
func mustScan(t testing.TB, src plan.Source, so plan.ScanOptions) scanResult {
	t.Helper()
	res, err := scan(t, src, so)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// formatRows prints each row of b, every value through the array's own
// formatting (so every value is touched).
func formatRows(b arrow.RecordBatch) []string {
	rows := make([]string, b.NumRows())
	for i := range rows {
		cells := make([]string, b.NumCols())
		for j, c := range b.Columns() {
			cells[j] = formatCell(c, i)
		}
		rows[i] = strings.Join(cells, "|")
	}
	return rows
}

func formatCell(c arrow.Array, i int) string {
	if c.IsNull(i) {
		return "NULL"
	}
	switch c := c.(type) {
	case array.ExtensionArray: // not every extension type prints its values
		return formatCell(c.Storage(), i)
	case *array.String:
		return fmt.Sprintf("%q", c.Value(i))
	case *array.Struct:
		parts := make([]string, c.NumField())
		for k := range parts {
			parts[k] = formatCell(c.Field(k), i)
		}
		return "{" + strings.Join(parts, ",") + "}"
	case *array.List:
		start, end := c.ValueOffsets(i)
		vals := c.ListValues()
		parts := make([]string, 0, end-start)
		for k := start; k < end; k++ {
			parts = append(parts, formatCell(vals, int(k)))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return c.ValueStr(i)
}

// rowsOf formats the rows of batches.
func rowsOf(batches ...arrow.RecordBatch) []string {
	var out []string
	for _, b := range batches {
		out = append(out, formatRows(b)...)
	}
	return out
}

// diffRows reports the first difference between two row lists.
func diffRows(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("row %d: got %s, want %s", i, got[i], want[i])
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("got %d rows, want %d", len(got), len(want))
	}
	return ""
}

// errorHas fails the test unless err is an ipcio error containing every
// part.
func errorHas(t testing.TB, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one with %q", parts)
	}
	if !strings.HasPrefix(err.Error(), "ipcio: ") {
		t.Errorf("error %q lacks the ipcio: prefix", err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}
