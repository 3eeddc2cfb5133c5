package hive_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/io/hive"
	"github.com/ember-df/ember/plan"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func openCSV(t *testing.T, dir string, schema *arrow.Schema) (plan.Source, error) {
	t.Helper()
	opts := csvio.DefaultOptions()
	opts.Header, opts.InferSchema = true, true
	return hive.Open([]string{dir}, schema, func(paths []string, s *arrow.Schema) (plan.Source, error) {
		return csvio.NewSource(paths, s, opts)
	})
}

func TestDiscoveryAndTypes(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "year=2024/v=1.5/a.csv"), "x\n1\n")
	write(t, filepath.Join(dir, "year=2025/v=__HIVE_DEFAULT_PARTITION__/b.csv"), "x\n2\n")
	write(t, filepath.Join(dir, "year=2025/v=2/_SUCCESS"), "")
	src, err := openCSV(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := src.Schema().String(); !strings.Contains(got, "year: type=int64") || !strings.Contains(got, "v: type=float64") {
		t.Fatalf("schema %s", got)
	}
	// A schema may type the partition columns.
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "year", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	src, err = openCSV(t, dir, schema)
	if err != nil {
		t.Fatal(err)
	}
	if got := src.Schema().String(); !strings.Contains(got, "year: type=utf8") {
		t.Fatalf("schema %s", got)
	}
	// The source travels.
	data, err := plan.Marshal(&plan.Scan{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	back, err := plan.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Explain(back) != plan.Explain(&plan.Scan{Source: src}) {
		t.Fatalf("decoded %s", plan.Explain(back))
	}
}

func TestInconsistentLayouts(t *testing.T) {
	for name, files := range map[string][]string{
		"mixed":     {"year=1/a.csv", "b.csv"},
		"different": {"year=1/a.csv", "month=1/b.csv"},
		"depth":     {"year=1/a.csv", "year=1/month=2/b.csv"},
	} {
		dir := t.TempDir()
		for _, f := range files {
			write(t, filepath.Join(dir, f), "x\n1\n")
		}
		if _, err := openCSV(t, dir, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
