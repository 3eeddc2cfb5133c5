package main

import (
	"os"
	"testing"

	"github.com/ember-df/ember/storage/cloud/s3test"
)

// TestSmallRun runs the whole comparison on a few rows: generation,
// upload to versitygw, both contenders, result checks and the report.
func TestSmallRun(t *testing.T) {
	if _, err := os.Stat(s3test.Binary()); err != nil {
		msg := "versitygw not found (run bash scripts/install-versitygw.sh)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	for _, kv := range (&s3test.Server{}).Env() {
		t.Setenv(kv[0], os.Getenv(kv[0])) // restored when the test ends
	}
	if err := run([]string{"-rows", "3000", "-runs", "1"}); err != nil {
		t.Fatal(err)
	}
}
