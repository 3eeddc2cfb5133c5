// Package shared finds the project's shared data and models (../shared
// beside the repository) for tests. When it is absent a test skips with a
// message saying so — and fails when CI=true, where it must be present.
package shared

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns the shared directory: $EMBER_SHARED, or ../shared beside the
// repository root.
func Dir() string {
	if d := os.Getenv("EMBER_SHARED"); d != "" {
		return d
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared")
}

// Path returns the path of rel inside the shared directory, or skips the
// test (fails it under CI=true) when that file does not exist.
func Path(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Dir(), rel)
	if _, err := os.Stat(p); err != nil {
		msg := "shared data " + rel + " not found at " + p + " (clone the project beside its shared/ directory, or set EMBER_SHARED)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}
