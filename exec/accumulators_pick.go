package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
)

// pickAcc computes first and last: the value of the first (last) row of
// each group in the order rows reach it — input partition by input
// partition, and within each in row order, since a final merge reads the
// partial states of input partition 0 before those of 1 — NULLs included
// unless ignoreNulls. Its partial state is the value and whether one was
// set (a NULL value may be set), as Spark's First and Last.
type pickAcc struct {
	last, ignoreNulls bool
	store             *valueStore
	idx               []int32 // each group's value in store; -1 for none
	set               []bool
	sizes             memSizes
}

func newPickAcc(a plan.AggExpr, mem memory.Allocator) *pickAcc {
	return &pickAcc{last: a.Func == plan.AggLast, ignoreNulls: a.IgnoreNulls(), store: newValueStore(mem, a.Type())}
}

func (p *pickAcc) resize(n int) {
	for len(p.idx) < n {
		p.idx = append(p.idx, -1)
	}
	p.set = grow(p.set, n)
	p.sizes.resize(n)
}

func (p *pickAcc) offer(g int32, vals arrow.Array, i int) {
	if p.set[g] && !p.last {
		return
	}
	p.idx[g] = p.store.add(vals, i)
	p.set[g] = true
	p.sizes.set(g, valueBytes(vals, i))
}

func (p *pickAcc) update(groups []int32, arg arrow.Array) {
	for i, g := range groups {
		if !p.ignoreNulls || arg.IsValid(i) {
			p.offer(g, arg, i)
		}
	}
	p.maybeCompact()
}

func (p *pickAcc) mergeState(groups []int32, state []arrow.Array) {
	vals, set := state[0], state[1].(*array.Boolean)
	for i, g := range groups {
		if set.Value(i) {
			p.offer(g, vals, i)
		}
	}
	p.maybeCompact()
}

// maybeCompact drops the values last replaced, once they are most of
// the store.
func (p *pickAcc) maybeCompact() {
	if p.last && p.store.len() > 2*len(p.idx)+1024 {
		if err := p.store.compact(p.idx); err != nil {
			panic(err) // Concatenate of one type's arrays fails only on allocation failure
		}
	}
}

func (p *pickAcc) build(memory.Allocator, arrow.DataType) arrow.Array {
	out, err := p.store.take(p.idx)
	if err != nil {
		panic(err)
	}
	return out
}

func (p *pickAcc) state(mem memory.Allocator, t arrow.DataType) []arrow.Array {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.AppendValues(p.set, nil)
	return []arrow.Array{p.build(mem, t), b.NewArray()}
}

// release implements releasingAccumulator.
func (p *pickAcc) release() { p.store.release() }

// grown implements growingAccumulator: one value per group (the values
// last replaced stay until compaction, which bounds them to about as
// many again).
func (p *pickAcc) grown() (int64, int64) { return p.sizes.grown() }
