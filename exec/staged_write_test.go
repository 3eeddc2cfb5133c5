package exec

import (
	"context"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// stagedRunner runs a graph the way a distributed runner does: it ships
// the graph's wire form to a "worker" (a graph rebuilt with
// UnmarshalGraph), runs every task of every stage there, one at a time and
// stage after stage, through Execute, with exchanges crossing as Arrow IPC
// bytes, and hands the last stage's batches to the driver's sink.
type stagedRunner struct{ mem memory.Allocator }

func (r stagedRunner) Run(ctx context.Context, g *Graph, sink Sink) (Metrics, error) {
	defer g.Finish()
	wire, err := g.Marshal()
	if err != nil {
		return Metrics{}, err
	}
	worker, err := UnmarshalGraph(wire, r.mem)
	if err != nil {
		return Metrics{}, err
	}
	defer worker.Finish()
	sh := newIPCShuffle(r.mem)
	for _, st := range worker.Stages() {
		for p := 0; p < st.Partitions(); p++ {
			var out Sink
			if st.Output() == nil {
				out = sink
			}
			if _, err := Execute(ctx, worker, st.ID, p, sh, out); err != nil {
				return Metrics{}, err
			}
		}
		if err := sh.finish(); err != nil {
			return Metrics{}, err
		}
	}
	return Metrics{}, nil
}

// TestWriteThroughAStagedRunner writes a plan with two exchanges through a
// runner that runs each task on a rebuilt graph: the tasks write and
// commit their part files where they run, the job commit runs on the
// driver, and the dataset equals the local runner's — on local disk and on
// a store without rename.
func TestWriteThroughAStagedRunner(t *testing.T) {
	t.Cleanup(func() { storage.DropMemBucket("staged") })
	build := func() plan.Node {
		scan := &plan.Scan{Source: &genSource{Parts: 3, Rows: 50, Keys: 7}}
		r := exectest.Must(plan.NewRepartition(scan, 4, plan.Col("k")))
		return exectest.Must(plan.NewAggregate(r, []plan.Expr{plan.Col("k")}, []plan.AggExpr{
			{Func: plan.AggCount}, {Func: plan.AggSum, Arg: plan.Col("v")},
		}))
	}
	format := csvio.Format{Options: csvio.DefaultOptions()}
	write := func(r Runner, dest string) []string {
		t.Helper()
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		w := &plan.Write{Input: build(), Format: format, Path: dest, Mode: plan.ErrorIfExists}
		if _, err := Write(context.Background(), r, Config{Allocator: mem, Parallelism: 2}, w); err != nil {
			t.Fatalf("%s: %v", dest, err)
		}
		lines, _ := readDataset(t, dest)
		return lines
	}
	want := write(Local{}, t.TempDir()+"/local")
	if len(want) != 7 { // one line per key
		t.Fatalf("the local runner wrote %v", want)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, dest := range []string{t.TempDir() + "/staged", "mem://staged/out"} {
		if got := write(stagedRunner{mem: mem}, dest); !slices.Equal(got, want) {
			t.Errorf("%s: staged runner wrote %v, local runner %v", dest, got, want)
		}
	}
}
