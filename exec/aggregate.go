package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	a := newAggregation(g.job, keys, aggs, schema)
	partial := &aggregateExec{aggregation: a, input: input}
	if len(keys) == 0 || input.Partitions() == 1 {
		return &aggregateExec{aggregation: a, input: g.gather(partial, "aggregate"), final: true}, nil
	}
	hash := make([]plan.Expr, len(keys))
	for i := range keys {
		// By position: keys may share a name (both inputs' of a join).
		ref, err := plan.FieldRef(a.state, i)
		if err != nil {
			return nil, err
		}
		c, err := ref.Resolve(a.state)
		if err != nil {
			return nil, err
		}
		hash[i] = c
	}
	n := max(1, min(input.Partitions(), g.job.cfg.Parallelism))
	states := g.cut(partial, &Exchange{Kind: Hash, Keys: hash, Partitions: n, what: "aggregate"})
	return &aggregateExec{aggregation: a, input: states, final: true}, nil
}

// newAggregation returns the aggregation of aggs by keys into schema.
func newAggregation(j *job, keys []plan.Expr, aggs []plan.AggExpr, schema *arrow.Schema) *aggregation {
	fields := append([]arrow.Field(nil), schema.Fields()[:len(keys)]...)
	for i, x := range aggs {
		for k, t := range stateTypes(x) {
			fields = append(fields, arrow.Field{Name: fmt.Sprintf("_state%d_%d", i, k), Type: t, Nullable: true})
		}
	}
	return &aggregation{job: j, keys: keys, aggs: aggs, schema: schema, state: arrow.NewSchema(fields, nil)}
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
	if a.final {
		return &finalAggregateOp{exec: a, input: in, partition: p}, nil
	}
	return &partialAggregateOp{exec: a, input: in, partition: p}, nil
}

// partialAggregateOp folds its input's rows into a table of partial
// states and hands the states on when its input ends — or earlier, when
// the memory budget has no room for the table's new groups: partial
// states need not be complete, since the final step merges them, so the
// table flushes its states downstream (into the exchange, which spills
// them if it must) and starts empty.
type partialAggregateOp struct {
	exec      *aggregateExec
	input     Operator
	partition int
	table     *groupTable
	out       tableDrain
	done      bool
	// retry is an input batch the table had no room for, added once its
	// states are handed on; the input is not read before.
	retry arrow.RecordBatch
}

var _ Operator = (*partialAggregateOp)(nil)

func (o *partialAggregateOp) Schema() *arrow.Schema { return o.exec.state }

// Open implements Operator.
func (o *partialAggregateOp) Open(ctx context.Context) error {
	if err := o.input.Open(ctx); err != nil {
		return err
	}
	var err error
	o.table, err = o.exec.newTable(ctx, o.partition)
	return err
}

// Next implements Operator.
func (o *partialAggregateOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		if b, err := o.out.next(ctx); b != nil || err != nil {
			return b, err
		}
		if o.done {
			o.table.release()
			return nil, io.EOF
		}
		b, err := o.retry, error(nil)
		o.retry = nil
		if b == nil {
			b, err = o.input.Next(ctx)
		}
		if errors.Is(err, io.EOF) {
			o.done = true
			o.flush()
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := o.table.add(b); errors.Is(err, errNoRoom) {
			// Hand the states on, then add the batch to the empty table.
			o.retry = b
			o.flush()
			continue
		} else if err != nil {
			return nil, err
		}
		fits, err := o.table.account()
		if err != nil {
			return nil, err
		}
		if !fits {
			o.flush()
		}
	}
}

// flush starts handing the table's states to the output; the table is
// empty again once they all are.
func (o *partialAggregateOp) flush() {
	o.out.start(o.table, false)
}

// Close implements Operator.
func (o *partialAggregateOp) Close() error {
	o.out.release()
	if o.table != nil {
		o.table.release()
		o.table = nil
	}
	return o.input.Close()
}

