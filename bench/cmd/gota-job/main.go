// Command gota-job is the gota (github.com/go-gota/gota) contender of the
// side-by-side benchmark driven by bench/cmd/compare.
//
// It performs the benchmark job with gota's dataframe package:
//
//	read CSV (header, types detected) → keep rows with petal_length > 2 →
//	add petal_area = petal_length * petal_width → write CSV with header
//
// Usage:
//
//	gota-job <input.csv> <output-dir>
//
// The result is written to <output-dir>/part-0.csv (the directory is created
// if needed and an existing part-0.csv is replaced). Errors go to stderr and
// yield a non-zero exit status, which the harness reports as a failed run.
package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gota-job <input.csv> <output-dir>")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "gota-job:", err)
		os.Exit(1)
	}
}

// run executes the job, reading in and writing out/part-0.csv.
func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()

	// Header on, column types detected from the data (gota's defaults, spelt
	// out to mirror ember's header/inferSchema options).
	df := dataframe.ReadCSV(bufio.NewReaderSize(f, 1<<20),
		dataframe.HasHeader(true),
		dataframe.DetectTypes(true),
	)
	if df.Err != nil {
		return fmt.Errorf("read %s: %w", in, df.Err)
	}

	df = df.Filter(dataframe.F{
		Colname:    "petal_length",
		Comparator: series.Greater,
		Comparando: 2.0,
	})
	if df.Err != nil {
		return fmt.Errorf("filter: %w", df.Err)
	}

	// gota has no column arithmetic, so the derived column is computed from
	// the two float columns and attached with Mutate.
	pl := df.Col("petal_length").Float()
	pw := df.Col("petal_width").Float()
	area := make([]float64, len(pl))
	for i := range pl {
		area[i] = pl[i] * pw[i]
	}
	df = df.Mutate(series.New(area, series.Float, "petal_area"))
	if df.Err != nil {
		return fmt.Errorf("mutate: %w", df.Err)
	}

	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(out, "part-0.csv")
	w, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := df.WriteCSV(bw, dataframe.WriteHeader(true)); err != nil {
		w.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		w.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return w.Close()
}
