// Package notebooks_test runs the Jupyter notebooks beside it headless with
// the GoNB kernel, as CI does, and checks that they are committed without
// outputs.
//
// GoNB reports a panic, an os.Exit(n) or a failing shell command only by
// writing "exit status N" to the cell's stderr, and nbconvert exits 0 for
// them; so the executed notebook is read back and any error output or such
// line fails the test, showing the cell's source and output.
//
// Setup (once): bash scripts/install-gonb.sh (part of scripts/setup.sh
// test). Run one notebook: go test ./examples/notebooks -run 'TestNotebooks/001'.
package notebooks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ember-df/ember/udf/onnx/onnxtest"
)

// kernel is the Jupyter kernel every notebook here is written for.
const kernel = "gonb"

// notebook is the part of an .ipynb file (nbformat 4) the tests read.
type notebook struct {
	Metadata struct {
		Kernelspec struct {
			Name string `json:"name"`
		} `json:"kernelspec"`
		// Ember lists what the notebook needs besides Jupyter, GoNB and
		// ONNX Runtime: "shared" for ../shared (or $EMBER_SHARED).
		Ember struct {
			Needs []string `json:"needs"`
		} `json:"ember"`
	} `json:"metadata"`
	Cells []cell `json:"cells"`
}

type cell struct {
	CellType       string    `json:"cell_type"`
	Source         multiline `json:"source"`
	ExecutionCount *int      `json:"execution_count"`
	Outputs        []output  `json:"outputs"`
}

type output struct {
	OutputType string                     `json:"output_type"`
	Name       string                     `json:"name"` // stream: stdout or stderr
	Text       multiline                  `json:"text"`
	Ename      string                     `json:"ename"`
	Evalue     string                     `json:"evalue"`
	Traceback  []string                   `json:"traceback"`
	Data       map[string]json.RawMessage `json:"data"`
}

// multiline is nbformat's text: a string or a list of lines.
type multiline string

func (m *multiline) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*m = multiline(s)
		return nil
	}
	var lines []string
	if err := json.Unmarshal(b, &lines); err != nil {
		return err
	}
	*m = multiline(strings.Join(lines, ""))
	return nil
}

func readNotebook(t *testing.T, path string) notebook {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb notebook
	if err := json.Unmarshal(b, &nb); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return nb
}

func notebookPaths(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob("*.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 4 {
		t.Fatalf("found %d notebooks (%v), want the 4 seed and plot notebooks", len(paths), paths)
	}
	return paths
}

// TestNotebooksCommittedClean checks what is committed: GoNB notebooks with
// no outputs and no execution counts, each ending with a code cell (the
// one that asserts its result).
func TestNotebooksCommittedClean(t *testing.T) {
	for _, path := range notebookPaths(t) {
		nb := readNotebook(t, path)
		if nb.Metadata.Kernelspec.Name != kernel {
			t.Errorf("%s: kernel %q, want %q", path, nb.Metadata.Kernelspec.Name, kernel)
		}
		if len(nb.Cells) == 0 || nb.Cells[len(nb.Cells)-1].CellType != "code" {
			t.Errorf("%s: the last cell is not code (the check of the notebook's result)", path)
		}
		for i, c := range nb.Cells {
			if len(c.Outputs) > 0 || c.ExecutionCount != nil {
				t.Errorf("%s: cell %d has outputs or an execution count: clear them before committing (jupyter nbconvert --clear-output --inplace %s)", path, i+1, path)
			}
		}
	}
}

// unavailable skips t for a missing dependency, or fails it under CI=true,
// where scripts/setup.sh test installs everything.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + " (install with: bash scripts/install-gonb.sh)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// repoRoot is the checkout the notebooks build against (they point GoNB's
// module at ${GONB_DIR}/../..).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// sharedDir is $EMBER_SHARED, or ../shared beside the checkout, as the
// examples find it.
func sharedDir(root string) string {
	if d := os.Getenv("EMBER_SHARED"); d != "" {
		return d
	}
	return filepath.Join(root, "..", "shared")
}

// jupyterEnv is the environment nbconvert and the kernel run with: GoNB
// needs goimports on PATH, which install-gonb.sh builds into third_party.
func jupyterEnv(t *testing.T, root, shared string) []string {
	t.Helper()
	path := filepath.Join(root, "third_party", "goimports") + string(os.PathListSeparator) + os.Getenv("PATH")
	env := []string{"PATH=" + path, "EMBER_SHARED=" + shared}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "EMBER_SHARED=") {
			env = append(env, kv)
		}
	}
	return env
}

