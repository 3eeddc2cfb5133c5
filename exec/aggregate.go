package exec

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/internal/arrowmem"
	"github.com/ember-df/ember/plan"
)

// aggregation is what the two steps of an aggregate share: its keys and
// aggregates, and the schemas of the partial states and of the result.
type aggregation struct {
	job    *job
	keys   []plan.Expr
	aggs   []plan.AggExpr
	schema *arrow.Schema // the result: keys, then aggregates
	state  *arrow.Schema // the partial states: keys, then each aggregate's state columns
}

func (a *aggregation) String() string {
	aggs := make([]string, len(a.aggs))
	for i, x := range a.aggs {
		aggs[i] = x.String()
	}
	return fmt.Sprintf("keys=%s aggs=[%s]", plan.FormatExprs(a.keys), strings.Join(aggs, ", "))
}

// aggregate builds an aggregation in two steps: every input partition
// aggregates its rows into partial states in the input's stage; the states
// cross a hash exchange on the keys into min(input partitions,
// parallelism) partitions of the next stage, each of which merges the
// states of its keys into its share of the result (a global aggregate, with
// no keys, gathers them into one partition; an input of one partition
// stays in its stage). Within a partition, groups come out in the order
// they first appear, input partition by input partition.
func (g *Graph) aggregate(input PhysicalNode, keys []plan.Expr, aggs []plan.AggExpr, schema *arrow.Schema) (PhysicalNode, error) {
	fields := append([]arrow.Field(nil), schema.Fields()[:len(keys)]...)
	for i, x := range aggs {
		for k, t := range stateTypes(x) {
			fields = append(fields, arrow.Field{Name: fmt.Sprintf("_state%d_%d", i, k), Type: t, Nullable: true})
		}
	}
	a := &aggregation{job: g.job, keys: keys, aggs: aggs, schema: schema, state: arrow.NewSchema(fields, nil)}
	partial := &aggregateExec{aggregation: a, input: input}
	if len(keys) == 0 || input.Partitions() == 1 {
		return &aggregateExec{aggregation: a, input: g.gather(partial, "aggregate"), final: true}, nil
	}
	hash := make([]plan.Expr, len(keys))
	for i := range keys {
		c, err := plan.Col(a.state.Field(i).Name).Resolve(a.state)
		if err != nil {
			return nil, err
		}
		hash[i] = c
	}
	n := max(1, min(input.Partitions(), g.job.cfg.Parallelism))
	states := g.cut(partial, &Exchange{Kind: Hash, Keys: hash, Partitions: n, what: "aggregate"})
	return &aggregateExec{aggregation: a, input: states, final: true}, nil
}

// aggregateExec is one step of an aggregation: the partial step
// aggregates each input partition's rows into one batch of partial states
// (the schema aggregation.state); the final step merges partial states
// into the result.
type aggregateExec struct {
	*aggregation
	input PhysicalNode
	final bool
}

func (a *aggregateExec) Partitions() int          { return a.input.Partitions() }
func (a *aggregateExec) Children() []PhysicalNode { return []PhysicalNode{a.input} }

// Schema implements PhysicalNode.
func (a *aggregateExec) Schema() *arrow.Schema {
	if a.final {
		return a.schema
	}
	return a.state
}

func (a *aggregateExec) String() string {
	if a.final {
		return "HashAggregateExec " + a.aggregation.String()
	}
	return "PartialAggregateExec " + a.aggregation.String()
}

