package parquetio_test

import (
	"flag"
	"os"
	"testing"
)

// TestMain caps the fuzzer's minimization of new inputs at 10 runs unless
// -fuzzminimizetime is given. The inputs are whole Parquet files of a few
// KB; minimizing one takes thousands of runs, and at the default (60 s per
// input) a plain -fuzz run spends all of its time minimizing and makes no
// progress (measured: 64 runs in 60 s, against ~250 a second with the cap).
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set {
		if err := flag.Set("test.fuzzminimizetime", "10x"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
