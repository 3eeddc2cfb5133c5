package hive_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/plan"
)

// TestObjectStore discovers and prunes partition directories in mem://,
// where a directory is a key prefix.
func TestObjectStore(t *testing.T) {
	dir := sourcetest.MemDir(t)
	sourcetest.WriteFile(t, dir, "year=2024/country=FR/part-0.csv", []byte("x\n1\n2\n"))
	sourcetest.WriteFile(t, dir, "year=2024/country=DE/part-0.csv", []byte("x\n3\n"))
	sourcetest.WriteFile(t, dir, "year=2025/country=FR/part-0.csv", []byte("x\n4\n"))
	sourcetest.WriteFile(t, dir, "year=2025/country=FR/_SUCCESS", nil)
	sourcetest.WriteFile(t, dir, "_temporary/0/year=2026/country=FR/part-0.csv", []byte("x\n9\n"))
	src, err := openCSV(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := src.Schema().String(); !strings.Contains(got, "year: type=int64") || !strings.Contains(got, "country: type=utf8") {
		t.Fatalf("schema %s", got)
	}
	rows := sourcetest.MustScan(t, src, plan.ScanOptions{Allocator: sourcetest.CheckedAllocator(t)}).Rows
	slices.Sort(rows)
	if want := []string{`1,2024,"FR"`, `2,2024,"FR"`, `3,2024,"DE"`, `4,2025,"FR"`}; !slices.Equal(rows, want) {
		t.Errorf("rows %v, want %v", rows, want)
	}
	pruned := src.(plan.FilteringSource).WithFilter(plan.NewBinary(plan.OpEq, plan.Col("year"), plan.Lit(int64(2025))))
	if !strings.Contains(pruned.String(), "1 of 3 directories") {
		t.Errorf("EXPLAIN %s: want 1 of 3 directories", pruned)
	}
	rows = sourcetest.MustScan(t, pruned, plan.ScanOptions{}).Rows
	if want := []string{`4,2025,"FR"`}; !slices.Equal(rows, want) {
		t.Errorf("pruned rows %v, want %v", rows, want)
	}
}
