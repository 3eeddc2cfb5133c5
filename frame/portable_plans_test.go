package frame_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
)

// marshalingRunner runs each job as a cluster runner's worker would: it
// encodes the stage graph (exec.Graph.Marshal), rebuilds it from the
// bytes (exec.UnmarshalGraph) and runs the rebuilt graph, so a plan that
// cannot travel fails here as it would on a cluster.
type marshalingRunner struct {
	mem  memory.Allocator
	jobs int
}

func (r *marshalingRunner) Run(ctx context.Context, g *exec.Graph, sink exec.Sink) (exec.Metrics, error) {
	defer g.Finish()
	wire, err := g.Marshal()
	if err != nil {
		return exec.Metrics{}, err
	}
	worker, err := exec.UnmarshalGraph(wire, r.mem)
	if err != nil {
		return exec.Metrics{}, err
	}
	r.jobs++
	return exec.Local{}.Run(ctx, worker, sink)
}

// portableInput is 2,000 rows over the session's partitions with keys (k, with
// NULLs; m) that repeat.
func portableInput(sess *frame.Session) *frame.DataFrame {
	return sess.Range(2000).
		WithColumn("k", frame.When(frame.Col("id").Mod(17).Eq(frame.Lit(int64(0))), frame.Lit(nil)).Otherwise(frame.Col("id").Mod(13))).
		WithColumn("m", frame.Col("id").Mod(3)).
		WithColumn("x", frame.Col("id").Mul(frame.Lit(0.5)))
}

// TestPortableSampleAndDropDuplicates runs Sample, RandomSplit and
// DropDuplicates on the local runner and through a marshaled graph, and
// checks the rows are the same, so these plans run on the cluster
// runners with the results they have in this process.
func TestPortableSampleAndDropDuplicates(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts := []frame.Option{frame.WithAllocator(mem), frame.WithParallelism(2), frame.WithBatchSize(64, 0)}
	local := frame.NewSession(opts...)
	defer local.Close()
	runner := &marshalingRunner{mem: mem}
	remote := frame.NewSession(append(opts, frame.WithRunner(runner))...)
	defer remote.Close()

	cases := map[string]func(df *frame.DataFrame) *frame.DataFrame{
		"sample":       func(df *frame.DataFrame) *frame.DataFrame { return df.Sample(0.3, 42) },
		"split-0":      func(df *frame.DataFrame) *frame.DataFrame { return df.RandomSplit([]float64{1, 2}, 7)[0] },
		"split-1":      func(df *frame.DataFrame) *frame.DataFrame { return df.RandomSplit([]float64{1, 2}, 7)[1] },
		"dedup-k":      func(df *frame.DataFrame) *frame.DataFrame { return df.DropDuplicates("k") },
		"dedup-k-m":    func(df *frame.DataFrame) *frame.DataFrame { return df.DropDuplicates("m", "k", "m") },
		"dedup-all":    func(df *frame.DataFrame) *frame.DataFrame { return df.Select("k", "m").DropDuplicates() },
		"sample-dedup": func(df *frame.DataFrame) *frame.DataFrame { return df.Sample(0.5, 1).DropDuplicates("k") },
		"filter-sample": func(df *frame.DataFrame) *frame.DataFrame {
			return df.Filter(frame.Col("m").Eq(frame.Lit(int64(1)))).Sample(0.5, 3)
		},
		"sample-grouped": func(df *frame.DataFrame) *frame.DataFrame { return df.Sample(0.2, 9).GroupBy("m").Count() },
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			want := build(portableInput(local))
			got := build(portableInput(remote))
			if err := got.Err(); err != nil {
				t.Fatal(err)
			}
			data, err := plan.Marshal(got.Plan())
			if err != nil {
				t.Fatalf("the plan does not marshal: %v", err)
			}
			back, err := plan.Unmarshal(data)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := plan.Explain(back), plan.Explain(got.Plan()); g != w {
				t.Fatalf("round trip changed the plan:\n%s\nwant\n%s", g, w)
			}
			jobs := runner.jobs
			wantRows, gotRows := collectRows(t, want), collectRows(t, got)
			if runner.jobs == jobs {
				t.Fatal("the job did not go through the marshaling runner")
			}
			slices.Sort(wantRows)
			slices.Sort(gotRows)
			if len(wantRows) == 0 || !slices.Equal(gotRows, wantRows) {
				t.Fatalf("through a marshaled graph %d rows, locally %d:\n%v\n%v", len(gotRows), len(wantRows), gotRows[:min(5, len(gotRows))], wantRows[:min(5, len(wantRows))])
			}
		})
	}

	// DropDuplicates keeps each key's first row in input order, as Spark:
	// here the smallest id (Range numbers partitions in order).
	tbl, err := portableInput(remote).DropDuplicates("k").Select("k", "id").Collect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rows := canonicalRows(tbl)
	tbl.Release()
	want := []string{"NULL | 0", "0 | 13"}
	for k := 1; k < 13; k++ {
		want = append(want, strconv.Itoa(k)+" | "+strconv.Itoa(k))
	}
	slices.Sort(rows)
	slices.Sort(want)
	if !slices.Equal(rows, want) {
		t.Fatalf("DropDuplicates(k) kept\n  %v\nwant each key's first row\n  %v", rows, want)
	}
}

// TestCacheOnAClusterRunner checks what a cluster runner does with a
// cached DataFrame: its rows live in this process, so the job fails
// before it runs, with an error that says why and what to do.
func TestCacheOnAClusterRunner(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	runner := &marshalingRunner{mem: mem}
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithRunner(runner))
	defer sess.Close()
	cached := portableInput(sess).Cache()
	_, err := cached.Filter(frame.Col("m").Eq(frame.Lit(int64(1)))).Count(t.Context())
	if !errors.Is(err, plan.ErrNotPortable) || !strings.Contains(err.Error(), "rows of a cached DataFrame") || !strings.Contains(err.Error(), "Unpersist") {
		t.Fatalf("a cached DataFrame on a cluster runner: %v", err)
	}
	if n, err := cached.Unpersist().Count(t.Context()); err != nil || n != 2000 {
		t.Fatalf("after Unpersist: %d rows, %v", n, err)
	}
}
