package frame_test

import (
	"context"
	"fmt"

	"github.com/ember-df/ember/frame"
)

// A self-join: each employee with their manager's name, the two sides
// of the join told apart by their aliases.
func ExampleDataFrame_Alias() {
	type employee struct {
		ID      int64  `ember:"id"`
		Name    string `ember:"name"`
		Manager *int64 `ember:"manager"`
	}
	boss := func(id int64) *int64 { return &id }
	sess := frame.NewSession()
	defer sess.Close()
	people := sess.CreateDataFrame([]employee{{1, "ana", nil}, {2, "bia", boss(1)}, {3, "caio", boss(2)}})
	e, m := people.Alias("e"), people.Alias("m")
	df := e.Join(m, frame.Col("e.manager").Eq(frame.Col("m.id")), "left").
		Select(frame.Col("e.name"), frame.Col("m.name").As("manager")).
		OrderBy("name")
	s, err := df.ShowString(context.Background(), 10, 0)
	fmt.Print(s, err)
	// Output:
	// +----+-------+
	// |name|manager|
	// +----+-------+
	// | ana|   NULL|
	// | bia|    ana|
	// |caio|    bia|
	// +----+-------+
	// <nil>
}
