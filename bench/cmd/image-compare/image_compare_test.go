package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ember-df/ember/internal/shared"
	"github.com/ember-df/ember/udf/onnx/onnxtest"
)

// TestQuickRun runs the whole benchmark on 200 rows, one run per stage,
// and checks that it succeeds and prints every part of the report.
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the benchmark on 200 rows (about 15 s)")
	}
	images := shared.Path(t, "data/catsdogs")
	onnxtest.RequireRuntime(t)

	var out strings.Builder
	args := []string{"-images", images, "-rows", "200", "-runs", "1", "-repeat", "1", "-batches", "8,32"}
	if code := run(context.Background(), args, &out); code != 0 {
		t.Fatalf("image-compare %s exited %d; report:\n%s", strings.Join(args, " "), code, out.String())
	}
	report := out.String()
	for _, want := range []string{
		"photos:   100 JPEGs (50 cat, 50 dog)",
		"\nd ember ", "\nd stdlib ", "\nm batch 8, 1 thread(s) ", "\nm batch 32, 1 thread(s) ",
		"\nember repartition(10) ", "\nember no repartition ",
		"  bound  ", "  bound stdlib  ",
		"ember ÷ bound", "x bound: ", "x bound stdlib",
		"ember repartition(10): 1 verified run(s)", "ember no repartition: 1 verified run(s)",
		"every byte of Arrow memory released",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "FAILED") {
		t.Errorf("report says FAILED:\n%s", report)
	}
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-batches", "32, 8,32"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(cfg.batches) != "[8 32]" || cfg.rows != 5000 || cfg.runs != 3 {
		t.Errorf("parsed %+v", cfg)
	}
	for _, bad := range [][]string{{"-batches", "8,x"}, {"-batches", "0"}, {"-rows", "0"}, {"extra"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) succeeded", bad)
		}
	}
}

// TestCheckOutput checks the job's output check on hand-written outputs.
func TestCheckOutput(t *testing.T) {
	photos := []photo{{"/p/cat/1.jpg", "Cat"}, {"/p/cat/2.jpg", "Cat"}, {"/p/dog/1.jpg", "Dog"}, {"/p/dog/a,b.jpg", "Dog"}}
	// 8 rows: every photo twice; "all right" predicts every label.
	lines := func(pred func(i int, p photo) string) []string {
		var ls []string
		for i := range 8 {
			p := photos[i%len(photos)]
			ls = append(ls, fmt.Sprintf("%q,%s", p.path, pred(i, p)))
		}
		return ls
	}
	right := func(_ int, p photo) string { return p.label }
	header := "img_path,prediction"
	for _, tc := range []struct {
		name    string
		parts   [][]string // lines of each part file
		wantErr string     // "" for success
	}{
		{"all right, two parts", [][]string{append([]string{header}, lines(right)[:3]...), append([]string{header}, lines(right)[3:]...)}, ""},
		{"two wrong of eight", [][]string{append([]string{header}, lines(func(i int, p photo) string {
			if i < 2 {
				return "Dog"
			}
			return p.label
		})...)}, "accuracy 0.750"},
		{"a row missing", [][]string{append([]string{header}, lines(right)[1:]...)}, "7 rows"},
		{"a row repeated", [][]string{append([]string{header}, append(lines(right)[1:], lines(right)[1])...)}, "unexpected or repeated"},
		{"not a class", [][]string{append([]string{header}, lines(func(int, photo) string { return "Bird" })...)}, `"Bird"`},
		{"wrong header", [][]string{append([]string{"path,prediction"}, lines(right)...)}, "header"},
		{"no parts", nil, "no part-*.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for i, ls := range tc.parts {
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%05d.csv", i)), []byte(strings.Join(ls, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			c, err := checkOutput(dir, photos, 8)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("checkOutput: %v", err)
			case tc.wantErr == "" && (c.accuracy != 1 || c.classes["Cat"] != 4 || c.classes["Dog"] != 4):
				t.Fatalf("checkOutput found %+v, want accuracy 1 and 4 of each class", c)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("checkOutput error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
