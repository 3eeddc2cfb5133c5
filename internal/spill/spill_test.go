package spill

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var schema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

// TestRoundTrip: batches (a slice among them) come back as written, from
// two readers at once; Remove leaves nothing and no memory is held.
func TestRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	base := t.TempDir()
	d := NewDir(base)
	in := []string{
		`[{"k": "a", "v": 1}, {"k": null, "v": 2}, {"k": "ccc", "v": null}]`,
		`[{"k": "d", "v": 4}]`,
	}
	w, err := d.Create(schema)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, js := range in {
		b, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		s := b.NewSlice(1, b.NumRows())
		for _, x := range []arrow.RecordBatch{b, s} {
			if err := w.Write(x); err != nil {
				t.Fatal(err)
			}
			want = append(want, render(x))
		}
		s.Release()
		b.Release()
	}
	f, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if f.Rows != 6 || f.Batches != 4 || d.Files() != 1 || d.Bytes() != f.Bytes || f.Bytes == 0 {
		t.Fatalf("file %+v, dir files %d bytes %d", f, d.Files(), d.Bytes())
	}
	r1, err := f.Open(mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := f.Open(mem)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	for i := 0; ; i++ {
		b1, err1 := r1.Next(context.Background())
		b2, err2 := r2.Next(context.Background())
		if errors.Is(err1, io.EOF) && errors.Is(err2, io.EOF) && i == len(want) {
			break
		}
		if err1 != nil || err2 != nil {
			t.Fatalf("batch %d: %v, %v", i, err1, err2)
		}
		if render(b1) != want[i] || render(b2) != want[i] {
			t.Fatalf("batch %d: %s and %s, want %s", i, render(b1), render(b2), want[i])
		}
	}
	if err := d.Remove(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(base); len(ents) != 0 {
		t.Fatalf("%d entries left in the base directory", len(ents))
	}
	if _, err := d.Create(schema); !errors.Is(err, ErrRemoved) {
		t.Fatalf("Create after Remove: %v", err)
	}
}

// TestAbortRemoves: an aborted writer leaves no file; a Dir never used
// creates no directory.
func TestAbortRemoves(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	base := t.TempDir()
	if err := NewDir(base).Remove(); err != nil {
		t.Fatal(err)
	}
	d := NewDir(base)
	w, err := d.Create(schema)
	if err != nil {
		t.Fatal(err)
	}
	w.Abort()
	ents, _ := os.ReadDir(base)
	if len(ents) != 1 {
		t.Fatalf("want the job directory alone, got %d entries", len(ents))
	}
	if files, _ := os.ReadDir(base + "/" + ents[0].Name()); len(files) != 0 {
		t.Fatalf("aborted file left: %v", files)
	}
	d.Remove()
}

func render(b arrow.RecordBatch) string {
	var s strings.Builder
	for _, c := range b.Columns() {
		s.WriteString(c.String())
	}
	return s.String()
}
