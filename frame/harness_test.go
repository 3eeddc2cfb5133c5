package frame_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
)

// The operator harness replays every case at several batch sizes and
// partition counts, with NULLs in the data, and checks that each run gives
// the same rows, with a checked allocator proving nothing leaks. Batch and
// partition boundaries are where vectorized engines break.
var (
	harnessBatchRows  = []int{1, 2, 7, 0} // 0: the session's default
	harnessPartitions = []int{1, 3}
)

// opCase is one harness case: input rows as JSON, a transformation, and
// the rows it must produce, each rendered as "v1|v2|…" (NULL for nulls).
type opCase struct {
	name    string
	schema  *arrow.Schema
	input   string
	build   func(*frame.DataFrame) *frame.DataFrame
	want    []string
	ordered bool // rows must come in this order; otherwise compared as a multiset
}

// people is the default input: 7 rows with NULLs in every column.
var people = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "dept", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "age", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

const peopleJSON = `[
	{"id": 1, "name": "ann",   "dept": "eng",  "age": 31,   "score": 4.5},
	{"id": 2, "name": "bob",   "dept": "ops",  "age": 45,   "score": null},
	{"id": 3, "name": null,    "dept": "eng",  "age": 28,   "score": 3.0},
	{"id": 4, "name": "dave",  "dept": null,   "age": null, "score": 2.5},
	{"id": 5, "name": "eve",   "dept": "eng",  "age": 39,   "score": 5.0},
	{"id": 6, "name": "fay",   "dept": "ops",  "age": 23,   "score": 1.5},
	{"id": 7, "name": "Gus",   "dept": null,   "age": 51,   "score": 0.5}
]`

// runHarness runs c at every batch size and partition count.
func runHarness(t *testing.T, c opCase) {
	t.Helper()
	if c.schema == nil {
		c.schema, c.input = people, peopleJSON
	}
	for _, rows := range harnessBatchRows {
		for _, parts := range harnessPartitions {
			t.Run(fmt.Sprintf("%s/batch=%d/parts=%d", c.name, rows, parts), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				sess := frame.NewSession(frame.WithAllocator(mem), frame.WithBatchSize(rows, 0), frame.WithParallelism(2))
				defer sess.Close()
				df := partitioned(t, sess, mem, c.schema, c.input, parts)
				got := collectRows(t, c.build(df))
				want := slices.Clone(c.want)
				if !c.ordered {
					slices.Sort(got)
					slices.Sort(want)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("got rows\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
				}
			})
		}
	}
}

// partitioned builds a DataFrame over the JSON rows, cut into parts
// contiguous partitions.
func partitioned(t *testing.T, sess *frame.Session, mem memory.Allocator, schema *arrow.Schema, input string, parts int) *frame.DataFrame {
	t.Helper()
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	var partitions [][]arrow.RecordBatch
	n := rec.NumRows()
	for p := 0; p < parts; p++ {
		lo, hi := int64(p)*n/int64(parts), int64(p+1)*n/int64(parts)
		slice := rec.NewSlice(lo, hi)
		defer slice.Release()
		partitions = append(partitions, []arrow.RecordBatch{slice})
	}
	return sess.CreateDataFrame(schema, partitions...)
}

// collectRows runs df and renders its rows.
func collectRows(t *testing.T, df *frame.DataFrame) []string {
	t.Helper()
	tbl, err := df.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	return renderTable(tbl)
}

func renderTable(tbl arrow.Table) []string {
	rows := []string{}
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	for tr.Next() {
		b := tr.RecordBatch()
		for r := 0; r < int(b.NumRows()); r++ {
			cells := make([]string, b.NumCols())
			for c, col := range b.Columns() {
				cells[c] = frame.CellString(col, r)
			}
			rows = append(rows, strings.Join(cells, "|"))
		}
	}
	return rows
}

func col(name string) frame.Column { return frame.Col(name) }

