package frame_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
)

func ExampleConcat() {
	type produto struct {
		Descricao string `ember:"descricao"`
	}
	sess := frame.NewSession()
	defer sess.Close()
	df := sess.CreateDataFrame([]produto{{"café"}, {"pão"}})
	// As in PySpark, a string argument names a column; Lit makes a constant.
	df = df.WithColumn("nova_coluna", frame.Concat(frame.Lit("Prefixo"), "descricao"))
	s, err := df.ShowString(context.Background(), 10, 0)
	fmt.Print(s, err)
	// Output:
	// +---------+-----------+
	// |descricao|nova_coluna|
	// +---------+-----------+
	// |     café|Prefixocafé|
	// |      pão| Prefixopão|
	// +---------+-----------+
	// <nil>
}

var fnSchema = arrow.NewSchema([]arrow.Field{
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "chars", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

const fnRows = `[
	{"s": " ab ", "x": 2.5,  "d": 19727, "chars": " a"},
	{"s": "xbx",  "x": -0.5, "d": 19728, "chars": "x"},
	{"s": null,   "x": null, "d": null,  "chars": null}
]`

// TestFunctionArguments checks PySpark's argument conventions end to end
// (a string names a column where PySpark takes ColumnOrName, is a value
// elsewhere), on 1 and 3 partitions.
func TestFunctionArguments(t *testing.T) {
	day := time.Date(2024, 1, 6, 0, 0, 0, 0, time.UTC) // d = 19728 is 2024-01-06
	cases := []struct {
		name string
		col  frame.Column
		want []string
	}{
		{"concat name", frame.Concat(frame.Lit("<"), "s", frame.Lit(">")), []string{"< ab >", "<xbx>", "NULL"}},
		{"concat literal", frame.Concat("s", frame.Lit("s")), []string{" ab s", "xbxs", "NULL"}},
		{"upper name", frame.Upper("s"), []string{" AB ", "XBX", "NULL"}},
		{"trim", frame.Trim("s"), []string{"ab", "xbx", "NULL"}},
		{"trim chars column", frame.Trim("s", "chars"), []string{"b", "b", "NULL"}},
		{"trim chars literal", frame.Trim("s", frame.Lit("x")), []string{" ab ", "b", "NULL"}},
		{"like", frame.Col("s").Like("%b%"), []string{"true", "true", "NULL"}},
		{"rlike", frame.Col("s").RLike("^x"), []string{"false", "true", "NULL"}},
		{"isin", frame.Col("s").IsIn("xbx", "y"), []string{"false", "true", "NULL"}},
		{"between", frame.Col("x").Between(0, 3), []string{"true", "false", "NULL"}},
		{"substr", frame.Col("s").Substr(2, 2), []string{"ab", "bx", "NULL"}},
		{"round", frame.Round("x"), []string{"3.0", "-1.0", "NULL"}},
		{"pow name and number", frame.Pow("x", 2), []string{"6.25", "0.25", "NULL"}},
		{"coalesce", frame.Coalesce("s", frame.Lit("-")), []string{" ab ", "xbx", "-"}},
		{"date eq time", frame.Col("d").Eq(frame.Lit(day)), []string{"false", "true", "NULL"}},
		{"date gt string", frame.Col("d").Gt("2024-01-05"), []string{"false", "true", "NULL"}},
		{"date format", frame.DateFormat("d", "dd/MM/yyyy EEE"), []string{"05/01/2024 Fri", "06/01/2024 Sat", "NULL"}},
		{"date add", frame.DateAdd("d", 30), []string{"2024-02-04", "2024-02-05", "NULL"}},
		{"array", frame.Size(frame.Array("s", "chars", frame.Lit("z"))), []string{"3", "3", "3"}},
		{"element_at", frame.ElementAt(frame.Split("s", "b"), 1), []string{" a", "x", "NULL"}},
		{"call by name", frame.Call("regexp_replace", "s", frame.Lit("b"), frame.Lit("B")), []string{" aB ", "xBx", "NULL"}},
	}
	for _, parts := range []int{1, 3} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/parts=%d", c.name, parts), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				sess := frame.NewSession(frame.WithAllocator(mem))
				defer sess.Close()
				df := partitioned(t, sess, mem, fnSchema, fnRows, parts)
				got := collectRows(t, df.Select(c.col.As("v")))
				if !slices.Equal(got, c.want) {
					t.Errorf("%s: got %q, want %q", c.col, got, c.want)
				}
			})
		}
	}
}

// TestCurrentTimeIsFixedPerQuery checks that current_timestamp() has one
// value across partitions and batches of a query.
func TestCurrentTimeIsFixedPerQuery(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithBatchSize(7, 0))
	defer sess.Close()
	df := sess.Range(1000).Repartition(4).
		Select(frame.CurrentTimestamp().As("ts"), frame.CurrentDate().As("d")).Distinct()
	got := collectRows(t, df)
	if len(got) != 1 {
		t.Fatalf("current_timestamp/current_date took %d values in one query: %v", len(got), got)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	if !strings.HasSuffix(got[0], today) && !strings.Contains(got[0], today) {
		t.Errorf("current_date %s, want about %s", got[0], today)
	}
}

func TestFunctionErrors(t *testing.T) {
	sess := frame.NewSession()
	defer sess.Close()
	df := sess.Range(3)
	for _, c := range []struct {
		col  frame.Column
		want []string
	}{
		{frame.Substring(frame.Array("id"), 1, 2), []string{"substring", "argument 1", "list"}},
		{frame.Call("no_such_fn", "id"), []string{"no_such_fn", "coalesce", "substring"}},
		{frame.Call("round", "id", "id"), []string{"round", "literal", "scale"}},
		{frame.RLike("id", "("), []string{"rlike", "invalid regular expression"}},
		{frame.DateFormat("id", "yyyy"), []string{"date_format", "argument 1", "int64"}},
	} {
		err := df.Select(c.col).Err()
		if err == nil {
			t.Errorf("%s: no error", c.col)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.col, err, w)
			}
		}
	}
}
