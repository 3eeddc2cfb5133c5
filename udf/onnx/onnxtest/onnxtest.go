// Package onnxtest helps tests that need ONNX Runtime.
package onnxtest

import (
	"os"
	"testing"

	"github.com/ember-df/ember/udf/onnx"
)

// RequireRuntime skips a test when ONNX Runtime is not installed — and
// fails it when CI=true, where scripts/setup.sh installs it.
func RequireRuntime(t testing.TB) {
	t.Helper()
	if _, err := onnx.Version(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}
