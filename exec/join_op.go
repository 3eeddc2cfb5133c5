package exec

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/internal/spill"
	"github.com/ember-df/ember/plan"
)

// batchSource is a stream of batches, each borrowed until the next call:
// an Operator, or a reader of spill files.
type batchSource interface {
	Next(ctx context.Context) (arrow.RecordBatch, error)
}

// joinOp joins one partition. Open reads the build side into a
// joinTable (or finds the job's shared one); Next streams the probe side
// past it, a batch at a time, and hands out at most BatchRows output rows
// a call: the pairs that match (their residual condition true), then,
// per probe batch, the probe rows the join keeps unmatched (or, for semi
// and anti joins, the rows it keeps), and once the probe side ends the
// build rows it keeps unmatched.
//
// When the budget has no room for the build side of a hash join that
// owns its table, both sides spill by key hash into spillFanOut files
// each, and the join runs partition by partition (a grace hash join),
// splitting again by the next bits of the hash a partition whose build
// rows still do not fit.
type joinOp struct {
	spec             *joinSpec
	partition        int
	probeIn, buildIn Operator
	mem              memory.Allocator
	ev               *eval.Evaluator

	table        *joinTable
	ownsTable    bool
	buildMatched []bool // per build row, for joins that keep unmatched build rows
	buildTail    int    // the next build row the unmatched tail looks at

	probe      batchSource // the probe rows joining table; nil when none are left
	cur        *probeBatch
	queue      []gracePair // spilled partitions left to join
	readers    []*spillFilesReader
	spilled    []*spillPartitions
	out        op.Holder
	inputsOpen bool
	probeOpen  bool
	usesShared bool // got the job's shared table
	closed     bool
	// Rows set aside when spilling because a NULL key matches nothing:
	// build rows then probe rows, output last (nullKeyRows).
	nullWriters [2]*spill.Writer
	nullFiles   [2][]*spill.File
	nullReader  *spillFilesReader
	nullSide    int
}

var _ Operator = (*joinOp)(nil)

func (o *joinOp) Schema() *arrow.Schema { return o.spec.output }

func (o *joinOp) probeSchema() *arrow.Schema { return o.probeIn.Schema() }
func (o *joinOp) buildSchema() *arrow.Schema { return o.buildIn.Schema() }

// Open implements Operator: it reads the build side.
func (o *joinOp) Open(ctx context.Context) error {
	o.mem = allocatorOf(ctx)
	o.ev = eval.New(ctx, o.mem, o.partition)
	o.inputsOpen = true
	// The probe side opens once the build side is read: an exchange
	// partition it reads would hold its budget while the table is built.
	if err := o.buildIn.Open(ctx); err != nil {
		return err
	}
	if sh := o.spec.shared; sh != nil {
		t, err := sh.get(func() (*joinTable, error) {
			tb := newTableBuilder(o.spec, o.mem, o.buildSchema())
			defer tb.release()
			err := op.Drain(ctx, o.buildIn, func(b arrow.RecordBatch) error { return tb.add(b) })
			if err == nil {
				var t *joinTable
				if t, err = tb.build(ctx, o.ev, o.mem, o.spec.buildKeys(), o.spec.nullSafe); err == nil {
					return t, nil
				}
			}
			if errors.Is(err, errNoRoom) {
				err = o.noRoom(tb.held)
			}
			return nil, err
		})
		if err != nil {
			return err
		}
		// Another task may have built the table from its copy of the
		// build side; this one's is not needed.
		if err := o.buildIn.Close(); err != nil {
			return err
		}
		o.usesShared = true
		o.setTable(t, false, o.probeIn)
		return o.openProbe(ctx)
	}
	if err := o.load(ctx, o.buildIn, o.probeIn, 0); err != nil {
		return err
	}
	return o.openProbe(ctx)
}

// openProbe opens the probe input, once.
func (o *joinOp) openProbe(ctx context.Context) error {
	if o.probeOpen {
		return nil
	}
	o.probeOpen = true
	return o.probeIn.Open(ctx)
}

