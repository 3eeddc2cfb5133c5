package call

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/internal/arrowmem"
	"github.com/ember-df/ember/plan"
)

// Env is what a batch call takes from the job that runs it.
type Env struct {
	// Parallelism is the number of partitions the job runs at once; the
	// function is told how many of them call it at once (plan.JobEnv).
	Parallelism int
	// Owner, when set, keeps the models the function loads until it
	// closes (plan.JobEnv.Owner).
	Owner plan.ResourceOwner
	// BatchRows and BatchBytes bound the batches the function is fed
	// when neither it nor the call's options set a bound.
	BatchRows  int
	BatchBytes int64
}

// Node runs a batch function (a model) over its input: the physical node
// of a plan.Evaluate. It gathers rows into batches of the function's
// size, independent of the input's batches, runs them under the call's
// error policy (retries, NULL, dead letters), and appends the results to
// the input rows, in order.
//
// The function is opened once, on first use, for every partition of the
// job; the job calls Close when it ends, and reads Metrics then or after.
type Node struct {
	input  op.PhysicalNode
	node   *plan.Evaluate
	call   *callState
	schema *arrow.Schema
}

var _ op.PhysicalNode = (*Node)(nil)

// New returns the node computing n over input, whose partitions it keeps.
func New(n *plan.Evaluate, input op.PhysicalNode, env Env) *Node {
	return &Node{input: input, node: n, call: newCallState(n, input.Partitions(), env), schema: n.Schema()}
}

// Schema, Partitions, Children and String implement op.PhysicalNode.
func (e *Node) Schema() *arrow.Schema       { return e.schema }
func (e *Node) Partitions() int             { return e.input.Partitions() }
func (e *Node) Children() []op.PhysicalNode { return []op.PhysicalNode{e.input} }
func (e *Node) String() string {
	b := e.call.batching
	s := fmt.Sprintf("EvaluateExec %s AS %s (batches of %d rows, %d bytes", e.node.Call, e.node.Name, b.Rows, b.Bytes)
	if b.Workers > 0 {
		s += fmt.Sprintf(", ahead on %d workers", b.Workers)
	}
	return s + ")"
}

// Metrics describe the function's work so far. Safe to call
// concurrently with the job.
func (e *Node) Metrics() Metrics { return e.call.metrics() }

// Close closes the function, once every partition is done with it (the
// job's end); the operators of a closed node must not run.
func (e *Node) Close() { e.call.close() }

// Operator implements op.PhysicalNode: partition p of the input, with
// the function's results appended.
func (e *Node) Operator(p int) (op.Operator, error) {
	in, err := e.input.Operator(p)
	if err != nil {
		return nil, err
	}
	return &evaluateOp{exec: e, input: in, partition: p}, nil
}

// pendingRows are input rows waiting for their results: a batch (or a
// slice of one) with its evaluated arguments.
type pendingRows struct {
	batch arrow.RecordBatch
	args  []arrow.Array
	first int64 // the partition's row number of the first row
}

func (p pendingRows) release() {
	p.batch.Release()
	eval.ReleaseArrays(p.args)
}

type evaluateOp struct {
	exec      *Node
	input     op.Operator
	partition int
	eval      *eval.Evaluator
	dead      *deadLetters

	pending      []pendingRows
	pendingRows  int
	pendingBytes int64
	rowsSeen     int64
	ready        []arrow.RecordBatch // results to hand out, in order
	inputDone    bool
	iterating    *iteration // for an iterator function
	ahead        *ahead     // for a function computed ahead, asynchronously
	out          op.Holder
}

var _ op.Operator = (*evaluateOp)(nil)

func (o *evaluateOp) Schema() *arrow.Schema          { return o.exec.schema }
func (o *evaluateOp) Open(ctx context.Context) error { return o.input.Open(ctx) }

// Next implements op.Operator.
func (o *evaluateOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		if len(o.ready) > 0 {
			b := o.ready[0]
			o.ready = o.ready[1:]
			return o.out.Set(b), nil
		}
		if fn, ok := o.exec.node.Call.Fn.(plan.IteratorFunction); ok {
			if err := o.iterate(ctx, fn); err != nil {
				return nil, err
			}
			continue
		}
		if w := o.exec.call.batching.Workers; w > 0 {
			if o.ahead == nil {
				o.startAhead(ctx, w)
			}
			err := o.nextAhead(ctx)
			if errors.Is(err, io.EOF) {
				if err := o.dead.commit(); err != nil {
					return nil, err
				}
			}
			if err != nil {
				return nil, err
			}
			continue
		}
		if o.inputDone {
			if len(o.pending) > 0 {
				if err := o.flush(ctx); err != nil {
					return nil, err
				}
				continue
			}
			if err := o.dead.commit(); err != nil {
				return nil, err
			}
			return nil, io.EOF
		}
		b, err := o.input.Next(ctx)
		if errors.Is(err, io.EOF) {
			o.inputDone = true
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := o.add(ctx, b); err != nil {
			return nil, err
		}
	}
}

