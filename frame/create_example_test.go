package frame_test

import (
	"context"
	"fmt"

	"github.com/ember-df/ember/frame"
)

func ExampleSession_CreateDataFrame_structs() {
	type produto struct {
		ID        int64    `ember:"id"`
		Descricao string   `ember:"descricao"`
		Preco     *float64 `ember:"preco"` // a pointer is nullable
		Tags      []string `ember:"tags"`  // a slice is a list
	}
	preco := 12.5
	sess := frame.NewSession()
	defer sess.Close()
	df := sess.CreateDataFrame([]produto{
		{ID: 1, Descricao: "café", Preco: &preco, Tags: []string{"bebida"}},
		{ID: 2, Descricao: "pão"},
	})
	fmt.Println(df.Schema())
	s, err := df.ShowString(context.Background(), 10, 0)
	fmt.Print(s, err)
	// Output:
	// schema:
	//   fields: 4
	//     - id: type=int64
	//     - descricao: type=utf8
	//     - preco: type=float64, nullable
	//     - tags: type=list<element: utf8>, nullable
	// +---+---------+-----+----------+
	// | id|descricao|preco|      tags|
	// +---+---------+-----+----------+
	// |  1|     café| 12.5|["bebida"]|
	// |  2|      pão| NULL|      NULL|
	// +---+---------+-----+----------+
	// <nil>
}

func ExampleSession_Range() {
	sess := frame.NewSession()
	defer sess.Close()
	for row, err := range sess.Range(10, 0, -3).Rows(context.Background()) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(row.Get("id"))
	}
	n, err := sess.Range(1_000_000).Filter(frame.Col("id").Mod(7).Eq(0)).Count(context.Background())
	fmt.Println(n, err)
	// Output:
	// 10
	// 7
	// 4
	// 1
	// 142858 <nil>
}