// noRoom is the error of a build side that does not fit the budget when
// the join cannot spill it.
func (o *joinOp) noRoom(held int64) error {
	how := ""
	switch {
	case o.spec.shared != nil || o.spec.strategy == broadcastHashJoin:
		how = ", or lower the broadcast threshold (frame.WithBroadcastThreshold) so that the join shuffles, which spills"
	case len(o.spec.leftKeys) == 0:
		how = " (a nested loop join holds its build side whole: add an equality between the inputs to the condition to make it a hash join, which spills)"
	}
	return fmt.Errorf("%w: %s: the build side (%s read so far) does not fit the memory budget of %s; raise it with frame.WithMemoryBudget%s",
		ErrMemoryBudget, o.spec.label, formatBytes(held), formatBytes(o.spec.job.budget.limit), how)
}

// load reads build into a table, to be probed by probe; when the budget
// has no room for it, it spills both at level instead (grace).
func (o *joinOp) load(ctx context.Context, build, probe batchSource, level int) error {
	tb := newTableBuilder(o.spec, o.mem, o.buildSchema())
	defer tb.release()
	for {
		b, err := build.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if b.NumRows() == 0 {
			continue
		}
		if err := tb.add(b); errors.Is(err, errNoRoom) {
			return o.grace(ctx, tb, b, build, probe, level)
		} else if err != nil {
			return err
		}
	}
	t, err := tb.build(ctx, o.ev, o.mem, o.spec.buildKeys(), o.spec.nullSafe)
	if errors.Is(err, errNoRoom) {
		return o.grace(ctx, tb, nil, build, probe, level)
	}
	if err != nil {
		return err
	}
	o.setTable(t, true, probe)
	return nil
}

// setTable makes t the table that probe's rows join.
func (o *joinOp) setTable(t *joinTable, owns bool, probe batchSource) {
	o.table, o.ownsTable, o.buildTail = t, owns, 0
	o.buildMatched = nil
	if o.spec.keepsBuild() {
		o.buildMatched = make([]bool, t.rows)
	}
	o.probe = probe
	// Nothing to match: an inner, semi or build-keeping join outputs
	// nothing more from its probe side.
	if t.rows == 0 && !o.spec.keepsProbe() && o.spec.typ != plan.LeftAntiJoin {
		o.probe = nil
	}
}

// dropTable releases the table once its probe side and tail are done.
func (o *joinOp) dropTable() {
	if o.table != nil && o.ownsTable {
		o.table.release()
	}
	o.table, o.buildMatched = nil, nil
}

// Next implements Operator.
func (o *joinOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if o.cur != nil {
			b, err := o.cur.step(ctx, o)
			if err != nil {
				return nil, err
			}
			if o.cur.done {
				o.cur.release()
				o.cur = nil
			}
			if b != nil {
				return o.out.Set(b), nil
			}
			continue
		}
		if o.probe != nil {
			b, err := o.probe.Next(ctx)
			if errors.Is(err, io.EOF) {
				o.probe = nil
				continue
			}
			if err != nil {
				return nil, err
			}
			if b.NumRows() > 0 {
				if o.cur, err = o.newProbeBatch(b); err != nil {
					return nil, err
				}
			}
			continue
		}
		if o.table != nil {
			b, err := o.unmatchedBuild(ctx)
			if err != nil || b != nil {
				return o.out.Set(b), err
			}
			o.dropTable()
			continue
		}
		if len(o.queue) == 0 {
			return o.nullKeyRows(ctx)
		}
		p := o.queue[0]
		o.queue = o.queue[1:]
		build := o.reader(p.build)
		if err := o.load(ctx, build, o.reader(p.probe), p.level+1); err != nil {
			return nil, err
		}
	}
}

// reader returns a reader of files it owns, closed with the operator.
func (o *joinOp) reader(files []*spill.File) *spillFilesReader {
	r := &spillFilesReader{mem: o.mem, files: files, owns: true}
	o.readers = append(o.readers, r)
	return r
}

