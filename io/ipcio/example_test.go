package ipcio_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/ipcio"
	"github.com/ember-df/ember/plan"
)

// Example writes a zstd-compressed IPC file and reads one column of it
// back.
func Example() {
	dir, err := os.MkdirTemp("", "ipcio-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	s := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	batch, _, err := array.RecordFromJSON(memory.DefaultAllocator, s,
		strings.NewReader(`[{"id": 1, "label": "cat"}, {"id": 2, "label": null}, {"id": 3, "label": "dog"}]`))
	if err != nil {
		panic(err)
	}
	defer batch.Release()

	opts, err := ipcio.ParseOptions(map[string]string{"compression": "zstd"})
	if err != nil {
		panic(err)
	}
	format := ipcio.Format{Options: opts}
	var buf bytes.Buffer
	w, err := format.NewWriter(&buf, s)
	if err != nil {
		panic(err)
	}
	if err := w.Write(batch); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	path := filepath.Join(dir, "part-00000."+format.Extension())
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		panic(err)
	}

	src, err := ipcio.NewSource([]string{dir}, ipcio.DefaultOptions())
	if err != nil {
		panic(err)
	}
	labels, err := src.Project([]string{"label"})
	if err != nil {
		panic(err)
	}
	fmt.Println(labels)
	ctx := context.Background()
	r, err := labels.Open(ctx, 0, plan.ScanOptions{Allocator: memory.DefaultAllocator, BatchRows: 2})
	if err != nil {
		panic(err)
	}
	defer r.Close()
	for {
		b, err := r.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		fmt.Println(b.Column(0))
	}
	// Output:
	// arrow [part-00000.arrow] columns=[label] (pruned from 2)
	// ["cat" (null)]
	// ["dog"]
}
