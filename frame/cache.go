package frame

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/util"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/plan/optimize"
)

// StorageLevel says where Persist keeps a DataFrame's rows.
type StorageLevel int

const (
	// MemoryAndDisk keeps the rows in memory while the session's memory
	// budget allows and writes the rest to local disk (Spark's default for
	// DataFrames).
	MemoryAndDisk StorageLevel = iota
	// MemoryOnly keeps the rows in memory; when they do not fit in the
	// session's memory budget the action fails with exec.ErrMemoryBudget
	// (Spark would recompute the partitions that do not fit; ember does
	// not).
	MemoryOnly
	// DiskOnly writes the rows to local disk.
	DiskOnly
)

func (l StorageLevel) String() string {
	switch l {
	case MemoryAndDisk:
		return "MEMORY_AND_DISK"
	case MemoryOnly:
		return "MEMORY_ONLY"
	case DiskOnly:
		return "DISK_ONLY"
	}
	return fmt.Sprintf("StorageLevel(%d)", int(l))
}

// Cache is Persist(MemoryAndDisk).
func (df *DataFrame) Cache() *DataFrame { return df.Persist() }

// Persist returns a DataFrame over df's rows that the first action on it
// computes and keeps, so that later actions — on it or on DataFrames
// derived from it — read the kept rows instead of running df's plan again:
// a model in df's plan runs once, however many actions follow. Unlike
// Spark, where df.persist() marks df itself, use the returned DataFrame.
//
// The rows are kept in df's partitions at level (MemoryAndDisk when
// omitted): in memory as compact copies of the job's Arrow batches, their
// bytes counted against the session's memory budget (WithMemoryBudget)
// together with the session's other cached DataFrames; what does not fit
// goes to Arrow IPC files (LZ4) in the spill directory (WithSpillDir). The
// first action computes them as a job of its own ("Cache" in Jobs);
// actions that start meanwhile wait for it, and an action whose
// computation fails or is cancelled leaves nothing kept, so the next one
// tries again. Unpersist, or the session's Close, frees them. A cached
// DataFrame's plan holds data of this process: it does not run on a
// distributed runner.
func (df *DataFrame) Persist(level ...StorageLevel) *DataFrame {
	lvl := MemoryAndDisk
	if len(level) > 0 {
		lvl = level[0]
	}
	return df.derive(fmt.Sprintf("Persist(%s)", lvl), func(in plan.Node) (plan.Node, error) {
		if len(level) > 1 {
			return nil, fmt.Errorf("one storage level, not %d", len(level))
		}
		if lvl < MemoryAndDisk || lvl > DiskOnly {
			return nil, fmt.Errorf("unknown storage level %d", int(lvl))
		}
		g, err := exec.NewGraph(optimize.Optimize(in), df.sess.cfg)
		if err != nil {
			return nil, err
		}
		parts := g.Result().Partitions()
		g.Finish()
		c := &cacheState{sess: df.sess, input: in, parts: parts, level: lvl}
		df.sess.mu.Lock()
		df.sess.caches = append(df.sess.caches, c)
		df.sess.mu.Unlock()
		return &plan.Scan{Source: &cacheSource{state: c, limit: -1}}, nil
	})
}

// Unpersist frees the rows that df, a DataFrame Persist or Cache
// returned, keeps, and returns a DataFrame over the plan df was made
// from, which runs it on every action again. Jobs reading the kept rows
// finish first: the memory and files go when the last of them ends. An
// action on df itself afterwards computes and keeps the rows anew. On a
// DataFrame that is not cached, Unpersist returns df.
func (df *DataFrame) Unpersist() *DataFrame {
	if df.failure() != nil {
		return df
	}
	scan, ok := df.node.(*plan.Scan)
	if !ok {
		return df
	}
	src, ok := scan.Source.(*cacheSource)
	if !ok {
		return df
	}
	src.state.drop()
	return &DataFrame{sess: df.sess, node: src.state.input}
}

// reserveCache accounts n more bytes of cached rows if they fit in the
// session's memory budget.
func (s *Session) reserveCache(n int64) bool {
	limit := s.cfg.MemoryBudget
	if limit <= 0 {
		limit = exec.DefaultMemoryBudget
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cachedBytes+n > limit {
		return false
	}
	s.cachedBytes += n
	return true
}

func (s *Session) unreserveCache(n int64) {
	s.mu.Lock()
	s.cachedBytes -= n
	s.mu.Unlock()
}

// cacheState is one cached DataFrame: its plan and, once an action has
// computed them, its rows.
type cacheState struct {
	sess  *Session
	input plan.Node
	parts int
	level StorageLevel

	mu       sync.Mutex
	data     *cachedData
	inflight *cacheAttempt
}

type cacheAttempt struct {
	done chan struct{}
	err  error // set before done closes
}

// cachedData is the kept rows: per partition, batches in memory, then the
// rest in an IPC file. Readers hold references; the last one frees it
// once dropped.
type cachedData struct {
	sess     *Session
	schema   *arrow.Schema
	mem      *plan.MemorySource
	files    []string // per partition; "" when all its rows are in memory
	dir      string
	memBytes int64
	rowCount int64

	mu      sync.Mutex
	readers int
	dropped bool
}

// acquire adds a reader, unless the data was dropped.
func (d *cachedData) acquire() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dropped {
		return false
	}
	d.readers++
	return true
}

