package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/plan"
)

// hashTargets sets targets[i] to the output partition (of n) of row i's
// key, evaluated from keys over b; p names the partition for errors.
func hashTargets(ctx context.Context, keys []plan.Expr, b arrow.RecordBatch, p, n int, targets []int) error {
	ev := eval.New(ctx, allocatorOf(ctx), p)
	cols, err := ev.Arrays(keys, b)
	if err != nil {
		return err
	}
	defer eval.ReleaseArrays(cols)
	enc, err := eval.NewKeyEncoder(cols)
	if err != nil {
		return err
	}
	var buf []byte
	for i := range targets {
		buf = enc.Encode(buf[:0], i)
		targets[i] = int(eval.HashKey(buf) % uint64(n))
	}
	return nil
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
		part, err := eval.TakeBatch(ctx, b, idx)
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
