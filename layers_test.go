package ember_test

import (
	"encoding/json"
	"io"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// layers says which of the module's packages each layer may import (see
// DESIGN.md, "Layers"); a pattern ending in "/" matches a package tree.
// The test fails the build when a package imports a layer it must not.
var layers = map[string][]string{
	"plan":          {"internal/"},
	"plan/optimize": {"plan"},
	"udf":           {"plan", "internal/"},
	"udf/":          {"plan", "udf"},
	"io/":           {"plan", "storage", "internal/"},
	"storage":       {"internal/"},
	"storage/":      {"storage", "internal/"},
	"exec":          {"plan", "udf", "storage", "internal/", "exec/op", "exec/eval", "exec/call", "exec/commit"},
	// frame: internal/ for the allocator sessions default to (arrowmem).
	"frame": {"plan", "plan/optimize", "exec", "exec/eval", "udf", "io/", "storage", "sql", "monitor/", "internal/"},
	// monitor: what consumes job events — the terminal progress display,
	// the event log, the metrics exporter and the web UI.
	"monitor/":        {"exec", "plan", "internal/", "monitor/"},
	"sql":             {"plan", "udf", "internal/"},
	"plugins":         {"plan", "udf", "plugins/"},
	"plugins/":        {"plan", "udf", "internal/"},
	"gotaconv":        {"frame", "plan"},
	"frame/frametest": {}, // helpers for tests of programs built on frame
	"examples/":       {"frame", "udf", "udf/", "io/", "gotaconv", "plugins", "plugins/"},
	"bench/":          {"frame", "io/", "plan", "udf", "udf/", "plugins", "plugins/", "storage", "storage/", "monitor/"},
	"internal/":       {},

	// cmd/ember (a nested module: it links storage/cloud) runs saved
	// plans through the public API and links what registers their
	// sources, formats, functions and models.
	"cmd/ember":     {"cmd/ember/cli"},
	"cmd/ember/cli": {"frame", "exec", "plan", "sql", "udf", "udf/", "io/", "plugins", "storage", "storage/", "monitor/"},

	// cluster (a nested module: it links Apache Beam) runs the stage graph
	// on Beam through exec's exported task entry point; its commands link
	// what registers the plans' sources, functions and stores.
	"cluster":                       {"exec", "plan", "storage"},
	"cluster/internal/jobserver":    {},
	"cluster/cmd/ember":             {"cluster", "cmd/ember/cli", "exec", "udf/"},
	"cluster/cmd/ember-beam-worker": {"cluster", "frame", "storage/", "udf/"},
	"cluster/cmd/beam-compare":      {"cluster", "cluster/internal/jobserver", "frame", "udf", "udf/"},

	// exec's sub-packages, split along its seams: op (the operator
	// contracts) at the bottom, eval and commit beside it, call (the
	// model-call runtime) on op and eval, and exec (stage graph,
	// scheduler, relational operators) on all of them. None imports exec.
	"exec/op":                {},
	"exec/eval":              {"plan", "internal/"},
	"exec/commit":            {"plan", "storage", "exec/eval", "internal/"},
	"exec/call":              {"plan", "udf", "storage", "exec/op", "exec/eval", "internal/"},
	"exec/internal/exectest": {"plan", "exec/eval", "exec/commit", "internal/"}, // fixtures for tests
}

// heavy are dependencies the core must not link: a program that only
// reads CSV must not pull in a dataframe library, a native runtime, Beam
// or a cloud SDK (storage/cloud, a nested module, brings those).
var heavy = []string{"github.com/go-gota/", "github.com/yalue/onnxruntime_go", "github.com/apache/beam/",
	"gocloud.dev/", "github.com/aws/", "cloud.google.com/", "github.com/Azure/"}

var core = []string{"plan", "plan/optimize", "udf", "io/", "exec", "exec/", "frame", "storage", "sql"}

const module = "github.com/ember-df/ember"

type goPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func matches(pattern, pkg string) bool {
	if strings.HasSuffix(pattern, "/") {
		return strings.HasPrefix(pkg, pattern)
	}
	return pkg == pattern
}

// layerOf returns the most specific pattern that matches pkg (the
// longest), so that a package's own row wins over a tree's.
func layerOf(pkg string) (string, bool) {
	best := ""
	for pattern := range layers {
		if matches(pattern, pkg) && len(pattern) > len(best) {
			best = pattern
		}
	}
	return best, best != ""
}

// moduleDirs returns the root module's directory and those of the modules
// nested in it (their own go.mod), which `go list ./...` does not enter.
func moduleDirs(t *testing.T) []string {
	dirs := []string{"."}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "third_party" || strings.HasPrefix(d.Name(), ".") && path != ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "go.mod" && path != "go.mod" {
			dirs = append(dirs, filepath.Dir(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

func TestLayers(t *testing.T) {
	for _, dir := range moduleDirs(t) {
		checkLayers(t, dir)
	}
}

func checkLayers(t *testing.T, dir string) {
	list := exec.Command("go", "list", "-json", "./...")
	list.Dir = dir
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list in %s: %v", dir, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if rel == "" {
			continue
		}
		layer, ok := layerOf(rel)
		if !ok {
			t.Errorf("package %s belongs to no layer: add it to the layers table", rel)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(imp, module+"/")
			if matches(layer, dep) {
				continue // within its own layer (a sub-package)
			}
			allowed := false
			for _, a := range layers[layer] {
				allowed = allowed || matches(a, dep)
			}
			if !allowed {
				t.Errorf("%s imports %s, which layer %s may not", rel, dep, layer)
			}
		}
		for _, c := range core {
			if !matches(c, rel) {
				continue
			}
			for _, d := range p.Deps {
				for _, h := range heavy {
					if strings.HasPrefix(d, h) {
						t.Errorf("core package %s depends on %s", rel, d)
					}
				}
			}
		}
	}
}