func (d *cachedData) release() {
	d.mu.Lock()
	d.readers--
	free := d.dropped && d.readers == 0
	d.mu.Unlock()
	if free {
		d.free()
	}
}

// drop frees the data now, or when its last reader ends.
func (d *cachedData) drop() {
	d.mu.Lock()
	if d.dropped {
		d.mu.Unlock()
		return
	}
	d.dropped = true
	free := d.readers == 0
	d.mu.Unlock()
	if free {
		d.free()
	}
}

func (d *cachedData) free() {
	d.mem.Release()
	d.sess.unreserveCache(d.memBytes)
	if d.dir != "" {
		os.RemoveAll(d.dir)
	}
}

// drop frees the kept rows; the next action computes them anew.
func (c *cacheState) drop() {
	c.mu.Lock()
	d := c.data
	c.data = nil
	c.mu.Unlock()
	if d != nil {
		d.drop()
	}
}

// get returns the kept rows with a reader reference, computing them first
// if no action has: one action at a time computes; the others wait for
// it, and try themselves when it was cancelled.
func (c *cacheState) get(ctx context.Context) (*cachedData, error) {
	for {
		c.mu.Lock()
		if d := c.data; d != nil && d.acquire() {
			c.mu.Unlock()
			return d, nil
		}
		if a := c.inflight; a != nil {
			c.mu.Unlock()
			select {
			case <-a.done:
			case <-ctx.Done():
				return nil, context.Cause(ctx)
			}
			if a.err != nil && !errors.Is(a.err, context.Canceled) && !errors.Is(a.err, context.DeadlineExceeded) {
				return nil, a.err
			}
			continue
		}
		a := &cacheAttempt{done: make(chan struct{})}
		c.inflight = a
		c.mu.Unlock()
		d, err := c.compute(ctx)
		c.mu.Lock()
		c.inflight = nil
		if err == nil {
			c.data = d
		}
		c.mu.Unlock()
		a.err = err
		close(a.done)
		if err != nil {
			return nil, err
		}
		// Kept: the next round takes a reader reference.
	}
}

// compute runs the cached plan as a job of its own and keeps its rows.
func (c *cacheState) compute(ctx context.Context) (*cachedData, error) {
	sink := &cacheSink{state: c, parts: make([]cachePart, c.parts), mem: c.sess.cfg.Allocator}
	err := (&DataFrame{sess: c.sess, node: c.input}).run(ctx, "Cache", c.input, sink)
	if cerr := sink.closeFiles(); err == nil {
		err = cerr
	}
	defer sink.releaseBatches()
	if err != nil {
		c.sess.unreserveCache(sink.reserved())
		if sink.dir != "" {
			os.RemoveAll(sink.dir)
		}
		return nil, err
	}
	d := &cachedData{sess: c.sess, schema: c.input.Schema(), dir: sink.dir, files: make([]string, c.parts)}
	batches := make([][]arrow.RecordBatch, c.parts)
	for p, part := range sink.parts {
		batches[p] = part.batches
		d.files[p] = part.file
		d.memBytes += part.bytes
		d.rowCount += part.rows
	}
	d.mem, err = plan.NewMemorySource(d.schema, batches)
	if err != nil { // the batches come from a plan of this schema
		c.sess.unreserveCache(d.memBytes)
		return nil, err
	}
	return d, nil
}

// cacheSink keeps a job's batches for a cache.
type cacheSink struct {
	state *cacheState
	mem   memory.Allocator
	parts []cachePart // each touched only by its partition's goroutine

	dirOnce sync.Once
	dir     string
	dirErr  error
}

type cachePart struct {
	batches []arrow.RecordBatch // in memory
	bytes   int64               // reserved for them
	rows    int64
	file    string
	f       *os.File
	w       *ipc.FileWriter // once the partition goes to disk
}

var _ exec.Sink = (*cacheSink)(nil)

