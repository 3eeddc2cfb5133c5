package exec

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
)

// fileSink writes each partition into its own task file under
// _temporary/, and commits the task by renaming the file out of it.
type fileSink struct {
	format  plan.FileFormat
	schema  *arrow.Schema // of the files: without partition columns
	staging string
	jobID   string
	mem     memory.Allocator

	partNames []string // partition columns, in order
	partCols  []int    // their indices in the input
	dataCols  []int    // the other columns' indices

	mu    sync.Mutex
	tasks map[taskKey]*taskFile
	parts []ManifestFile // committed part files
}

// taskKey names one task file: a partition, and its Hive directory ("" when
// the output is not partitioned).
type taskKey struct {
	p   int
	dir string
}

type taskFile struct {
	path   string
	file   *os.File
	buf    *bufio.Writer
	writer plan.BatchWriter
	rows   int64
}

func newFileSink(f plan.FileFormat, in *arrow.Schema, partitionBy []string, staging, jobID string, mem memory.Allocator) *fileSink {
	s := &fileSink{format: f, schema: in, staging: staging, jobID: jobID, mem: mem, tasks: map[taskKey]*taskFile{}}
	if len(partitionBy) == 0 {
		return s
	}
	var fields []arrow.Field
	for i, fld := range in.Fields() {
		if slices.Contains(partitionBy, fld.Name) {
			continue
		}
		s.dataCols = append(s.dataCols, i)
		fields = append(fields, fld)
	}
	for _, name := range partitionBy {
		s.partNames = append(s.partNames, name)
		s.partCols = append(s.partCols, in.FieldIndices(name)[0])
	}
	s.schema = arrow.NewSchema(fields, nil)
	return s
}

// partName is the name of a task's file, relative to the output directory.
func (s *fileSink) partName(k taskKey) string {
	return path.Join(k.dir, fmt.Sprintf("part-%05d-%s.%s", k.p, s.jobID, s.format.Extension()))
}

// task returns the open task file of k, creating it on first use. Only the
// goroutine of partition k.p calls it for k.p.
func (s *fileSink) task(k taskKey) (*taskFile, error) {
	s.mu.Lock()
	t := s.tasks[k]
	s.mu.Unlock()
	if t != nil {
		return t, nil
	}
	path := filepath.Join(s.staging, "_temporary", fmt.Sprintf("task-%05d", k.p), filepath.FromSlash(s.partName(k)))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	t = &taskFile{path: path, file: f, buf: bufio.NewWriterSize(f, 1<<20)}
	if t.writer, err = s.format.NewWriter(t.buf, s.schema); err != nil {
		f.Close()
		return nil, err
	}
	s.mu.Lock()
	s.tasks[k] = t
	s.mu.Unlock()
	return t, nil
}

// Consume implements Sink.
func (s *fileSink) Consume(p int, b arrow.RecordBatch) error {
	if len(s.partCols) == 0 {
		return s.write(taskKey{p: p}, b)
	}
	cols := make([]arrow.Array, len(s.partCols))
	for i, c := range s.partCols {
		cols[i] = b.Column(c)
	}
	// Rows go to their directory's file, in their order.
	var dirs []string
	rows := map[string][]int{}
	var buf []byte
	for r := 0; r < int(b.NumRows()); r++ {
		dir := partitionDir(s.partNames, cols, r, buf)
		if _, ok := rows[dir]; !ok {
			dirs = append(dirs, dir)
		}
		rows[dir] = append(rows[dir], r)
	}
	data := projectBatch(b, s.schema, s.dataCols)
	defer data.Release()
	ctx := compute.WithAllocator(context.Background(), s.mem)
	for _, dir := range dirs {
		part, err := takeRows(ctx, data, rows[dir])
		if err != nil {
			return err
		}
		err = s.write(taskKey{p: p, dir: dir}, part)
		part.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *fileSink) write(k taskKey, b arrow.RecordBatch) error {
	t, err := s.task(k)
	if err != nil {
		return err
	}
	if err := t.writer.Write(b); err != nil {
		return fmt.Errorf("partition %d: %w", k.p, err)
	}
	t.rows += b.NumRows()
	return nil
}

// projectBatch keeps the columns cols of b, as schema.
func projectBatch(b arrow.RecordBatch, schema *arrow.Schema, cols []int) arrow.RecordBatch {
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		arrs[i] = b.Column(c)
	}
	return array.NewRecordBatch(schema, arrs, b.NumRows())
}

// takeRows gathers the given rows of b into a new batch (b itself, retained,
// when that is every row).
func takeRows(ctx context.Context, b arrow.RecordBatch, rows []int) (arrow.RecordBatch, error) {
	if len(rows) == int(b.NumRows()) {
		b.Retain()
		return b, nil
	}
	ib := array.NewInt32Builder(compute.GetAllocator(ctx))
	defer ib.Release()
	for _, r := range rows {
		ib.Append(int32(r))
	}
	idx := ib.NewArray()
	defer idx.Release()
	return takeBatch(ctx, b, idx)
}

// Done implements Sink: each of the partition's tasks commits by renaming
// its file out of _temporary. A partition that produced nothing writes no
// file.
func (s *fileSink) Done(p int) error {
	s.mu.Lock()
	var keys []taskKey
	for k := range s.tasks {
		if k.p == p {
			keys = append(keys, k)
		}
	}
	s.mu.Unlock()
	for _, k := range keys {
		if err := s.commitTask(k); err != nil {
			return err
		}
	}
	return nil
}

func (s *fileSink) commitTask(k taskKey) error {
	s.mu.Lock()
	t := s.tasks[k]
	s.mu.Unlock()
	err := t.writer.Close()
	if err == nil {
		err = t.buf.Flush()
	}
	if cerr := t.file.Close(); err == nil {
		err = cerr
	}
	var size int64
	if err == nil {
		var info os.FileInfo
		if info, err = os.Stat(t.path); err == nil {
			size = info.Size()
			target := filepath.Join(s.staging, filepath.FromSlash(s.partName(k)))
			if err = os.MkdirAll(filepath.Dir(target), 0o755); err == nil {
				err = os.Rename(t.path, target)
			}
		}
	}
	s.mu.Lock()
	delete(s.tasks, k)
	if err == nil {
		s.parts = append(s.parts, ManifestFile{Name: s.partName(k), Rows: t.rows, Bytes: size})
	}
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("partition %d: %w", k.p, err)
	}
	return nil
}

// abort closes the files of tasks that did not finish.
func (s *fileSink) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, t := range s.tasks {
		t.writer.Close() // releases what the format holds; the file is discarded
		t.file.Close()
		delete(s.tasks, k)
	}
}
