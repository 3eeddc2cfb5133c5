package frame_test

import (
	"context"
	"fmt"

	"github.com/ember-df/ember/frame"
)

func ExampleWindowSpec() {
	type employee struct {
		Name   string `ember:"name"`
		Dept   string `ember:"dept"`
		Salary int64  `ember:"salary"`
	}
	sess := frame.NewSession()
	defer sess.Close()
	df := sess.CreateDataFrame([]employee{
		{"ana", "eng", 120}, {"bia", "eng", 100}, {"caio", "eng", 120},
		{"davi", "ops", 90}, {"eva", "ops", 80},
	})
	bySalary := frame.Window.PartitionBy("dept").OrderBy(frame.Col("salary").Desc(), "name")
	df = df.
		WithColumn("rank", frame.Rank().Over(frame.Window.PartitionBy("dept").OrderBy(frame.Col("salary").Desc()))).
		WithColumn("next", frame.Lead("name", 1, "-").Over(bySalary)).
		WithColumn("running", frame.Sum("salary").Over(bySalary.RowsBetween(frame.UnboundedPreceding, frame.CurrentRow))).
		WithColumn("share", frame.Col("salary").Div(frame.Sum("salary").Over(frame.Window.PartitionBy("dept")))).
		OrderBy("dept", frame.Col("salary").Desc(), "name")
	s, err := df.ShowString(context.Background(), 10, 0)
	fmt.Print(s, err)
	// Output:
	// +----+----+------+----+----+-------+-------------------+
	// |name|dept|salary|rank|next|running|              share|
	// +----+----+------+----+----+-------+-------------------+
	// | ana| eng|   120|   1|caio|    120|0.35294117647058826|
	// |caio| eng|   120|   1| bia|    240|0.35294117647058826|
	// | bia| eng|   100|   3|   -|    340|0.29411764705882354|
	// |davi| ops|    90|   1| eva|     90| 0.5294117647058824|
	// | eva| ops|    80|   2|   -|    170|0.47058823529411764|
	// +----+----+------+----+----+-------+-------------------+
	// <nil>
}

// Ranking by distribution and picking a row of each frame: CumeDist is
// the share of the department at or below the salary; NthValue over the
// whole partition is its second-highest salary, and over the default
// frame (up to the row's peers) NULL until the second row.
func ExampleNthValue() {
	type employee struct {
		Name   string `ember:"name"`
		Dept   string `ember:"dept"`
		Salary int64  `ember:"salary"`
	}
	sess := frame.NewSession()
	defer sess.Close()
	df := sess.CreateDataFrame([]employee{
		{"ana", "eng", 120}, {"bia", "eng", 100}, {"caio", "eng", 110},
		{"davi", "ops", 90}, {"eva", "ops", 80},
	})
	w := frame.Window.PartitionBy("dept").OrderBy(frame.Col("salary").Desc())
	df = df.
		WithColumn("cume", frame.CumeDist().Over(w)).
		WithColumn("second", frame.NthValue("salary", 2).Over(w.RowsBetween(frame.UnboundedPreceding, frame.UnboundedFollowing))).
		WithColumn("second_so_far", frame.NthValue("name", 2).Over(w)).
		OrderBy("dept", frame.Col("salary").Desc())
	s, err := df.ShowString(context.Background(), 10, 0)
	fmt.Print(s, err)
	// Output:
	// +----+----+------+------------------+------+-------------+
	// |name|dept|salary|              cume|second|second_so_far|
	// +----+----+------+------------------+------+-------------+
	// | ana| eng|   120|0.3333333333333333|   110|         NULL|
	// |caio| eng|   110|0.6666666666666666|   110|         caio|
	// | bia| eng|   100|               1.0|   110|         caio|
	// |davi| ops|    90|               0.5|    80|         NULL|
	// | eva| ops|    80|               1.0|    80|          eva|
	// +----+----+------+------------------+------+-------------+
	// <nil>
}