// Consume implements exec.Sink.
func (s *cacheSink) Consume(p int, b arrow.RecordBatch) error {
	if p >= len(s.parts) {
		return fmt.Errorf("frame: Cache: the job produced partition %d of %d", p, len(s.parts))
	}
	part := &s.parts[p]
	part.rows += b.NumRows()
	if part.w == nil && s.state.level != DiskOnly {
		kept, err := compactBatch(b, s.mem)
		if err != nil {
			return err
		}
		n := util.TotalRecordSize(kept)
		if s.state.sess.reserveCache(n) {
			part.batches = append(part.batches, kept)
			part.bytes += n
			return nil
		}
		kept.Release()
		if s.state.level == MemoryOnly {
			return fmt.Errorf("frame: Cache at %s: %w: the cached rows need more than the session's budget (frame.WithMemoryBudget); use MemoryAndDisk to spill", MemoryOnly, exec.ErrMemoryBudget)
		}
	}
	if part.w == nil {
		if err := s.openFile(p, part, b.Schema()); err != nil {
			return err
		}
	}
	return part.w.Write(b)
}

// Done implements exec.Sink.
func (s *cacheSink) Done(int) error { return nil }

func (s *cacheSink) openFile(p int, part *cachePart, schema *arrow.Schema) error {
	s.dirOnce.Do(func() {
		base := s.state.sess.cfg.SpillDir
		if base == "" {
			base = os.TempDir()
		}
		if s.dirErr = os.MkdirAll(base, 0o755); s.dirErr == nil {
			s.dir, s.dirErr = os.MkdirTemp(base, "ember-cache-*")
		}
	})
	if s.dirErr != nil {
		return fmt.Errorf("frame: Cache: spill directory: %w", s.dirErr)
	}
	part.file = filepath.Join(s.dir, fmt.Sprintf("part-%05d.arrow", p))
	f, err := os.Create(part.file)
	if err != nil {
		return fmt.Errorf("frame: Cache: %w", err)
	}
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(schema), ipc.WithAllocator(s.mem), ipc.WithLZ4())
	if err != nil {
		f.Close()
		return fmt.Errorf("frame: Cache: %w", err)
	}
	part.f, part.w = f, w
	return nil
}

// closeFiles ends the partitions' files; the job has ended.
func (s *cacheSink) closeFiles() error {
	var errs []error
	for i := range s.parts {
		part := &s.parts[i]
		if part.w != nil {
			errs = append(errs, part.w.Close(), part.f.Close())
			part.w, part.f = nil, nil
		}
	}
	return errors.Join(errs...)
}

// releaseBatches drops the sink's references (the memory source holds
// its own).
func (s *cacheSink) releaseBatches() {
	for i := range s.parts {
		for _, b := range s.parts[i].batches {
			b.Release()
		}
		s.parts[i].batches = nil
	}
}

func (s *cacheSink) reserved() int64 {
	var n int64
	for _, p := range s.parts {
		n += p.bytes
	}
	return n
}

// compactBatch copies b into buffers of its own, so that the cache holds
// exactly its rows and not the larger buffers they may be slices of.
func compactBatch(b arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, b.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, c := range b.Columns() {
		copied, err := array.Concatenate([]arrow.Array{c}, mem)
		if err != nil {
			return nil, fmt.Errorf("frame: Cache: copying column %q: %w", b.ColumnName(i), err)
		}
		cols[i] = copied
	}
	return array.NewRecordBatch(b.Schema(), cols, b.NumRows()), nil
}

// cacheSource is the plan leaf over a cached DataFrame: it reads the kept
// rows, computing them on the first Open of any job.
type cacheSource struct {
	state *cacheState
	cols  []string // projected columns; nil for all
	limit int64    // rows per partition; negative: none
}

var (
	_ plan.ProjectingSource = (*cacheSource)(nil)
	_ plan.LimitingSource   = (*cacheSource)(nil)
	_ plan.Unportable       = (*cacheSource)(nil)
)

// WhyNotPortable implements plan.Unportable: a cluster runner's workers
// cannot read rows this process keeps.
func (c *cacheSource) WhyNotPortable() string {
	return "the rows of a cached DataFrame (Cache, Persist) live in this process, which a cluster runner's workers cannot read: " +
		"Unpersist it to run its plan on the cluster, or Write it to storage and read that back"
}

func (c *cacheSource) String() string {
	c.state.mu.Lock()
	d := c.state.data
	c.state.mu.Unlock()
	s := fmt.Sprintf("cached %s %s, %d partitions", c.state.level, fieldNamesOf(c.Schema()), c.state.parts)
	if d == nil {
		s += ", not computed yet"
	} else {
		spilled := 0
		for _, f := range d.files {
			if f != "" {
				spilled++
			}
		}
		s += fmt.Sprintf(", %d rows, %d bytes in memory, %d partitions on disk", d.rowCount, d.memBytes, spilled)
	}
	if c.limit >= 0 {
		s += fmt.Sprintf(", limit %d", c.limit)
	}
	return s
}