// requireJupyter checks for jupyter, the GoNB kernel and goimports.
func requireJupyter(t *testing.T, env []string) {
	t.Helper()
	if _, err := exec.LookPath("jupyter"); err != nil {
		unavailable(t, "jupyter is not installed: %v", err)
	}
	cmd := exec.Command("jupyter", "kernelspec", "list", "--json")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		unavailable(t, "jupyter kernelspec list: %v", err)
	}
	var specs struct {
		Kernelspecs map[string]json.RawMessage `json:"kernelspecs"`
	}
	if err := json.Unmarshal(out, &specs); err != nil {
		t.Fatalf("jupyter kernelspec list --json: %v\n%s", err, out)
	}
	if _, ok := specs.Kernelspecs[kernel]; !ok {
		unavailable(t, "the %s Jupyter kernel is not installed", kernel)
	}
	for _, kv := range env {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			found := false
			for _, dir := range filepath.SplitList(p) {
				if _, err := os.Stat(filepath.Join(dir, "goimports")); err == nil {
					found = true
				}
			}
			if !found {
				unavailable(t, "goimports, which GoNB runs on every cell, is not on PATH or in third_party/goimports")
			}
		}
	}
}

// TestNotebooks executes every notebook headless, one after the other,
// and fails on any error output or "exit status N" line in a cell's
// stderr. Each notebook's last cell checks its result and panics when it
// is wrong.
func TestNotebooks(t *testing.T) {
	paths := notebookPaths(t)
	root := repoRoot(t)
	shared := sharedDir(root)
	env := jupyterEnv(t, root, shared)
	requireJupyter(t, env)
	onnxtest.RequireRuntime(t)
	for _, path := range paths {
		name := strings.TrimSuffix(path, ".ipynb")
		t.Run(name, func(t *testing.T) {
			for _, need := range readNotebook(t, path).Metadata.Ember.Needs {
				switch need {
				case "shared":
					if _, err := os.Stat(shared); err != nil {
						unavailable(t, "%s needs the shared data directory: %v (set EMBER_SHARED)", path, err)
					}
				default:
					t.Fatalf("%s: unknown need %q in metadata.ember.needs", path, need)
				}
			}
			executed := execute(t, path, env)
			for i, c := range executed.Cells {
				if problem := cellFailure(c); problem != "" {
					t.Errorf("%s: cell %d: %s\n--- source\n%s\n--- output\n%s", path, i+1, problem, c.Source, renderOutputs(c.Outputs))
				}
			}
		})
	}
}

// execute runs nbconvert on path into a temporary directory and returns
// the executed notebook. --allow-errors keeps nbconvert going past a
// failing cell, so that the notebook is written and the failure shown.
func execute(t *testing.T, path string, env []string) notebook {
	t.Helper()
	ctx := t.Context()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-10*time.Second))
		defer cancel()
	}
	dir := t.TempDir()
	cmd := exec.CommandContext(ctx, "jupyter", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
		"--ExecutePreprocessor.timeout=600", "--ExecutePreprocessor.kernel_name="+kernel,
		"--output-dir", dir, path)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("%s ran in %s", path, time.Since(start).Round(time.Second))
	if err != nil {
		t.Fatalf("jupyter nbconvert %s: %v\n%s", path, err, tail(stderr.String(), 40))
	}
	return readNotebook(t, filepath.Join(dir, filepath.Base(path)))
}

// exitStatus is the line GoNB writes to stderr when a cell's program or
// shell command exits non-zero.
var exitStatus = regexp.MustCompile(`(?m)^exit status \d+$`)

// cellFailure says why c failed, or returns "".
func cellFailure(c cell) string {
	for _, o := range c.Outputs {
		switch {
		case o.OutputType == "error":
			return fmt.Sprintf("error output %s: %s", o.Ename, o.Evalue)
		case o.OutputType == "stream" && o.Name == "stderr" && exitStatus.MatchString(string(o.Text)):
			return "exited with " + exitStatus.FindString(string(o.Text))
		}
	}
	return ""
}

// Patterns that turn outputs into plain text: terminal escapes (GoNB's
// stack traces), and the style sheets, tags and blank lines of HTML.
var (
	ansi       = regexp.MustCompile(`\x1b\[[0-9;]*m`)
	styles     = regexp.MustCompile(`(?s)<style>.*?</style>`)
	tags       = regexp.MustCompile(`<[^>]*>`)
	blankLines = regexp.MustCompile(`\n\s*\n`)
)

// renderOutputs writes c's outputs as text for a failure message.
func renderOutputs(outs []output) string {
	var b strings.Builder
	for _, o := range outs {
		switch o.OutputType {
		case "stream":
			fmt.Fprintf(&b, "[%s]\n%s\n", o.Name, tail(string(o.Text), 60))
		case "error":
			fmt.Fprintf(&b, "[error] %s: %s\n%s\n", o.Ename, o.Evalue, tail(strings.Join(o.Traceback, "\n"), 60))
		default:
			for mime, data := range o.Data {
				if strings.HasPrefix(mime, "text/") {
					var s multiline
					if json.Unmarshal(data, &s) == nil {
						text := string(s)
						if mime == "text/html" { // GoNB shows compile errors as HTML
							text = blankLines.ReplaceAllString(html.UnescapeString(tags.ReplaceAllString(styles.ReplaceAllString(text, ""), "")), "\n")
						}
						fmt.Fprintf(&b, "[%s]\n%s\n", mime, tail(text, 30))
						continue
					}
				}
				fmt.Fprintf(&b, "[%s: %d bytes]\n", mime, len(data))
			}
		}
	}
	return ansi.ReplaceAllString(b.String(), "")
}

// tail keeps the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("… %d lines before", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
