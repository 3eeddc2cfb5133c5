package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/ember-df/ember/exec"

	// Workers run Beam's harness when started with --worker.
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/harness/init"
)

// Init must be called at the start of main by every program that runs
// Beam jobs through this package and by every worker binary: in a process
// started as a Beam worker (--worker=true) it runs the worker harness and
// does not return; otherwise it parses the command line flags (if the
// program has not) and returns.
//
// Beam's Go boot loader copies the worker binary to /tmp/bin*/worker for
// every worker and never deletes it (about 140 MB a job); a worker removes
// that copy of itself first (the running process keeps its image).
func Init() {
	if !flag.Parsed() {
		flag.Parse()
	}
	if f := flag.Lookup("worker"); f != nil && f.Value.String() == "true" {
		removeBootCopy()
	}
	beam.Init()
}

// removeBootCopy removes this executable when it is the boot loader's
// copy, /tmp/bin<random>/worker, and the directory made for it.
func removeBootCopy() {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	dir := filepath.Dir(exe)
	if filepath.Base(exe) != "worker" || filepath.Dir(dir) != "/tmp" || !strings.HasPrefix(filepath.Base(dir), "bin") {
		return
	}
	if os.Remove(exe) == nil {
		_ = os.Remove(dir)
	}
}

func init() {
	beam.RegisterType(reflect.TypeOf((*chunk)(nil)).Elem())
	register.DoFn2x0[[]byte, func(int, chunk)](&seedFn{})
	register.DoFn2x0[chunk, func(int, chunk)](&routeFn{})
	register.DoFn4x1[context.Context, int, func(*chunk) bool, func(chunk), error](&stageFn{})
	register.Emitter1[chunk]()
	register.Emitter2[int, chunk]()
	register.Iter1[chunk]()
}

// processID identifies this process in task reports: host, pid and a
// random part (pids repeat across machines and restarts).
var processID = func() string {
	host, _ := os.Hostname()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}()

// seedFn emits one seed per task of a stage, so that every task runs.
type seedFn struct {
	Tasks int `json:"tasks"`
}

// ProcessElement emits (p, seed) for every task p.
func (f *seedFn) ProcessElement(_ []byte, emit func(int, chunk)) {
	for p := 0; p < f.Tasks; p++ {
		emit(p, chunk{Exchange: seedExchange})
	}
}

// routeFn sends each chunk of an exchange partition to every task of the
// reading stage that reads it.
type routeFn struct {
	// Routes[exchange][partition] lists the reading tasks.
	Routes map[int][][]int `json:"routes"`
}

// ProcessElement emits (task, c) for every task that reads c's partition.
func (f *routeFn) ProcessElement(c chunk, emit func(int, chunk)) {
	parts := f.Routes[c.Exchange]
	if c.To < 0 || c.To >= len(parts) {
		return
	}
	for _, p := range parts[c.To] {
		emit(p, c)
	}
}

// stageFn runs the tasks of one stage: for each task, the chunks it reads
// (and its seed) grouped by its partition number.
//
// A runner may hand a stage's tasks to one DoFn instance in one bundle
// (Prism does: all the elements ready for a stage form one bundle), so
// the tasks of a bundle run concurrently, Parallelism at a time, as the
// local runner's do. A task's output chunks are emitted by whichever of
// ProcessElement or FinishBundle runs next (all elements are in the global
// window), through a small queue that holds tasks back when full.
type stageFn struct {
	Job         string `json:"job"`
	Graph       []byte `json:"graph"`
	Stage       int    `json:"stage"`
	Scratch     string `json:"scratch"`
	ChunkBytes  int64  `json:"chunkBytes"`
	Parallelism int    `json:"parallelism"`

	b *bundle
}

// bundle is the state of the tasks of one bundle.
type bundle struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	slots  chan struct{}
	out    chan chunk
	wg     sync.WaitGroup
	failed chan struct{} // closed on the first error
	once   sync.Once
	err    error
}

func (b *bundle) fail(err error) {
	b.once.Do(func() {
		b.err = err
		close(b.failed)
		b.cancel(err)
	})
}

