package exec

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/plan"
)

// aggregateExec groups rows by key and computes aggregates: each input
// partition aggregates into its own table in parallel (the partial step),
// then the tables merge into one (the final step), which becomes a single
// output partition.
type aggregateExec struct {
	exchange
	keys   []plan.Expr
	aggs   []plan.AggExpr
	schema *arrow.Schema
}

func newAggregateExec(j *job, input PhysicalNode, keys []plan.Expr, aggs []plan.AggExpr, schema *arrow.Schema) *aggregateExec {
	return &aggregateExec{exchange: exchange{job: j, input: input}, keys: keys, aggs: aggs, schema: schema}
}

func (a *aggregateExec) Schema() *arrow.Schema    { return a.schema }
func (a *aggregateExec) Partitions() int          { return 1 }
func (a *aggregateExec) Children() []PhysicalNode { return []PhysicalNode{a.input} }
func (a *aggregateExec) String() string {
	aggs := make([]string, len(a.aggs))
	for i, x := range a.aggs {
		aggs[i] = x.String()
	}
	return fmt.Sprintf("HashAggregateExec keys=%s aggs=[%s]", plan.FormatExprs(a.keys), strings.Join(aggs, ", "))
}

// Operator implements PhysicalNode.
func (a *aggregateExec) Operator(int) (Operator, error) {
	return &bufferOp{schema: a.schema, job: a.job, load: func(ctx context.Context) ([]arrow.RecordBatch, int64, error) {
		if err := a.once(ctx, 1, a.run); err != nil {
			return nil, 0, err
		}
		batches, n := a.take(0)
		return batches, n, nil
	}}, nil
}

func (a *aggregateExec) run(ctx context.Context) error {
	tables := make([]*groupTable, a.input.Partitions())
	defer func() {
		for _, t := range tables {
			if t != nil {
				t.release()
			}
		}
	}()
	err := a.drainInput(ctx, func(ctx context.Context, p int, b arrow.RecordBatch) error {
		if tables[p] == nil {
			t, err := a.newTable(ctx, p)
			if err != nil {
				return err
			}
			tables[p] = t
		}
		return tables[p].add(b)
	})
	if err != nil {
		return err
	}
	final, err := a.newTable(ctx, 0)
	if err != nil {
		return err
	}
	defer final.release()
	for _, t := range tables {
		if t != nil {
			if err := final.merge(t); err != nil {
				return err
			}
		}
	}
	out, err := final.result()
	if err != nil {
		return err
	}
	// The result is served in slices; its memory is accounted once.
	rows, size := a.job.cfg.BatchRows, batchBytes(out)
	for lo := int64(0); lo < out.NumRows(); lo += int64(rows) {
		hi := min(lo+int64(rows), out.NumRows())
		n := int64(0)
		if lo == 0 {
			n = size
		}
		if err := a.keepSized(0, out.NewSlice(lo, hi), n, "aggregate"); err != nil {
			out.Release()
			return err
		}
	}
	out.Release()
	return nil
}

func (a *aggregateExec) newTable(ctx context.Context, p int) (*groupTable, error) {
	t := &groupTable{
		exec:  a,
		ev:    newEvaluator(ctx, allocatorOf(ctx), p),
		index: map[string]int32{},
		keyBs: make([]array.Builder, len(a.keys)),
		accs:  make([]accumulator, len(a.aggs)),
	}
	for i, k := range a.keys {
		t.keyBs[i] = array.NewBuilder(t.ev.mem, k.Type())
	}
	for i, x := range a.aggs {
		acc, err := newAccumulator(x)
		if err != nil {
			t.release()
			return nil, err
		}
		t.accs[i] = acc
	}
	if len(a.keys) == 0 {
		t.newGroup("") // a global aggregate has one row even over no input
	}
	return t, nil
}

// groupTable is the hash table of one partial or final aggregation.
type groupTable struct {
	exec   *aggregateExec
	ev     *evaluator
	index  map[string]int32 // encoded key → group
	order  []string         // encoded keys in group order
	keyBs  []array.Builder  // key values, one entry per group in group order
	keys   []arrow.Array    // keyBs built, after result or merge
	accs   []accumulator
	groups int
	bytes  int64 // reserved against the memory budget
}

func (t *groupTable) newGroup(key string) int32 {
	g := int32(t.groups)
	t.index[key] = g
	t.order = append(t.order, key)
	t.groups++
	for _, acc := range t.accs {
		acc.resize(t.groups)
	}
	return g
}

// add folds a batch into the table.
func (t *groupTable) add(b arrow.RecordBatch) error {
	keyCols, err := t.ev.arrays(t.exec.keys, b)
	if err != nil {
		return err
	}
	defer releaseArrays(keyCols)
	args := make([]arrow.Array, len(t.exec.aggs))
	defer releaseArrays(args)
	for i, x := range t.exec.aggs {
		if x.Arg != nil {
			if args[i], err = t.ev.array(x.Arg, b); err != nil {
				return err
			}
		}
	}
	enc, err := newKeyEncoder(keyCols)
	if err != nil {
		return err
	}
	groups := make([]int32, b.NumRows())
	var buf []byte
	var added int64
	for row := range groups {
		buf = enc.encode(buf[:0], row)
		g, ok := t.index[string(buf)]
		if !ok {
			g = t.newGroup(string(buf))
			for i, kb := range t.keyBs {
				appendValue(kb, keyCols[i], row)
			}
			added += int64(len(buf)) + 64 + 16*int64(len(t.accs))
		}
		groups[row] = g
	}
	if added > 0 {
		if err := t.exec.job.budget.reserve(added, "aggregate"); err != nil {
			return err
		}
		t.bytes += added
	}
	for i, acc := range t.accs {
		acc.update(groups, args[i])
	}
	return nil
}

// merge folds another table's groups into this one.
func (t *groupTable) merge(o *groupTable) error {
	o.buildKeys()
	mapping := make([]int32, o.groups)
	for g, key := range o.order {
		target, ok := t.index[key]
		if !ok {
			target = t.newGroup(key)
			for i, kb := range t.keyBs {
				appendValue(kb, o.keys[i], int(g))
			}
		}
		mapping[g] = target
	}
	for i, acc := range t.accs {
		acc.merge(o.accs[i], mapping)
	}
	return nil
}

func (t *groupTable) buildKeys() {
	if t.keys != nil {
		return
	}
	t.keys = make([]arrow.Array, len(t.keyBs))
	for i, kb := range t.keyBs {
		t.keys[i] = kb.NewArray()
	}
}

// result returns the aggregated rows as one batch.
func (t *groupTable) result() (arrow.RecordBatch, error) {
	t.buildKeys()
	cols := make([]arrow.Array, 0, len(t.keys)+len(t.accs))
	for _, k := range t.keys {
		k.Retain()
		cols = append(cols, k)
	}
	for i, acc := range t.accs {
		cols = append(cols, acc.build(t.ev.mem, t.exec.aggs[i].Type()))
	}
	defer releaseArrays(cols)
	return array.NewRecordBatch(t.exec.schema, cols, int64(t.groups)), nil
}

func (t *groupTable) release() {
	for _, kb := range t.keyBs {
		if kb != nil {
			kb.Release()
		}
	}
	releaseArrays(t.keys)
	t.keyBs, t.keys = nil, nil
	t.exec.job.budget.free(t.bytes)
	t.bytes = 0
}
