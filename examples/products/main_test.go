package main

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ember-df/ember/internal/shared"
	"github.com/ember-df/ember/udf/onnx/onnxtest"
)

// TestProducts runs seed 003 end to end with the shared newsgroups text
// classifier over the shipped products file (skips without ONNX Runtime
// or ../shared; fails then under CI=true).
func TestProducts(t *testing.T) {
	onnxtest.RequireRuntime(t)
	modelPath := shared.Path(t, sharedModel)
	out := filepath.Join(t.TempDir(), "predicoes")
	if err := os.MkdirAll(out, 0o755); err != nil { // overwrite mode replaces it
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "stale.csv"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var shown bytes.Buffer
	rep, err := run(t.Context(), "", modelPath, out, &shown)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("output:\n%s", shown.String())

	want := map[string]int64{"carro": 8, "moto": 8}
	if !maps.Equal(rep.byCategory, want) {
		t.Errorf("df_trans2 %v, want %v", rep.byCategory, want)
	}
	if !maps.Equal(rep.trans2SQL, want) {
		t.Errorf("select * from trans2 limit 10: %v, want %v", rep.trans2SQL, want)
	}
	if len(rep.tables[0]) != 0 || !slices.Equal(rep.tables[1], []string{"trans2"}) {
		t.Errorf("show tables before and after createTempView: %v", rep.tables)
	}
	wantTeste := map[int64]string{1: "moto", 2: "carro", 3: "moto"}
	if !maps.Equal(rep.teste, wantTeste) {
		t.Errorf("df_teste predictions %v, want %v", rep.teste, wantTeste)
	}
	if !maps.Equal(rep.testeSQL, rep.teste) {
		t.Errorf("SQL predictions %v, DataFrame API predictions %v", rep.testeSQL, rep.teste)
	}
	if rep.written != 16 || len(rep.predicted) != 16 {
		t.Fatalf("wrote %d rows, read back %d descriptions; want 16", rep.written, len(rep.predicted))
	}
	// The classifier agrees with the file's own categoria on most rows.
	right := 0
	for _, line := range strings.Split(strings.TrimSpace(string(produtos)), "\n")[1:] {
		f := strings.Split(line, ";")
		got, ok := rep.predicted[f[1]]
		if !ok {
			t.Fatalf("description %q not written", f[1])
		}
		if got == f[2] {
			right++
		}
	}
	if right < 13 {
		t.Errorf("the classifier matches categoria on %d of 16 products, want at least 13", right)
	}
	if _, err := os.Stat(filepath.Join(out, "stale.csv")); !os.IsNotExist(err) {
		t.Errorf("overwrite left an earlier file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); err != nil {
		t.Errorf("no _SUCCESS: %v", err)
	}
}

// TestMissingModel: without the classifier the run fails naming it.
func TestMissingModel(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.onnx")
	_, err := run(t.Context(), "", missing, t.TempDir(), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("run with no model: %v, want an error naming %s", err, missing)
	}
}
