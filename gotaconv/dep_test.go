package gotaconv_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreDoesNotImportGota keeps gota out of ember's core: only this
// adapter may depend on it (see the package comment).
func TestCoreDoesNotImportGota(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	core := []string{"frame", "plan/...", "exec/...", "io/..."}
	args := []string{"list", "-e", "-deps", "-f", "{{.ImportPath}}"}
	for _, c := range core {
		args = append(args, "github.com/ember-df/ember/"+c)
	}
	out, err := exec.Command(goTool, args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for dep := range strings.SplitSeq(string(out), "\n") {
		if strings.HasPrefix(dep, "github.com/go-gota/") {
			t.Errorf("ember's core imports %s; gota belongs in package gotaconv only", dep)
		}
	}
}