// finalAggregateOp merges partial states into the result. When the
// budget has no room for its table, it spills the table's states into
// spillFanOut files by key hash and starts empty; once its input ends,
// it merges each hash partition's files on its own (spilling again, by
// the next bits of the hash, when one still does not fit). Groups come
// out in the order they first appear when nothing spilled; after a
// spill, partition by partition.
type finalAggregateOp struct {
	exec      *aggregateExec
	input     Operator
	partition int
	table     *groupTable
	spilled   *spillPartitions // where the table spills at this level
	level     int              // of the partition being merged
	queue     []spillPartition // partitions left to merge
	out       tableDrain
}

var _ Operator = (*finalAggregateOp)(nil)

func (o *finalAggregateOp) Schema() *arrow.Schema { return o.exec.schema }

// Open implements Operator: it merges its whole input.
func (o *finalAggregateOp) Open(ctx context.Context) error {
	if err := o.input.Open(ctx); err != nil {
		return err
	}
	var err error
	if o.table, err = o.exec.newTable(ctx, o.partition); err != nil {
		return err
	}
	if err := op.Drain(ctx, o.input, func(b arrow.RecordBatch) error { return o.merge(ctx, b) }); err != nil {
		return err
	}
	return o.finishTable(ctx)
}

// merge folds a batch of states into the table, spilling the table when
// the budget has no room for its new groups.
func (o *finalAggregateOp) merge(ctx context.Context, b arrow.RecordBatch) error {
	err := o.table.mergeStates(b)
	if errors.Is(err, errNoRoom) {
		// Spill the table and start anew with this batch.
		if err := o.spill(ctx); err != nil {
			return err
		}
		err = o.table.mergeStates(b)
	}
	if err != nil {
		return err
	}
	fits, err := o.table.account()
	if err != nil || fits {
		return err
	}
	return o.spill(ctx)
}

// spill writes the table's states into the spill partitions of this
// level, creating them first, and empties the table.
func (o *finalAggregateOp) spill(ctx context.Context) error {
	if o.spilled == nil {
		if o.level >= maxSpillLevels {
			return fmt.Errorf("%w: aggregate: the groups of one hash partition still do not fit after %d rounds of spilling", ErrMemoryBudget, o.level)
		}
		o.spilled = newSpillPartitions(o.exec.job, o.exec.state, o.level)
	}
	return o.spillTable(ctx)
}

// spillTable writes the table's states into the spill partitions, a
// batch of drainRows groups at a time (besides the table, the memory of
// one batch, forced onto the budget while it is written), and empties
// the table.
func (o *finalAggregateOp) spillTable(ctx context.Context) error {
	t := o.table
	rows := t.drainRows()
	hashes := make([]uint64, 0, min(rows, t.groups))
	for lo := 0; lo < t.groups; lo += rows {
		hi := min(lo+rows, t.groups)
		states, err := t.batch(lo, hi, false)
		if err != nil {
			return err
		}
		hashes = hashes[:0]
		for g := lo; g < hi; g++ {
			hashes = append(hashes, eval.HashKey(t.index.key(g)))
		}
		n := arrowmem.BatchBytes(states)
		o.exec.job.budget.force(n)
		err = o.spilled.write(ctx, states, hashes)
		o.exec.job.budget.free(n)
		states.Release()
		if err != nil {
			return err
		}
	}
	t.reset()
	return nil
}

// finishTable ends the table: its result goes to the output when
// nothing spilled; otherwise it spills too, and the partitions it
// spilled into are merged next.
func (o *finalAggregateOp) finishTable(ctx context.Context) error {
	if o.spilled == nil {
		o.out.start(o.table, true)
		return nil
	}
	if o.table.groups > 0 {
		if err := o.spillTable(ctx); err != nil {
			return err
		}
	}
	parts, err := o.spilled.finish()
	o.spilled = nil
	o.queue = append(parts, o.queue...)
	return err
}

