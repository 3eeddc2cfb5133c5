package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/internal/spill"
	"github.com/ember-df/ember/plan"
)

// graceSpills counts the build sides that spilled, in this process (for
// tests: a job's SpilledBytes counts its exchanges' spills too).
var graceSpills atomic.Int64

// gracePair is one hash partition of a spilled join: the build and probe
// rows whose key hashes fall in it, split at level.
type gracePair struct {
	level        int
	build, probe []*spill.File
}

// grace spills a build side that does not fit the budget, and the probe
// side with it, into spillFanOut hash partitions each at level, and
// queues the partitions to be joined one at a time: all the rows of a key
// land in the same partition on both sides. tb holds the build batches
// read so far, pending (borrowed; nil for none) the one that did not fit,
// build the rest of the build side and probe the probe side.
func (o *joinOp) grace(ctx context.Context, tb *tableBuilder, pending arrow.RecordBatch, build, probe batchSource, level int) error {
	if o.spec.shared != nil || len(o.spec.leftKeys) == 0 {
		return o.noRoom(tb.held)
	}
	if level >= maxSpillLevels {
		return fmt.Errorf("%w: %s: the build rows of one hash partition still do not fit the memory budget of %s after %d rounds of spilling (one key has too many rows?); raise it with frame.WithMemoryBudget",
			ErrMemoryBudget, o.spec.label, formatBytes(o.spec.job.budget.limit), level)
	}
	graceSpills.Add(1)
	bs := newSpillPartitions(o.spec.job, o.buildSchema(), level)
	o.spilled = append(o.spilled, bs)
	batches, held := tb.batches()
	var err error
	for i, b := range batches {
		if err == nil {
			err = o.spillRows(ctx, bs, buildSide, b)
		}
		batches[i].Release()
	}
	o.spec.job.budget.free(held)
	if err != nil {
		return err
	}
	if pending != nil {
		if err := o.spillRows(ctx, bs, buildSide, pending); err != nil {
			return err
		}
	}
	if err := o.spillAll(ctx, bs, buildSide, build); err != nil {
		return err
	}
	if probe == o.probeIn {
		if err := o.openProbe(ctx); err != nil {
			return err
		}
	}
	ps := newSpillPartitions(o.spec.job, o.probeSchema(), level)
	o.spilled = append(o.spilled, ps)
	if err := o.spillAll(ctx, ps, probeSide, probe); err != nil {
		return err
	}
	if err := o.finishNullKeys(); err != nil {
		return err
	}
	bf, err := bs.finishEach()
	if err != nil {
		return err
	}
	pf, err := ps.finishEach()
	if err != nil {
		for _, files := range bf {
			removeFiles(files)
		}
		return err
	}
	var parts []gracePair
	for i := range bf {
		if len(bf[i]) > 0 || len(pf[i]) > 0 {
			parts = append(parts, gracePair{level: level, build: bf[i], probe: pf[i]})
		}
	}
	o.queue = append(parts, o.queue...)
	return nil
}

// The sides of a join, for spilling.
const (
	buildSide = iota
	probeSide
)

// spillAll spills the rest of src, rows of side, into s.
func (o *joinOp) spillAll(ctx context.Context, s *spillPartitions, side int, src batchSource) error {
	for {
		b, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if b.NumRows() > 0 {
			if err := o.spillRows(ctx, s, side, b); err != nil {
				return err
			}
		}
	}
}

