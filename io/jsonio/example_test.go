package jsonio_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/plan"
)

// Reading JSON lines with an inferred schema, nested fields included,
// and reading every partition in turn.
func ExampleNewSource() {
	dir, err := os.MkdirTemp("", "jsonio")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "people.json")
	data := `{"name": "Ada", "age": 36, "address": {"city": "London"}, "langs": ["en", "fr"]}
{"name": "Alan", "age": null, "langs": []}
`
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		log.Fatal(err)
	}

	src, err := jsonio.NewSource([]string{path}, nil, jsonio.DefaultOptions())
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range src.Schema().Fields() {
		fmt.Println(f.Name, f.Type)
	}
	ctx := context.Background()
	for p := range src.Partitions() {
		r, err := src.Open(ctx, p, plan.ScanOptions{Allocator: memory.DefaultAllocator})
		if err != nil {
			log.Fatal(err)
		}
		for {
			batch, err := r.Next(ctx) // valid until the next call
			if err == io.EOF {
				break
			}
			if err != nil {
				log.Fatal(err)
			}
			for _, c := range batch.Columns() {
				fmt.Println(c)
			}
		}
		r.Close()
	}
	// Output:
	// name utf8
	// age int64
	// address struct<city: utf8 nullable>
	// langs list<item: utf8, nullable>
	// ["Ada" "Alan"]
	// [36 (null)]
	// {["London" (null)]}
	// [["en" "fr"] []]
}

// Writing a batch as JSON lines: NULL fields are left out.
func ExampleFormat() {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	batch, _, err := array.RecordFromJSON(memory.DefaultAllocator, s,
		strings.NewReader(`[{"id": 1, "score": 0.5, "label": "cat \"A\""}, {"id": 2, "score": 2, "label": null}]`))
	if err != nil {
		log.Fatal(err)
	}
	defer batch.Release()
	w, err := jsonio.Format{Options: jsonio.DefaultOptions()}.NewWriter(os.Stdout, s)
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Write(batch); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// {"id":1,"score":0.5,"label":"cat \"A\""}
	// {"id":2,"score":2.0}
}