func TestOperators(t *testing.T) {
	cases := []opCase{
		{name: "select", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.Select("name", col("id").Mul(10).As("x")) },
			want:  []string{"ann|10", "bob|20", "NULL|30", "dave|40", "eve|50", "fay|60", "Gus|70"}},
		{name: "select-star", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.Select("*").Select("id") },
			want:  []string{"1", "2", "3", "4", "5", "6", "7"}},
		{name: "with-column", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.WithColumn("score", col("score").Add(1)).WithColumn("old", col("age").Gt(40)).Drop("name", "dept")
			},
			want: []string{"1|31|5.5|false", "2|45|NULL|true", "3|28|4.0|false", "4|NULL|3.5|NULL", "5|39|6.0|false", "6|23|2.5|false", "7|51|1.5|true"}},
		{name: "rename", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.WithColumnRenamed("name", "who").Select("who").Limit(2)
			},
			want: []string{"ann", "bob"}},
		{name: "filter-nulls", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.Filter(col("age").Gt(30)).Select("id")
			},
			want: []string{"1", "2", "5", "7"}},
		{name: "filter-kleene", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				// NULL OR true is true; NULL AND false is false; NOT NULL is NULL.
				return df.Filter(col("dept").Eq("eng").Or(col("age").Gt(50)).And(col("score").IsNotNull())).Select("id")
			},
			want: []string{"1", "3", "5", "7"}},
		{name: "filter-all-and-none", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.Filter(col("id").Gt(0)).Filter(col("id").Lt(0)).Select("id")
			},
			want: []string{}},
		{name: "limit", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.Limit(4).Select("id") },
			want:  []string{"1", "2", "3", "4"}},
		{name: "limit-zero", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.Limit(0) },
			want:  []string{}},
		{name: "repartition-round-robin",
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.Repartition(4).Select("id", "name") },
			want:  []string{"1|ann", "2|bob", "3|NULL", "4|dave", "5|eve", "6|fay", "7|Gus"}},
		{name: "repartition-hash",
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.Repartition(3, "dept").Select("id", "dept") },
			want:  []string{"1|eng", "2|ops", "3|eng", "4|NULL", "5|eng", "6|ops", "7|NULL"}},
		{name: "coalesce", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.Coalesce(1).Select("id") },
			want:  []string{"1", "2", "3", "4", "5", "6", "7"}},
		{name: "group-count",
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.GroupBy("dept").Count() },
			want:  []string{"eng|3", "ops|2", "NULL|2"}},
		{name: "group-agg",
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.GroupBy("dept").Agg(frame.Count("score"), frame.Sum("age"), frame.Mean("score"),
					frame.Min("name"), frame.Max("age").As("oldest"))
			},
			want: []string{"eng|3|98|4.166666666666667|ann|39", "ops|1|68|1.5|bob|45", "NULL|2|51|1.5|Gus|51"}},
		{name: "global-agg",
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.Agg(frame.Count("*"), frame.Count("age"), frame.Sum("score"), frame.Min("score"), frame.Max("id"))
			},
			want: []string{"7|6|17.0|0.5|7"}},
		{name: "global-agg-empty",
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.Filter(col("id").Lt(0)).Agg(frame.Count("*"), frame.Sum("age"))
			},
			want: []string{"0|NULL"}},
		{name: "order-by", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.OrderBy(col("dept").Asc(), col("age").Desc()).Select("dept", "age")
			},
			want: []string{"NULL|51", "NULL|NULL", "eng|39", "eng|31", "eng|28", "ops|45", "ops|23"}},
		{name: "order-by-nulls-placement", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.OrderBy(col("score").DescNullsFirst()).Select("id")
			},
			want: []string{"2", "5", "1", "3", "4", "6", "7"}},
		{name: "order-by-stable-then-limit", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.OrderBy(col("dept").AscNullsLast()).Limit(4).Select("id")
			},
			want: []string{"1", "3", "5", "2"}},
		{name: "union-widens",
			build: func(df *frame.DataFrame) *frame.DataFrame {
				a := df.Select("age").Filter(col("age").Lt(30))
				b := df.Select("score").Filter(col("score").Gt(4))
				return a.Union(b)
			},
			want: []string{"28.0", "23.0", "4.5", "5.0"}},
		{name: "distinct",
			build: func(df *frame.DataFrame) *frame.DataFrame { return df.Select("dept").Distinct() },
			want:  []string{"eng", "ops", "NULL"}},
		{name: "map-batches", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				out := arrow.NewSchema([]arrow.Field{{Name: "rows", Type: arrow.PrimitiveTypes.Int64}}, nil)
				return df.Select("id").MapBatches(out, func(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
					ib := array.NewInt64Builder(frame.AllocatorFrom(ctx))
					defer ib.Release()
					ids := b.Column(0).(*array.Int64)
					for i := 0; i < ids.Len(); i++ {
						ib.Append(ids.Value(i) * ids.Value(i))
					}
					arr := ib.NewArray()
					defer arr.Release()
					return array.NewRecordBatch(out, []arrow.Array{arr}, b.NumRows()), nil
				})
			},
			want: []string{"1", "4", "9", "16", "25", "36", "49"}},
	}
	for _, c := range cases {
		runHarness(t, c)
	}
}

