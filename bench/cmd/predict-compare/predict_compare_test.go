package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ember-df/ember/bench/internal/harness"
)

// irisPath is the real iris data set, relative to this package.
const irisPath = "../../../examples/iris/iris.csv"

func loadIris(t *testing.T) []flower {
	t.Helper()
	iris, err := readIris(irisPath)
	if err != nil {
		t.Fatal(err)
	}
	return iris
}

func TestReadIris(t *testing.T) {
	iris := loadIris(t)
	if len(iris) != 150 {
		t.Fatalf("%d flowers, want 150", len(iris))
	}
	var perLabel [3]int
	for _, fl := range iris {
		perLabel[fl.label]++
	}
	if perLabel != [3]int{50, 50, 50} {
		t.Errorf("flowers per label %v, want 50 each", perLabel)
	}
	// The first row is 5.1,3.5,1.4,0.2,setosa.
	if want := (flower{tenths: [4]uint32{51, 35, 14, 2}, label: 0}); iris[0] != want {
		t.Errorf("first flower %+v, want %+v", iris[0], want)
	}
}

func TestParseTenths(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32 // 0: an error
	}{
		{"5.1", 51}, {"5.0", 50}, {"5", 50}, {"5.1000000000000005", 51}, {"0.1", 1}, {"12.7", 127},
		{"5.15", 0}, {"0.0", 0}, {"12.8", 0}, {"-1.0", 0}, {"x", 0}, {"", 0},
	} {
		got, err := parseTenths(tc.in)
		if tc.want == 0 {
			if err == nil {
				t.Errorf("parseTenths(%q) = %d, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseTenths(%q) = %d, %v, want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestGenerateInputDeterministic(t *testing.T) {
	iris := loadIris(t)
	dir := t.TempDir()
	a, err := generateInput(filepath.Join(dir, "a.csv"), iris, 10_000, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, err := generateInput(filepath.Join(dir, "b.csv"), iris, 10_000, 7)
	if err != nil {
		t.Fatal(err)
	}
	c, err := generateInput(filepath.Join(dir, "c.csv"), iris, 10_000, 8)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("same seed, different expectations: %+v vs %+v", a, b)
	}
	if a.KeySum == c.KeySum {
		t.Error("different seeds, same rows")
	}
	da, _ := os.ReadFile(filepath.Join(dir, "a.csv"))
	db, _ := os.ReadFile(filepath.Join(dir, "b.csv"))
	if string(da) != string(db) {
		t.Fatal("same seed, different files")
	}
}

// TestGenerateInputFormat checks every generated line against the
// documented format (four measurements with one decimal in [0.1, 12.7],
// a label in {0,1,2}, each row near a real flower of its label) and
// recomputes the expectation from the file's text alone.
func TestGenerateInputFormat(t *testing.T) {
	iris := loadIris(t)
	path := filepath.Join(t.TempDir(), "in.csv")
	exp, err := generateInput(path, iris, 20_000, 3)
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
	got := expectation{InputSize: exp.InputSize}
	for i, line := range lines[1:] {
		f := strings.Split(line, ",")
		if len(f) != 5 {
			t.Fatalf("line %d: %q", i+2, line)
		}
		var tenths [4]uint32
		for c, v := range f[:4] {
			// d.d or dd.d
			if n := len(v); n < 3 || n > 4 || v[n-2] != '.' {
				t.Fatalf("line %d: measurement %q, want one decimal", i+2, v)
			}
			if tenths[c], err = parseTenths(v); err != nil {
				t.Fatalf("line %d: %v", i+2, err)
			}
		}
		label, err := strconv.ParseUint(f[4], 10, 32)
		if err != nil || label > 2 {
			t.Fatalf("line %d: label %q", i+2, f[4])
		}
		if !nearFlower(iris, tenths, uint32(label)) {
			t.Fatalf("line %d: %q is not within 1 cm of a flower labelled %d", i+2, line, label)
		}
		got.Rows++
		got.KeySum += mix(uint64(rowKey(tenths, uint32(label), 0)))
		got.Labels[label]++
	}
	if got != exp {
		t.Fatalf("expectation recomputed from the file %+v, generateInput returned %+v", got, exp)
	}
	for l, n := range exp.Labels {
		if frac := float64(n) / float64(exp.Rows); frac < 0.31 || frac > 0.36 {
			t.Errorf("label %d on %.3f of the rows, want about 1/3", l, frac)
		}
	}
}

// nearFlower reports whether some flower of iris with the given label is
// within 1 cm (ten standard deviations of the noise) of tenths in every
// measurement.
func nearFlower(iris []flower, tenths [4]uint32, label uint32) bool {
	for _, fl := range iris {
		if fl.label != label {
			continue
		}
		near := true
		for c := range tenths {
			near = near && max(fl.tenths[c], tenths[c])-min(fl.tenths[c], tenths[c]) <= 10
		}
		if near {
			return true
		}
	}
	return false
}

// inputRow is one data line of a generated input.
type inputRow struct {
	fields []string // four measurements and the label, as printed
	label  int
}

func readInput(t *testing.T, path string) []inputRow {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")[1:]
	rows := make([]inputRow, len(lines))
	for i, l := range lines {
		f := strings.Split(l, ",")
		rows[i] = inputRow{fields: f, label: int(f[4][0] - '0')}
	}
	return rows
}

// writeJob is a reference output for tests: the rows, each with the
// prediction predict(row index, label) appended and its fields passed
// through format, dealt round-robin into nparts part files under dir, each
// starting with header.
func writeJob(t *testing.T, rows []inputRow, dir, header string, nparts int,
	predict func(i, label int) string, format func(field string) string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
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
	for i, r := range rows {
		fields := make([]string, 0, 6)
		for _, f := range r.fields {
			fields = append(fields, format(f))
		}
		fields = append(fields, predict(i, r.label))
		fmt.Fprintln(parts[i%nparts], strings.Join(fields, ","))
	}
}

func TestVerifyOutput(t *testing.T) {
	iris := loadIris(t)
	dir := t.TempDir()
	input := filepath.Join(dir, "input.csv")
	exp, err := generateInput(input, iris, 5_000, 1)
	if err != nil {
		t.Fatal(err)
	}
	rows := readInput(t, input)

	asLabel := func(_, label int) string { return strconv.Itoa(label) }
	// Wrong on every 20th row: accuracy 0.95.
	mostly := func(i, label int) string { return strconv.Itoa((label + boolInt(i%20 == 0)) % 3) }
	asIs := func(f string) string { return f }
	tests := []struct {
		name    string
		header  string
		nparts  int
		predict func(i, label int) string
		format  func(string) string
		rows    []inputRow
		wantErr string // "" for success
	}{
		{"correct", outputHeader, 1, asLabel, asIs, rows, ""},
		{"correct in three parts", outputHeader, 3, mostly, asIs, rows, ""},
		{"rows in another order", outputHeader, 2, mostly, asIs, reversed(rows), ""},
		{"quoted header and fields", `"` + strings.ReplaceAll(outputHeader, ",", `","`) + `"`, 1, asLabel, func(f string) string { return `"` + f + `"` }, rows, ""},
		// ember and the hand loop print 5.0 as "5"; float noise is tolerated.
		{"shortest floats", outputHeader, 1, asLabel, func(f string) string { return strings.TrimSuffix(f, ".0") }, rows, ""},
		{"float noise", outputHeader, 1, asLabel, func(f string) string {
			if strings.Contains(f, ".") {
				return f + "000000000001"
			}
			return f
		}, rows, ""},
		{"row missing", outputHeader, 1, asLabel, asIs, rows[1:], "wrong row count"},
		{"row duplicated", outputHeader, 1, asLabel, asIs, append(slices.Clone(rows[1:]), rows[2]), "wrong rows"},
		{"measurement changed", outputHeader, 1, asLabel, func(f string) string {
			if f == rows[0].fields[0] {
				return "12.7"
			}
			return f
		}, rows, "wrong rows"},
		{"label changed", outputHeader, 1, asLabel, func(f string) string {
			switch f {
			case "0":
				return "1"
			case "1":
				return "0"
			}
			return f
		}, rows, "wrong rows"},
		{"low accuracy", outputHeader, 1, func(int, int) string { return "0" }, asIs, rows, "accuracy 0.3"},
		{"class 3", outputHeader, 1, func(i, label int) string {
			if i == 7 {
				return "3"
			}
			return strconv.Itoa(label)
		}, asIs, rows, `line 9: prediction: "3" is not a class`},
		{"float prediction", outputHeader, 1, func(_, label int) string { return strconv.Itoa(label) + ".0" }, asIs, rows, "prediction"},
		{"missing prediction column", inputHeader, 1, asLabel, asIs, rows, "header"},
		{"two decimals", outputHeader, 1, asLabel, func(f string) string {
			if strings.Contains(f, ".") {
				return f + "5"
			}
			return f
		}, rows, "one decimal"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprint("out", i))
			writeJob(t, tc.rows, out, tc.header, tc.nparts, tc.predict, tc.format)
			got, err := verifyOutput(out, exp)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("verifyOutput: %v", err)
				}
				if got.Rows != exp.Rows || got.Classes[0]+got.Classes[1]+got.Classes[2] != exp.Rows {
					t.Fatalf("tally %+v, want %d rows", got, exp.Rows)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("verifyOutput error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}

	t.Run("predictions identify the output", func(t *testing.T) {
		// Same rows, same order-free fingerprint of the input, but one
		// prediction differs: RowSum must tell them apart; order must not.
		a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
		writeJob(t, rows, a, outputHeader, 1, mostly, asIs)
		writeJob(t, reversed(rows), b, outputHeader, 3, func(i, label int) string { return mostly(len(rows)-1-i, label) }, asIs)
		writeJob(t, rows, c, outputHeader, 1, func(i, label int) string {
			if i == 100 {
				return strconv.Itoa((label + 2) % 3)
			}
			return mostly(i, label)
		}, asIs)
		ta, errA := verifyOutput(a, exp)
		tb, errB := verifyOutput(b, exp)
		tc, errC := verifyOutput(c, exp)
		if err := errors.Join(errA, errB, errC); err != nil {
			t.Fatal(err)
		}
		if ta.RowSum != tb.RowSum {
			t.Error("the same rows and predictions in another order and split give another fingerprint")
		}
		if ta.RowSum == tc.RowSum {
			t.Error("one changed prediction leaves the fingerprint unchanged")
		}
	})
	t.Run("no part files", func(t *testing.T) {
		if _, err := verifyOutput(t.TempDir(), exp); err == nil {
			t.Fatal("want an error for an empty directory")
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func reversed(rows []inputRow) []inputRow {
	r := slices.Clone(rows)
	slices.Reverse(r)
	return r
}

// TestMain lets the test binary act as a contender when
// PREDICT_TEST_HELPER is set (see TestMeasure): it copies the input given
// after -in to the directory given after -out with predictions, as the
// mode says.
func TestMain(m *testing.M) {
	mode := os.Getenv("PREDICT_TEST_HELPER")
	switch mode {
	case "":
		os.Exit(m.Run())
	case "fail":
		fmt.Fprintln(os.Stderr, "boom: cannot load model")
		os.Exit(3)
	case "hang":
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	in, out := os.Args[slices.Index(os.Args, "-in")+1], os.Args[slices.Index(os.Args, "-out")+1]
	data, err := os.ReadFile(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	var b strings.Builder
	b.WriteString(outputHeader + "\n")
	for i, l := range lines[1:] {
		pred := l[len(l)-1:] // the label
		switch {
		case mode == "wrong":
			pred = "0"
		case mode == "flaky" && i == 0 && os.Getenv("PREDICT_TEST_RUN") == "2":
			pred = strconv.Itoa(int(l[len(l)-1]-'0'+1) % 3)
		case mode == "other" && i == 1:
			pred = strconv.Itoa(int(l[len(l)-1]-'0'+1) % 3)
		}
		b.WriteString(l + "," + pred + "\n")
	}
	os.MkdirAll(out, 0o755)
	if err := os.WriteFile(filepath.Join(out, "part-00000.csv"), []byte(b.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("train_seconds 0.250")
	os.Exit(0)
}

// helper returns a contender that runs this test binary in mode.
func helper(name, mode, input, out string, env ...string) *harness.Contender {
	return &harness.Contender{
		Name: name,
		Argv: []string{os.Args[0], "-in", input, "-out", out},
		Env:  append([]string{"PREDICT_TEST_HELPER=" + mode}, env...),
	}
}

func TestMeasure(t *testing.T) {
	iris := loadIris(t)
	dir := t.TempDir()
	input := filepath.Join(dir, "input.csv")
	exp, err := generateInput(input, iris, 1_000, 1)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")

	for _, tc := range []struct{ mode, wantErr string }{
		{"fail", "boom: cannot load model"},
		{"wrong", "accuracy 0.3"},
		{"hang", "timed out"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			b := &bench{exp: exp, timeout: 2 * time.Second, tallies: map[string][]tally{}}
			r := b.measure(helper(tc.mode, tc.mode, input, out), out)
			if r.Err == nil || !strings.Contains(r.Err.Error(), tc.wantErr) {
				t.Fatalf("measure error = %v, want one containing %q", r.Err, tc.wantErr)
			}
			if s := harness.Summarize([]harness.Result{r}); s.OK != 0 || s.Total != 1 {
				t.Fatalf("summary counts a failed run as ok: %+v", s)
			}
		})
	}

	t.Run("ok, then a run with other predictions", func(t *testing.T) {
		b := &bench{exp: exp, timeout: 10 * time.Second, tallies: map[string][]tally{}}
		if r := b.measure(helper("pandas", "flaky", input, out, "PREDICT_TEST_RUN=1"), out); r.Err != nil {
			t.Fatal(r.Err)
		}
		if got := b.trainTimes; len(got) != 1 || got[0] != 250*time.Millisecond {
			t.Errorf("train times %v, want [250ms]", got)
		}
		r := b.measure(helper("pandas", "flaky", input, out, "PREDICT_TEST_RUN=2"), out)
		if r.Err == nil || !strings.Contains(r.Err.Error(), "differ from this contender's first run") {
			t.Fatalf("measure error = %v, want a nondeterminism error", r.Err)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("output left behind: %v", err)
		}
	})

	t.Run("cross-check", func(t *testing.T) {
		for _, tc := range []struct {
			emberMode string
			wantFail  bool
		}{{"same", false}, {"other", true}} {
			b := &bench{exp: exp, timeout: 10 * time.Second, tallies: map[string][]tally{}}
			ember := helper("ember", tc.emberMode, input, out)
			loop := helper("handloop", "same", input, out)
			cs := []*harness.Contender{ember, loop}
			harness.RoundRobin(cs, 2, 0, func(c *harness.Contender) harness.Result { return b.measure(c, out) }, harness.Log("test"))
			b.crossCheck(cs)
			if s := harness.Summarize(loop.Results); !s.Complete() {
				t.Fatalf("%s: handloop failed: %+v", tc.emberMode, loop.Results)
			}
			s := harness.Summarize(ember.Results)
			if tc.wantFail == s.Complete() || (tc.wantFail && s.OK != 0) {
				t.Fatalf("%s: ember summary %+v, want every run failed: %v", tc.emberMode, s, tc.wantFail)
			}
			var report strings.Builder
			b.writeChecks(&report, cs)
			want := "identical row for row"
			if tc.wantFail {
				want = "DIFFER"
			}
			if !strings.Contains(report.String(), want) {
				t.Errorf("%s: checks lack %q:\n%s", tc.emberMode, want, report.String())
			}
		}
	})
}

func TestTrainTime(t *testing.T) {
	if d, ok := trainTime("x\ntrain_seconds 0.213\n"); !ok || d != 213*time.Millisecond {
		t.Errorf("trainTime = %v, %v", d, ok)
	}
	if _, ok := trainTime("nothing\n"); ok {
		t.Error("trainTime found a time in output without one")
	}
}
