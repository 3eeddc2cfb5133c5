// Command parquet-gen writes the input of the Parquet scan benchmark driven
// by bench/cmd/parquet-compare: a deterministic 20-column Parquet file (see
// package bench/internal/widefile), written with ember's own Parquet writer.
//
// Usage:
//
//	parquet-gen [-rows 2000000] [-seed 1] [-rowgroup 0] [-threshold 500000] <out.parquet>
//
// It prints what a correct scan filtered on c0 > threshold returns, as
// JSON, to stdout. parquet-compare runs it as a child process so that the
// writer's memory never counts in the harness's own peak RSS, which Linux
// carries into every later child's figure (see bench/README.md).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/ember-df/ember/bench/internal/widefile"
)

func main() {
	var spec widefile.Spec
	fs := flag.NewFlagSet("parquet-gen", flag.ExitOnError)
	fs.IntVar(&spec.Rows, "rows", 2_000_000, "rows to generate")
	fs.Uint64Var(&spec.Seed, "seed", 1, "seed of the generator")
	fs.Int64Var(&spec.RowGroupRows, "rowgroup", 0, "rows per row group (0: ember's default)")
	fs.Int64Var(&spec.Threshold, "threshold", widefile.FilterRange/2, "filter c0 > threshold the expectation is computed for")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: parquet-gen [flags] <out.parquet>")
		fs.PrintDefaults()
	}
	fs.Parse(os.Args[1:])
	if fs.NArg() != 1 {
		fs.Usage()
		os.Exit(2)
	}
	exp, err := widefile.Write(fs.Arg(0), spec)
	if err == nil {
		err = json.NewEncoder(os.Stdout).Encode(exp)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "parquet-gen:", err)
		os.Exit(1)
	}
}
