package jsonio_test

import (
	"testing"

	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/plan"
)

// TestEstimatedBytes: a JSON source estimates its size as its files'
// sizes, less for fewer columns, nothing under a zero limit.
func TestEstimatedBytes(t *testing.T) {
	src := mustSource(t, people, nil, options(nil))
	estimate := func(s plan.Source) int64 { return sourcetest.EstimatedBytes(t, s) }
	all := estimate(src)
	if all != int64(len(people)) {
		t.Errorf("every column: %d bytes, want the file's %d", all, len(people))
	}
	p, err := src.Project([]string{"age"})
	if err != nil {
		t.Fatal(err)
	}
	if n := estimate(p); n <= 0 || n >= all {
		t.Errorf("one column: %d bytes of %d", n, all)
	}
	if n := estimate(src.WithLimit(0)); n != 0 {
		t.Errorf("limit 0: %d bytes", n)
	}
}
