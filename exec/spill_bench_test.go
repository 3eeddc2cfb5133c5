package exec

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/internal/arrowmem"
	"github.com/ember-df/ember/plan"
)

// The peak-memory measure of spilling: each job runs in a fresh
// subprocess (so that VmHWM, the peak resident set, is the job's) over
// generated input about ten times the budget, with Arrow memory from an
// arrowmem.Pool (as sessions' default). Run it with
//
//	go test ./exec -run '^$' -bench SpillPeakMemory -benchtime 1x
//
// EMBER_SPILL_BUDGET_MIB sets the budget (default 32);
// EMBER_SPILL_PEAK_ALLOC=go allocates from memory.GoAllocator rather than
// an arrowmem.Pool (sessions' default). It reports the
// budget, the peak live heap (runtime/metrics /gc/heap/live:bytes, the
// heap the last GC found reachable, sampled every millisecond), the peak
// heap in use including garbage not yet collected, and VmHWM less the
// resident set before the job (runtime, binary).
//
// A concurrent GC counts as live what the job allocates while it marks
// (allocation during marking is black), so the peak live heap rises with
// the job's allocation rate and with the machine's load, which slows the
// marking. With GODEBUG=gcstoptheworld=1 in the environment every GC
// stops the job, and the live heap is exactly what the job holds
// (TestSpillPeakMemory asserts that figure).
func BenchmarkSpillPeakMemory(b *testing.B) {
	budget := 32
	if v, err := strconv.Atoi(os.Getenv("EMBER_SPILL_BUDGET_MIB")); err == nil && v > 0 {
		budget = v
	}
	for _, name := range []string{"group-by", "order-by", "distinct", "join"} {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				f := runPeakHelper(b, name, budget, "")
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

// runPeakHelper runs job name (of spillJobs) over input ten times a
// budget of budget MiB in a TestSpillPeakHelper subprocess, with godebug
// added to its GODEBUG when set, and returns its figures.
func runPeakHelper(tb testing.TB, name string, budget int, godebug string) peakFigures {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSpillPeakHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "EMBER_SPILL_PEAK_JOB="+name, fmt.Sprintf("EMBER_SPILL_BUDGET_MIB=%d", budget))
	if godebug != "" {
		if v := os.Getenv("GODEBUG"); v != "" {
			godebug = v + "," + godebug
		}
		cmd.Env = append(cmd.Env, "GODEBUG="+godebug)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("%v\n%s", err, out)
	}
	var line string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "PEAK ") {
			line = l[strings.Index(l, "PEAK ")+5:]
		}
	}
	var f peakFigures
	if _, err := fmt.Sscanf(line, "%d %d %d %d %d %d %d", &f.budget, &f.input, &f.live, &f.inUse, &f.hwm, &f.base, &f.spilled); err != nil {
		tb.Fatalf("no figures in %s", out)
	}
	return f
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
	// An arrowmem.Pool, as sessions allocate from by default (its idle
	// buffers count in the live heap); EMBER_SPILL_PEAK_ALLOC=go
	// allocates from memory.GoAllocator instead.
	var alloc memory.Allocator = arrowmem.NewPool()
	if os.Getenv("EMBER_SPILL_PEAK_ALLOC") == "go" {
		alloc = memory.NewGoAllocator()
	}
	arrowPeak := &peakAllocator{Allocator: alloc}
	if os.Getenv("EMBER_SPILL_PEAK_SITES") != "" {
		arrowPeak.sites = newSiteTracker()
	}
	for _, c := range spillJobs {
		if c.name == name {
			job = func() error {
				g, err := NewGraph(c.root(src.Scan()), Config{Allocator: arrowPeak, Parallelism: 4, MemoryBudget: limit, SpillDir: t.TempDir()})
				if err != nil {
					return err
				}
				graph = g
				if arrowPeak.sites != nil {
					arrowPeak.sites.reserved = g.job.budget.used.Load
				}
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
	baseLive := liveHeap()
	var live, inUse, reserved int64
	// What was reserved and allocated by Arrow when the live heap peaked.
	var reservedAtLive, arrowAtLive int64
	// EMBER_SPILL_PEAK_PROFILE names a file that gets the heap profile
	// each time the live heap grows 5% past its peak: the last one
	// written shows what the peak was made of. With
	// EMBER_SPILL_PEAK_PROFILE_AT=ms, it gets the profile once, that many
	// milliseconds into the job instead.
	profile := os.Getenv("EMBER_SPILL_PEAK_PROFILE")
	// EMBER_SPILL_PEAK_TRACE=1 prints each new live heap figure (after
	// each GC) with the bytes reserved and allocated by Arrow then.
	trace := os.Getenv("EMBER_SPILL_PEAK_TRACE") == "1"
	start := time.Now()
	var lastLive int64
	profiled := false
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
			if at, _ := strconv.Atoi(os.Getenv("EMBER_SPILL_PEAK_PROFILE_AT")); at > 0 && profile != "" {
				if time.Since(start) > time.Duration(at)*time.Millisecond && !profiled {
					profiled = true
					writeHeapProfile(t, profile)
				}
			} else if l := int64(samples[0].Value.Uint64()); l > live+live/20 && profile != "" {
				writeHeapProfile(t, profile)
			}
			if l := int64(samples[0].Value.Uint64()); trace && l != lastLive {
				lastLive = l
				var r int64
				if graph != nil {
					r = graph.job.budget.used.Load()
				}
				fmt.Printf("TRACE %6d ms live %5.1f reserved %5.1f arrow %5.1f MiB\n", time.Since(start).Milliseconds(), float64(l)/(1<<20), float64(r)/(1<<20), float64(arrowPeak.cur.Load())/(1<<20))
			}
			if l := int64(samples[0].Value.Uint64()); l > live {
				live, arrowAtLive = l, arrowPeak.cur.Load()
				if graph != nil {
					reservedAtLive = graph.job.budget.used.Load()
				}
			}
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
	fmt.Printf("ACCOUNTED peak reserved %d MiB, peak Arrow bytes %d MiB, live heap before the job %.1f MiB\n", reserved>>20, arrowPeak.peak.Load()>>20, float64(baseLive)/(1<<20))
	fmt.Printf("AT THE LIVE HEAP PEAK %d MiB: %d MiB reserved, %d MiB of Arrow bytes\n", live>>20, reservedAtLive>>20, arrowAtLive>>20)
	if arrowPeak.sites != nil {
		arrowPeak.sites.print()
	}
	fmt.Printf("PEAK %d %d %d %d %d %d %d\n", limit, input, live, inUse, vmHWM(t), base, spilled)
}

// peakAllocator records the most Arrow bytes allocated at once, by
// capacity (a trim through the Go allocator keeps the allocation); with
// sites set, also what allocated the bytes live at that peak.
type peakAllocator struct {
	memory.Allocator
	cur, peak atomic.Int64
	sites     *siteTracker
}

func (a *peakAllocator) add(n int64) {
	c := a.cur.Add(n)
	for p := a.peak.Load(); c > p && !a.peak.CompareAndSwap(p, c); p = a.peak.Load() {
	}
}

func (a *peakAllocator) Allocate(n int) []byte {
	b := a.Allocator.Allocate(n)
	a.add(int64(cap(b)))
	if a.sites != nil {
		a.sites.alloc(b)
	}
	return b
}

func (a *peakAllocator) Reallocate(n int, b []byte) []byte {
	out := a.Allocator.Reallocate(n, b)
	if cap(out) == cap(b) && unsafe.SliceData(out) == unsafe.SliceData(b) {
		return out
	}
	// A new allocation; the old one is garbage now.
	a.add(int64(cap(out) - cap(b)))
	if a.sites != nil {
		a.sites.free(b)
		a.sites.alloc(out)
	}
	return out
}

func (a *peakAllocator) Free(b []byte) {
	a.add(-int64(cap(b)))
	if a.sites != nil {
		a.sites.free(b)
	}
	a.Allocator.Free(b)
}

// siteTracker attributes live Arrow allocations to their call sites (the
// first two ember functions on the stack) and keeps the attribution at
// the highest total it saw: a diagnostic (EMBER_SPILL_PEAK_SITES=1), slow.
type siteTracker struct {
	mu       sync.Mutex
	live     map[uintptr]siteAlloc
	bySite   map[string]int64
	total    int64
	peak     int64
	atPeak   map[string]int64
	sitePCs  map[[96]uintptr]string
	lastCopy int64
	// reserved reads the budget's reservations, recorded at the peak.
	reserved       func() int64
	reservedAtPeak int64
}

type siteAlloc struct {
	site string
	n    int64
}

func newSiteTracker() *siteTracker {
	return &siteTracker{live: map[uintptr]siteAlloc{}, bySite: map[string]int64{}, sitePCs: map[[96]uintptr]string{}}
}

func (s *siteTracker) site() string {
	var pcs [96]uintptr
	n := runtime.Callers(4, pcs[:])
	s.mu.Lock()
	key, ok := s.sitePCs[pcs]
	s.mu.Unlock()
	if ok {
		return key
	}
	frames := runtime.CallersFrames(pcs[:n])
	var names, others []string
	for {
		f, more := frames.Next()
		if len(others) < 3 && !strings.Contains(f.Function, "arrow/memory.") && !strings.Contains(f.Function, "runtime.") {
			others = append(others, fmt.Sprintf("%s:%d", f.Function[strings.LastIndex(f.Function, "/")+1:], f.Line))
		}
		if strings.Contains(f.Function, "ember-df/ember/") && !strings.Contains(f.Function, "peakAllocator") {
			names = append(names, fmt.Sprintf("%s:%d", f.Function[strings.LastIndex(f.Function, "/")+1:], f.Line))
			if len(names) == 3 {
				break
			}
		}
		if !more {
			break
		}
	}
	if len(names) == 0 {
		names = others
	}
	key = strings.Join(names, " < ")
	s.mu.Lock()
	s.sitePCs[pcs] = key
	s.mu.Unlock()
	return key
}

func (s *siteTracker) alloc(b []byte) {
	if cap(b) == 0 {
		return
	}
	site := s.site()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if old, ok := s.live[p]; ok { // freed to the GC without Free
		s.bySite[old.site] -= old.n
		s.total -= old.n
	}
	s.live[p] = siteAlloc{site, int64(cap(b))}
	s.bySite[site] += int64(cap(b))
	s.total += int64(cap(b))
	if s.total > s.peak {
		s.peak = s.total
		// Copy the attribution when the peak grew by 1% since the last copy.
		if s.total > s.lastCopy+s.lastCopy/100 {
			s.lastCopy = s.total
			s.atPeak = maps.Clone(s.bySite)
			if s.reserved != nil {
				s.reservedAtPeak = s.reserved()
			}
		}
	}
}

func (s *siteTracker) free(b []byte) {
	if cap(b) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if old, ok := s.live[p]; ok {
		delete(s.live, p)
		s.bySite[old.site] -= old.n
		s.total -= old.n
	}
}

func (s *siteTracker) print() {
	s.mu.Lock()
	defer s.mu.Unlock()
	type row struct {
		site string
		n    int64
	}
	var rows []row
	for k, v := range s.atPeak {
		if v > 64<<10 {
			rows = append(rows, row{k, v})
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return int(b.n - a.n) })
	fmt.Printf("SITES at the peak of %.1f MiB of Arrow bytes (%.1f MiB reserved then):\n", float64(s.lastCopy)/(1<<20), float64(s.reservedAtPeak)/(1<<20))
	for _, r := range rows {
		fmt.Printf("  %7.2f MiB  %s\n", float64(r.n)/(1<<20), r.site)
	}
}

// liveHeap is the heap the last GC found reachable.
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
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
