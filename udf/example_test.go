package udf_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/udf"
)

// cities is a small DataFrame for the examples.
func cities(sess *frame.Session) *frame.DataFrame {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "city", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "celsius", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "reading", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "year", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, schema, strings.NewReader(`[
		{"city": "Oslo", "celsius": -5, "reading": "-5.0C", "year": 2024},
		{"city": "Rome", "celsius": null, "reading": "n/a", "year": 2025},
		{"city": "Cairo", "celsius": 35, "reading": "35C", "year": 2025}
	]`))
	if err != nil {
		panic(err)
	}
	defer rec.Release()
	return sess.CreateDataFrame(schema, []arrow.RecordBatch{rec})
}

func ExampleFunc1() {
	ctx := context.Background()
	sess := frame.NewSession()
	defer sess.Close()
	df := cities(sess)

	// The UDF's signature, float64 → float64, comes from the Go function.
	fahrenheit := udf.Func1("fahrenheit", func(c float64) float64 { return c*9/5 + 32 })
	if err := df.Select("city", "celsius").WithColumn("fahrenheit", fahrenheit.Call("celsius")).Show(ctx, 10); err != nil {
		fmt.Println(err)
	}

	// Arguments of another type are refused when the plan is built.
	fmt.Println(df.WithColumn("f", fahrenheit.Call("year")).Err())
	// Output:
	// +-----+-------+----------+
	// | city|celsius|fahrenheit|
	// +-----+-------+----------+
	// | Oslo|   -5.0|      23.0|
	// | Rome|   NULL|      NULL|
	// |Cairo|   35.0|      95.0|
	// +-----+-------+----------+
	// frame: WithColumn("f"): plan: fahrenheit: udf "fahrenheit": argument 1 is int64, want float64 (cast it with .Cast)
}

// A function that can fail on a row: the error fails the job and names
// the UDF, the row and its input. A pointer result would instead let the
// function return NULL for rows it cannot handle.
func ExampleFunc1E() {
	ctx := context.Background()
	sess := frame.NewSession()
	defer sess.Close()
	df := cities(sess)

	parse := udf.Func1E("parse_celsius", func(s string) (float64, error) {
		return strconv.ParseFloat(strings.TrimSuffix(s, "C"), 64)
	})
	_, err := df.WithColumn("celsius", parse.Call("reading")).Collect(ctx)
	var rowErr *udf.RowError
	if errors.As(err, &rowErr) {
		fmt.Printf("row %d: %v\n", rowErr.Row, rowErr.Err)
	}

	parseOrNull := udf.Func1("parse_celsius_or_null", func(s string) *float64 {
		c, err := strconv.ParseFloat(strings.TrimSuffix(s, "C"), 64)
		if err != nil {
			return nil
		}
		return &c
	})
	if err := df.Select("reading").WithColumn("celsius", parseOrNull.Call("reading")).Show(ctx, 10); err != nil {
		fmt.Println(err)
	}
	// Output:
	// row 1: strconv.ParseFloat: parsing "n/a": invalid syntax
	// +-------+-------+
	// |reading|celsius|
	// +-------+-------+
	// |  -5.0C|   -5.0|
	// |    n/a|   NULL|
	// |    35C|   35.0|
	// +-------+-------+
}

// A function of two columns; Func3 takes three.
func ExampleFunc2() {
	ctx := context.Background()
	sess := frame.NewSession()
	defer sess.Close()

	label := udf.Func2("label", func(city string, year int64) string {
		return fmt.Sprintf("%s/%d", strings.ToLower(city), year)
	})
	if err := cities(sess).Select(label.Call("city", "year")).Show(ctx, 10); err != nil {
		fmt.Println(err)
	}
	// Output:
	// +-----------------+
	// |label(city, year)|
	// +-----------------+
	// |        oslo/2024|
	// |        rome/2025|
	// |       cairo/2025|
	// +-----------------+
}

// A struct result is a struct column, its fields named by arrow tags;
// Unnest expands it into columns.
func ExampleFunc1_struct() {
	ctx := context.Background()
	sess := frame.NewSession()
	defer sess.Close()

	type reading struct {
		Value *float64 `arrow:"value"` // nil is NULL
		Unit  string   `arrow:"unit"`
	}
	parse := udf.Func1("parse_reading", func(s string) reading {
		num := strings.TrimRight(s, "CF")
		r := reading{Unit: s[len(num):]}
		if v, err := strconv.ParseFloat(num, 64); err == nil {
			r.Value = &v
		}
		return r
	})
	df := cities(sess).Select("reading").WithColumn("parsed", parse.Call("reading"))
	fmt.Println(df.Schema().Field(1).Type)
	if err := df.Unnest("parsed").Show(ctx, 10); err != nil {
		fmt.Println(err)
	}
	// Output:
	// struct<value: float64 nullable, unit: utf8 nullable>
	// +-------+-----+----+
	// |reading|value|unit|
	// +-------+-----+----+
	// |  -5.0C| -5.0|   C|
	// |    n/a| NULL|    |
	// |    35C| 35.0|   C|
	// +-------+-----+----+
}

// exampleFahrenheit is registered when the program starts, so every
// process that runs the plan knows it by name.
var exampleFahrenheit = udf.MustRegister(udf.Func1("example.fahrenheit", func(c float64) float64 {
	return c*9/5 + 32
}))

// Plans that call registered UDFs serialize, to run in other processes;
// plans that call closures do not.
func ExampleRegister() {
	dir, err := os.MkdirTemp("", "udf-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "cities.csv")
	if err := os.WriteFile(path, []byte("city,celsius\nOslo,-5.5\nCairo,35.0\n"), 0o644); err != nil {
		panic(err)
	}
	sess := frame.NewSession()
	defer sess.Close()
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(path)

	withF := df.WithColumn("f", exampleFahrenheit.Call("celsius"))
	if withF.Err() != nil {
		panic(withF.Err())
	}
	data, err := plan.Marshal(withF.Plan())
	if err != nil {
		panic(err)
	}
	// In another process, with the same registration:
	back, err := plan.Unmarshal(data)
	if err != nil {
		panic(err)
	}
	fmt.Println(plan.FormatExprs(back.(*plan.Project).Exprs))

	adhoc := udf.Func1("adhoc", func(c float64) float64 { return c + 273.15 })
	_, err = plan.Marshal(df.WithColumn("k", adhoc.Call("celsius")).Plan())
	fmt.Println(errors.Is(err, plan.ErrNotPortable))
	fmt.Println(err)
	// Output:
	// [city, celsius, example.fahrenheit(celsius) AS f]
	// true
	// plan: encoding function adhoc: udf "adhoc": plan cannot be serialized: it is an unregistered Go function (udf.Register it in every process that runs the plan)
}
