package commit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// Target is where a write job's tasks put their files, and the job's id,
// which names the part files. Committer.Prepare returns it; it travels to
// workers with the job's graph (JSON).
type Target struct {
	// Dir is the directory the part files go to: on local disk a staging
	// directory beside the destination, which the job commit puts in
	// place; on stores without rename the destination itself.
	Dir string `json:"dir"`
	// Job is the job's id (a UUID): it names the part files, so that no
	// two jobs' files collide and a failed job's uploads can be found.
	Job string `json:"job"`
	// Direct says that Dir is on a store without rename: each file is
	// created in place, visible only once complete (storage.Create), and
	// only the manifest the job commit writes makes it part of the
	// dataset. Otherwise a task writes under Dir/_temporary/ and renames
	// its files out of it when it commits.
	Direct bool `json:"direct,omitempty"`
	// NoSync says not to flush the files to stable storage before their
	// task commit (plan.Write.NoSync).
	NoSync bool `json:"noSync,omitempty"`
	// Records, set for a job whose tasks record what they commit (a job
	// committer: NewJobCommitter), is where the records go: a task whose
	// record exists has committed, in an earlier run of the job
	// (ReadTaskRecord, RecordTask).
	Records string `json:"records,omitempty"`
}

// FileLayout is how a write job's rows map to files: the files' schema
// (without the partition columns) and where the partition columns are.
type FileLayout struct {
	format    plan.FileFormat
	schema    *arrow.Schema
	partNames []string // partition columns, in order
	partCols  []int    // their indices in the input
	dataCols  []int    // the other columns' indices
}

// NewFileLayout lays out rows of schema in for files of format f,
// partitioned into Hive directories by the columns partitionBy (which in
// has) in that order.
func NewFileLayout(f plan.FileFormat, in *arrow.Schema, partitionBy []string) FileLayout {
	l := FileLayout{format: f, schema: in}
	if len(partitionBy) == 0 {
		return l
	}
	var fields []arrow.Field
	for i, fld := range in.Fields() {
		if slices.Contains(partitionBy, fld.Name) {
			continue
		}
		l.dataCols = append(l.dataCols, i)
		fields = append(fields, fld)
	}
	for _, name := range partitionBy {
		l.partNames = append(l.partNames, name)
		l.partCols = append(l.partCols, in.FieldIndices(name)[0])
	}
	l.schema = arrow.NewSchema(fields, nil)
	return l
}

// TaskWriter writes one task's rows: one file per Hive directory ("" when
// the output is not partitioned), under the job's Target, and commits
// them (task commit). It is used by one goroutine; a task that does not
// reach Commit calls Abort, which is also safe after Commit.
type TaskWriter struct {
	ctx       context.Context
	layout    FileLayout
	target    Target
	partition int
	mem       memory.Allocator
	files     map[string]*taskFile
	dirs      []string // in the order the files were opened
}

// taskFile is one open part file.
type taskFile struct {
	out    storage.Writer // commits the file on Close
	size   *countingWriter
	buf    *bufio.Writer
	writer plan.BatchWriter
	rows   int64
}

// NewTaskWriter returns the writer of task partition of a job writing to
// target. Its files are created with ctx and allocate from ctx's
// allocator (compute.WithAllocator).
func NewTaskWriter(ctx context.Context, l FileLayout, target Target, partition int) *TaskWriter {
	return &TaskWriter{ctx: ctx, layout: l, target: target, partition: partition, mem: compute.GetAllocator(ctx), files: map[string]*taskFile{}}
}

// partName is the name of the file of dir, relative to the output
// directory.
func (t *TaskWriter) partName(dir string) string {
	return path.Join(dir, fmt.Sprintf("part-%05d-%s.%s", t.partition, t.target.Job, t.layout.format.Extension()))
}

// file returns the open task file of dir, creating it on first use.
func (t *TaskWriter) file(dir string) (*taskFile, error) {
	if f := t.files[dir]; f != nil {
		return f, nil
	}
	name := t.partName(dir)
	var out storage.Writer
	var err error
	if t.target.Direct {
		out, err = storage.Create(t.ctx, storage.Join(t.target.Dir, name))
	} else {
		temp := filepath.Join(t.target.Dir, "_temporary", fmt.Sprintf("task-%05d", t.partition), filepath.FromSlash(name))
		out, err = newRenameWriter(temp, filepath.Join(t.target.Dir, filepath.FromSlash(name)), !t.target.NoSync)
	}
	if err != nil {
		return nil, err
	}
	f := &taskFile{out: out, size: &countingWriter{w: out}}
	f.buf = bufio.NewWriterSize(f.size, 1<<20)
	if f.writer, err = t.layout.format.NewWriter(f.buf, t.layout.schema); err != nil {
		out.Abort()
		return nil, err
	}
	t.files[dir] = f
	t.dirs = append(t.dirs, dir)
	return f, nil
}