// Next implements Operator.
func (o *finalAggregateOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		if b, err := o.out.next(ctx); b != nil || err != nil {
			return b, err
		}
		if len(o.queue) == 0 {
			o.table.release()
			return nil, io.EOF
		}
		part := o.queue[0]
		o.queue = o.queue[1:]
		o.level = part.level + 1
		r := &spillFilesReader{mem: allocatorOf(ctx), files: part.files, owns: true}
		var err error
		for err == nil {
			var b arrow.RecordBatch
			if b, err = r.Next(ctx); err == nil {
				err = o.merge(ctx, b)
			}
		}
		r.Close()
		if !errors.Is(err, io.EOF) {
			return nil, err
		}
		if err := o.finishTable(ctx); err != nil {
			return nil, err
		}
	}
}

// Close implements Operator.
func (o *finalAggregateOp) Close() error {
	o.out.release()
	if o.table != nil {
		o.table.release()
		o.table = nil
	}
	if o.spilled != nil {
		o.spilled.release()
		o.spilled = nil
	}
	for _, p := range o.queue {
		removeFiles(p.files)
	}
	o.queue = nil
	return o.input.Close()
}

// tableDrain hands out a table's groups — their partial states, or their
// final values — in batches built one at a time (not the whole table's
// in one more copy of it), each valid until the next call and forced
// onto the budget until then. Once the last is handed out it resets the
// table, which keeps its memory for the groups to come.
type tableDrain struct {
	table *groupTable
	final bool
	rows  int
	pos   int
	last  arrow.RecordBatch
	bytes int64 // of last, forced onto the budget
}

// start begins handing out t's groups.
func (d *tableDrain) start(t *groupTable, final bool) {
	d.release()
	d.table, d.final, d.rows, d.pos = t, final, t.drainRows(), 0
}

// next returns the next batch, or nil when there is none to hand out.
func (d *tableDrain) next(context.Context) (arrow.RecordBatch, error) {
	d.releaseLast()
	t := d.table
	if t == nil {
		return nil, nil
	}
	if d.pos >= t.groups {
		t.reset()
		d.table = nil
		return nil, nil
	}
	hi := min(d.pos+d.rows, t.groups)
	b, err := t.batch(d.pos, hi, d.final)
	if err != nil {
		return nil, err
	}
	d.pos = hi
	d.last = b
	d.bytes = arrowmem.BatchBytes(b)
	t.spec.job.budget.force(d.bytes)
	return b, nil
}

// release releases the batch handed out last and stops. It is
// idempotent.
func (d *tableDrain) release() {
	d.releaseLast()
	d.table = nil
}

func (d *tableDrain) releaseLast() {
	if d.last != nil {
		d.last.Release()
		d.last = nil
		d.table.spec.job.budget.free(d.bytes)
		d.bytes = 0
	}
}

func (a *aggregation) newTable(ctx context.Context, p int) (*groupTable, error) {
	mem := allocatorOf(ctx)
	t := &groupTable{
		spec:  a,
		mem:   mem,
		ev:    eval.New(ctx, mem, p),
		index: newGroupKeys(),
		cache: newGroupCache(exprTypes(a.keys)),
		keyBs: make([]array.Builder, len(a.keys)),
		accs:  make([]accumulator, len(a.aggs)),
		whole: make([][]arrow.Array, len(a.aggs)),
	}
	for i, k := range a.keys {
		t.keyBs[i] = array.NewBuilder(t.mem, k.Type())
	}
	for i, x := range a.aggs {
		acc, err := newAccumulator(x, mem)
		if err != nil {
			t.release()
			return nil, err
		}
		t.accs[i] = acc
	}
	if len(a.keys) == 0 {
		// A global aggregate has one row even over no input.
		t.index.reserve(1, 0, true)
		t.newGroup(nil, t.index.hash(nil))
	}
	return t, nil
}

