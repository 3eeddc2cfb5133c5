package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// model is the repository's iris forest, relative to this package.
const model = "../../../udf/onnx/testdata/iris_random_forest.onnx"

// TestRun scores one flower of each species, written as the benchmark's
// generator writes them, into a directory and into a file.
func TestRun(t *testing.T) {
	if _, err := findLibrary(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	input := "sepal_length,sepal_width,petal_length,petal_width,label\n" +
		"5.1,3.5,1.4,0.2,0\n" +
		"7.0,3.2,4.7,1.4,1\n" +
		"6.3,3.3,6.0,2.5,2\n"
	if err := os.WriteFile(in, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "sepal_length,sepal_width,petal_length,petal_width,label,prediction\n" +
		"5.1,3.5,1.4,0.2,0,0\n" +
		"7,3.2,4.7,1.4,1,1\n" +
		"6.3,3.3,6,2.5,2,2\n"

	for _, tc := range []struct{ out, file string }{
		{filepath.Join(dir, "out"), filepath.Join(dir, "out", "part-00000.csv")},
		{filepath.Join(dir, "scored.csv"), filepath.Join(dir, "scored.csv")},
	} {
		if err := run(in, tc.out, model); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("-out %s wrote\n%s\nwant\n%s", filepath.Base(tc.out), got, want)
		}
	}

	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(strings.Replace(input, "label", "species", 1)), 0o644)
	if err := run(bad, filepath.Join(dir, "bad-out"), model); err == nil || !strings.Contains(err.Error(), `"species", want "label"`) {
		t.Errorf("wrong header: err = %v", err)
	}
}
