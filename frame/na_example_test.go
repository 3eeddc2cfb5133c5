package frame_test

import (
	"context"
	"fmt"

	"github.com/ember-df/ember/frame"
)

func ExampleNaFunctions_Fill() {
	sess := frame.NewSession()
	defer sess.Close()
	df := exampleProducts(sess).Na().Fill(map[string]any{"descricao": "?", "preco": 0})
	s, err := df.ShowString(context.Background(), 10, 0)
	fmt.Print(s, err)
	// Output:
	// +---+---------+-----+
	// | id|descricao|preco|
	// +---+---------+-----+
	// |  1|     café| 12.5|
	// |  2|      pão|  0.0|
	// |  3|        ?|  3.0|
	// +---+---------+-----+
	// <nil>
}

func ExampleNaFunctions_Drop() {
	sess := frame.NewSession()
	defer sess.Close()
	n, err := exampleProducts(sess).Na().Drop("any", 0).Count(context.Background())
	fmt.Println(n, err)
	n, err = exampleProducts(sess).Na().Drop("any", 0, "preco").Count(context.Background())
	fmt.Println(n, err)
	// Output:
	// 1 <nil>
	// 2 <nil>
}

func ExampleDataFrame_WithColumns() {
	sess := frame.NewSession()
	defer sess.Close()
	df := exampleProducts(sess).WithColumns(map[string]frame.Column{
		"preco":    frame.Col("preco").Mul(2),
		"desconto": frame.Col("preco").Mul(0.1), // reads the preco of the input
	})
	fmt.Println(df.Columns())
	// Output:
	// [id descricao preco desconto]
}

func ExampleDataFrame_RandomSplit() {
	sess := frame.NewSession()
	defer sess.Close()
	splits := sess.Range(1000).RandomSplit([]float64{0.8, 0.2}, 42)
	train, _ := splits[0].Count(context.Background())
	test, _ := splits[1].Count(context.Background())
	fmt.Println(train+test, train > test)
	// Output:
	// 1000 true
}