func TestExpressions(t *testing.T) {
	cases := []opCase{
		{name: "arithmetic", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.Select(col("id").Add(col("age")), col("id").Sub(1).As("s"), col("age").Div(2).As("d"),
					col("age").Mod(10).As("m"), col("score").Mul(2).As("x"), col("id").Negate().As("n")).Limit(4)
			},
			want: []string{"32|0|15.5|1|9.0|-1", "47|1|22.5|5|NULL|-2", "31|2|14.0|8|6.0|-3", "NULL|3|NULL|NULL|5.0|-4"}},
		{name: "division-by-zero", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.Select(col("id").Div(col("id").Sub(1)).As("d"), col("id").Mod(0).As("m")).Limit(2)
			},
			want: []string{"NULL|NULL", "2.0|NULL"}},
		{name: "literal-promotion", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				// int literal with an int32 column stays int32; a fractional
				// literal widens the comparison to float64.
				return df.Select(col("age").Add(1).As("a"), col("age").Gt(30.5).As("g")).Limit(2)
			},
			want: []string{"32|true", "46|true"}},
		{name: "comparisons", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.Select(col("id").Eq(2), col("id").Neq(2), col("id").Le(2), col("id").Ge(2), col("id").Lt(2)).Limit(2)
			},
			want: []string{"false|true|true|false|true", "true|false|true|true|false"}},
		{name: "null-tests", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.Select(col("name").IsNull(), col("name").IsNotNull(), col("age").Gt(40).Not()).Limit(4)
			},
			want: []string{"false|true|true", "false|true|false", "true|false|true", "false|true|NULL"}},
		{name: "cast", ordered: true,
			schema: arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil),
			input:  `[{"s": "12"}, {"s": " 7 "}, {"s": "x"}, {"s": null}, {"s": "2.5"}]`,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.Select(col("s").Cast(arrow.PrimitiveTypes.Int64).As("i"), col("s").Cast(arrow.PrimitiveTypes.Float64).As("f"),
					col("s").Cast(arrow.PrimitiveTypes.Float64).Cast(arrow.BinaryTypes.String).As("back"))
			},
			want: []string{"12|12.0|12.0", "7|7.0|7.0", "NULL|NULL|NULL", "NULL|NULL|NULL", "NULL|2.5|2.5"}},
		{name: "when-otherwise", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.Select(frame.When(col("age").Lt(30), "young").When(col("age").Lt(45), "mid").Otherwise("senior").As("band"),
					frame.When(col("score").Gt(4), col("score")).End().As("top"))
			},
			want: []string{"mid|4.5", "senior|NULL", "young|NULL", "senior|NULL", "mid|5.0", "young|NULL", "senior|NULL"}},
		{name: "strings", ordered: true,
			build: func(df *frame.DataFrame) *frame.DataFrame {
				return df.Select(frame.Concat(frame.Lit("n:"), col("name"), frame.Lit("/"), col("id")).As("c"),
					col("name").Upper(), frame.Lower(col("name")), col("name").Length(), col("name").Contains("a")).Limit(4)
			},
			want: []string{"n:ann/1|ANN|ann|3|true", "n:bob/2|BOB|bob|3|false", "NULL|NULL|NULL|NULL|NULL", "n:dave/4|DAVE|dave|4|true"}},
	}
	for _, c := range cases {
		runHarness(t, c)
	}
}
