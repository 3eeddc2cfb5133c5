package jsonio_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/plan"
)

// TestPlanWithJSONTravels encodes a plan that reads and writes JSON lines,
// decodes it as another process would, and checks the decoded scan reads
// the same.
func TestPlanWithJSONTravels(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "in.json", people+"not json\n")
	opts, err := jsonio.ParseOptions(map[string]string{"mode": "PERMISSIVE", "dateFormat": "dd/MM/yyyy", "samplingRows": "100"})
	if err != nil {
		t.Fatal(err)
	}
	s := schema("name", tString, "age", tInt64, "address", structOf("city", tString, "zip", tString),
		"scores", arrow.ListOf(tFloat32), "emb", arrow.FixedSizeListOf(2, tFloat32), "big", arrow.LargeListOf(tDec),
		"when", tDate32, "at", tTsUs, "_corrupt_record", tString)
	for _, schema := range []*arrow.Schema{nil, s} {
		src, err := jsonio.NewSource([]string{path}, schema, opts)
		if err != nil {
			t.Fatal(err)
		}
		narrowed, err := src.Project([]string{"scores", "address", "_corrupt_record"})
		if err != nil {
			t.Fatal(err)
		}
		wopts := jsonio.DefaultOptions()
		wopts.IgnoreNullFields = false
		root := &plan.Write{Input: &plan.Scan{Source: narrowed.(*jsonio.Source).WithLimit(3)}, Format: jsonio.Format{Options: wopts},
			Path: filepath.Join(dir, "out"), Mode: plan.Overwrite}
		data, err := plan.Marshal(root)
		if err != nil {
			t.Fatal(err)
		}
		back, err := plan.Unmarshal(data)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Explain(back) != plan.Explain(root) {
			t.Fatalf("decoded\n%s\nwant\n%s", plan.Explain(back), plan.Explain(root))
		}
		if f := back.(*plan.Write).Format.(jsonio.Format); f != root.Format {
			t.Fatalf("decoded format %+v, want %+v", f, root.Format)
		}
		decoded := back.Children()[0].(*plan.Scan).Source
		if !decoded.Schema().Equal(narrowed.Schema()) {
			t.Fatalf("decoded schema %s, want %s", decoded.Schema(), narrowed.Schema())
		}
		got := mustScan(t, decoded, plan.ScanOptions{})
		want := mustScan(t, root.Input.(*plan.Scan).Source, plan.ScanOptions{})
		if d := diffRows(got.Rows, want.Rows); d != "" || len(got.Rows) != 3 {
			t.Fatalf("decoded source reads differently: %s (%d rows)", d, len(got.Rows))
		}
		// The full schema travels, not only the projected columns.
		cfg, err := decoded.(plan.Portable).Config()
		if err != nil {
			t.Fatal(err)
		}
		var c struct{ Schema []json.RawMessage }
		if err := json.Unmarshal(cfg, &c); err != nil || len(c.Schema) != src.Schema().NumFields() {
			t.Fatalf("config schema %d fields (%v), want %d", len(c.Schema), err, src.Schema().NumFields())
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, bad := range []string{
		`{"op":"scan","kind":"jsonl","config":{"files":[],"schema":[{"name":"a","type":"list"}],"options":{}}}`,
		`{"op":"scan","kind":"jsonl","config":{"files":[],"schema":[{"name":"a","type":"blob"}],"options":{}}}`,
		`{"op":"scan","kind":"jsonl","config":{"files":[],"schema":[],"options":{"DateFormat":"qq"}}}`,
		`{"op":"scan","kind":"jsonl","config":[]}`,
	} {
		if _, err := plan.Unmarshal([]byte(bad)); err == nil || !strings.Contains(err.Error(), "jsonio: ") {
			t.Errorf("%s: error %v", bad, err)
		}
	}
}