// Close implements Operator.
func (o *joinOp) Close() error {
	o.out.Release()
	if o.cur != nil {
		o.cur.release()
		o.cur = nil
	}
	o.dropTable()
	for _, r := range o.readers {
		r.Close()
	}
	o.readers = nil
	for _, s := range o.spilled {
		s.release()
	}
	o.spilled = nil
	for _, p := range o.queue {
		removeFiles(p.build)
		removeFiles(p.probe)
	}
	o.queue = nil
	for side, w := range o.nullWriters {
		if w != nil {
			w.Abort()
			o.nullWriters[side] = nil
		}
		removeFiles(o.nullFiles[side])
		o.nullFiles[side] = nil
	}
	var err error
	if o.inputsOpen {
		err = errors.Join(o.buildIn.Close(), o.probeIn.Close())
	}
	if o.spec.shared != nil && !o.closed {
		o.spec.shared.done(o.usesShared)
	}
	o.closed, o.usesShared = true, false
	return err
}

// probeBatch is the join of one probe batch: where the pairing stands,
// and which of its rows matched.
type probeBatch struct {
	batch   arrow.RecordBatch
	n       int
	keyCols []arrow.Array
	enc     *eval.KeyEncoder
	intKey  func(int) int64 // the key as a number, when the table has ints
	int64s  []int64         // the key's values, when it is an int64 column
	nulls   bool            // a key column has NULLs
	// The pairing resumes at row; inRow says it is inside row's
	// candidates, of which cand is the next (-1: none left), row's key
	// being key with hash hash.
	row     int
	inRow   bool
	cand    int32
	key     []byte
	hash    uint64
	matched []bool // per row, for joins that keep or test matched rows
	probeIx []int32
	buildIx []int32
	paired  bool // all rows paired
	done    bool // and their tail handed out
}

func (o *joinOp) newProbeBatch(b arrow.RecordBatch) (*probeBatch, error) {
	b.Retain()
	p := &probeBatch{batch: b, n: int(b.NumRows())}
	if o.table.keyed {
		cols, err := o.ev.Arrays(o.spec.probeKeys(), b)
		if err != nil {
			p.release()
			return nil, err
		}
		p.keyCols = cols
		for _, c := range cols {
			p.nulls = p.nulls || c.NullN() > 0
		}
		if o.table.slots != nil {
			if a, ok := cols[0].(*array.Int64); ok {
				p.int64s = a.Int64Values()
			}
			if p.intKey = intKey(cols, o.spec.nullSafe); p.intKey == nil {
				p.release()
				return nil, fmt.Errorf("exec: %s: the probe side's key is %s, the build side's an integer", o.spec.label, cols[0].DataType())
			}
		} else if p.enc, err = eval.NewKeyEncoder(cols); err != nil {
			p.release()
			return nil, err
		}
	}
	if o.spec.keepsProbe() || o.spec.typ.LeftOnly() {
		p.matched = make([]bool, p.n)
	}
	return p, nil
}

func (p *probeBatch) release() {
	if p.batch != nil {
		p.batch.Release()
		p.batch = nil
	}
	eval.ReleaseArrays(p.keyCols)
	p.keyCols = nil
}

// step hands out the next output batch of the probe batch (owned by the
// caller), or nil when a step produced none; done is set after the last.
func (p *probeBatch) step(ctx context.Context, o *joinOp) (arrow.RecordBatch, error) {
	if !p.paired {
		p.pairs(o)
		if len(p.probeIx) == 0 {
			return nil, nil
		}
		return o.emitPairs(ctx, p)
	}
	p.done = true
	return o.probeTail(ctx, p)
}

