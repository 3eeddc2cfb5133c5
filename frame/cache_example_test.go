package frame_test

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/udf"
)

func ExampleDataFrame_Cache() {
	ctx := context.Background()
	sess := frame.NewSession()
	defer sess.Close()
	var scored atomic.Int64
	score := udf.Func1("example.score", func(id int64) float64 { scored.Add(1); return float64(id) / 10 })
	df := sess.Range(100).WithColumn("score", frame.Column{Expr: score.Call("id")}).Cache()
	n, _ := df.Count(ctx)
	high, _ := df.Filter(frame.Col("score").Gt(5)).Count(ctx)
	fmt.Println(n, high, scored.Load()) // the UDF ran once per row
	df.Unpersist()                      // frees the kept rows
	// Output:
	// 100 49 100
}
