package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/cluster"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
)

func TestMain(m *testing.M) {
	cluster.Init()
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// beamTimeout bounds every Beam job of a test: Prism can hang forever on
// a dead worker.
const beamTimeout = 3 * time.Minute

func beamContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), beamTimeout)
	t.Cleanup(cancel)
	return ctx
}

// writeCSV writes rows k,v (k = i % keys) into parts files of dir.
func writeCSV(t *testing.T, parts, rows, keys int) string {
	t.Helper()
	dir := t.TempDir()
	for p := range parts {
		var b strings.Builder
		b.WriteString("k,v\n")
		for i := range rows {
			n := p*rows + i
			fmt.Fprintf(&b, "%d,%d\n", n%keys, n)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%d.csv", p)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// rowsOf renders a table's rows, in order.
func rowsOf(t *testing.T, tbl arrow.Table) []string {
	t.Helper()
	defer tbl.Release()
	var out []string
	tr := array.NewTableReader(tbl, 1<<20)
	defer tr.Release()
	for tr.Next() {
		b := tr.RecordBatch()
		for i := 0; i < int(b.NumRows()); i++ {
			var cells []string
			for c := 0; c < int(b.NumCols()); c++ {
				cells = append(cells, b.Column(c).ValueStr(i))
			}
			out = append(out, strings.Join(cells, ","))
		}
	}
	return out
}

// TestBeamInProcessMatchesLocal runs plans with exchanges of every kind
// the planner makes (hash repartition, aggregate shuffle, gather for a
// sort, a limit reading all partitions) on Prism in this process and
// compares them, row for row and in order, with the local runner.
func TestBeamInProcessMatchesLocal(t *testing.T) {
	dir := writeCSV(t, 3, 200, 7)
	plans := map[string]func(*frame.Session) *frame.DataFrame{
		"repartition-groupby-orderby": func(s *frame.Session) *frame.DataFrame {
			return s.Read().Option("header", "true").Option("inferSchema", "true").CSV(dir).
				Repartition(4, "k").GroupBy("k").Count().OrderBy(frame.Col("k").Desc())
		},
		"global-count-of-nothing": func(s *frame.Session) *frame.DataFrame {
			return s.Read().Option("header", "true").Option("inferSchema", "true").CSV(dir).
				Filter(frame.Col("v").Lt(frame.Lit(int64(0)))).Repartition(3).GroupBy().Count()
		},
		"round-robin-limit": func(s *frame.Session) *frame.DataFrame {
			return s.Read().Option("header", "true").Option("inferSchema", "true").CSV(dir).
				Repartition(5).OrderBy("v").Limit(17)
		},
	}
	for name, build := range plans {
		t.Run(name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ctx := beamContext(t)
			local := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2))
			defer local.Close()
			want, err := build(local).Collect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wantRows := rowsOf(t, want)
			var job cluster.Job
			sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2),
				frame.WithRunner(cluster.Beam(cluster.ChunkBytes(512), cluster.OnJob(func(j cluster.Job) { job = j }))))
			defer sess.Close()
			got, err := build(sess).Collect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			gotRows := rowsOf(t, got)
			if strings.Join(gotRows, "\n") != strings.Join(wantRows, "\n") {
				t.Fatalf("Beam:\n%v\nlocal:\n%v", gotRows, wantRows)
			}
			if job.State != "DONE" || job.Metrics.Tasks == 0 || len(job.Processes) != 1 {
				t.Fatalf("job = %+v", job)
			}
		})
	}
}

// TestBeamRefusesClosures checks that a plan holding a Go closure is
// refused before submission, naming it.
func TestBeamRefusesClosures(t *testing.T) {
	dir := writeCSV(t, 1, 3, 2)
	var job cluster.Job
	sess := frame.NewSession(frame.WithRunner(cluster.Beam(cluster.OnJob(func(j cluster.Job) { job = j }))))
	defer sess.Close()
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(dir)
	df = df.MapBatches(df.Schema(), func(_ context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
		b.Retain()
		return b, nil
	})
	_, err := df.Count(beamContext(t))
	if !errors.Is(err, plan.ErrNotPortable) || !strings.Contains(err.Error(), "closure") {
		t.Fatalf("err = %v, want plan.ErrNotPortable naming the closure", err)
	}
	if job.BeamID != "" {
		t.Fatalf("the job was submitted (%s)", job.BeamID)
	}
}
