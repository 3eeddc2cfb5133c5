package exectest

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/commit"
	"github.com/ember-df/ember/plan"
)

// LineFormat is a plan.FileFormat that writes one line per row, rendered
// by RenderBatch, in files with the extension "txt".
type LineFormat struct {
	FailWrite bool // every Write fails with ErrBoom
}

func (LineFormat) Name() string      { return "lines" }
func (LineFormat) Extension() string { return "txt" }

// NewWriter implements plan.FileFormat.
func (f LineFormat) NewWriter(w io.Writer, _ *arrow.Schema) (plan.BatchWriter, error) {
	return &lineWriter{w: w, fail: f.FailWrite}, nil
}

type lineWriter struct {
	w    io.Writer
	fail bool
}

func (l *lineWriter) Write(b arrow.RecordBatch) error {
	if l.fail {
		return ErrBoom
	}
	for _, row := range RenderBatch(b) {
		if _, err := io.WriteString(l.w, row+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func (l *lineWriter) Close() error { return nil }

// PartName matches the name of a part file LineFormat's jobs write:
// part-<partition>-<job uuid>.txt.
var PartName = regexp.MustCompile(`^part-(\d{5})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.txt$`)

// Output describes a written local directory.
type Output struct {
	Parts   []string // part file names
	Jobs    []string // distinct job ids in part names
	Rows    []string // every line of every part, sorted
	Success bool     // it holds a _SUCCESS file
	Other   []string // anything else
}

// ReadOutput reads the top level of a directory of LineFormat part files.
func ReadOutput(t testing.TB, dir string) Output {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out Output
	for _, e := range entries {
		name := e.Name()
		m := PartName.FindStringSubmatch(name)
		switch {
		case name == commit.SuccessFile:
			out.Success = true
		case m != nil:
			out.Parts = append(out.Parts, name)
			if !slices.Contains(out.Jobs, m[2]) {
				out.Jobs = append(out.Jobs, m[2])
			}
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				out.Rows = append(out.Rows, sc.Text())
			}
			f.Close()
		default:
			out.Other = append(out.Other, name)
		}
	}
	slices.Sort(out.Rows)
	return out
}

// Siblings lists a directory (a destination's parent: staging directories
// must not stay there).
func Siblings(t testing.TB, parent string) []string {
	t.Helper()
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// OldOutput writes a previous job's output into dest: two part files of
// another job (rows old0 and old1), its _SUCCESS, and a stray file
// notes.md.
func OldOutput(t testing.TB, dest string) {
	t.Helper()
	if err := os.MkdirAll(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"part-00000-00000000-0000-0000-0000-000000000000.txt": "old0\n",
		"part-00001-00000000-0000-0000-0000-000000000000.txt": "old1\n",
		commit.SuccessFile: "",
		"notes.md":         "kept only by Append\n",
	} {
		if err := os.WriteFile(filepath.Join(dest, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
