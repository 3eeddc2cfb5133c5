package frame_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/frame/frametest"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
	"github.com/ember-df/ember/udf"
)

// TestSavePlan saves a write job, reads it back and runs it: the same
// dataset as writing directly; then as two shares and a commit.
func TestSavePlan(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	dir := t.TempDir()
	df := readPeople(sess).WithColumn("older", frame.Col("age").Add(1))
	if err := df.Write().Mode(frame.Overwrite).Option("header", "true").CSV(ctx, filepath.Join(dir, "direct")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { storage.DropMemBucket("plans") })
	for _, dest := range []string{"local", "shares"} {
		err := df.Write().Mode(frame.Overwrite).Option("header", "true").SavePlan("mem://plans/"+dest+".json", "csv", filepath.Join(dir, dest))
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "local")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("SavePlan ran the job: %v", err)
	}
	local, err := frame.ReadPlan(ctx, "mem://plans/local.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.RunPlan(ctx, local); err != nil {
		t.Fatal(err)
	}
	shares, err := frame.ReadPlan(ctx, "mem://plans/shares.json")
	if err != nil {
		t.Fatal(err)
	}
	if shares.Job == local.Job || shares.String() != "Write csv "+filepath.Join(dir, "shares") {
		t.Fatalf("job %s (the other plan's %s), %s", shares.Job, local.Job, shares)
	}
	for i := range 2 {
		if _, err := sess.RunPlanShare(ctx, shares, i, 2, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := sess.CommitPlan(ctx, shares); err != nil {
		t.Fatal(err)
	}
	want := rowsOf(t, sess, filepath.Join(dir, "direct"))
	for _, dest := range []string{"local", "shares"} {
		if got := rowsOf(t, sess, filepath.Join(dir, dest)); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: %v, want %v", dest, got, want)
		}
	}
}

// rowsOf reads a CSV directory back, sorted by every column.
func rowsOf(t *testing.T, sess *frame.Session, dir string) []string {
	t.Helper()
	tbl, err := sess.Read().Option("header", "true").CSV(dir).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	rows := frametest.Rows(tbl)
	slices.Sort(rows)
	return rows
}

func passThrough(_ context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	b.Retain()
	return b, nil
}

var planDoubler = udf.Func1("frame_test.unregistered_doubler", func(x int64) int64 { return 2 * x })

// TestSavePlanRefusesClosures: what cannot travel is refused by name, and
// nothing is written.
func TestSavePlanRefusesClosures(t *testing.T) {
	sess := frame.NewSession()
	defer sess.Close()
	path := filepath.Join(t.TempDir(), "plan.json")
	people := readPeople(sess)
	for name, df := range map[string]*frame.DataFrame{
		"frame_test.unregistered_doubler": readPeople(sess).WithColumn("d", planDoubler.Call("age")),
		"passThrough":                     people.MapBatches(people.Schema(), passThrough),
	} {
		err := df.Write().SavePlan(path, "parquet", "out")
		if !errors.Is(err, plan.ErrNotPortable) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: a plan was written", name)
		}
	}
	if err := readPeople(sess).Write().SavePlan(path, "xlsx", "out"); err == nil || !strings.Contains(err.Error(), "xlsx") {
		t.Errorf("format xlsx: %v", err)
	}
	if _, err := frame.DecodePlan([]byte(`{"ember_saved_plan": 9}`)); !errors.Is(err, frame.ErrNotSavedPlan) {
		t.Errorf("version 9: %v", err)
	}
}

// TestRunPlanShareRefusesExchanges: an Indexed Job share of a plan with
// an exchange is refused.
func TestRunPlanShareRefusesExchanges(t *testing.T) {
	ctx := context.Background()
	sess := frame.NewSession()
	defer sess.Close()
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := readPeople(sess).Repartition(3).Write().SavePlan(path, "csv", filepath.Join(t.TempDir(), "out")); err != nil {
		t.Fatal(err)
	}
	p, err := frame.ReadPlan(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.RunPlanShare(ctx, p, 0, 2, 0); !errors.Is(err, exec.ErrNotMapOnly) {
		t.Fatalf("got %v", err)
	}
}