// StartBundle prepares the bundle's task pool. (Beam requires the
// emitter of ProcessElement here too.)
func (f *stageFn) StartBundle(ctx context.Context, _ func(chunk)) {
	var bctx context.Context = context.WithoutCancel(ctx)
	if lj := localJobOf(f.Job); lj != nil {
		// Workers in the driver's process (LOOPBACK) stop when its
		// context ends.
		bctx = lj.ctx
	}
	b := &bundle{slots: make(chan struct{}, max(1, f.Parallelism)), out: make(chan chunk, 4), failed: make(chan struct{})}
	b.ctx, b.cancel = context.WithCancelCause(bctx)
	f.b = b
}

// ProcessElement starts task p, once a slot is free, on the chunks it
// received; meanwhile it emits the chunks earlier tasks produced.
func (f *stageFn) ProcessElement(ctx context.Context, p int, chunks func(*chunk) bool, emit func(chunk)) error {
	var in []chunk
	var c chunk
	for chunks(&c) {
		if c.Exchange != seedExchange {
			in = append(in, c)
		}
		c = chunk{}
	}
	b := f.b
	for acquired := false; !acquired; {
		select {
		case b.slots <- struct{}{}:
			acquired = true
		case c := <-b.out:
			emit(c)
		case <-b.failed:
			return b.err
		}
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		defer func() { <-b.slots }()
		err := f.task(b.ctx, p, in, func(c chunk) {
			select {
			case b.out <- c:
			case <-b.ctx.Done():
			}
		})
		if err != nil {
			b.fail(err)
		}
	}()
	return nil
}

// FinishBundle waits for the bundle's tasks, emitting their chunks.
func (f *stageFn) FinishBundle(ctx context.Context, emit func(chunk)) error {
	b := f.b
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	for {
		select {
		case c := <-b.out:
			emit(c)
		case <-done:
			for {
				select {
				case c := <-b.out:
					emit(c)
				default:
					b.cancel(nil)
					return b.err
				}
			}
		}
	}
}

// task runs task p and writes its report. A failed task writes its
// error into its report.
func (f *stageFn) task(ctx context.Context, p int, in []chunk, emit func(chunk)) error {
	var mem memory.Allocator
	if lj := localJobOf(f.Job); lj != nil {
		mem = lj.mem
	}
	report := taskReport{Stage: f.Stage, Partition: p, Process: processID}
	err := f.run(ctx, mem, p, in, emit, &report)
	if err != nil {
		err = fmt.Errorf("cluster: stage %d partition %d: %w", f.Stage, p, err)
		report.Error = err.Error()
	}
	report.EndedAt = time.Now().UnixNano()
	if rerr := writeReport(context.WithoutCancel(ctx), f.Scratch, report); rerr != nil && err == nil {
		err = fmt.Errorf("cluster: stage %d partition %d: writing its report: %w", f.Stage, p, rerr)
	}
	return err
}

func (f *stageFn) run(ctx context.Context, mem memory.Allocator, p int, in []chunk, emit func(chunk), report *taskReport) error {
	g, err := exec.UnmarshalGraph(f.Graph, mem)
	if err != nil {
		return err
	}
	defer g.Finish()
	if mem == nil {
		mem = g.Config().Allocator
	}
	sh := newTaskShuffle(mem, in, f.ChunkBytes, emit)
	var sink *resultSink
	var out exec.Sink
	if g.Stages()[f.Stage].Output() == nil {
		sink = &resultSink{mem: mem}
		out = sink
	}
	tm, err := exec.Execute(ctx, g, f.Stage, p, sh, out)
	report.RowsRead, report.BatchesRead, report.RowsOutput = tm.RowsRead, tm.BatchesRead, tm.RowsOutput
	report.Elapsed = int64(tm.Elapsed)
	report.UDFs = g.Metrics().UDFs
	if err != nil {
		return err
	}
	if sink == nil {
		return sh.flush()
	}
	data, err := sink.bytes()
	if err != nil {
		return err
	}
	return writeResult(ctx, f.Scratch, p, data)
}

// localJob is what a job run with workers in the driver's process shares
// with them.
type localJob struct {
	ctx context.Context
	mem memory.Allocator
}

var localJobs sync.Map // job id → *localJob

func localJobOf(id string) *localJob {
	if v, ok := localJobs.Load(id); ok {
		return v.(*localJob)
	}
	return nil
}

var jobSeq atomic.Int64
