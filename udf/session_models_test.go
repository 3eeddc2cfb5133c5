package udf_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/udf"
)

// TestSessionCloseReleasesItsModels: a model stays loaded across a
// session's jobs and is shared by two sessions in the process (one load);
// it closes when the last session that used it closes, and the next job
// loads it again.
func TestSessionCloseReleasesItsModels(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	m := newDoubler(t)
	score := func(sess *frame.Session) {
		t.Helper()
		df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(irisCSV)
		tbl, err := df.WithColumn("p", udf.Predict(m, "sepal_length")).Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tbl.Release()
	}
	counts := func(wantLoads, wantCloses int64, when string) {
		t.Helper()
		if l, c := m.loads.Load(), m.closes.Load(); l != wantLoads || c != wantCloses {
			t.Fatalf("%s: %d loads, %d closes; want %d and %d", when, l, c, wantLoads, wantCloses)
		}
	}
	opts := []frame.Option{frame.WithAllocator(mem), frame.WithParallelism(1), frame.WithModelKeepAlive(0)}
	a := frame.NewSession(opts...)
	b := frame.NewSession(opts...)
	score(a)
	score(a)
	score(b)
	counts(1, 0, "three jobs in two open sessions")
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	counts(1, 0, "after the first session closed (the second still holds it)")
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	counts(1, 1, "after both sessions closed")
	c := frame.NewSession(opts...)
	score(c)
	counts(2, 1, "a job of a new session")
	c.Close()
	counts(2, 2, "after the new session closed")
}

// TestModelOutlivesItsSessionForTheKeepAlive: with the default keep-alive,
// a process that opens a session per task loads the model once.
func TestModelOutlivesItsSessionForTheKeepAlive(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	m := newDoubler(t)
	for range 3 {
		sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(1))
		df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(irisCSV)
		tbl, err := df.WithColumn("p", udf.Predict(m, "sepal_length")).Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tbl.Release()
		sess.Close()
	}
	if l, c := m.loads.Load(), m.closes.Load(); l != 1 || c != 0 {
		t.Fatalf("three sessions in a row: %d loads, %d closes; want 1 and 0", l, c)
	}
}
