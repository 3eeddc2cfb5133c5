package duckdbtest_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ember-df/ember/internal/duckdbtest"
)

// TestRun: results come back per statement, a failed one with its error
// and the statements after it still run.
func TestRun(t *testing.T) {
	out := duckdbtest.Run(t,
		"SELECT 42::BIGINT AS n, "+duckdbtest.String("it's")+" AS s, NULL AS z",
		"SELECT * FROM no_such_table",
		"SELECT 1 AS one",
	)
	r := out[0]
	if r.Error != "" || !reflect.DeepEqual(r.Columns, []string{"n", "s", "z"}) || len(r.Rows) != 1 {
		t.Fatalf("first result %+v", r)
	}
	if want := []any{"42", "it's", nil}; !reflect.DeepEqual(r.Rows[0], want) {
		t.Errorf("row %#v, want %#v", r.Rows[0], want)
	}
	if obj := r.Objects()[0]; obj["s"] != "it's" {
		t.Errorf("objects %v", obj)
	}
	if !strings.Contains(out[1].Error, "no_such_table") {
		t.Errorf("second result %+v, want its error", out[1])
	}
	if out[2].Error != "" || !reflect.DeepEqual(out[2].Rows, [][]any{{json.Number("1")}}) {
		t.Errorf("third result %+v", out[2])
	}
}

// TestPackage finds csv-spectrum, installed beside DuckDB.
func TestPackage(t *testing.T) {
	dir := duckdbtest.Package(t, "csv-spectrum")
	if _, err := os.Stat(filepath.Join(dir, "csvs", "simple.csv")); err != nil {
		t.Fatal(err)
	}
}