// add queues b's rows, in slices that fit the batch bounds, flushing
// whenever the queue is full.
func (o *evaluateOp) add(ctx context.Context, b arrow.RecordBatch) error {
	if o.eval == nil {
		o.eval = eval.New(ctx, compute.GetAllocator(ctx), o.partition)
	}
	args, err := o.eval.Arrays(o.exec.node.Call.Args, b)
	if err != nil {
		return err
	}
	defer eval.ReleaseArrays(args)
	rows := int(b.NumRows())
	var bytes int64
	for _, a := range args {
		bytes += rowsBytes(a)
	}
	rowBytes := max(1, bytes/int64(max(rows, 1)))
	limit := o.exec.call.batching
	for start := 0; start < rows; {
		room := min(limit.Rows-o.pendingRows, int((limit.Bytes-o.pendingBytes)/rowBytes))
		if room <= 0 {
			if o.pendingRows == 0 {
				room = 1 // a row larger than the byte bound goes alone
			} else {
				if err := o.flush(ctx); err != nil {
					return err
				}
				continue
			}
		}
		end := min(rows, start+room)
		o.queue(b, args, start, end)
		o.pendingBytes += int64(end-start) * rowBytes
		start = end
	}
	if o.pendingRows >= limit.Rows || o.pendingBytes >= limit.Bytes {
		return o.flush(ctx)
	}
	return nil
}

func (o *evaluateOp) queue(b arrow.RecordBatch, args []arrow.Array, start, end int) {
	p := pendingRows{first: o.rowsSeen, args: make([]arrow.Array, len(args))}
	if start == 0 && end == int(b.NumRows()) {
		b.Retain()
		p.batch = b
		for i, a := range args {
			a.Retain()
			p.args[i] = a
		}
	} else {
		p.batch = b.NewSlice(int64(start), int64(end))
		for i, a := range args {
			p.args[i] = array.NewSlice(a, int64(start), int64(end))
		}
	}
	o.pending = append(o.pending, p)
	o.pendingRows += end - start
	o.rowsSeen += int64(end - start)
}

// flush runs the function over the queued rows and turns them into ready
// output batches (an iterator function gets them as its next batch; a
// function computed ahead gets them as its next task).
func (o *evaluateOp) flush(ctx context.Context) error {
	pending := o.pending
	o.pending, o.pendingRows, o.pendingBytes = nil, 0, 0
	args, err := concatArgs(pending, compute.GetAllocator(ctx))
	if err != nil {
		releasePending(pending)
		return err
	}
	g := &gathered{pending: pending, args: args}
	first := pending[0].first
	switch {
	case o.iterating != nil:
		o.iterating.push(g)
		return nil
	case o.ahead != nil:
		return o.ahead.dispatch(ctx, o, g, first)
	}
	defer g.release()
	result, failures, err := o.compute(ctx, g, first)
	if err != nil {
		return err
	}
	defer result.Release()
	return o.outputs(ctx, g, result, failures)
}

// compute runs the function over a gathered batch whose first row is the
// partition's row first.
func (o *evaluateOp) compute(ctx context.Context, g *gathered, first int64) (arrow.Array, *failures, error) {
	rows := g.rows()
	where := fmt.Sprintf("partition %d, rows %d–%d", o.partition, first, first+int64(rows)-1)
	return o.exec.call.run(ctx, g.args, rows, where, first)
}

// rowsBytes is the size of a's rows: for a slice of a larger array (a
// model's input cut from a bigger batch), its share of the buffers, not
// the whole buffers.
func rowsBytes(a arrow.Array) int64 {
	n := int64(a.Len())
	switch t := a.DataType().(type) {
	case arrow.FixedWidthDataType:
		return n * int64(t.BitWidth()) / 8
	case *arrow.FixedSizeListType:
		child := a.(*array.FixedSizeList).ListValues()
		if child.Len() == 0 {
			return 0
		}
		return rowsBytes(child) * n * int64(t.Len()) / int64(child.Len())
	}
	if b, ok := a.(interface{ ValueOffsets() []int32 }); ok && n > 0 {
		off := b.ValueOffsets()
		if a.DataType().ID() == arrow.STRING || a.DataType().ID() == arrow.BINARY {
			return int64(off[n]-off[0]) + 4*n
		}
	}
	return arrowmem.ArrayBytes(a.Data())
}

