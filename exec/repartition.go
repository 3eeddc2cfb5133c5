package exec

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/plan"
)

// repartitionExec moves rows into n partitions, round-robin or by hash.
type repartitionExec struct {
	exchange
	n    int
	keys []plan.Expr
	// next is, per input partition, the output the next row goes to in
	// round-robin mode; each entry is only touched by its partition.
	next []int
}

func (r *repartitionExec) Schema() *arrow.Schema    { return r.input.Schema() }
func (r *repartitionExec) Partitions() int          { return r.n }
func (r *repartitionExec) Children() []PhysicalNode { return []PhysicalNode{r.input} }
func (r *repartitionExec) String() string {
	if len(r.keys) == 0 {
		return fmt.Sprintf("RepartitionExec round-robin %d", r.n)
	}
	return fmt.Sprintf("RepartitionExec hash %s %d", plan.FormatExprs(r.keys), r.n)
}

// Operator implements PhysicalNode.
func (r *repartitionExec) Operator(p int) (Operator, error) {
	return &bufferOp{schema: r.Schema(), job: r.job, load: func(ctx context.Context) ([]arrow.RecordBatch, int64, error) {
		err := r.once(ctx, r.n, func(ctx context.Context) error { return r.drainInput(ctx, r.route) })
		if err != nil {
			return nil, 0, err
		}
		batches, n := r.take(p)
		return batches, n, nil
	}}, nil
}

// route splits one input batch among the output partitions. Round-robin
// starts input partition p at output p, so that small inputs spread too.
func (r *repartitionExec) route(ctx context.Context, p int, b arrow.RecordBatch) error {
	targets := make([]int, b.NumRows())
	if len(r.keys) == 0 {
		for i := range targets {
			targets[i] = (r.next[p] + i) % r.n
		}
		r.next[p] = (r.next[p] + len(targets)) % r.n
	} else {
		ev := newEvaluator(ctx, allocatorOf(ctx), p)
		cols, err := ev.arrays(r.keys, b)
		if err != nil {
			return err
		}
		defer releaseArrays(cols)
		enc, err := newKeyEncoder(cols)
		if err != nil {
			return err
		}
		var buf []byte
		for i := range targets {
			buf = enc.encode(buf[:0], i)
			targets[i] = int(hashKey(buf) % uint64(r.n))
		}
	}
	return scatter(ctx, b, targets, r.n, func(out int, part arrow.RecordBatch) error {
		return r.keep(out, part, "repartition")
	})
}

// scatter splits b by target partition, handing each non-empty part (owned
// by the callee) to emit.
func scatter(ctx context.Context, b arrow.RecordBatch, targets []int, n int, emit func(int, arrow.RecordBatch) error) error {
	mem := allocatorOf(ctx)
	indices := make([]*array.Int32Builder, n)
	for i, t := range targets {
		if indices[t] == nil {
			indices[t] = array.NewInt32Builder(mem)
		}
		indices[t].Append(int32(i))
	}
	defer func() {
		for _, ib := range indices {
			if ib != nil {
				ib.Release()
			}
		}
	}()
	for out, ib := range indices {
		if ib == nil {
			continue
		}
		if ib.Len() == int(b.NumRows()) {
			b.Retain()
			if err := emit(out, b); err != nil {
				return err
			}
			continue
		}
		idx := ib.NewArray()
		part, err := takeBatch(ctx, b, idx)
		idx.Release()
		if err != nil {
			return err
		}
		if err := emit(out, part); err != nil {
			return err
		}
	}
	return nil
}

// takeBatch gathers the rows of b at indices into a new batch.
func takeBatch(ctx context.Context, b arrow.RecordBatch, indices arrow.Array) (arrow.RecordBatch, error) {
	ctx = compute.SetExecCtx(ctx, serialExec)
	cols := make([]arrow.Array, b.NumCols())
	for i, c := range b.Columns() {
		out, err := compute.TakeArray(ctx, c, indices)
		if err != nil {
			releaseArrays(cols)
			return nil, err
		}
		cols[i] = out
	}
	defer releaseArrays(cols)
	return array.NewRecordBatch(b.Schema(), cols, int64(indices.Len())), nil
}