// Schema implements plan.Source.
func (c *cacheSource) Schema() *arrow.Schema {
	full := c.state.input.Schema()
	if c.cols == nil {
		return full
	}
	var fields []arrow.Field
	for _, f := range full.Fields() {
		for _, name := range c.cols {
			if f.Name == name {
				fields = append(fields, f)
			}
		}
	}
	return arrow.NewSchema(fields, nil)
}

// Partitions implements plan.Source.
func (c *cacheSource) Partitions() int { return c.state.parts }

// Project implements plan.ProjectingSource.
func (c *cacheSource) Project(columns []string) (plan.Source, error) {
	for _, name := range columns {
		if len(c.Schema().FieldIndices(name)) != 1 {
			return nil, fmt.Errorf("frame: cached DataFrame: cannot project %v from %s", columns, c.Schema())
		}
	}
	out := *c
	out.cols = append([]string{}, columns...)
	return &out, nil
}

// WithLimit implements plan.LimitingSource.
func (c *cacheSource) WithLimit(n int64) plan.Source {
	out := *c
	out.limit = n
	return &out
}

// Open implements plan.Source.
func (c *cacheSource) Open(ctx context.Context, p int, opts plan.ScanOptions) (plan.BatchReader, error) {
	d, err := c.state.get(ctx)
	if err != nil {
		return nil, err
	}
	var src plan.Source = d.mem
	if c.cols != nil {
		if src, err = d.mem.Project(c.cols); err != nil {
			d.release()
			return nil, err
		}
	}
	if c.limit >= 0 {
		src = src.(plan.LimitingSource).WithLimit(c.limit)
	}
	mr, err := src.Open(ctx, p, opts)
	if err != nil {
		d.release()
		return nil, err
	}
	return &cacheReader{data: d, mem: mr, file: d.files[p], schema: c.Schema(), left: c.limit, opts: opts}, nil
}

// cacheReader reads a partition's rows in memory, then those on disk.
type cacheReader struct {
	data   *cachedData
	mem    plan.BatchReader
	file   string
	schema *arrow.Schema
	left   int64 // rows still allowed; negative: no limit
	opts   plan.ScanOptions

	f       *os.File
	fr      *ipc.FileReader
	next    int // the file's next batch
	current arrow.RecordBatch
	closed  bool
}

// Next implements plan.BatchReader.
func (r *cacheReader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	r.releaseCurrent()
	if r.mem != nil {
		b, err := r.mem.Next(ctx)
		if err != io.EOF {
			if err == nil && r.left >= 0 {
				r.left -= b.NumRows()
			}
			return b, err
		}
		r.mem.Close()
		r.mem = nil
	}
	if r.file == "" || r.left == 0 {
		return nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.fr == nil {
		f, err := os.Open(r.file)
		if err != nil {
			return nil, fmt.Errorf("frame: reading cached rows: %w", err)
		}
		fr, err := ipc.NewFileReader(f, ipc.WithAllocator(r.opts.Allocator))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("frame: reading cached rows %s: %w", r.file, err)
		}
		r.f, r.fr = f, fr
	}
	if r.next >= r.fr.NumRecords() {
		return nil, io.EOF
	}
	b, err := r.fr.RecordBatchAt(r.next)
	if err != nil {
		return nil, fmt.Errorf("frame: reading cached rows %s: %w", r.file, err)
	}
	r.next++
	out := b
	if !r.schema.Equal(b.Schema()) {
		cols := make([]arrow.Array, r.schema.NumFields())
		for i, f := range r.schema.Fields() {
			cols[i] = b.Column(b.Schema().FieldIndices(f.Name)[0])
		}
		out = array.NewRecordBatch(r.schema, cols, b.NumRows())
		b.Release()
	}
	if r.left >= 0 && out.NumRows() > r.left {
		cut := out.NewSlice(0, r.left)
		out.Release()
		out = cut
	}
	if r.left >= 0 {
		r.left -= out.NumRows()
	}
	r.current = out
	return out, nil
}

func (r *cacheReader) releaseCurrent() {
	if r.current != nil {
		r.current.Release()
		r.current = nil
	}
}

// Close implements plan.BatchReader.
func (r *cacheReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.releaseCurrent()
	var errs []error
	if r.mem != nil {
		errs = append(errs, r.mem.Close())
	}
	if r.fr != nil {
		errs = append(errs, r.fr.Close(), r.f.Close())
	}
	r.data.release()
	return errors.Join(errs...)
}