// groupTable is the hash table of one partial or final aggregation.
type groupTable struct {
	spec  *aggregation
	mem   memory.Allocator
	ev    *eval.Evaluator
	index *groupKeys      // the groups' encoded keys
	cache *groupCache     // in front of index for keys that pack; nil when none do
	keyBs []array.Builder // key values, one entry per group in group order
	keys  []arrow.Array   // keyBs built, while the groups are handed out
	accs  []accumulator
	// whole holds, while the groups are handed out, the states or values
	// of the accumulators that build them for all groups at once (not
	// slotAccumulators), by aggregate.
	whole  [][]arrow.Array
	groups int
	bytes  int64 // reserved against the memory budget
	// size is the table's memory when account last counted it; pending
	// is the estimated memory of what was added since (new groups, the
	// growth accumulators report).
	size, pending int64
	// measured is the memory of the parts account measures rather than
	// estimates (the key builders, the index), when it last did.
	measured int64
	// forced is set when makeRoom forced the batch being added onto the
	// budget: account then forces what the batch took too.
	forced bool
	// scratch holds the encoded keys of a batch's rows of new groups,
	// ends where each one ends, misses their rows and hashes their
	// hashes.
	scratch []byte
	ends    []int
	misses  []int32
	hashes  []uint64
}

// newGroup adds the group of key, whose hash is h; the index has room.
func (t *groupTable) newGroup(key []byte, h uint64) int32 {
	g := t.index.add(key, h)
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
	if err := t.accountGrowth(); err != nil {
		return err
	}
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
// adding the groups it has not seen. Before it adds any, it reserves what
// they may take (makeRoom: every key not found a new group, and the index,
// key builders and slots grown for them, old and new arrays both while
// one is copied to the other), so that the table never holds more than
// its reservation; account then trues the reservation up. It returns
// errNoRoom, having added nothing, when the budget has no room.
func (t *groupTable) groupsOf(keyCols []arrow.Array, rows int) ([]int32, error) {
	enc, err := eval.NewKeyEncoder(keyCols)
	if err != nil {
		return nil, err
	}
	groups := make([]int32, rows)
	// Find the groups of the keys seen, and keep the others' encodings.
	buf, ends, misses, hashes := t.scratch[:0], t.ends[:0], t.misses[:0], t.hashes[:0]
	packed := t.cache.pack(keyCols, rows) // nil when the batch's keys do not pack
	for row := range groups {
		if packed != nil {
			if g, ok := t.cache.get(packed[row]); ok {
				groups[row] = g
				continue
			}
		}
		start := len(buf)
		buf = enc.Encode(buf, row)
		h := t.index.hash(buf[start:])
		if g, ok := t.index.find(buf[start:], h); ok {
			groups[row] = g
			if packed != nil {
				t.cache.put(packed[row], g)
			}
			buf = buf[:start]
			continue
		}
		ends, misses, hashes = append(ends, len(buf)), append(misses, int32(row)), append(hashes, h)
	}
	t.scratch, t.ends, t.misses, t.hashes = buf, ends, misses, hashes
	if len(misses) == 0 {
		return groups, nil
	}
	if t.groups == 0 {
		// An empty table must take the batch to make progress, even when
		// the memory it kept has room for it but not what it adds to
		// that (the values min and max keep).
		t.forced = true
	}
	accBytes := accGroupBytes * int64(t.estimatedAccs())
	adds := accBytes*int64(len(misses)) + t.index.reserve(len(misses), len(buf), false) + t.growKeys(keyCols, len(misses), false) + t.growSlots(len(misses), false)
	if err := t.makeRoom(adds); err != nil {
		return nil, err
	}
	t.index.reserve(len(misses), len(buf), true)
	t.growKeys(keyCols, len(misses), true)
	t.growSlots(len(misses), true)
	start := 0
	for i, row := range misses {
		key := buf[start:ends[i]]
		start = ends[i]
		g, ok := t.index.find(key, hashes[i]) // the batch may repeat a new key
		if !ok {
			g = t.newGroup(key, hashes[i])
			for c, kb := range t.keyBs {
				eval.CopyValue(kb, keyCols[c], int(row))
			}
			t.pending += accBytes
		}
		groups[row] = g
		if packed != nil {
			t.cache.put(packed[row], g)
		}
	}
	return groups, nil
}

// makeRoom reserves what the table may grow by, n bytes, before it grows.
// It returns errNoRoom when the budget has no room even after the shared
// spillers made some — unless the table is empty: it must take a batch to
// make progress (flushing or spilling it again would not), so that one is
// forced onto the budget.
func (t *groupTable) makeRoom(n int64) error {
	extra := t.size + t.pending + n - t.bytes
	if extra <= 0 {
		return nil
	}
	if len(t.spec.keys) == 0 {
		t.spec.job.budget.force(extra)
		t.bytes += extra
		return nil
	}
	ok, err := t.spec.job.budget.reserve(extra)
	if err != nil {
		return err
	}
	if !ok {
		if t.groups > 0 {
			return errNoRoom
		}
		t.spec.job.budget.force(extra)
		t.forced = true
	}
	t.bytes += extra
	return nil
}

// growKeys returns the bytes growing the key builders to take adds more
// groups of keyCols' values takes (the new buffers in full: the old ones
// live until copied over), and when grow is set grows them. Each
// grows by a quarter at least: arrow-go's builders would grow themselves
// to the next power of two, up to twice the keys at once.
func (t *groupTable) growKeys(keyCols []arrow.Array, adds int, grow bool) int64 {
	var n int64
	for i, kb := range t.keyBs {
		if need := kb.Len() + adds; kb.Cap() < need {
			to := max(need, kb.Cap()+kb.Cap()/4)
			n += (int64(to)*slotBits(kb) + 7) / 8
			if grow {
				kb.Resize(to)
			}
		}
		data, ok := kb.(interface {
			DataLen() int
			DataCap() int
			ReserveData(int)
		})
		values, ok2 := keyCols[i].(interface{ ValueBytes() []byte })
		if !ok || !ok2 {
			continue
		}
		// The values of the whole batch bound those of its new keys.
		if need := len(values.ValueBytes()); data.DataCap()-data.DataLen() < need {
			more := max(need, data.DataCap()+data.DataCap()/4-data.DataLen())
			n += int64(data.DataLen() + more)
			if grow {
				data.ReserveData(more)
			}
		}
	}
	return n
}

// accGroupBytes is the estimated Go memory per group of the state of an
// accumulator that is not a slotAccumulator (whose memory account
// measures): the slices of its per-group state with the slack of their
// growth, beyond what it reports as growingAccumulator.
const accGroupBytes = 16

// estimatedAccs is the number of accumulators whose memory is estimated
// (accGroupBytes a group), not measured.
func (t *groupTable) estimatedAccs() int {
	n := 0
	for _, acc := range t.accs {
		if _, ok := acc.(slotAccumulator); !ok {
			n++
		}
	}
	return n
}

// growSlots returns the bytes growing the slotAccumulators to take adds
// more groups takes (the new slices in full: the old ones live until
// copied over), and when grow is set grows them.
func (t *groupTable) growSlots(adds int, grow bool) int64 {
	var n int64
	for _, acc := range t.accs {
		if sa, ok := acc.(slotAccumulator); ok {
			need := t.groups + adds
			if c := slotCapacity(sa.capacity(), need); c != sa.capacity() {
				n += int64(c) * sa.slotBytes()
			}
			if grow {
				sa.reserve(need)
			}
		}
	}
	return n
}

// measure returns the memory of the key builders (the capacity they
// allocated), of the index and of the slotAccumulators. groupsOf's scratch is not counted: it is
// the size of a batch's keys, whatever the table's.
func (t *groupTable) measure() int64 {
	n := t.index.bytes()
	for _, kb := range t.keyBs {
		n += builderBytes(kb)
	}
	for _, acc := range t.accs {
		if sa, ok := acc.(slotAccumulator); ok {
			n += int64(sa.capacity()) * sa.slotBytes()
		}
	}
	return n
}

// builderBytes is the memory b has allocated: its capacity in values,
// their validity bits and offsets, and the data of variable-length
// values.
func builderBytes(b array.Builder) int64 {
	n := (int64(b.Cap())*slotBits(b) + 7) / 8
	if d, ok := b.(interface{ DataCap() int }); ok {
		n += int64(d.DataCap())
	}
	return n
}

// slotBits is what one value of b's capacity takes in bits, besides the
// data of variable-length values: its validity bit and its offset or
// fixed-width value; 128 bits for a type of other layouts.
func slotBits(b array.Builder) int64 {
	if _, ok := b.(interface{ DataCap() int }); ok {
		if id := b.Type().ID(); id == arrow.LARGE_STRING || id == arrow.LARGE_BINARY {
			return 1 + 64
		}
		return 1 + 32
	}
	if fw, ok := b.Type().(arrow.FixedWidthDataType); ok {
		return 1 + int64(fw.BitWidth())
	}
	return 128
}

// account counts the memory the table grew by since the last call — the
// estimated Go memory of its new groups' accumulator states, what its
// accumulators reported they grew by (accountGrowth), and the measured
// growth of its key builders and index — and trues its reservation up to it: it frees what groupsOf
// reserved ahead and the table did not use, or reserves what it used
// beyond. It reports false when the budget has no room for that even
// after the shared spillers made some: the caller then flushes or spills
// the table (reset). A table that was empty when it took the batch (it
// was forced onto the budget), or has no keys (one group), never needs
// to.
func (t *groupTable) account() (bool, error) {
	m := t.measure()
	t.pending += m - t.measured
	t.measured = m
	t.size += t.pending
	t.pending = 0
	budget := &t.spec.job.budget
	forced := t.forced || len(t.spec.keys) == 0
	t.forced = false
	switch extra := t.size - t.bytes; {
	case extra < 0:
		budget.free(-extra)
	case extra > 0 && forced:
		budget.force(extra)
	case extra > 0:
		ok, err := budget.reserve(extra)
		if err != nil || !ok {
			return false, err
		}
	}
	t.bytes = t.size
	return true, nil
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

// drainRows is the number of groups a batch handing the table's groups
// out takes: BatchRows at most, and about a sixteenth of the budget's
// share of one task, so that what the tasks build to hand out stays
// small beside the budget. A group's state is taken to be what a group
// holds in the table.
func (t *groupTable) drainRows() int {
	j := t.spec.job
	share := j.budget.limit / int64(16*max(1, j.cfg.Parallelism))
	perGroup := max(1, t.bytes/int64(max(1, t.groups)))
	return int(min(int64(j.cfg.BatchRows), max(1024, share/perGroup)))
}

// batch returns groups [lo, hi) as a batch of partial states (the schema
// aggregation.state) or, when final is set, of results: copies, not
// slices of the table's columns, which a consumer that kept one would
// keep whole. The table must not take more groups until it is reset.
func (t *groupTable) batch(lo, hi int, final bool) (arrow.RecordBatch, error) {
	t.buildKeys()
	schema := t.spec.state
	if final {
		schema = t.spec.schema
	}
	whole := lo == 0 && hi == t.groups
	cols := make([]arrow.Array, 0, schema.NumFields())
	defer func() { eval.ReleaseArrays(cols) }()
	// add appends column c (whose reference passes) cut to [lo, hi).
	add := func(c arrow.Array) error {
		if whole {
			cols = append(cols, c)
			return nil
		}
		defer c.Release()
		s := array.NewSlice(c, int64(lo), int64(hi))
		defer s.Release()
		copied, err := array.Concatenate([]arrow.Array{s}, t.mem)
		if err != nil {
			return err
		}
		cols = append(cols, copied)
		return nil
	}
	for _, k := range t.keys {
		k.Retain()
		if err := add(k); err != nil {
			return nil, err
		}
	}
	for i, acc := range t.accs {
		typ := t.spec.aggs[i].Type()
		if sa, ok := acc.(slotAccumulator); ok {
			if final {
				cols = append(cols, sa.buildRange(t.mem, typ, lo, hi))
			} else {
				cols = append(cols, sa.stateRange(t.mem, typ, lo, hi)...)
			}
			continue
		}
		if t.whole[i] == nil {
			if final {
				t.whole[i] = []arrow.Array{acc.build(t.mem, typ)}
			} else {
				t.whole[i] = acc.state(t.mem, typ)
			}
		}
		for _, c := range t.whole[i] {
			c.Retain()
			if err := add(c); err != nil {
				return nil, err
			}
		}
	}
	return array.NewRecordBatch(schema, cols, int64(hi-lo)), nil
}

// release frees what the table holds and its reservation. It is
// idempotent.
func (t *groupTable) release() {
	for _, kb := range t.keyBs {
		if kb != nil {
			kb.Release()
		}
	}
	t.releaseBuilt()
	t.keyBs = nil
	releaseAccumulators(t.accs)
	t.spec.job.budget.free(t.bytes)
	t.bytes, t.size, t.pending, t.measured, t.forced = 0, 0, 0, 0, false
}

// releaseBuilt releases the columns built to hand the groups out.
func (t *groupTable) releaseBuilt() {
	eval.ReleaseArrays(t.keys)
	t.keys = nil
	for i, cols := range t.whole {
		eval.ReleaseArrays(cols)
		t.whole[i] = nil
	}
}

// reset empties a table after its groups were handed out, so that it
// aggregates anew. It keeps the memory of its index and
// slotAccumulators, and makes room in its key builders for as many
// groups (and key bytes) as it had: it will likely refill as far, and
// growing to that size again would copy each of them several times
// over. Its reservation becomes what it then holds.
func (t *groupTable) reset() {
	groups := t.groups
	data := make([]int, len(t.spec.keys))
	for i := range t.spec.keys {
		var values interface{ ValueBytes() []byte }
		if t.keys != nil {
			values, _ = t.keys[i].(interface{ ValueBytes() []byte })
		}
		if values != nil {
			data[i] = len(values.ValueBytes())
		} else if d, ok := t.keyBs[i].(interface{ DataLen() int }); ok {
			data[i] = d.DataLen()
		}
	}
	t.releaseBuilt()
	for i, k := range t.spec.keys {
		t.keyBs[i].Release()
		kb := array.NewBuilder(t.mem, k.Type())
		if groups > 0 {
			kb.Resize(groups)
			if d, ok := kb.(interface{ ReserveData(int) }); ok && data[i] > 0 {
				d.ReserveData(data[i])
			}
		}
		t.keyBs[i] = kb
	}
	t.index.clear()
	t.cache.reset() // group numbers start again
	t.groups = 0
	for i, x := range t.spec.aggs {
		if sa, ok := t.accs[i].(slotAccumulator); ok {
			sa.clear()
			continue
		}
		releaseAccumulators(t.accs[i : i+1])
		t.accs[i], _ = newAccumulator(x, t.mem) // newTable built them once already
	}
	m := t.measure()
	t.size, t.measured, t.pending, t.forced = m, m, 0, false
	if m < t.bytes {
		t.spec.job.budget.free(t.bytes - m)
	} else {
		t.spec.job.budget.force(m - t.bytes)
	}
	t.bytes = m
	if len(t.spec.keys) == 0 {
		t.index.reserve(1, 0, true)
		t.newGroup(nil, t.index.hash(nil))
	}
}
