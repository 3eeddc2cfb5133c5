package exec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

// genSource is a portable source of generated rows: partition p has rows
// rows (k, v) with k = (p*rows + i) % keys and v = p*rows + i, in batches
// of at most 7 rows.
type genSource struct {
	Parts int `json:"parts"`
	Rows  int `json:"rows"`
	Keys  int `json:"keys"`
}

var genSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.PrimitiveTypes.Int64},
	{Name: "v", Type: arrow.PrimitiveTypes.Int64},
}, nil)

func init() {
	plan.RegisterSource("exec-test-gen", func(cfg json.RawMessage) (plan.Source, error) {
		var s genSource
		return &s, json.Unmarshal(cfg, &s)
	})
}

func (s *genSource) String() string                   { return fmt.Sprintf("gen %d×%d", s.Parts, s.Rows) }
func (s *genSource) Schema() *arrow.Schema            { return genSchema }
func (s *genSource) Partitions() int                  { return s.Parts }
func (s *genSource) Kind() string                     { return "exec-test-gen" }
func (s *genSource) Config() (json.RawMessage, error) { return json.Marshal(s) }

func (s *genSource) Open(_ context.Context, p int, opts plan.ScanOptions) (plan.BatchReader, error) {
	var batches []arrow.RecordBatch
	for lo := 0; lo < s.Rows; lo += 7 {
		b := array.NewRecordBuilder(opts.Allocator, genSchema)
		for i := lo; i < min(lo+7, s.Rows); i++ {
			v := int64(p*s.Rows + i)
			b.Field(0).(*array.Int64Builder).Append(v % int64(s.Keys))
			b.Field(1).(*array.Int64Builder).Append(v)
		}
		batches = append(batches, b.NewRecordBatch())
		b.Release()
	}
	return &sliceReader{batches: batches}, nil
}

// ipcShuffle keeps exchanges as Arrow IPC streams, one per (exchange,
// output partition, writing task), as a distributed runner would move
// them between processes.
type ipcShuffle struct {
	mem     memory.Allocator
	mu      sync.Mutex
	streams map[[3]int]*bytes.Buffer
	writers map[[3]int]*ipc.Writer
	// reads counts the reads of each exchange partition.
	reads map[ExchangePartition]int
	// task, when set, holds the exchange partitions the running task may
	// read (Stage.Reads); reading another one fails.
	task map[ExchangePartition]bool
}

func newIPCShuffle(mem memory.Allocator) *ipcShuffle {
	return &ipcShuffle{mem: mem, streams: map[[3]int]*bytes.Buffer{}, writers: map[[3]int]*ipc.Writer{}, reads: map[ExchangePartition]int{}}
}

func (s *ipcShuffle) Write(_ context.Context, x *Exchange, from, to int, b arrow.RecordBatch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := [3]int{x.ID, to, from}
	w := s.writers[key]
	if w == nil {
		buf := &bytes.Buffer{}
		s.streams[key] = buf
		w = ipc.NewWriter(buf, ipc.WithSchema(x.Schema), ipc.WithAllocator(s.mem))
		s.writers[key] = w
	}
	return w.Write(b)
}

// finish ends the streams of a stage's tasks before the next stage reads.
func (s *ipcShuffle) finish() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, w := range s.writers {
		if err := w.Close(); err != nil {
			return err
		}
		delete(s.writers, key)
	}
	return nil
}

func (s *ipcShuffle) Read(_ context.Context, x *Exchange, to int) (plan.BatchReader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	read := ExchangePartition{Exchange: x.ID, Partition: to}
	if s.task != nil && !s.task[read] {
		return nil, fmt.Errorf("task read %+v, which Stage.Reads does not list", read)
	}
	s.reads[read]++
	var froms []int
	for key := range s.streams {
		if key[0] == x.ID && key[1] == to {
			froms = append(froms, key[2])
		}
	}
	slices.Sort(froms)
	var batches []arrow.RecordBatch
	for _, from := range froms {
		r, err := ipc.NewReader(bytes.NewReader(s.streams[[3]int{x.ID, to, from}].Bytes()), ipc.WithAllocator(s.mem))
		if err != nil {
			return nil, err
		}
		for r.Next() {
			b := r.RecordBatch()
			b.Retain()
			batches = append(batches, b)
		}
		err = r.Err()
		r.Release()
		if err != nil {
			return nil, err
		}
	}
	return &sliceReader{batches: batches}, nil
}