// pairs collects up to BatchRows candidate pairs (probe row, build row):
// matching keys, or every build row for a nested loop. Without a
// residual condition a candidate is a match, marked at once; semi and
// anti joins then need no pairs at all.
func (p *probeBatch) pairs(o *joinOp) {
	t, spec := o.table, o.spec
	limit := o.spec.job.cfg.BatchRows
	p.probeIx, p.buildIx = p.probeIx[:0], p.buildIx[:0]
	existence := spec.typ.LeftOnly()
	mark := spec.residual == nil
	for len(p.probeIx) < limit && p.row < p.n {
		if !p.inRow {
			p.inRow = true
			p.cand = -1
			switch {
			case !t.keyed:
				if t.rows > 0 {
					p.cand = 0
				}
			case p.nulls && nullKey(p.keyCols, spec.nullSafe, p.row):
			case p.int64s != nil:
				p.cand = t.findInt(p.int64s[p.row])
			case p.intKey != nil:
				p.cand = t.findInt(p.intKey(p.row))
			default:
				p.key = p.enc.Encode(p.key[:0], p.row)
				p.hash = eval.HashKey(p.key)
				p.cand = p.nextMatch(t, t.first(p.hash))
			}
		}
		for p.cand >= 0 && len(p.probeIx) < limit {
			c := p.cand
			if t.keyed {
				p.cand = p.nextMatch(t, t.next[c])
			} else if p.cand++; int(p.cand) == t.rows {
				p.cand = -1
			}
			if existence && p.matched[p.row] {
				p.cand = -1
				break
			}
			if mark {
				if p.matched != nil {
					p.matched[p.row] = true
				}
				if o.buildMatched != nil {
					o.buildMatched[c] = true
				}
				if existence {
					p.cand = -1
					break
				}
			}
			p.probeIx = append(p.probeIx, int32(p.row))
			p.buildIx = append(p.buildIx, c)
		}
		if p.cand < 0 {
			p.row++
			p.inRow = false
		}
	}
	p.paired = p.row >= p.n
}

// nextMatch returns the first row from r on (along its chain) whose key
// is the probe row's, -1 for none.
func (p *probeBatch) nextMatch(t *joinTable, r int32) int32 {
	if t.slots != nil { // a chain of one key
		return r
	}
	for r >= 0 && !t.matches(r, p.hash, p.key) {
		r = t.next[r]
	}
	return r
}

// pairBatch gathers the pairs' columns into a batch of the pair schema,
// which the caller releases; probe or build indices of -1 give NULLs.
func (o *joinOp) pairBatch(ctx context.Context, probe arrow.RecordBatch, probeIx, buildIx []int32) (arrow.RecordBatch, error) {
	var probeCols []arrow.Array
	if probe != nil {
		probeCols = probe.Columns()
	}
	return o.pairOf(probeCols, probeIx, o.table.columns(), buildIx)
}

// pairOf gathers rows probeIx of probeCols and buildIx of buildCols (-1,
// or nil columns: NULLs) into a batch of the pair schema, which the
// caller releases.
func (o *joinOp) pairOf(probeCols []arrow.Array, probeIx []int32, buildCols []arrow.Array, buildIx []int32) (arrow.RecordBatch, error) {
	probeFields, buildFields := o.probeSchema().Fields(), o.buildSchema().Fields()
	pc, err := takeColumns(o.ev.Context(), o.mem, probeFields, probeCols, probeIx)
	if err != nil {
		return nil, err
	}
	defer eval.ReleaseArrays(pc)
	bc, err := takeColumns(o.ev.Context(), o.mem, buildFields, buildCols, buildIx)
	if err != nil {
		return nil, err
	}
	defer eval.ReleaseArrays(bc)
	cols := append(append([]arrow.Array(nil), pc...), bc...)
	if o.spec.buildLeft {
		cols = append(append([]arrow.Array(nil), bc...), pc...)
	}
	return array.NewRecordBatch(o.spec.pair, cols, int64(len(probeIx))), nil
}

// unmatched outputs every row of b, a batch of the build side (build) or
// of the probe side, as a row nothing matched: with NULLs for the other
// side, or as it is for an anti join's probe rows.
func (o *joinOp) unmatched(b arrow.RecordBatch, build bool) (arrow.RecordBatch, error) {
	all := make([]int32, b.NumRows())
	nulls := make([]int32, b.NumRows())
	for i := range all {
		all[i], nulls[i] = int32(i), -1
	}
	if !build && o.spec.typ.LeftOnly() {
		left := array.NewRecordBatch(o.spec.leftPair(), b.Columns(), b.NumRows())
		defer left.Release()
		return o.spec.assemble(o.ev, left)
	}
	var pairs arrow.RecordBatch
	var err error
	if build {
		pairs, err = o.pairOf(nil, nulls, b.Columns(), all)
	} else {
		pairs, err = o.pairOf(b.Columns(), all, nil, nulls)
	}
	if err != nil {
		return nil, err
	}
	defer pairs.Release()
	return o.spec.assemble(o.ev, pairs)
}

