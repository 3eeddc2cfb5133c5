package gotaconv_test

import (
	"context"
	"fmt"
	"log"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/gotaconv"
	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
)

func ExampleFromGota() {
	sess := frame.NewSession()
	defer sess.Close()

	g := dataframe.New(
		series.New([]string{"ann", "bob", "eve"}, series.String, "name"),
		series.New([]any{31, nil, 39}, series.Int, "age"),
	)
	df, err := gotaconv.FromGota(sess, g)
	if err != nil {
		log.Fatal(err)
	}
	if err := df.Show(context.Background(), 10); err != nil {
		log.Fatal(err)
	}

	older, err := gotaconv.ToGota(context.Background(), df.Filter(frame.Col("age").Gt(35)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(older.Col("name").Records())
	// Output:
	// +----+----+
	// |name| age|
	// +----+----+
	// | ann|  31|
	// | bob|NULL|
	// | eve|  39|
	// +----+----+
	// [eve]
}
