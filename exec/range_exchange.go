package exec

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/plan"
)

// The range exchange of a global sort (Graph.sort) takes three steps, as
// Spark's RangePartitioner does: sampleExec draws a sample of the sort
// keys of each input partition, boundsExec turns the samples into range
// bounds, and rangeRouter sends each row to its range.

// sampleRowsPerPartition is how many key rows each of inputs partitions
// samples to split them into ranges: Spark's choice, 20 per range (at most
// a million in all), oversampled three times since partitions differ in
// size.
func sampleRowsPerPartition(ranges, inputs int) int {
	total := min(20*float64(ranges), 1e6)
	return int(math.Ceil(3 * total / float64(inputs)))
}

// sortKeys returns the expressions orders sort by.
func sortKeys(orders []plan.SortOrder) []plan.Expr {
	keys := make([]plan.Expr, len(orders))
	for i, o := range orders {
		keys[i] = o.Expr
	}
	return keys
}

// sampleExec draws a uniform sample of at most rows key rows from each
// partition of its input (reservoir sampling, seeded by the partition so
// that every runner draws the same) and outputs them with a weight: the
// partition's rows per sampled row.
type sampleExec struct {
	job    *job
	input  PhysicalNode
	orders []plan.SortOrder
	rows   int
	keys   *arrow.Schema // one column per sort key
	schema *arrow.Schema // keys, then the weight
}

func newSampleExec(j *job, input PhysicalNode, orders []plan.SortOrder, rows int) *sampleExec {
	fields := make([]arrow.Field, len(orders))
	for i, o := range orders {
		fields[i] = arrow.Field{Name: fmt.Sprintf("key%d", i), Type: o.Expr.Type(), Nullable: true}
	}
	keys := arrow.NewSchema(fields, nil)
	schema := arrow.NewSchema(append(fields, arrow.Field{Name: "weight", Type: arrow.PrimitiveTypes.Float64}), nil)
	return &sampleExec{job: j, input: input, orders: orders, rows: rows, keys: keys, schema: schema}
}

func (s *sampleExec) Schema() *arrow.Schema    { return s.schema }
func (s *sampleExec) Partitions() int          { return s.input.Partitions() }
func (s *sampleExec) Children() []PhysicalNode { return []PhysicalNode{s.input} }
func (s *sampleExec) String() string {
	return fmt.Sprintf("SampleExec %s, %d rows per partition", plan.FormatOrders(s.orders), s.rows)
}

// Operator implements PhysicalNode.
func (s *sampleExec) Operator(p int) (Operator, error) {
	in, err := s.input.Operator(p)
	if err != nil {
		return nil, err
	}
	return &bufferOp{schema: s.schema, job: s.job, input: in, load: func(ctx context.Context) ([]arrow.RecordBatch, int64, error) {
		b, err := s.sample(ctx, in, p)
		if b == nil || err != nil {
			return nil, 0, err
		}
		return []arrow.RecordBatch{b}, 0, nil
	}}, nil
}

// sample returns partition p's sample, or nil for an empty partition.
func (s *sampleExec) sample(ctx context.Context, in Operator, p int) (arrow.RecordBatch, error) {
	mem := allocatorOf(ctx)
	ev := eval.New(ctx, mem, p)
	rng := rand.New(rand.NewPCG(uint64(p), 0x5eed))
	var reservoir arrow.RecordBatch // the sampled key rows so far
	defer func() {
		if reservoir != nil {
			reservoir.Release()
		}
	}()
	var seen int64
	slots := make([]int, s.rows) // per reservoir slot, the row of this batch that takes it, or -1
	err := op.Drain(ctx, in, func(b arrow.RecordBatch) error {
		for i := range slots {
			slots[i] = -1
		}
		taken := false
		for r := range int(b.NumRows()) {
			slot := seen
			if seen >= int64(s.rows) {
				slot = rng.Int64N(seen + 1)
			}
			if slot < int64(s.rows) {
				slots[slot], taken = r, true
			}
			seen++
		}
		if !taken {
			return nil
		}
		keys, err := ev.Arrays(sortKeys(s.orders), b)
		if err != nil {
			return err
		}
		fresh := array.NewRecordBatch(s.keys, keys, b.NumRows())
		eval.ReleaseArrays(keys)
		defer fresh.Release()
		// The new reservoir takes its rows from the old one, then this
		// batch: row i of the old one is index i, row r of the batch is
		// old+r.
		old := 0
		parts := []arrow.RecordBatch{fresh}
		if reservoir != nil {
			old = int(reservoir.NumRows())
			parts = []arrow.RecordBatch{reservoir, fresh}
		}
		both, err := concatBatches(mem, s.keys, parts)
		if err != nil {
			return err
		}
		defer both.Release()
		idx := make([]int32, min(seen, int64(s.rows)))
		for i := range idx {
			idx[i] = int32(i)
			if slots[i] >= 0 {
				idx[i] = int32(old + slots[i])
			}
		}
		next, err := takeRows(ctx, both, idx)
		if err != nil {
			return err
		}
		if reservoir != nil {
			reservoir.Release()
		}
		reservoir = next
		return nil
	})
	if err != nil || reservoir == nil {
		return nil, err
	}
	wb := array.NewFloat64Builder(mem)
	defer wb.Release()
	weight := float64(seen) / float64(reservoir.NumRows())
	for range reservoir.NumRows() {
		wb.Append(weight)
	}
	w := wb.NewArray()
	defer w.Release()
	return array.NewRecordBatch(s.schema, append(reservoir.Columns()[:len(s.orders):len(s.orders)], w), reservoir.NumRows()), nil
}