// Write writes a batch (borrowed) into the task's files, opening each
// directory's file on its first row.
func (t *TaskWriter) Write(b arrow.RecordBatch) error {
	l := t.layout
	if len(l.partCols) == 0 {
		return t.writeFile("", b)
	}
	cols := make([]arrow.Array, len(l.partCols))
	for i, c := range l.partCols {
		cols[i] = b.Column(c)
	}
	// Rows go to their directory's file, in their order.
	var dirs []string
	rows := map[string][]int{}
	values := make([]string, len(cols))
	var buf []byte
	for r := 0; r < int(b.NumRows()); r++ {
		var dir string
		dir, buf = partitionDir(l.partNames, cols, r, values, buf)
		if _, ok := rows[dir]; !ok {
			dirs = append(dirs, dir)
		}
		rows[dir] = append(rows[dir], r)
	}
	data := projectBatch(b, l.schema, l.dataCols)
	defer data.Release()
	ctx := compute.WithAllocator(context.Background(), t.mem)
	for _, dir := range dirs {
		part, err := takeRows(ctx, data, rows[dir])
		if err != nil {
			return err
		}
		err = t.writeFile(dir, part)
		part.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *TaskWriter) writeFile(dir string, b arrow.RecordBatch) error {
	f, err := t.file(dir)
	if err != nil {
		return err
	}
	if err := f.writer.Write(b); err != nil {
		return fmt.Errorf("partition %d: %w", t.partition, err)
	}
	f.rows += b.NumRows()
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
	return eval.TakeBatch(ctx, b, idx)
}

// Commit commits the task: it completes each file (renaming it out of
// _temporary, or finishing its upload), and returns the committed files,
// by their paths relative to the output directory, for the job commit.
// A task that wrote no row has no file.
func (t *TaskWriter) Commit() ([]ManifestFile, error) {
	var out []ManifestFile
	for _, dir := range t.dirs {
		f := t.files[dir]
		delete(t.files, dir)
		if err := f.close(); err != nil {
			return nil, fmt.Errorf("partition %d: %w", t.partition, err)
		}
		out = append(out, ManifestFile{Name: t.partName(dir), Rows: f.rows, Bytes: f.size.n})
	}
	t.dirs = nil
	return out, nil
}

// close flushes the file and commits it.
func (f *taskFile) close() error {
	err := f.writer.Close()
	if err == nil {
		err = f.buf.Flush()
	}
	if err != nil {
		f.out.Abort()
		return err
	}
	return f.out.Close()
}

// Abort discards the files the task has not committed.
func (t *TaskWriter) Abort() {
	for dir, f := range t.files {
		f.writer.Close() // releases what the format holds; the file is discarded
		f.out.Abort()
		delete(t.files, dir)
	}
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// renameWriter writes a local task file at temp and renames it to final
// when it commits (the local commit protocol's task commit).
type renameWriter struct {
	*os.File
	temp, final string
	sync        bool // flush the file before the rename
	done        bool
}

func newRenameWriter(temp, final string, sync bool) (*renameWriter, error) {
	if err := os.MkdirAll(filepath.Dir(temp), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(temp)
	if err != nil {
		return nil, err
	}
	return &renameWriter{File: f, temp: temp, final: final, sync: sync}, nil
}

// Close implements storage.Writer: the file moves to its final name.
func (w *renameWriter) Close() error {
	if w.done {
		return nil
	}
	w.done = true
	if w.sync {
		if err := syncFile(w.File); err != nil {
			w.File.Close()
			return err
		}
	}
	if err := w.File.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(w.final), 0o755); err != nil {
		return err
	}
	return os.Rename(w.temp, w.final)
}

// Abort implements storage.Writer: the file is left for the job to remove
// with its staging directory.
func (w *renameWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	return w.File.Close()
}
