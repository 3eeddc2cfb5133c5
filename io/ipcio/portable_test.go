package ipcio_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ember-df/ember/io/ipcio"
	"github.com/ember-df/ember/plan"
)

// TestPlanWithArrowTravels encodes a plan that reads and writes Arrow IPC,
// decodes it as another process would, and checks the decoded scan has
// the same schema (decimals, lists and structs included) and partitions,
// and reads the same rows.
func TestPlanWithArrowTravels(t *testing.T) {
	mem := checkedAllocator(t)
	dir := t.TempDir()
	b := fromJSON(t, mem, allTypes, allTypesRows)
	defer b.Release()
	writeFile(t, dir, "in/a.arrow", encode(t, ipcio.DefaultOptions(), allTypes, b, b, b, b))
	writeFile(t, dir, "in/b.arrows", encode(t, options(ipcio.LayoutStream, ipcio.LZ4), allTypes, b))
	opts, err := ipcio.ParseOptions(map[string]string{"format": "auto"})
	if err != nil {
		t.Fatal(err)
	}
	opts.Partitions = 3
	src, err := ipcio.NewSource([]string{filepath.Join(dir, "in")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	narrowed, err := src.Project([]string{"dec", "list", "st", "ts", "s"})
	if err != nil {
		t.Fatal(err)
	}
	scan := &plan.Scan{Source: narrowed.(*ipcio.Source).WithLimit(2)}
	wopts, err := ipcio.ParseOptions(map[string]string{"format": "stream", "compression": "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	root := &plan.Write{Input: scan, Format: ipcio.Format{Options: wopts}, Path: filepath.Join(dir, "out"), Mode: plan.Overwrite}
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
	got := back.Children()[0].(*plan.Scan).Source
	if !got.Schema().Equal(scan.Source.Schema()) || got.Partitions() != scan.Source.Partitions() || got.Partitions() < 3 {
		t.Fatalf("decoded source: schema %s, %d partitions; want %s, %d", got.Schema(), got.Partitions(), scan.Source.Schema(), scan.Source.Partitions())
	}
	want := mustScan(t, scan.Source, plan.ScanOptions{})
	if d := diffRows(mustScan(t, got, plan.ScanOptions{}).rows, want.rows); d != "" {
		t.Fatal(d)
	}
	if len(want.rows) != 2*scan.Source.Partitions() {
		t.Fatalf("%d rows from %d partitions with limit 2", len(want.rows), scan.Source.Partitions())
	}
	f := back.(*plan.Write).Format
	if f.Name() != "arrow" || f.Extension() != "arrows" || f.(ipcio.Format).Options.Compression != ipcio.Zstd {
		t.Fatalf("decoded format %#v", f)
	}
}

// TestDecodeRefusesBadConfig checks that a tampered configuration is an
// error, not a source reading out of range.
func TestDecodeRefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	path, _ := numberedFile(t, dir, "a.arrow", ipcio.DefaultOptions(), 0, 2, 5)
	data, err := plan.Marshal(&plan.Scan{Source: mustSource(t, []string{path}, ipcio.DefaultOptions())})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plan.Unmarshal(data); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(cfg map[string]any){
		"batches past the end": func(cfg map[string]any) { cfg["partitions"] = []any{[]int{0, 0, 3}} },
		"no such file":         func(cfg map[string]any) { cfg["partitions"] = []any{[]int{1, 0, 2}} },
		"layout":               func(cfg map[string]any) { cfg["files"].([]any)[0].(map[string]any)["layout"] = "auto" },
		"schema":               func(cfg map[string]any) { cfg["schema"] = "AAAA" },
		"column":               func(cfg map[string]any) { cfg["columns"] = []string{"nope"} },
	}
	for name, tamper := range cases {
		var node map[string]any
		if err := json.Unmarshal(data, &node); err != nil {
			t.Fatal(err)
		}
		tamper(node["config"].(map[string]any))
		bad, err := json.Marshal(node)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := plan.Unmarshal(bad); err == nil || !strings.Contains(err.Error(), "ipcio: ") {
			t.Errorf("%s: error %v", name, err)
		}
	}
}
