package csvio_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/plan"
)

// Reading a file with a header, inferring the column types, and reading
// every partition in turn.
func ExampleNewSource() {
	dir, err := os.MkdirTemp("", "csvio")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "people.csv")
	data := "name,age,note\nAda,36,\"first\nprogrammer\"\n\"Lovelace, A.\",,\"\"\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		log.Fatal(err)
	}

	opts := csvio.DefaultOptions()
	opts.Header, opts.InferSchema = true, true
	src, err := csvio.NewSource([]string{path}, nil, opts)
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
			for i, col := range batch.Columns() {
				fmt.Printf("%s: %v\n", batch.ColumnName(i), col)
			}
		}
		r.Close()
	}
	// Output:
	// name utf8
	// age int64
	// note utf8
	// name: ["Ada" "Lovelace, A."]
	// age: [36 (null)]
	// note: ["first\nprogrammer" ""]
}

// Writing a batch: fields are quoted only when they must be, NULL and the
// empty string stay apart, and floats keep their decimal point.
func ExampleFormat() {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, s)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"Ada", `say "hi"`, ""}, nil)
	b.Field(0).(*array.StringBuilder).AppendNull()
	b.Field(1).(*array.Float64Builder).AppendValues([]float64{1, 0.5, 1e300, 0}, []bool{true, true, true, false})
	batch := b.NewRecordBatch()
	defer batch.Release()

	opts := csvio.DefaultOptions()
	opts.Header = true
	w, err := csvio.Format{Options: opts}.NewWriter(os.Stdout, s)
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
	// name,score
	// Ada,1.0
	// "say ""hi""",0.5
	// "",1e+300
	// ,
}
