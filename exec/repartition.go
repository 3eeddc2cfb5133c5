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
// by the callee) to emit. Parts are gathered as a join gathers its pairs
// (takeColumns), a plain copy for strings and fixed-width columns.
func scatter(ctx context.Context, b arrow.RecordBatch, targets []int, n int, emit func(int, arrow.RecordBatch) error) error {
	mem := allocatorOf(ctx)
	indices := make([][]int32, n)
	for i, t := range targets {
		indices[t] = append(indices[t], int32(i))
	}
	for out, idx := range indices {
		if len(idx) == 0 {
			continue
		}
		if len(idx) == int(b.NumRows()) {
			b.Retain()
			if err := emit(out, b); err != nil {
				return err
			}
			continue
		}
		cols, err := takeColumns(ctx, mem, b.Schema().Fields(), b.Columns(), idx)
		if err != nil {
			return err
		}
		part := array.NewRecordBatch(b.Schema(), cols, int64(len(idx)))
		eval.ReleaseArrays(cols)
		if err := emit(out, part); err != nil {
			return err
		}
	}
	return nil
}
