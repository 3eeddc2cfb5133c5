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
	if len(cols) == 1 && intTargets(cols[0], n, targets) {
		return nil
	}
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

// intTargets is hashTargets for one int64 or int32 key (the usual join
// key) without the key encoder: it hashes the bytes the encoder would
// write (a 1, then the value as 8 little-endian bytes; a 0 for NULL) as
// eval.HashKey does, so every key lands where hashTargets puts it (the
// placement is a contract between processes). It reports false for other
// types.
func intTargets(col arrow.Array, n int, targets []int) bool {
	var value func(i int) uint64
	switch c := col.(type) {
	case *array.Int64:
		v := c.Int64Values()
		value = func(i int) uint64 { return uint64(v[i]) }
	case *array.Int32:
		v := c.Int32Values()
		value = func(i int) uint64 { return uint64(int64(v[i])) }
	default:
		return false
	}
	nullTarget := int(eval.HashKey([]byte{0}) % uint64(n))
	nulls := col.NullN() > 0
	for i := range targets {
		if nulls && col.IsNull(i) {
			targets[i] = nullTarget
			continue
		}
		targets[i] = int(hashIntKey(value(i)) % uint64(n))
	}
	return true
}

// hashIntKey is eval.HashKey of an integer's key encoding, unrolled.
func hashIntKey(v uint64) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	h ^= 1
	h *= prime
	for k := 0; k < 64; k += 8 {
		h ^= (v >> k) & 0xff
		h *= prime
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
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
