package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/plan"
)

// collectAcc computes collect_list and collect_set: each group's
// non-NULL values in the order they reach it (input partition by input
// partition), the set keeping only a value's first appearance. Its
// partial state is the list itself; every value is accounted against the
// memory budget.
type collectAcc struct {
	distinct bool
	store    *valueStore
	lists    [][]int32             // each group's values in store
	seen     []map[string]struct{} // collect_set: each group's encoded values
	sizes    memSizes
	key      []byte
}

func newCollectAcc(a plan.AggExpr, mem memory.Allocator) *collectAcc {
	return &collectAcc{distinct: a.Func == plan.AggCollectSet, store: newValueStore(mem, a.Type().(*arrow.ListType).Elem())}
}

func (c *collectAcc) resize(n int) {
	c.lists = grow(c.lists, n)
	if c.distinct {
		c.seen = grow(c.seen, n)
	}
	c.sizes.resize(n)
}

// offer adds vals[i] to group g.
func (c *collectAcc) offer(g int32, vals arrow.Array, i int, enc *eval.KeyEncoder) {
	size := valueBytes(vals, i) + 4
	if c.distinct {
		c.key = enc.Encode(c.key[:0], i)
		if c.seen[g] == nil {
			c.seen[g] = map[string]struct{}{}
		}
		if _, dup := c.seen[g][string(c.key)]; dup {
			return
		}
		c.seen[g][string(c.key)] = struct{}{}
		size += int64(len(c.key)) + 48
	}
	c.lists[g] = append(c.lists[g], c.store.add(vals, i))
	c.sizes.add(g, size)
}

// encoder returns the key encoder of vals for collect_set, else nil.
func (c *collectAcc) encoder(vals arrow.Array) *eval.KeyEncoder {
	if !c.distinct {
		return nil
	}
	enc, err := eval.NewKeyEncoder([]arrow.Array{vals})
	if err != nil {
		panic(err) // plan allows collect_set only over types that group
	}
	return enc
}

func (c *collectAcc) update(groups []int32, arg arrow.Array) {
	enc := c.encoder(arg)
	for i, g := range groups {
		if arg.IsValid(i) {
			c.offer(g, arg, i, enc)
		}
	}
}

func (c *collectAcc) mergeState(groups []int32, state []arrow.Array) {
	lists := state[0].(*array.List)
	vals := lists.ListValues()
	enc := c.encoder(vals)
	for i, g := range groups {
		start, end := lists.ValueOffsets(i)
		for j := start; j < end; j++ {
			if vals.IsValid(int(j)) {
				c.offer(g, vals, int(j), enc)
			}
		}
	}
}

func (c *collectAcc) build(mem memory.Allocator, t arrow.DataType) arrow.Array {
	var flat []int32
	offsets := make([]int32, 0, len(c.lists)+1)
	offsets = append(offsets, 0)
	for _, l := range c.lists {
		flat = append(flat, l...)
		offsets = append(offsets, int32(len(flat)))
	}
	vals, err := c.store.take(flat)
	if err != nil {
		panic(err)
	}
	defer vals.Release()
	buf := memory.NewResizableBuffer(mem)
	defer buf.Release()
	buf.Resize(arrow.Int32Traits.BytesRequired(len(offsets)))
	copy(arrow.Int32Traits.CastFromBytes(buf.Bytes()), offsets)
	data := array.NewData(t, len(c.lists), []*memory.Buffer{nil, buf}, []arrow.ArrayData{vals.Data()}, 0, 0)
	defer data.Release()
	return array.NewListData(data)
}

func (c *collectAcc) state(mem memory.Allocator, t arrow.DataType) []arrow.Array {
	return []arrow.Array{c.build(mem, t)}
}

// release implements releasingAccumulator.
func (c *collectAcc) release() { c.store.release() }

// grown implements growingAccumulator.
func (c *collectAcc) grown() (int64, int64) { return c.sizes.grown() }