// gathered is a batch of queued rows and their joined arguments.
type gathered struct {
	pending []pendingRows
	args    []arrow.Array
}

func (g *gathered) rows() int { return g.args[0].Len() }

func (g *gathered) release() {
	releasePending(g.pending)
	eval.ReleaseArrays(g.args)
}

func releasePending(ps []pendingRows) {
	for _, p := range ps {
		p.release()
	}
}

// outputs appends result's rows to the gathered rows, queueing the
// batches to hand out.
func (o *evaluateOp) outputs(ctx context.Context, g *gathered, result arrow.Array, failures *failures) error {
	offset := 0
	for _, p := range g.pending {
		n := int(p.batch.NumRows())
		out, err := o.output(ctx, p, result, failures, offset, n)
		if err != nil {
			return err
		}
		if out != nil {
			o.ready = append(o.ready, out)
		}
		offset += n
	}
	return nil
}

// concatArgs joins the queued rows' arguments into one batch of arguments.
func concatArgs(pending []pendingRows, mem memory.Allocator) ([]arrow.Array, error) {
	out := make([]arrow.Array, len(pending[0].args))
	for i := range out {
		if len(pending) == 1 {
			pending[0].args[i].Retain()
			out[i] = pending[0].args[i]
			continue
		}
		parts := make([]arrow.Array, len(pending))
		for k, p := range pending {
			parts[k] = p.args[i]
		}
		c, err := array.Concatenate(parts, mem)
		if err != nil {
			eval.ReleaseArrays(out)
			return nil, fmt.Errorf("exec: gathering a batch: %w", err)
		}
		out[i] = c
	}
	return out, nil
}

// output appends the results of rows [offset, offset+n) to p's rows,
// applying the error policy to the failed ones.
func (o *evaluateOp) output(ctx context.Context, p pendingRows, result arrow.Array, failures *failures, offset, n int) (arrow.RecordBatch, error) {
	mem := compute.GetAllocator(ctx)
	opts := o.exec.node.Call.Options
	values := array.NewSlice(result, int64(offset), int64(offset+n))
	defer values.Release()
	cols := append(append([]arrow.Array(nil), p.batch.Columns()...), values)
	var bad []int
	var errs []error
	if failures != nil {
		bad, errs = failures.within(offset, n)
	}
	switch {
	case o.exec.node.SharesErrorColumn():
		// Keep the errors of the call that computed an argument; add ours.
		at := o.exec.node.Input.Schema().FieldIndices(opts.ErrorColumn)[0]
		ec := mergeErrors(mem, n, cols[at].(*array.String), bad, errs)
		defer ec.Release()
		cols[at] = ec
	case opts.ErrorColumn != "":
		ec := errorColumn(mem, n, bad, errs)
		defer ec.Release()
		cols = append(cols, ec)
	}
	out := array.NewRecordBatch(o.exec.schema, cols, int64(n))
	if len(bad) == 0 || opts.OnError != plan.DeadLetter {
		return out, nil
	}
	defer out.Release()
	if o.dead == nil {
		o.dead = newDeadLetters(opts.DeadLetterDir, o.exec.call.name, o.exec.node.Name, o.partition)
	}
	if err := o.dead.write(p.batch, bad, errs); err != nil {
		return nil, err
	}
	o.exec.call.deadLetters.Add(int64(len(bad)))
	kept, err := dropRows(ctx, out, bad)
	if err != nil || kept.NumRows() > 0 {
		return kept, err
	}
	kept.Release()
	return nil, nil
}

// Close implements op.Operator.
func (o *evaluateOp) Close() error {
	o.ahead.stop()
	o.out.Release()
	for _, b := range o.ready {
		b.Release()
	}
	o.ready = nil
	releasePending(o.pending)
	o.pending = nil
	o.iterating.close()
	o.dead.abandon()
	return o.input.Close()
}

// callPanic turns a panic in a batch function into an error naming it.
func callPanic(name string, err *error) {
	if r := recover(); r != nil {
		*err = plan.Recovered(name, r)
	}
}

// backoff is the pause before retry number attempt (from 1).
func backoff(attempt int) time.Duration {
	return min(time.Second, 20*time.Millisecond<<(attempt-1))
}