// spillRows spills b's rows of side (b borrowed) by the hash of their
// keys. Rows whose key holds a NULL under = match nothing, and would all
// land in one partition, which no split makes smaller: they go aside
// instead — into a file of rows output unmatched at the end when the join
// keeps them, nowhere when it drops them.
func (o *joinOp) spillRows(ctx context.Context, s *spillPartitions, side int, b arrow.RecordBatch) error {
	keys := o.spec.buildKeys()
	if side == probeSide {
		keys = o.spec.probeKeys()
	}
	cols, err := o.ev.Arrays(keys, b)
	if err != nil {
		return err
	}
	defer eval.ReleaseArrays(cols)
	enc, err := eval.NewKeyEncoder(cols)
	if err != nil {
		return err
	}
	if !b.Schema().Equal(s.schema) { // the same columns under other metadata
		b = array.NewRecordBatch(s.schema, b.Columns(), b.NumRows())
		defer b.Release()
	}
	var hashes []uint64
	var keyed, nulls []int32
	var buf []byte
	for r := 0; r < int(b.NumRows()); r++ {
		if nullKey(cols, o.spec.nullSafe, r) {
			nulls = append(nulls, int32(r))
			continue
		}
		keyed = append(keyed, int32(r))
		buf = enc.Encode(buf[:0], r)
		hashes = append(hashes, eval.HashKey(buf))
	}
	if len(nulls) == 0 {
		return s.write(ctx, b, hashes)
	}
	if len(keyed) > 0 {
		part, err := takeRows(o.ev.Context(), b, keyed)
		if err != nil {
			return err
		}
		err = s.write(ctx, part, hashes)
		part.Release()
		if err != nil {
			return err
		}
	}
	keep := o.spec.keepsBuild()
	if side == probeSide {
		keep = o.spec.keepsProbe() || o.spec.typ == plan.LeftAntiJoin
	}
	if !keep {
		return nil
	}
	part, err := takeRows(o.ev.Context(), b, nulls)
	if err != nil {
		return err
	}
	defer part.Release()
	if o.nullWriters[side] == nil {
		w, err := o.spec.job.spillDir().Create(s.schema)
		if err != nil {
			return err
		}
		o.nullWriters[side] = w
	}
	return o.nullWriters[side].Write(part)
}

// finishNullKeys ends the files of rows set aside for their NULL keys.
func (o *joinOp) finishNullKeys() error {
	for side, w := range o.nullWriters {
		if w == nil {
			continue
		}
		o.nullWriters[side] = nil
		f, err := w.Finish()
		if err != nil {
			return err
		}
		o.nullFiles[side] = append(o.nullFiles[side], f)
	}
	return nil
}

// nullKeyRows outputs, once every spilled partition is joined, the rows
// set aside for their NULL keys, each as a row nothing matched; io.EOF
// after the last.
func (o *joinOp) nullKeyRows(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		if o.nullReader == nil {
			side := -1
			for s := range o.nullFiles {
				if len(o.nullFiles[s]) > 0 {
					side = s
					break
				}
			}
			if side < 0 {
				return nil, io.EOF
			}
			o.nullReader, o.nullSide = o.reader(o.nullFiles[side]), side
			o.nullFiles[side] = nil
		}
		b, err := o.nullReader.Next(ctx)
		if errors.Is(err, io.EOF) {
			o.nullReader = nil
			continue
		}
		if err != nil {
			return nil, err
		}
		if b.NumRows() > 0 {
			out, err := o.unmatched(b, o.nullSide == buildSide)
			if err != nil || out.NumRows() > 0 {
				return o.out.Set(out), err
			}
			out.Release()
		}
	}
}

// finishEach is finish keeping the partitions apart: the files of hash
// partition i, nil when empty, whose ownership passes to the caller.
func (s *spillPartitions) finishEach() ([spillFanOut][]*spill.File, error) {
	var out [spillFanOut][]*spill.File
	var first error
	for p, w := range s.writers {
		if w == nil {
			continue
		}
		s.writers[p] = nil
		f, err := w.Finish()
		if err != nil {
			first = errors.Join(first, err)
			continue
		}
		s.files[p] = append(s.files[p], f)
	}
	if first != nil {
		return out, first // release removes the files
	}
	for p := range s.files {
		out[p], s.files[p] = s.files[p], nil
	}
	return out, nil
}