// Operator implements PhysicalNode.
func (a *aggregateExec) Operator(p int) (Operator, error) {
	in, err := a.input.Operator(p)
	if err != nil {
		return nil, err
	}
	return &bufferOp{schema: a.Schema(), job: a.job, input: in, load: func(ctx context.Context) ([]arrow.RecordBatch, int64, error) {
		t, err := a.newTable(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		defer t.release()
		fold, finish := t.add, t.states
		if a.final {
			fold, finish = t.mergeStates, t.result
		}
		if err := op.Drain(ctx, in, fold); err != nil {
			return nil, 0, err
		}
		out, err := finish()
		if err != nil {
			return nil, 0, err
		}
		if !a.final {
			return []arrow.RecordBatch{out}, 0, nil
		}
		return a.job.slices(out, "aggregate")
	}}, nil
}

// slices cuts b (whose ownership passes) into batches of at most
// BatchRows rows, accounting its memory once against the budget; the
// caller frees the returned bytes.
func (j *job) slices(b arrow.RecordBatch, what string) ([]arrow.RecordBatch, int64, error) {
	defer b.Release()
	size := arrowmem.BatchBytes(b)
	if err := j.budget.reserveOrFail(size, what); err != nil {
		return nil, 0, err
	}
	var out []arrow.RecordBatch
	rows := int64(j.cfg.BatchRows)
	for lo := int64(0); lo < b.NumRows(); lo += rows {
		out = append(out, b.NewSlice(lo, min(lo+rows, b.NumRows())))
	}
	return out, size, nil
}

func (a *aggregation) newTable(ctx context.Context, p int) (*groupTable, error) {
	mem := allocatorOf(ctx)
	t := &groupTable{
		spec:  a,
		mem:   mem,
		ev:    eval.New(ctx, mem, p),
		index: map[string]int32{},
		keyBs: make([]array.Builder, len(a.keys)),
		accs:  make([]accumulator, len(a.aggs)),
	}
	for i, k := range a.keys {
		t.keyBs[i] = array.NewBuilder(t.mem, k.Type())
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
	spec   *aggregation
	mem    memory.Allocator
	ev     *eval.Evaluator
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

// add folds a batch of input rows into the table.
func (t *groupTable) add(b arrow.RecordBatch) error {
	keyCols, err := t.ev.Arrays(t.spec.keys, b)
	if err != nil {
		return err
	}
	defer eval.ReleaseArrays(keyCols)
	args := make([]arrow.Array, len(t.spec.aggs))
	defer eval.ReleaseArrays(args)
	for i, x := range t.spec.aggs {
		if x.Arg != nil {
			if args[i], err = t.ev.Array(x.Arg, b); err != nil {
				return err
			}
		}
	}
	groups, err := t.groupsOf(keyCols, int(b.NumRows()))
	if err != nil {
		return err
	}
	for i, acc := range t.accs {
		acc.update(groups, args[i])
	}
	return t.checkAccumulators()
}

// checkAccumulators fails with the first accumulator's failure, naming
// its aggregate.
func (t *groupTable) checkAccumulators() error {
	for i, acc := range t.accs {
		if f, ok := acc.(failingAccumulator); ok {
			if err := f.failure(); err != nil {
				return fmt.Errorf("exec: %s: %w", t.spec.aggs[i], err)
			}
		}
	}
	return nil
}

// mergeStates folds a batch of partial states (the schema of
// aggregation.state) into the table.
func (t *groupTable) mergeStates(b arrow.RecordBatch) error {
	k := len(t.spec.keys)
	groups, err := t.groupsOf(b.Columns()[:k], int(b.NumRows()))
	if err != nil {
		return err
	}
	col := k
	for i, x := range t.spec.aggs {
		n := len(stateTypes(x))
		t.accs[i].mergeState(groups, b.Columns()[col:col+n])
		col += n
	}
	return t.checkAccumulators()
}

// states returns the table's partial states as one batch.
func (t *groupTable) states() (arrow.RecordBatch, error) {
	t.buildKeys()
	cols := make([]arrow.Array, 0, t.spec.state.NumFields())
	for _, k := range t.keys {
		k.Retain()
		cols = append(cols, k)
	}
	for i, acc := range t.accs {
		cols = append(cols, acc.state(t.mem, t.spec.aggs[i].Type())...)
	}
	defer eval.ReleaseArrays(cols)
	return array.NewRecordBatch(t.spec.state, cols, int64(t.groups)), nil
}

// groupsOf returns the group of each of rows rows of the key columns,
// adding the groups it has not seen.
func (t *groupTable) groupsOf(keyCols []arrow.Array, rows int) ([]int32, error) {
	enc, err := eval.NewKeyEncoder(keyCols)
	if err != nil {
		return nil, err
	}
	groups := make([]int32, rows)
	var buf []byte
	var added int64
	for row := range groups {
		buf = enc.Encode(buf[:0], row)
		g, ok := t.index[string(buf)]
		if !ok {
			g = t.newGroup(string(buf))
			for i, kb := range t.keyBs {
				eval.CopyValue(kb, keyCols[i], row)
			}
			added += int64(len(buf)) + 64 + 16*int64(len(t.accs))
		}
		groups[row] = g
	}
	if added > 0 {
		if err := t.spec.job.budget.reserveOrFail(added, "aggregate"); err != nil {
			return nil, err
		}
		t.bytes += added
	}
	return groups, nil
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
		cols = append(cols, acc.build(t.mem, t.spec.aggs[i].Type()))
	}
	defer eval.ReleaseArrays(cols)
	return array.NewRecordBatch(t.spec.schema, cols, int64(t.groups)), nil
}

func (t *groupTable) release() {
	for _, kb := range t.keyBs {
		if kb != nil {
			kb.Release()
		}
	}
	eval.ReleaseArrays(t.keys)
	t.keyBs, t.keys = nil, nil
	t.spec.job.budget.free(t.bytes)
	t.bytes = 0
}
