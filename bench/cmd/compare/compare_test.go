package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// writeJob is a reference implementation of the benchmark job for tests: it
// reads the generated input and writes the rows that keep(petal_length)
// accepts, with area(petal_length, petal_width) appended, round-robin into
// nparts part files under dir, each with the given header line.
func writeJob(t *testing.T, input, dir, header string, nparts int,
	keep func(pl float64) bool, area func(pl, pw float64) float64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(input)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()

	parts := make([]*bufio.Writer, nparts)
	for i := range parts {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("part-%05d.csv", i)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		parts[i] = bufio.NewWriter(f)
		defer parts[i].Flush()
		fmt.Fprintln(parts[i], header)
	}

	sc := bufio.NewScanner(in)
	sc.Scan() // header
	n := 0
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		pl, _ := strconv.ParseFloat(f[3], 64)
		pw, _ := strconv.ParseFloat(f[4], 64)
		if !keep(pl) {
			continue
		}
		fmt.Fprintf(parts[n%nparts], "%s,%g\n", sc.Text(), area(pl, pw))
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestGenerateInputDeterministic(t *testing.T) {
	dir := t.TempDir()
	a, err := generateInput(filepath.Join(dir, "a.csv"), 10_000, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, err := generateInput(filepath.Join(dir, "b.csv"), 10_000, 7)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("same seed, different expectations: %+v vs %+v", a, b)
	}
	da, _ := os.ReadFile(filepath.Join(dir, "a.csv"))
	db, _ := os.ReadFile(filepath.Join(dir, "b.csv"))
	if string(da) != string(db) {
		t.Fatal("same seed, different files")
	}
	if !strings.HasPrefix(string(da), inputHeader+"\n1,") {
		t.Fatalf("unexpected start of file: %q", da[:80])
	}
	// Roughly two of the three species pass the filter.
	if frac := float64(a.Rows) / 10_000; frac < 0.6 || frac > 0.72 {
		t.Errorf("kept fraction %.3f, want about 2/3", frac)
	}
}

func TestVerifyOutput(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "input.csv")
	exp, err := generateInput(input, 5_000, 1)
	if err != nil {
		t.Fatal(err)
	}
	gt2 := func(pl float64) bool { return pl > 2 }
	mul := func(pl, pw float64) float64 { return pl * pw }

	tests := []struct {
		name    string
		header  string
		nparts  int
		keep    func(float64) bool
		area    func(pl, pw float64) float64
		wantErr string // "" for success
	}{
		{"correct", outputHeader, 1, gt2, mul, ""},
		{"correct in three parts", outputHeader, 3, gt2, mul, ""},
		{"quoted header", `"id","sepal_length","sepal_width","petal_length","petal_width","petal_area"`, 1, gt2, mul, ""},
		{"greater or equal", outputHeader, 1, func(pl float64) bool { return pl >= 2 }, mul, "wrong row count"},
		{"wrong expression", outputHeader, 1, gt2, func(pl, pw float64) float64 { return pl + pw }, "wrong petal_area"},
		{"missing column in header", inputHeader, 1, gt2, mul, "header"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprint("out", i))
			writeJob(t, input, out, tc.header, tc.nparts, tc.keep, tc.area)
			rows, err := verifyOutput(out, exp)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("verifyOutput: %v", err)
				}
				if rows != exp.Rows {
					t.Fatalf("rows = %d, want %d", rows, exp.Rows)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("verifyOutput error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}

	t.Run("no part files", func(t *testing.T) {
		if _, err := verifyOutput(t.TempDir(), exp); err == nil {
			t.Fatal("want an error for an empty directory")
		}
	})
	t.Run("rows swapped for others", func(t *testing.T) {
		// Keep the count right but drop the first kept row for an unkept one.
		out := filepath.Join(dir, "swapped")
		writeJob(t, input, out, outputHeader, 1, gt2, mul)
		p := filepath.Join(out, "part-00000.csv")
		data, _ := os.ReadFile(p)
		lines := strings.SplitAfter(string(data), "\n")
		lines[1] = "999999999" + lines[1][strings.Index(lines[1], ","):]
		if err := os.WriteFile(p, []byte(strings.Join(lines, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := verifyOutput(out, exp); err == nil || !strings.Contains(err.Error(), "sum of ids") {
			t.Fatalf("verifyOutput error = %v, want a wrong-rows error", err)
		}
	})
}

func TestMedian(t *testing.T) {
	if got := median([]int64{5, 1, 3}); got != 3 {
		t.Errorf("median odd = %d, want 3", got)
	}
	if got := median([]time.Duration{4, 1, 3, 2}); got != 2 {
		t.Errorf("median even = %d, want 2 (mean of 2 and 3, truncated)", got)
	}
}

// TestMain lets the test binary act as a misbehaving contender when
// COMPARE_TEST_HELPER is set (see TestMeasureFailures).
func TestMain(m *testing.M) {
	switch os.Getenv("COMPARE_TEST_HELPER") {
	case "":
		os.Exit(m.Run())
	case "fail":
		fmt.Fprintln(os.Stderr, "boom: cannot read input")
		os.Exit(3)
	case "wrong":
		out := os.Args[len(os.Args)-1]
		os.MkdirAll(out, 0o755)
		os.WriteFile(filepath.Join(out, "part-0.csv"), []byte(outputHeader+"\n1,5.1,3.5,1.4,0.2,0.28\n"), 0o644)
		os.Exit(0)
	case "hang":
		time.Sleep(time.Minute)
		os.Exit(0)
	}
}

func TestMeasureFailures(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "input.csv")
	exp, err := generateInput(input, 1_000, 1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mode, wantErr string
	}{
		{"fail", "boom: cannot read input"},
		{"wrong", "wrong row count: got 1 rows"},
		{"hang", "timed out"},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			c := &contender{
				name: tc.mode,
				argv: func(in, out string) []string { return []string{os.Args[0], in, out} },
				env:  []string{"COMPARE_TEST_HELPER=" + tc.mode},
			}
			r := measure(c, input, filepath.Join(dir, "out"), exp, 2*time.Second)
			if r.err == nil || !strings.Contains(r.err.Error(), tc.wantErr) {
				t.Fatalf("measure error = %v, want one containing %q", r.err, tc.wantErr)
			}
			c.results = []result{r}
			if s := summarize(c); s.ok != 0 || s.total != 1 {
				t.Fatalf("summary counts a failed run as ok: %+v", s)
			}
		})
	}
}