// emitPairs turns the pairs just collected into output: their residual
// condition decides which match (and marks them); semi and anti joins
// output nothing here.
func (o *joinOp) emitPairs(ctx context.Context, p *probeBatch) (arrow.RecordBatch, error) {
	pairs, err := o.pairBatch(ctx, p.batch, p.probeIx, p.buildIx)
	if err != nil {
		return nil, err
	}
	defer pairs.Release()
	if o.spec.residual != nil {
		arr, err := o.ev.Array(o.spec.residual, pairs)
		if err != nil {
			return nil, fmt.Errorf("exec: %s: %w", o.spec.label, err)
		}
		defer arr.Release()
		mask := arr.(*array.Boolean)
		for i := range p.probeIx {
			if mask.IsValid(i) && mask.Value(i) {
				if p.matched != nil {
					p.matched[p.probeIx[i]] = true
				}
				if o.buildMatched != nil {
					o.buildMatched[p.buildIx[i]] = true
				}
			}
		}
		if o.spec.typ.LeftOnly() {
			return nil, nil
		}
		kept, err := compute.FilterRecordBatch(o.ev.Context(), pairs, mask, compute.DefaultFilterOptions())
		if err != nil {
			return nil, err
		}
		defer kept.Release()
		if kept.NumRows() == 0 {
			return nil, nil
		}
		return o.spec.assemble(o.ev, kept)
	}
	return o.spec.assemble(o.ev, pairs)
}

// probeTail outputs what the join keeps of a probe batch once all its
// pairs are out: its matched rows (semi), its unmatched rows (anti), or
// its unmatched rows with NULLs for the build side (outer).
func (o *joinOp) probeTail(ctx context.Context, p *probeBatch) (arrow.RecordBatch, error) {
	if p.matched == nil {
		return nil, nil
	}
	want := o.spec.typ == plan.LeftSemiJoin
	var rows []int32
	for r, m := range p.matched {
		if m == want {
			rows = append(rows, int32(r))
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if o.spec.typ.LeftOnly() {
		cols := p.batch.Columns()
		if len(rows) < p.n {
			taken, err := takeColumns(o.ev.Context(), o.mem, o.probeSchema().Fields(), cols, rows)
			if err != nil {
				return nil, err
			}
			defer eval.ReleaseArrays(taken)
			cols = taken
		}
		left := array.NewRecordBatch(o.spec.leftPair(), cols, int64(len(rows)))
		defer left.Release()
		return o.spec.assemble(o.ev, left)
	}
	nulls := make([]int32, len(rows))
	for i := range nulls {
		nulls[i] = -1
	}
	pairs, err := o.pairBatch(ctx, p.batch, rows, nulls)
	if err != nil {
		return nil, err
	}
	defer pairs.Release()
	return o.spec.assemble(o.ev, pairs)
}

// unmatchedBuild outputs, BatchRows at a time, the build rows nothing
// matched, with NULLs for the probe side, for joins that keep them; nil
// when none are left.
func (o *joinOp) unmatchedBuild(ctx context.Context) (arrow.RecordBatch, error) {
	if o.buildMatched == nil {
		return nil, nil
	}
	limit := o.spec.job.cfg.BatchRows
	var rows []int32
	for ; o.buildTail < o.table.rows && len(rows) < limit; o.buildTail++ {
		if !o.buildMatched[o.buildTail] {
			rows = append(rows, int32(o.buildTail))
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	nulls := make([]int32, len(rows))
	for i := range nulls {
		nulls[i] = -1
	}
	pairs, err := o.pairBatch(ctx, nil, nulls, rows)
	if err != nil {
		return nil, err
	}
	defer pairs.Release()
	return o.spec.assemble(o.ev, pairs)
}

// renameOp hands out its input's batches under another schema.
type renameOp struct {
	input  Operator
	schema *arrow.Schema
	out    op.Holder
}

func (r *renameOp) Schema() *arrow.Schema          { return r.schema }
func (r *renameOp) Open(ctx context.Context) error { return r.input.Open(ctx) }
func (r *renameOp) Close() error                   { r.out.Release(); return r.input.Close() }
func (r *renameOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	b, err := r.input.Next(ctx)
	if err != nil {
		return nil, err
	}
	return r.out.Set(array.NewRecordBatch(r.schema, b.Columns(), b.NumRows())), nil
}
