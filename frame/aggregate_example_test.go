package frame_test

import (
	"context"
	"fmt"

	"github.com/ember-df/ember/frame"
)

func ExampleGroupedData_Agg_statistics() {
	type venda struct {
		Loja    string   `ember:"loja"`
		Produto string   `ember:"produto"`
		Valor   *float64 `ember:"valor"`
	}
	v := func(x float64) *float64 { return &x }
	sess := frame.NewSession()
	defer sess.Close()
	df := sess.CreateDataFrame([]venda{
		{"centro", "café", v(10)}, {"centro", "pão", v(4)}, {"centro", "café", v(12)},
		{"norte", "leite", v(6)}, {"norte", "leite", nil},
	})
	out := df.GroupBy("loja").Agg(
		frame.CountDistinct("produto"),
		frame.Stddev("valor"),
		frame.First("valor", true),
		frame.CollectSet("produto").As("produtos"),
		frame.PercentileApprox("valor", 0.5),
	).OrderBy("loja")
	s, err := out.ShowString(context.Background(), 10, 0)
	fmt.Print(s, err)
	// Output:
	// +------+-----------------------+-----------------+------------+--------------+------------------------------------+
	// |  loja|count(DISTINCT produto)|    stddev(valor)|first(valor)|      produtos|percentile_approx(valor, 0.5, 10000)|
	// +------+-----------------------+-----------------+------------+--------------+------------------------------------+
	// |centro|                      2|4.163331998932266|        10.0|["café","pão"]|                                10.0|
	// | norte|                      1|             NULL|         6.0|     ["leite"]|                                 6.0|
	// +------+-----------------------+-----------------+------------+--------------+------------------------------------+
	// <nil>
}

func ExampleExplode() {
	type pedido struct {
		ID    int64    `ember:"id"`
		Itens []string `ember:"itens"`
	}
	sess := frame.NewSession()
	defer sess.Close()
	df := sess.CreateDataFrame([]pedido{{1, []string{"café", "pão"}}, {2, nil}, {3, []string{"leite"}}})
	s, err := df.Select("id", frame.PosExplodeOuter("itens")).ShowString(context.Background(), 10, 0)
	fmt.Print(s, err)
	s, err = df.WithColumn("item", frame.Explode("itens")).Select("id", "item").ShowString(context.Background(), 10, 0)
	fmt.Print(s, err)
	// Output:
	// +---+----+-----+
	// | id| pos|  col|
	// +---+----+-----+
	// |  1|   0| café|
	// |  1|   1|  pão|
	// |  2|NULL| NULL|
	// |  3|   0|leite|
	// +---+----+-----+
	// <nil>+---+-----+
	// | id| item|
	// +---+-----+
	// |  1| café|
	// |  1|  pão|
	// |  3|leite|
	// +---+-----+
	// <nil>
}
