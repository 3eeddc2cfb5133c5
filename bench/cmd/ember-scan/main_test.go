package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ember-df/ember/bench/internal/widefile"
)

// TestRun scans a small generated file, projected and whole, and checks
// the printed sums against the generator's.
func TestRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wide.parquet")
	exp, err := widefile.Write(path, widefile.Spec{Rows: 50_000, Seed: 2, RowGroupRows: 20_000, Threshold: 700_000})
	if err != nil {
		t.Fatal(err)
	}
	all := make([]string, widefile.NumColumns)
	for i := range all {
		all[i] = widefile.Name(i)
	}
	for _, tc := range []struct {
		args, want []string
	}{
		{[]string{"c0", "c2"}, []string{"c0", "c2"}},
		{[]string{"c7", "c11"}, []string{"c7", "c11"}}, // columns with NULLs
		{nil, all},
	} {
		for _, mode := range []struct {
			name string
			run  func(context.Context, io.Writer, string, int64, []string) error
		}{{"collect", run}, {"agg", runAgg}} {
			var out strings.Builder
			if err := mode.run(context.Background(), &out, path, 700_000, tc.args); err != nil {
				t.Fatalf("%s %v: %v", mode.name, tc.args, err)
			}
			if err := exp.Verify(out.String(), tc.want); err != nil {
				t.Errorf("%s %v: %v\noutput:\n%s", mode.name, tc.args, err, out.String())
			}
		}
	}
}
