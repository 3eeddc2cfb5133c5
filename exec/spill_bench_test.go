package exec

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/internal/arrowmem"
	"github.com/ember-df/ember/plan"
)

// The peak-memory measure of spilling: each job runs in a fresh
// subprocess (so that VmHWM, the peak resident set, is the job's) over
// generated input about ten times the budget, with Go-heap Arrow memory
// (memory.NewGoAllocator, as the default). Run it with
//
//	go test ./exec -run '^$' -bench SpillPeakMemory -benchtime 1x
//
// EMBER_SPILL_BUDGET_MIB sets the budget (default 32). It reports the
// budget, the peak live heap (runtime/metrics /gc/heap/live:bytes, the
// heap the last GC found reachable, sampled every millisecond), the peak
// heap in use including garbage not yet collected, and VmHWM less the
// resident set before the job (runtime, binary).
func BenchmarkSpillPeakMemory(b *testing.B) {
	budget := 32
	if v, err := strconv.Atoi(os.Getenv("EMBER_SPILL_BUDGET_MIB")); err == nil && v > 0 {
		budget = v
	}
	for _, name := range []string{"group-by", "order-by", "distinct"} {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				cmd := exec.Command(os.Args[0], "-test.run=^TestSpillPeakHelper$", "-test.v")
				cmd.Env = append(os.Environ(), "EMBER_SPILL_PEAK_JOB="+name, fmt.Sprintf("EMBER_SPILL_BUDGET_MIB=%d", budget))
				out, err := cmd.CombinedOutput()
				if err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
				var line string
				for _, l := range strings.Split(string(out), "\n") {
					if strings.Contains(l, "PEAK ") {
						line = l[strings.Index(l, "PEAK ")+5:]
					}
				}
				var f peakFigures
				if _, err := fmt.Sscanf(line, "%d %d %d %d %d %d %d", &f.budget, &f.input, &f.live, &f.inUse, &f.hwm, &f.base, &f.spilled); err != nil {
					b.Fatalf("no figures in %s", out)
				}
				mib := func(n int64) float64 { return float64(n) / (1 << 20) }
				b.ReportMetric(mib(f.budget), "budget-MiB")
				b.ReportMetric(mib(f.input), "input-MiB")
				b.ReportMetric(mib(f.live), "peak-live-heap-MiB")
				b.ReportMetric(mib(f.inUse), "peak-heap-in-use-MiB")
				b.ReportMetric(mib(f.hwm-f.base), "VmHWM-over-start-MiB")
				b.ReportMetric(mib(f.spilled), "spilled-MiB")
			}
		})
	}
}

type peakFigures struct{ budget, input, live, inUse, hwm, base, spilled int64 }

// TestSpillPeakHelper is BenchmarkSpillPeakMemory's subprocess: it runs
// one job and prints its figures; without EMBER_SPILL_PEAK_JOB it does
// nothing.
func TestSpillPeakHelper(t *testing.T) {
	name := os.Getenv("EMBER_SPILL_PEAK_JOB")
	if name == "" {
		t.Skip("a subprocess of BenchmarkSpillPeakMemory")
	}
	budget, _ := strconv.Atoi(os.Getenv("EMBER_SPILL_BUDGET_MIB"))
	limit := int64(budget) << 20
	// About 45 bytes a row: 8192-row batches of ~360 KiB, ten budgets.
	src := &spillSource{Parts: 4, Rows: 8192, Keys: 1 << 30, Pad: 16}
	src.Batches = int(10*limit/(8192*45)/4) + 1
	if name == "group-by" {
		src.Keys = src.Parts * src.Batches * src.Rows / 4
	}
	var job func() error
	var spilled int64
	var graph *Graph
	arrowPeak := &peakAllocator{Allocator: memory.NewGoAllocator()}
	for _, c := range spillJobs {
		if c.name == name {
			job = func() error {
				g, err := NewGraph(c.root(src.Scan()), Config{Allocator: arrowPeak, Parallelism: 4, MemoryBudget: limit, SpillDir: t.TempDir()})
				if err != nil {
					return err
				}
				graph = g
				_, err = Local{}.Run(context.Background(), g, discardSink{})
				spilled, _ = g.job.spillStats()
				return err
			}
		}
	}
	// The input's size, from one batch.
	r, _ := src.Open(context.Background(), 0, plan.ScanOptions{Allocator: memory.NewGoAllocator()})
	first, _ := r.Next(context.Background())
	input := arrowmem.BatchBytes(first) * int64(src.Parts*src.Batches)
	r.Close()
	runtime.GC()
	base := vmHWM(t)
	var live, inUse, reserved int64
	// EMBER_SPILL_PEAK_PROFILE names a file that gets the heap profile
	// each time the live heap grows 5% past its peak: the last one
	// written shows what the peak was made of.
	profile := os.Getenv("EMBER_SPILL_PEAK_PROFILE")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(samples)
			if l := int64(samples[0].Value.Uint64()); l > live+live/20 && profile != "" {
				writeHeapProfile(t, profile)
			}
			live = max(live, int64(samples[0].Value.Uint64()))
			if graph != nil {
				reserved = max(reserved, graph.job.budget.used.Load())
			}
			inUse = max(inUse, int64(samples[1].Value.Uint64()))
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	err := job()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ACCOUNTED peak reserved %d MiB, peak Arrow bytes %d MiB\n", reserved>>20, arrowPeak.peak.Load()>>20)
	fmt.Printf("PEAK %d %d %d %d %d %d %d\n", limit, input, live, inUse, vmHWM(t), base, spilled)
}

// peakAllocator records the most Arrow bytes allocated at once.
type peakAllocator struct {
	memory.Allocator
	cur, peak atomic.Int64
}

func (a *peakAllocator) Allocate(n int) []byte {
	c := a.cur.Add(int64(n))
	for p := a.peak.Load(); c > p && !a.peak.CompareAndSwap(p, c); p = a.peak.Load() {
	}
	return a.Allocator.Allocate(n)
}

func (a *peakAllocator) Reallocate(n int, b []byte) []byte {
	a.cur.Add(int64(n - len(b)))
	return a.Allocator.Reallocate(n, b)
}

func (a *peakAllocator) Free(b []byte) {
	a.cur.Add(-int64(len(b)))
	a.Allocator.Free(b)
}

// writeHeapProfile writes the heap profile of the last GC to path.
func writeHeapProfile(t *testing.T, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
}

// discardSink drops the job's result.
type discardSink struct{}

func (discardSink) Consume(int, arrow.RecordBatch) error { return nil }
func (discardSink) Done(int) error                       { return nil }

// vmHWM reads the process's peak resident set from /proc/self/status.
func vmHWM(t *testing.T) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if kb, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")), 10, 64)
			return n << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}
