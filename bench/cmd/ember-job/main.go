// Command ember-job is the ember contender of the side-by-side benchmark
// driven by bench/cmd/compare.
//
// It performs the benchmark job with ember's frame API:
//
//	read CSV (header, inferSchema) → keep rows with petal_length > 2 →
//	add petal_area = petal_length * petal_width → write CSV with header
//
// Usage:
//
//	ember-job <input.csv> <output-dir>
//
// The output directory is written in Overwrite mode and holds one or more
// part-*.csv files, each starting with a header line. Errors go to stderr
// and yield a non-zero exit status, which the harness reports as a failed
// run.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/ember-df/ember/frame"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: ember-job <input.csv> <output-dir>")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "ember-job:", err)
		os.Exit(1)
	}
}

// run executes the job, reading in and writing part files under out.
func run(ctx context.Context, in, out string) error {
	sess := frame.NewSession()
	defer sess.Close()

	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(in)
	df = df.Filter(frame.Col("petal_length").Gt(frame.Lit(2.0))).
		WithColumn("petal_area", frame.Col("petal_length").Mul(frame.Col("petal_width")))
	return df.Write().Mode(frame.Overwrite).Option("header", "true").CSV(ctx, out)
}
