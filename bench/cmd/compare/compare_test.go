package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ember-df/ember/bench/internal/harness"
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

// TestGenerateInputFormat checks every generated line against the documented
// format (id, then four measurements with exactly three decimals in
// [0.100, 9.999]) and recomputes the expectation from the file's text alone.
func TestGenerateInputFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.csv")
	exp, err := generateInput(path, 20_000, 3)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(data)) != exp.InputSize {
		t.Errorf("InputSize = %d, file has %d bytes", exp.InputSize, len(data))
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if lines[0] != inputHeader {
		t.Fatalf("header %q, want %q", lines[0], inputHeader)
	}
	var got expectation
	for i, line := range lines[1:] {
		f := strings.Split(line, ",")
		if len(f) != 5 || f[0] != strconv.Itoa(i+1) {
			t.Fatalf("line %d: %q", i+2, line)
		}
		var milli [4]int64
		for c, v := range f[1:] {
			if len(v) != 5 || v[1] != '.' {
				t.Fatalf("line %d: measurement %q, want d.ddd", i+2, v)
			}
			m, err := strconv.ParseInt(v[:1]+v[2:], 10, 64)
			if err != nil || m < 100 || m > 9999 {
				t.Fatalf("line %d: measurement %q out of [0.100, 9.999]", i+2, v)
			}
			milli[c] = m
		}
		// Independent of expectation.add: the predicate on the text's value.
		if pl, _ := strconv.ParseFloat(f[3], 64); pl > 2 {
			got.Rows++
			got.IDSum += int64(i + 1)
			got.AreaMicro += milli[2] * milli[3]
		}
	}
	got.InputSize = exp.InputSize
	if got != exp {
		t.Fatalf("expectation recomputed from the file %+v, generateInput returned %+v", got, exp)
	}
}

func TestAppendMilli(t *testing.T) {
	for m, want := range map[int64]string{
		100: "0.100", 2000: "2.000", 2001: "2.001", 5007: "5.007",
		5070: "5.070", 5123: "5.123", 9999: "9.999",
	} {
		if got := string(appendMilli(nil, m)); got != want {
			t.Errorf("appendMilli(%d) = %q, want %q", m, got, want)
		}
	}
}

// appendBoundaryRows appends rows with petal_length 1.999, 2.000 and 2.001 to
// input (ids from firstID on) and accounts for them in exp. Measurements
// are thousandths, so an exact 2.000 is rare in a small generated input;
// these rows make the boundary of petal_length > 2 part of every check.
func appendBoundaryRows(t *testing.T, input string, exp *expectation, firstID int64) {
	t.Helper()
	f, err := os.OpenFile(input, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	for i, pl := range []int64{1999, 2000, 2001, 2000} {
		milli := [4]int64{5123, 3456, pl, 321 + int64(i)}
		b = appendRow(b, firstID+int64(i), milli)
		exp.add(firstID+int64(i), milli)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyOutput(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "input.csv")
	exp, err := generateInput(input, 5_000, 1)
	if err != nil {
		t.Fatal(err)
	}
	appendBoundaryRows(t, input, &exp, 5_001)
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
		// Float noise in the printed products (ember and DuckDB print the
		// shortest form, e.g. 7.3500000000000005) and gota's six decimals.
		{"float noise", outputHeader, 1, gt2, func(pl, pw float64) float64 { return pl * pw * (1 + 1e-12) }, ""},
		{"six decimals", outputHeader, 1, gt2, func(pl, pw float64) float64 { return math.Round(pl*pw*1e6) / 1e6 }, ""},
		{"greater or equal", outputHeader, 1, func(pl float64) bool { return pl >= 2 }, mul, "wrong row count"},
		{"greater than 2.001", outputHeader, 1, func(pl float64) bool { return pl > 2.001 }, mul, "wrong row count"},
		{"wrong expression", outputHeader, 1, gt2, func(pl, pw float64) float64 { return pl + pw }, "wrong petal_area"},
		{"area off by 1e-5", outputHeader, 1, gt2, func(pl, pw float64) float64 { return pl * pw * (1 + 1e-5) }, "wrong petal_area"},
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
		os.WriteFile(filepath.Join(out, "part-0.csv"), []byte(outputHeader+"\n1,5.123,3.456,1.789,0.234,0.418626\n"), 0o644)
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
			out := filepath.Join(dir, "out")
			c := &harness.Contender{
				Name: tc.mode,
				Argv: []string{os.Args[0], input, out},
				Env:  []string{"COMPARE_TEST_HELPER=" + tc.mode},
			}
			r := measure(c, out, exp, 2*time.Second)
			if r.Err == nil || !strings.Contains(r.Err.Error(), tc.wantErr) {
				t.Fatalf("measure error = %v, want one containing %q", r.Err, tc.wantErr)
			}
			if s := harness.Summarize([]harness.Result{r}); s.OK != 0 || s.Total != 1 {
				t.Fatalf("summary counts a failed run as ok: %+v", s)
			}
		})
	}
}