// TestStagesRunOneTaskAtATime runs every task of plans with exchanges one
// (stage, partition) at a time, through Execute on a graph that went
// through its wire form, with exchanges crossing as Arrow IPC bytes — as a
// worker of a distributed runner would — and checks the result against
// the local runner's, row for row and in order.
func TestStagesRunOneTaskAtATime(t *testing.T) {
	scan := func() plan.Node { return &plan.Scan{Source: &genSource{Parts: 3, Rows: 40, Keys: 6}} }
	plans := map[string]func() plan.Node{
		"hash-repartition-aggregate-sort": func() plan.Node {
			r := exectest.Must(plan.NewRepartition(scan(), 4, plan.Col("k")))
			a := exectest.Must(plan.NewAggregate(r, []plan.Expr{plan.Col("k")}, []plan.AggExpr{
				{Func: plan.AggCount}, {Func: plan.AggSum, Arg: plan.Col("v")}, {Func: plan.AggAvg, Arg: plan.Col("v")},
				{Func: plan.AggMin, Arg: plan.Col("v")}, {Func: plan.AggMax, Arg: plan.Col("v")},
			}))
			return exectest.Must(plan.NewSort(a, plan.SortOrder{Expr: plan.Col("k"), Descending: true}))
		},
		"round-robin-filter": func() plan.Node {
			r := exectest.Must(plan.NewRepartition(scan(), 5))
			return exectest.Must(plan.NewFilter(r, plan.NewBinary(plan.OpGt, plan.Col("v"), plan.Lit(int64(50)))))
		},
		"sort-limit": func() plan.Node {
			sorted := exectest.Must(plan.NewSort(scan(), plan.SortOrder{Expr: plan.Col("v")}, plan.SortOrder{Expr: plan.Col("k"), Descending: true}))
			return &plan.Limit{Input: sorted, N: 50}
		},
		"union-coalesce": func() plan.Node {
			a := exectest.Must(plan.NewRepartition(scan(), 3))
			b := exectest.Must(plan.NewRepartition(scan(), 2, plan.Col("k")))
			return &plan.Coalesce{Input: exectest.Must(plan.NewUnion(a, b)), N: 2}
		},
		"window-hash-sort": func() plan.Node {
			spec := plan.WindowSpec{PartitionBy: []plan.Expr{plan.Col("k")}, OrderBy: []plan.SortOrder{{Expr: plan.Col("v"), Descending: true}}}
			rows := spec
			rows.Frame = &plan.Frame{Type: plan.RowsFrame, Start: -1, End: 1}
			return exectest.Must(plan.NewWindow(scan(),
				plan.WindowExpr{Func: plan.WinRowNumber, Spec: spec, Name: "rn"},
				plan.WindowExpr{Func: plan.WinLag, Args: []plan.Expr{plan.Col("v")}, N: 1, Default: plan.Lit(int64(0)), Spec: spec, Name: "prev"},
				plan.WindowExpr{Func: plan.WinSum, Args: []plan.Expr{plan.Col("v")}, Spec: rows, Name: "near"}))
		},
		"window-gather": func() plan.Node {
			spec := plan.WindowSpec{OrderBy: []plan.SortOrder{{Expr: plan.Col("k")}}}
			return exectest.Must(plan.NewWindow(scan(), plan.WindowExpr{Func: plan.WinRank, Spec: spec, Name: "r"},
				plan.WindowExpr{Func: plan.WinCount, Spec: spec, Name: "n"}))
		},
		"broadcast-hash-join": func() plan.Node {
			small := exectest.Must(plan.NewHint(&plan.Scan{Source: &genSource{Parts: 2, Rows: 5, Keys: 4}}, plan.BroadcastHint))
			return exectest.Must(plan.NewJoin(scan(), small, plan.JoinSpec{Type: plan.LeftOuterJoin,
				On: plan.NewBinary(plan.OpEq, plan.LeftCol("k"), plan.RightCol("k"))}))
		},
		"shuffled-hash-join-full": func() plan.Node {
			other := exectest.Must(plan.NewRepartition(&plan.Scan{Source: &genSource{Parts: 2, Rows: 30, Keys: 9}}, 3))
			return exectest.Must(plan.NewJoin(scan(), other, plan.JoinSpec{Type: plan.FullOuterJoin, Using: []string{"k"}}))
		},
		"nested-loop-semi-join": func() plan.Node {
			other := &plan.Scan{Source: &genSource{Parts: 2, Rows: 6, Keys: 3}}
			return exectest.Must(plan.NewJoin(scan(), other, plan.JoinSpec{Type: plan.LeftSemiJoin,
				On: plan.NewBinary(plan.OpLt, plan.NewBinary(plan.OpMul, plan.RightCol("v"), plan.Lit(int64(10))), plan.LeftCol("v"))}))
		},
		"distinct-global-count": func() plan.Node {
			d := &plan.Distinct{Input: exectest.Must(plan.NewProject(scan(), plan.Col("k")))}
			return exectest.Must(plan.NewAggregate(d, nil, []plan.AggExpr{{Func: plan.AggCount}}))
		},
	}
	for name, build := range plans {
		t.Run(name, func(t *testing.T) {
			mem := exectest.CheckedAlloc(t)
			cfg := Config{Allocator: mem, Parallelism: 2, BatchRows: 5}
			want := exectest.NewCollectSink()
			if _, err := (Local{Config: cfg}).RunPlan(context.Background(), build(), want); err != nil {
				t.Fatal(err)
			}

			g, err := NewGraph(build(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			wire, err := g.Marshal()
			g.Finish()
			if err != nil {
				t.Fatal(err)
			}
			worker, err := UnmarshalGraph(wire, mem)
			if err != nil {
				t.Fatal(err)
			}
			defer worker.Finish()
			if len(worker.Stages()) < 2 {
				t.Fatalf("%d stages, want an exchange", len(worker.Stages()))
			}
			sh := newIPCShuffle(mem)
			got := exectest.NewCollectSink()
			for _, st := range worker.Stages() {
				for p := 0; p < st.Partitions(); p++ {
					var out Sink
					if st.Output() == nil {
						out = got
					}
					sh.task = map[ExchangePartition]bool{}
					for _, r := range st.Reads(p) {
						sh.task[r] = true
					}
					if _, err := Execute(context.Background(), worker, st.ID, p, sh, out); err != nil {
						t.Fatalf("stage %d partition %d: %v", st.ID, p, err)
					}
				}
				if err := sh.finish(); err != nil {
					t.Fatal(err)
				}
			}
			if !equalRows(got.Rows, want.Rows) {
				t.Fatalf("stage by stage:\n%v\nlocal runner:\n%v", got.Rows, want.Rows)
			}
			// Every partition of every exchange was read once per reading
			// stage, or less (a limit may stop early; a task that wrote no
			// rows to a range exchange need not read its bounds).
			for _, st := range worker.Stages() {
				x := st.Output()
				if x == nil || x.Kind == Broadcast {
					continue
				}
				for to := range x.Partitions {
					if n := sh.reads[ExchangePartition{x.ID, to}]; n > x.Readers() || (n < x.Readers() && name != "sort-limit") {
						t.Errorf("%s partition %d read %d times, want %d", x, to, n, x.Readers())
					}
				}
			}
		})
	}
}

func equalRows(a, b map[int][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for p, rows := range a {
		if !slices.Equal(rows, b[p]) {
			return false
		}
	}
	return true
}

// TestExplainShowsStages checks the stage cut of a plan with two
// exchanges: a hash repartition, and the aggregate's hash exchange of
// partial states into min(input partitions, parallelism) partitions.
func TestExplainShowsStages(t *testing.T) {
	scan := &plan.Scan{Source: &genSource{Parts: 3, Rows: 4, Keys: 2}}
	a := exectest.Must(plan.NewAggregate(exectest.Must(plan.NewRepartition(scan, 4, plan.Col("k"))), []plan.Expr{plan.Col("k")}, []plan.AggExpr{{Func: plan.AggCount}}))
	g, err := NewGraph(a, Config{Parallelism: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Finish()
	want := `Stage 0 (3 tasks) → exchange 0: hash [k] into 4 partitions
  ScanExec gen 3×4 (3 partitions)
Stage 1 (4 tasks) → exchange 1: hash [k] into 3 partitions
  PartialAggregateExec keys=[k] aggs=[count(*) AS count]
  +- ExchangeReadExec exchange 0 (4 partitions)
Stage 2 (3 tasks) → result
  HashAggregateExec keys=[k] aggs=[count(*) AS count]
  +- ExchangeReadExec exchange 1 (3 partitions)
`
	if got := g.Explain(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// TestUnmarshalGraphRefuses checks the errors of a bad wire form.
func TestUnmarshalGraphRefuses(t *testing.T) {
	if _, err := UnmarshalGraph([]byte(`{"ember_graph":99,"plan":{}}`), nil); !errors.Is(err, ErrGraphVersion) || !strings.Contains(err.Error(), "version 99") {
		t.Fatalf("err = %v, want ErrGraphVersion naming 99", err)
	}
	if _, err := UnmarshalGraph([]byte(`not json`), nil); err == nil {
		t.Fatal("garbage decoded")
	}
}

// TestExecuteChecksItsTask checks that a task outside the graph, or a
// result stage without a sink, is refused before anything runs.
func TestExecuteChecksItsTask(t *testing.T) {
	g, err := NewGraph(&plan.Scan{Source: &genSource{Parts: 2, Rows: 3, Keys: 1}}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Finish()
	for _, c := range []struct {
		stage, partition int
		sink             Sink
		want             string
	}{
		{1, 0, exectest.NewCollectSink(), "no stage 1"},
		{0, 2, exectest.NewCollectSink(), "has no partition 2"},
		{0, 0, nil, "needs a sink"},
	} {
		if _, err := Execute(context.Background(), g, c.stage, c.partition, nil, c.sink); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Execute(%d, %d) = %v, want %q", c.stage, c.partition, err, c.want)
		}
	}
}
