package exec

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/commit"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/plan"
)

// fileRows is the schema of what a write task hands out: one row per part
// file it committed, by its path relative to the output directory.
var fileRows = arrow.NewSchema([]arrow.Field{
	{Name: "file", Type: arrow.BinaryTypes.String},
	{Name: "rows", Type: arrow.PrimitiveTypes.Int64},
	{Name: "bytes", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// writeExec is the last node of a write job: each partition writes its
// rows into part files under the job's commit.Target, commits them (task
// commit), and returns one row per committed file (fileRows), which the
// job commit collects.
type writeExec struct {
	job    *job
	input  PhysicalNode
	node   *plan.Write
	target commit.Target
	layout commit.FileLayout
}

func newWriteExec(j *job, input PhysicalNode, w *plan.Write, target commit.Target) *writeExec {
	return &writeExec{job: j, input: input, node: w, target: target, layout: commit.NewFileLayout(w.Format, input.Schema(), w.PartitionBy)}
}

func (w *writeExec) Schema() *arrow.Schema    { return fileRows }
func (w *writeExec) Partitions() int          { return w.input.Partitions() }
func (w *writeExec) Children() []PhysicalNode { return []PhysicalNode{w.input} }
func (w *writeExec) String() string {
	s := fmt.Sprintf("WriteFilesExec %s %q", w.node.Format.Name(), w.node.Path)
	if len(w.node.PartitionBy) > 0 {
		s += fmt.Sprintf(" partitioned by %v", w.node.PartitionBy)
	}
	return s
}

// Operator implements PhysicalNode.
func (w *writeExec) Operator(p int) (Operator, error) {
	if w.target.Records != "" {
		return &recordedTaskOp{exec: w, partition: p}, nil
	}
	return w.writeOp(p)
}

// writeOp is task p's write: its input's rows into committed files.
func (w *writeExec) writeOp(p int) (Operator, error) {
	in, err := w.input.Operator(p)
	if err != nil {
		return nil, err
	}
	return &bufferOp{schema: fileRows, job: w.job, input: in, load: func(ctx context.Context) ([]arrow.RecordBatch, int64, error) {
		return w.write(ctx, in, p)
	}}, nil
}

// write writes and commits task p's rows, read from in, and returns the
// batch of its committed files; a job whose tasks record what they commit
// records them.
func (w *writeExec) write(ctx context.Context, in Operator, p int) ([]arrow.RecordBatch, int64, error) {
	t := commit.NewTaskWriter(ctx, w.layout, w.target, p)
	defer t.Abort()
	stats := statsOf(ctx)
	if err := op.Drain(ctx, in, func(b arrow.RecordBatch) error {
		stats.output(b)
		return t.Write(b)
	}); err != nil {
		return nil, 0, err
	}
	files, err := t.Commit()
	if err == nil && w.target.Records != "" {
		err = commit.RecordTask(ctx, w.target, p, files)
	}
	if err != nil || len(files) == 0 {
		return nil, 0, err
	}
	return []arrow.RecordBatch{fileBatch(allocatorOf(ctx), files)}, 0, nil
}

// recordedTaskOp is the write task of a job whose tasks record what they
// commit: when an earlier run of the job recorded this task, it hands out
// the recorded files without opening its input, so nothing upstream of
// the task is computed for it; otherwise it writes.
type recordedTaskOp struct {
	exec      *writeExec
	partition int
	write     Operator            // the write, when the task was not recorded
	done      []arrow.RecordBatch // the recorded files, when it was
	out       op.Holder
}

func (o *recordedTaskOp) Schema() *arrow.Schema { return fileRows }

// Open implements Operator.
func (o *recordedTaskOp) Open(ctx context.Context) error {
	files, ok, err := commit.ReadTaskRecord(ctx, o.exec.target, o.partition)
	if err != nil {
		return err
	}
	if !ok {
		if o.write, err = o.exec.writeOp(o.partition); err != nil {
			return err
		}
		return o.write.Open(ctx)
	}
	if len(files) > 0 {
		o.done = []arrow.RecordBatch{fileBatch(allocatorOf(ctx), files)}
	}
	return nil
}

// Next implements Operator.
func (o *recordedTaskOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if o.write != nil {
		return o.write.Next(ctx)
	}
	if len(o.done) == 0 {
		o.out.Release()
		return nil, io.EOF
	}
	b := o.done[0]
	o.done = o.done[1:]
	return o.out.Set(b), nil
}

// Close implements Operator.
func (o *recordedTaskOp) Close() error {
	o.out.Release()
	for _, b := range o.done {
		b.Release()
	}
	o.done = nil
	if o.write != nil {
		return o.write.Close()
	}
	return nil
}

// fileBatch renders committed files as a batch of fileRows.
func fileBatch(mem memory.Allocator, files []commit.ManifestFile) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, fileRows)
	defer b.Release()
	for _, f := range files {
		b.Field(0).(*array.StringBuilder).Append(f.Name)
		b.Field(1).(*array.Int64Builder).Append(f.Rows)
		b.Field(2).(*array.Int64Builder).Append(f.Bytes)
	}
	return b.NewRecordBatch()
}
