package frame_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
)

// exampleProducts is a small DataFrame for the examples.
func exampleProducts(sess *frame.Session) *frame.DataFrame {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "descricao", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "preco", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, schema, strings.NewReader(`[
		{"id": 1, "descricao": "café", "preco": 12.5},
		{"id": 2, "descricao": "pão", "preco": null},
		{"id": 3, "descricao": null, "preco": 3.0}]`))
	if err != nil {
		panic(err)
	}
	defer rec.Release()
	return sess.CreateDataFrame(schema, []arrow.RecordBatch{rec})
}

func ExampleDataFrame_Rows() {
	ctx := context.Background()
	sess := frame.NewSession()
	defer sess.Close()
	df := exampleProducts(sess)
	for row, err := range df.Rows(ctx) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		id, _ := row.GetInt64("id")
		if row.IsNull("preco") {
			fmt.Println(id, row.Get("descricao"), "no price")
			continue
		}
		preco, _ := row.GetFloat64("preco")
		fmt.Println(id, row.Get("descricao"), preco)
	}
	// Output:
	// 1 café 12.5
	// 2 pão no price
	// 3 <nil> 3
}

func ExampleDataFrame_First() {
	ctx := context.Background()
	sess := frame.NewSession()
	defer sess.Close()
	df := exampleProducts(sess)
	row, err := df.OrderBy(frame.Col("preco").Desc()).First(ctx)
	fmt.Println(row, err)
	rows, err := df.Head(ctx, 2)
	fmt.Println(rows, err)
	// Output:
	// Row(id=1, descricao=café, preco=12.5) <nil>
	// [Row(id=1, descricao=café, preco=12.5) Row(id=2, descricao=pão, preco=NULL)] <nil>
}
