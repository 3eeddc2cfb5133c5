// Package testcorpus finds the peer conformance corpora that ember's
// readers are tested against: the test files other projects check their
// own readers with (the PNG suite, libjpeg-turbo's test images, the
// parquet-testing files parquet-go carries, …).
//
// None of these files is committed here. Each comes from a registry that
// every machine running the tests reaches — the Go distribution itself
// (GOROOT) or the Go module proxy, through `go mod download` of an exact,
// checksummed version — so a test names the corpus, not a copy of it.
// When the corpus cannot be had, the test skips with a message saying
// why, and fails when CI=true, where it must be present.
package testcorpus

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// Module returns the directory of the Go module path@version in the
// module cache, downloading it through the module proxy the first time
// (the go command verifies it against go.sum's checksum database).
// version must be exact (a semantic or pseudo-version), so every run
// reads the same files.
func Module(t testing.TB, path, version string) string {
	t.Helper()
	key := path + "@" + version
	modules.Lock()
	defer modules.Unlock()
	if d, ok := modules.dirs[key]; ok {
		return d
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	cmd := exec.Command(gobin, "mod", "download", "-json", key)
	// Outside any module, so the repository's go.mod is not consulted or
	// changed.
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GO111MODULE=on", "GOFLAGS=-mod=mod")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if err == nil {
		err = json.Unmarshal(out, &info)
	}
	if err != nil || info.Error != "" || info.Dir == "" {
		unavailable(t, "corpus module "+key+" could not be downloaded ("+firstLine(info.Error, stderr.String(), errString(err))+"); scripts/setup.sh test downloads it")
	}
	modules.dirs[key] = info.Dir
	return info.Dir
}

var modules = struct {
	sync.Mutex
	dirs map[string]string
}{dirs: map[string]string{}}

// GOROOT returns the directory rel inside the Go distribution's source
// tree (for example "src/image/png/testdata/pngsuite"), which ships test
// files of its own.
func GOROOT(t testing.TB, rel string) string {
	t.Helper()
	d := filepath.Join(runtime.GOROOT(), filepath.FromSlash(rel))
	if _, err := os.Stat(d); err != nil {
		unavailable(t, "corpus "+rel+" not found in the Go distribution at "+runtime.GOROOT())
	}
	return d
}

// unavailable skips the test, or fails it under CI=true, where every
// corpus must be present.
func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func firstLine(candidates ...string) string {
	for _, s := range candidates {
		if s != "" {
			if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
				s = s[:i]
			}
			return s
		}
	}
	return "no output"
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