// takeRows returns the rows idx of b, in that order.
func takeRows(ctx context.Context, b arrow.RecordBatch, idx []int32) (arrow.RecordBatch, error) {
	ib := array.NewInt32Builder(allocatorOf(ctx))
	defer ib.Release()
	ib.AppendValues(idx, nil)
	indices := ib.NewArray()
	defer indices.Release()
	return eval.TakeBatch(ctx, b, indices)
}

// boundsExec turns the weighted key samples of every input partition (one
// partition: the gathered samples) into at most ranges-1 ascending,
// distinct bounds: it walks the samples in sort order and takes a bound
// each time their cumulated weight passes another 1/ranges of the total.
type boundsExec struct {
	job    *job
	input  PhysicalNode
	orders []plan.SortOrder
	ranges int
	schema *arrow.Schema // one column per sort key
}

func (b *boundsExec) Schema() *arrow.Schema    { return b.schema }
func (b *boundsExec) Partitions() int          { return 1 }
func (b *boundsExec) Children() []PhysicalNode { return []PhysicalNode{b.input} }
func (b *boundsExec) String() string {
	return fmt.Sprintf("RangeBoundsExec %s into %d ranges", plan.FormatOrders(b.orders), b.ranges)
}

// Operator implements PhysicalNode.
func (b *boundsExec) Operator(int) (Operator, error) {
	in, err := b.input.Operator(0)
	if err != nil {
		return nil, err
	}
	return &bufferOp{schema: b.schema, job: b.job, input: in, load: func(ctx context.Context) ([]arrow.RecordBatch, int64, error) {
		out, err := b.bounds(ctx, in)
		if out == nil || err != nil {
			return nil, 0, err
		}
		return []arrow.RecordBatch{out}, 0, nil
	}}, nil
}

func (b *boundsExec) bounds(ctx context.Context, in Operator) (arrow.RecordBatch, error) {
	var samples []arrow.RecordBatch
	defer func() {
		for _, s := range samples {
			s.Release()
		}
	}()
	if err := op.Drain(ctx, in, func(s arrow.RecordBatch) error {
		s.Retain()
		samples = append(samples, s)
		return nil
	}); err != nil || len(samples) == 0 {
		return nil, err
	}
	mem := allocatorOf(ctx)
	all, err := concatBatches(mem, samples[0].Schema(), samples)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	keyCount := len(b.orders)
	keys := all.Columns()[:keyCount]
	perm, err := sortedOrder(keys, b.orders)
	if err != nil {
		return nil, err
	}
	compare, err := rowComparator(keys, keys, b.orders)
	if err != nil {
		return nil, err
	}
	weights := all.Column(keyCount).(*array.Float64)
	total := 0.0
	for i := range weights.Len() {
		total += weights.Value(i)
	}
	step := total / float64(b.ranges)
	target, cumulated := step, 0.0
	var chosen []int32
	for _, i := range perm {
		if len(chosen) == b.ranges-1 {
			break
		}
		cumulated += weights.Value(int(i))
		if cumulated >= target && (len(chosen) == 0 || compare(int(i), int(chosen[len(chosen)-1])) > 0) {
			chosen = append(chosen, i)
			target += step
		}
	}
	keysOnly := array.NewRecordBatch(b.schema, keys, all.NumRows())
	defer keysOnly.Release()
	return takeRows(ctx, keysOnly, chosen)
}

// rangeRouter finds the range of each row of a task's output: the first
// range whose bound the row does not sort after, or the last range.
type rangeRouter struct {
	exchange *Exchange
	loaded   bool
	bounds   arrow.RecordBatch // nil when the sorted input was empty
}

// load reads task from's copy of the bounds.
func (r *rangeRouter) load(ctx context.Context, sh Shuffle, from int) error {
	reader, err := sh.Read(ctx, r.exchange.Bounds, from)
	if err != nil {
		return err
	}
	defer reader.Close()
	var parts []arrow.RecordBatch
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	for {
		b, err := reader.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		b.Retain()
		parts = append(parts, b)
	}
	r.loaded = true
	if len(parts) == 0 {
		return nil
	}
	r.bounds, err = concatBatches(allocatorOf(ctx), r.exchange.Bounds.Schema, parts)
	return err
}

// targets sets targets[i] to the range of row i of b.
func (r *rangeRouter) targets(ctx context.Context, b arrow.RecordBatch, from int, targets []int) error {
	if r.bounds == nil || r.bounds.NumRows() == 0 {
		clear(targets)
		return nil
	}
	keys, err := eval.New(ctx, allocatorOf(ctx), from).Arrays(sortKeys(r.exchange.Orders), b)
	if err != nil {
		return err
	}
	defer eval.ReleaseArrays(keys)
	compare, err := rowComparator(keys, r.bounds.Columns(), r.exchange.Orders)
	if err != nil {
		return err
	}
	n := int(r.bounds.NumRows())
	for row := range targets {
		targets[row] = sort.Search(n, func(j int) bool { return compare(row, j) <= 0 })
	}
	return nil
}

func (r *rangeRouter) release() {
	if r.bounds != nil {
		r.bounds.Release()
		r.bounds = nil
	}
}
