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
	"strings"

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
	files     map[string]*taskFile // the open files, by directory
	closed    []ManifestFile       // files completed to bound the open ones
	opened    map[string]int       // files opened so far, by directory
	uses      int64                // counts writes, to find the least recent
}

// maxOpenFiles bounds the files a task keeps open (each holds a 1 MiB
// buffer and what its format buffers): a write partitioned by a column of
// thousands of values completes the least recently written file to open
// another, and a directory written again later gets a file of the next
// number (part-NNNNN-<job>.c001.<ext>), as Spark's writers roll files.
var maxOpenFiles = 64

// taskFile is one open part file.
type taskFile struct {
	name   string
	out    storage.Writer // commits the file on Close
	size   *countingWriter
	buf    *bufio.Writer
	writer plan.BatchWriter
	rows   int64
	used   int64 // when it was last written (TaskWriter.uses)
}

// NewTaskWriter returns the writer of task partition of a job writing to
// target. Its files are created with ctx and allocate from ctx's
// allocator (compute.WithAllocator).
func NewTaskWriter(ctx context.Context, l FileLayout, target Target, partition int) *TaskWriter {
	return &TaskWriter{ctx: ctx, layout: l, target: target, partition: partition, mem: compute.GetAllocator(ctx),
		files: map[string]*taskFile{}, opened: map[string]int{}}
}

// partName is the name of file number n (from 0) of dir, relative to the
// output directory.
func (t *TaskWriter) partName(dir string, n int) string {
	if n == 0 {
		return path.Join(dir, fmt.Sprintf("part-%05d-%s.%s", t.partition, t.target.Job, t.layout.format.Extension()))
	}
	return path.Join(dir, fmt.Sprintf("part-%05d-%s.c%03d.%s", t.partition, t.target.Job, n, t.layout.format.Extension()))
}

// file returns the open task file of dir, creating it on first use, and
// completing the least recently written file first when maxOpenFiles are
// open.
func (t *TaskWriter) file(dir string) (*taskFile, error) {
	t.uses++
	if f := t.files[dir]; f != nil {
		f.used = t.uses
		return f, nil
	}
	if len(t.files) >= maxOpenFiles {
		if err := t.completeLeastRecent(); err != nil {
			return nil, err
		}
	}
	name := t.partName(dir, t.opened[dir])
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
	f := &taskFile{name: name, out: out, size: &countingWriter{w: out}, used: t.uses}
	f.buf = bufio.NewWriterSize(f.size, 1<<20)
	if f.writer, err = t.layout.format.NewWriter(f.buf, t.layout.schema); err != nil {
		out.Abort()
		return nil, err
	}
	t.files[dir] = f
	t.opened[dir]++
	return f, nil
}

// completeLeastRecent completes (commits) the open file written least
// recently.
func (t *TaskWriter) completeLeastRecent() error {
	var oldest string
	for dir, f := range t.files {
		if oldest == "" || f.used < t.files[oldest].used {
			oldest = dir
		}
	}
	return t.complete(oldest)
}

// complete closes and commits dir's open file.
func (t *TaskWriter) complete(dir string) error {
	f := t.files[dir]
	delete(t.files, dir)
	if err := f.close(); err != nil {
		return fmt.Errorf("partition %d: %w", t.partition, err)
	}
	t.closed = append(t.closed, ManifestFile{Name: f.name, Rows: f.rows, Bytes: f.size.n})
	return nil
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
	dirs := make([]string, 0, len(t.files))
	for dir := range t.files {
		dirs = append(dirs, dir)
	}
	// By name, so that the task completes its files in the same order on
	// every run.
	slices.SortFunc(dirs, func(a, b string) int { return strings.Compare(t.files[a].name, t.files[b].name) })
	for _, dir := range dirs {
		if err := t.complete(dir); err != nil {
			return nil, err
		}
	}
	out := t.closed
	t.closed = nil
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

// Abort discards the files the task has not committed. Files it
// completed early, to bound the open ones, stay where the job's own cleanup
// finds them (its staging directory, or by its job id on object stores).
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
