package frame

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/plan"
)

// DropDuplicates keeps one row per distinct combination of values in
// cols (per distinct row without cols, which is Distinct), as Spark's
// dropDuplicates. NULLs compare equal to each other here, as in Spark.
//
// Spark keeps the first row of each key; ember keeps the first to reach
// the key's partition after a shuffle by the key columns, which is not
// necessarily the first in df's order: which row of a group survives is
// unspecified. Unknown columns are errors the DataFrame holds. The keys
// seen are held in Go memory for the job (not on the memory budget), and
// the plan cannot run on a distributed runner (it holds a Go function).
func (df *DataFrame) DropDuplicates(cols ...string) *DataFrame {
	what := fmt.Sprintf("DropDuplicates(%s)", strings.Join(cols, ", "))
	if len(cols) == 0 {
		return df.derive(what, func(in plan.Node) (plan.Node, error) { return plan.NewDistinct(in) })
	}
	return df.derive(what, func(in plan.Node) (plan.Node, error) {
		cols := uniqueNames(cols)
		keys := make([]plan.Expr, len(cols))
		idx := make([]int, len(cols))
		for i, c := range cols {
			k, err := plan.FieldIndex(in.Schema(), c)
			if err != nil {
				return nil, err
			}
			keys[i], idx[i] = plan.Col(c), k
		}
		// Equal keys meet in one partition, where the filter sees them all.
		shuffled, err := plan.NewRepartition(in, df.sess.parallelism(), keys...)
		if err != nil {
			return nil, err
		}
		d := &dedup{keys: idx, runs: map[<-chan struct{}]*dedupRun{}}
		return &plan.MapBatches{Input: shuffled, Name: what, Fn: d.filter, OutSchema: in.Schema()}, nil
	})
}

// dedup filters out rows whose key an earlier row of the same job had.
// A DataFrame runs many times, and a BatchFunc is told neither its job
// nor its partition: the keys seen are kept per run of the stage, told
// apart by the Done channel of the context its tasks share, and dropped
// when that context ends (the stage's tasks have finished).
type dedup struct {
	keys []int
	mu   sync.Mutex
	runs map[<-chan struct{}]*dedupRun
}

type dedupRun struct {
	mu   sync.Mutex
	seen map[string]struct{}
}

func (d *dedup) run(ctx context.Context) (*dedupRun, error) {
	done := ctx.Done()
	if done == nil {
		return nil, errors.New("frame: DropDuplicates runs in a job, whose context can be cancelled")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.runs[done]
	if !ok {
		r = &dedupRun{seen: map[string]struct{}{}}
		d.runs[done] = r
		context.AfterFunc(ctx, func() {
			d.mu.Lock()
			delete(d.runs, done)
			d.mu.Unlock()
		})
	}
	return r, nil
}

func (d *dedup) filter(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	r, err := d.run(ctx)
	if err != nil {
		return nil, err
	}
	mask := array.NewBooleanBuilder(compute.GetAllocator(ctx))
	defer mask.Release()
	mask.Reserve(int(b.NumRows()))
	kept := 0
	var key, scratch []byte
	r.mu.Lock()
	for row := range int(b.NumRows()) {
		key = appendKey(key[:0], &scratch, b, d.keys, row)
		_, dup := r.seen[string(key)]
		if !dup {
			r.seen[string(key)] = struct{}{}
			kept++
		}
		mask.UnsafeAppend(!dup)
	}
	r.mu.Unlock()
	if kept == int(b.NumRows()) {
		b.Retain()
		return b, nil
	}
	m := mask.NewArray()
	defer m.Release()
	return compute.FilterRecordBatch(ctx, b, m, compute.DefaultFilterOptions())
}

// appendKey encodes the values of cols at row unambiguously: per column a
// NULL marker, or a length-prefixed rendering. scratch is reused.
func appendKey(dst []byte, scratch *[]byte, b arrow.RecordBatch, cols []int, row int) []byte {
	for _, c := range cols {
		col := b.Column(c)
		if col.IsNull(row) {
			dst = append(dst, 0)
			continue
		}
		*scratch = eval.AppendValue((*scratch)[:0], col, row)
		dst = append(dst, 1)
		dst = binary.AppendUvarint(dst, uint64(len(*scratch)))
		dst = append(dst, *scratch...)
	}
	return dst
}
