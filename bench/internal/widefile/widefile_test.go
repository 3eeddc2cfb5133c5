package widefile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteDeterministic(t *testing.T) {
	dir := t.TempDir()
	spec := Spec{Rows: 20_000, Seed: 7, RowGroupRows: 8_000, Threshold: 250_000}
	a, err := Write(filepath.Join(dir, "a.parquet"), spec)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Write(filepath.Join(dir, "b.parquet"), spec)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("same spec, different expectations:\n%+v\n%+v", a, b)
	}
	da, _ := os.ReadFile(filepath.Join(dir, "a.parquet"))
	db, _ := os.ReadFile(filepath.Join(dir, "b.parquet"))
	if string(da) != string(db) {
		t.Fatal("same spec, different files")
	}
	if a.Rows != 20_000 || a.Size != int64(len(da)) || a.Spec != spec {
		t.Fatalf("expectation %+v", a)
	}
	// c0 is uniform in [0, FilterRange): about 3/4 of the rows pass.
	if frac := float64(a.Kept) / float64(a.Rows); frac < 0.73 || frac > 0.77 {
		t.Errorf("kept fraction %.3f, want about 0.75", frac)
	}
	for i, s := range a.Cols {
		if i%4 == 3 && (s.NonNull == a.Kept || s.NonNull < a.Kept*97/100) {
			t.Errorf("c%d: %d of %d kept values are not NULL, want about 99%%", i, s.NonNull, a.Kept)
		}
		if i%4 != 3 && s.NonNull != a.Kept {
			t.Errorf("c%d: NULLs in a column without", i)
		}
	}
}

func TestIndex(t *testing.T) {
	for name, want := range map[string]int{"c0": 0, "c2": 2, "c19": 19} {
		if i, ok := Index(name); !ok || i != want {
			t.Errorf("Index(%q) = %d, %v", name, i, ok)
		}
	}
	for _, name := range []string{"", "c", "c20", "c-1", "c02", "x1", "C1"} {
		if _, ok := Index(name); ok {
			t.Errorf("Index(%q) succeeded", name)
		}
	}
}

func TestVerify(t *testing.T) {
	var exp Expectation
	exp.Kept = 10
	exp.Cols[0] = Sum{NonNull: 10, Int: 12345}
	exp.Cols[1] = Sum{NonNull: 10, Float: 1000.5, Abs: 2000}
	exp.Cols[2] = Sum{NonNull: 10, Int: 77}
	cols := []string{"c0", "c1", "c2"}
	lines := func(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
	ok := []string{"rows 10", "c0 12345", "c1 1000.5", "c2 77"}
	tests := []struct {
		name, out, wantErr string
	}{
		{"exact", lines(ok...), ""},
		{"any order", lines("c2 77", "c1 1000.5", "rows 10", "c0 12345"), ""},
		{"float rounding", lines("rows 10", "c0 12345", fmt.Sprint("c1 ", 1000.5+1e-7), "c2 77"), ""},
		{"float off", lines("rows 10", "c0 12345", "c1 1000.6", "c2 77"), "column c1"},
		{"rows", lines("rows 11", "c0 12345", "c1 1000.5", "c2 77"), "rows"},
		{"int off", lines("rows 10", "c0 12346", "c1 1000.5", "c2 77"), "column c0"},
		{"int as float", lines("rows 10", "c0 12345.0", "c1 1000.5", "c2 77"), "column c0"},
		{"missing", lines("rows 10", "c0 12345", "c1 1000.5"), "no sum of column c2"},
		{"extra", lines(append(ok, "c3 1")...), "unexpected column c3"},
		{"twice", lines(append(ok, "c2 77")...), "printed twice"},
		{"garbage", lines(append(ok, "boom")...), "unexpected output line"},
		{"NULL sum", lines("rows 10", "c0 null", "c1 1000.5", "c2 77"), "column c0"},
	}
	for _, tc := range tests {
		err := exp.Verify(tc.out, cols)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.wantErr)
		}
	}
}
