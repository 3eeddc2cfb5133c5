package csvio_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/plan"
)

// TestPlanWithCSVTravels encodes a plan that reads and writes CSV, decodes
// it as another process would, and checks the decoded scan reads the same.
func TestPlanWithCSVTravels(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(path, []byte("a;b;c\n1;x;2.5\n2;\"y;z\";\n3;w;1e3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts, err := csvio.ParseOptions(map[string]string{"header": "true", "sep": ";", "inferSchema": "true", "nullValue": "NA"})
	if err != nil {
		t.Fatal(err)
	}
	src, err := csvio.NewSource([]string{path}, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	narrowed, err := src.Project([]string{"a", "c"})
	if err != nil {
		t.Fatal(err)
	}
	root := &plan.Write{Input: &plan.Scan{Source: narrowed.(*csvio.Source).WithLimit(2)}, Format: csvio.Format{Options: opts},
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
	if got, want := read(t, back.Children()[0].(*plan.Scan).Source), read(t, root.Input.(*plan.Scan).Source); got != want {
		t.Fatalf("decoded source reads %q, the original %q", got, want)
	}
}

func read(t *testing.T, src plan.Source) string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	out := ""
	for p := 0; p < src.Partitions(); p++ {
		r, err := src.Open(context.Background(), p, plan.ScanOptions{Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		for {
			b, err := r.Next(context.Background())
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			out += b.Schema().String() + "\n"
			for _, c := range b.Columns() {
				out += c.String() + "\n"
			}
		}
		r.Close()
	}
	return out
}
