package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/internal/arrowmem"
	"github.com/ember-df/ember/plan"
)

// errNoRoom says the memory budget has no room for a join's build side:
// the caller spills it (a shuffled hash join) or fails naming the join.
var errNoRoom = errors.New("exec: no room in the memory budget")

// joinTable is a join's build side in memory: its rows in one batch, and
// for a hash join a chained hash table over their encoded keys. It is
// read-only once built, so the tasks of a broadcast join share one.
type joinTable struct {
	job   *job
	batch arrow.RecordBatch // the build rows; nil when there are none
	rows  int
	keyed bool // false: a nested loop, every row a candidate
	// keys holds row r's encoded key at keys[offs[r]:offs[r+1]], hash
	// hashes[r]; heads[h&mask] is the first row of the chain of hash h,
	// next[r] the row after r (-1 ends a chain), in row order. Rows
	// whose key cannot match (a NULL under =) are in no chain.
	keys   []byte
	offs   []int
	hashes []uint64
	heads  []int32
	next   []int32
	mask   uint64
	// slots is the table of a join on one integer key under = (the
	// common case), by linear probing on the key itself: each distinct
	// key's first row, its other rows chained by next. A lookup then
	// reads one slot, and the rows of a chain all match.
	slots []intSlot
	// filter, when slots outgrow the CPU's caches, is a Bloom filter of
	// slots' keys (two bits of a word, by mixInt's hash): a key not in
	// the table — most of a selective join's probes — is refused by one
	// read of a cache-resident word rather than a miss into slots.
	filter      []uint64
	filterShift uint8 // a hash's word is hash >> filterShift
	bytes       int64 // reserved against the budget
}

// minFilteredSlots is the slots from which a table on an integer key
// gets a filter: 512 KiB of them and more are mostly out of cache.
const minFilteredSlots = 1 << 15

// intFilterWords is the filter's size for rows keys: a power of two of
// 64-bit words, 8 to 16 bits a key (two bits set a key: under 5% of
// absent keys pass), none under minFilteredSlots slots.
func intFilterWords(rows, slots int) int {
	if slots < minFilteredSlots {
		return 0
	}
	return 1 << bits.Len(uint(rows/8))
}

// intSlot is a slot of joinTable.slots; row -1 marks it empty.
type intSlot struct {
	key int64
	row int32
}

// release frees the table and its reservation. It is idempotent.
func (t *joinTable) release() {
	if t.batch != nil {
		t.batch.Release()
		t.batch = nil
	}
	t.keys, t.offs, t.hashes, t.heads, t.next, t.slots, t.filter = nil, nil, nil, nil, nil, nil, nil
	t.job.budget.free(t.bytes)
	t.bytes = 0
}

// columns returns the build rows' columns, nil when there are none.
func (t *joinTable) columns() []arrow.Array {
	if t.batch == nil {
		return nil
	}
	return t.batch.Columns()
}

// tableBuilder gathers a build side's batches, each reserved against the
// budget, then makes them a joinTable. It is used by one goroutine.
type tableBuilder struct {
	spec   *joinSpec
	mem    memory.Allocator
	schema *arrow.Schema
	cols   [][]arrow.Array // per column, one array per batch added
	rows   []int64         // per batch added
	held   int64           // reserved for the batches
}

func newTableBuilder(spec *joinSpec, mem memory.Allocator, schema *arrow.Schema) *tableBuilder {
	return &tableBuilder{spec: spec, mem: mem, schema: schema, cols: make([][]arrow.Array, schema.NumFields())}
}

// add keeps b (borrowed), or fails with errNoRoom, keeping nothing of b,
// when the budget has no room for it.
func (tb *tableBuilder) add(b arrow.RecordBatch) error {
	n := arrowmem.BatchBytes(b)
	budget := &tb.spec.job.budget
	if err := budget.check(n, tb.spec.label); err != nil {
		return err
	}
	ok, err := budget.reserve(n)
	if err != nil {
		return err
	}
	if !ok {
		return errNoRoom
	}
	tb.held += n
	for i, c := range b.Columns() {
		c.Retain()
		tb.cols[i] = append(tb.cols[i], c)
	}
	tb.rows = append(tb.rows, b.NumRows())
	tb.compact()
	return nil
}

// compactEvery is how many small batches the builder holds before it
// concatenates them into one.
const compactEvery = 64

// compact concatenates the last compactEvery batches into one when they
// are small (a hash exchange and spill partitions cut batches into
// pieces, each with buffers of their own): many small batches take much
// more memory than their rows. It skips when the budget has no room for
// the copy.
func (tb *tableBuilder) compact() {
	n := len(tb.rows)
	if n < compactEvery || n%compactEvery != 0 {
		return
	}
	lo := n - compactEvery
	var rows int64
	for _, r := range tb.rows[lo:] {
		rows += r
	}
	if rows > int64(tb.spec.job.cfg.BatchRows)*compactEvery/4 {
		return // big enough already
	}
	var before, widest int64
	for _, parts := range tb.cols {
		var w int64
		for _, a := range parts[lo:] {
			w += arrowmem.ArrayBytes(a.Data())
		}
		before += w
		widest = max(widest, w)
	}
	budget := &tb.spec.job.budget
	if ok, err := budget.reserve(widest); err != nil || !ok {
		return
	}
	defer budget.free(widest)
	var after int64
	for i, parts := range tb.cols {
		c, err := array.Concatenate(parts[lo:], tb.mem)
		if err != nil {
			return // left as it was, column by column
		}
		eval.ReleaseArrays(parts[lo:])
		tb.cols[i] = append(parts[:lo], c)
		after += arrowmem.ArrayBytes(c.Data())
	}
	tb.rows = append(tb.rows[:lo], rows)
	if after < before {
		budget.free(before - after)
	} else {
		budget.force(after - before)
	}
	tb.held += after - before
}

// batches returns the batches added, which the caller releases, and
// hands their reservation to the caller: the builder is then empty.
func (tb *tableBuilder) batches() ([]arrow.RecordBatch, int64) {
	out := make([]arrow.RecordBatch, len(tb.rows))
	for k, n := range tb.rows {
		cols := make([]arrow.Array, len(tb.cols))
		for i := range tb.cols {
			cols[i] = tb.cols[i][k]
		}
		out[k] = array.NewRecordBatch(tb.schema, cols, n)
	}
	tb.releaseArrays()
	held := tb.held
	tb.held = 0
	return out, held
}

func (tb *tableBuilder) releaseArrays() {
	for i := range tb.cols {
		eval.ReleaseArrays(tb.cols[i])
		tb.cols[i] = nil
	}
	tb.rows = nil
}

// release frees what the builder holds. It is idempotent.
func (tb *tableBuilder) release() {
	tb.releaseArrays()
	tb.spec.job.budget.free(tb.held)
	tb.held = 0
}

// build turns the batches added into a table, evaluating keys (none for
// a nested loop) with ev. It fails with errNoRoom, the builder intact,
// when the budget has no room for the table; otherwise the builder ends
// empty, its reservation passed to the table.
func (tb *tableBuilder) build(ctx context.Context, ev *eval.Evaluator, mem memory.Allocator, keys []plan.Expr, nullSafe []bool) (*joinTable, error) {
	budget := &tb.spec.job.budget
	var total int64
	for _, n := range tb.rows {
		total += n
	}
	if total > math.MaxInt32 {
		return nil, fmt.Errorf("exec: %s: the build side has %d rows, more than a hash table holds (%d)", tb.spec.label, total, math.MaxInt32)
	}
	rows := int(total)
	t := &joinTable{job: tb.spec.job, rows: rows, keyed: len(keys) > 0}
	// The index: offsets, hashes, chains and heads, and the encoded keys
	// (estimated at 9 bytes a key column; trued up once known).
	var buckets int
	var index int64
	switch {
	case !t.keyed:
	case intKeyType(keys, nullSafe):
		buckets = 1 << max(bits.Len(uint(rows+rows/3)), 1) // at most 3/4 full
		index = int64(rows)*4 + 16*int64(buckets) + 8*int64(intFilterWords(rows, buckets))
	default:
		buckets = 1 << max(bits.Len(uint(rows)), 1)
		index = int64(rows)*(8+8+4+9*int64(len(keys))) + 4*int64(buckets)
	}
	// Concatenating the batches into one needs their bytes again while
	// it runs (the arrays are concatenated one column at a time).
	var widest int64
	for _, parts := range tb.cols {
		var n int64
		for _, a := range parts {
			n += arrowmem.ArrayBytes(a.Data())
		}
		widest = max(widest, n)
	}
	if len(tb.rows) <= 1 {
		widest = 0
	}
	ok, err := budget.reserve(index + widest)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNoRoom
	}
	t.bytes = index
	defer budget.free(widest)
	if rows > 0 {
		cols := make([]arrow.Array, len(tb.cols))
		for i, parts := range tb.cols {
			if len(parts) == 1 {
				parts[0].Retain()
				cols[i] = parts[0]
			} else if cols[i], err = array.Concatenate(parts, mem); err != nil {
				eval.ReleaseArrays(cols)
				t.release()
				return nil, err
			}
			// The parts go as soon as their column is whole, so that the
			// copy needs the room of one column at a time.
			eval.ReleaseArrays(parts)
			tb.cols[i] = nil
		}
		t.batch = array.NewRecordBatch(tb.schema, cols, total)
		eval.ReleaseArrays(cols)
		// Arrow counts an array's NULLs lazily, writing the count on
		// first use: count them now, while one goroutine holds the
		// table, since a broadcast join's tasks then share it.
		for _, c := range t.batch.Columns() {
			countNulls(c)
		}
	}
	// The table now holds the rows: their reservation passes to it.
	tb.releaseArrays()
	t.bytes += tb.held
	tb.held = 0
	if t.keyed && rows > 0 {
		if err := t.index(ctx, ev, keys, nullSafe, buckets); err != nil {
			t.release()
			return nil, err
		}
	}
	return t, nil
}

// index evaluates the keys of the table's rows and chains them.
func (t *joinTable) index(_ context.Context, ev *eval.Evaluator, keys []plan.Expr, nullSafe []bool, buckets int) error {
	cols, err := ev.Arrays(keys, t.batch)
	if err != nil {
		return err
	}
	defer eval.ReleaseArrays(cols)
	enc, err := eval.NewKeyEncoder(cols)
	if err != nil {
		return err
	}
	t.next = make([]int32, t.rows)
	t.mask = uint64(buckets - 1)
	if get := intKey(cols, nullSafe); get != nil {
		t.slots = make([]intSlot, buckets)
		for i := range t.slots {
			t.slots[i].row = -1
		}
		// Rows last to first, so that a key's chain is in row order.
		for r := t.rows - 1; r >= 0; r-- {
			t.next[r] = -1
			if cols[0].IsNull(r) {
				continue
			}
			k := get(r)
			i := mixInt(k) & t.mask
			for t.slots[i].row >= 0 && t.slots[i].key != k {
				i = (i + 1) & t.mask
			}
			if t.slots[i].row >= 0 {
				t.next[r] = t.slots[i].row
			}
			t.slots[i] = intSlot{key: k, row: int32(r)}
		}
		if words := intFilterWords(t.rows, buckets); words > 0 {
			t.filter = make([]uint64, words)
			t.filterShift = uint8(64 - bits.Len(uint(words-1)))
			for _, s := range t.slots {
				if s.row >= 0 {
					h := mixInt(s.key)
					t.filter[h>>t.filterShift] |= 1<<(h&63) | 1<<(h>>6&63)
				}
			}
		}
		return nil
	}
	t.hashes = make([]uint64, t.rows)
	t.heads = make([]int32, buckets)
	for i := range t.heads {
		t.heads[i] = -1
	}
	t.offs = make([]int, t.rows+1)
	for r := 0; r < t.rows; r++ {
		t.keys = enc.Encode(t.keys, r)
		t.offs[r+1] = len(t.keys)
		t.hashes[r] = eval.HashKey(t.keys[t.offs[r]:])
	}
	// Chains in row order: insert the rows last to first at the heads.
	for r := t.rows - 1; r >= 0; r-- {
		t.next[r] = -1
		if nullKey(cols, nullSafe, r) {
			continue
		}
		b := t.hashes[r] & t.mask
		t.next[r] = t.heads[b]
		t.heads[b] = int32(r)
	}
	// True up the estimate of the encoded keys.
	if d := int64(len(t.keys)) - 9*int64(len(keys))*int64(t.rows); d > 0 {
		t.job.budget.force(d)
		t.bytes += d
	}
	return nil
}

// nullKey reports whether row's key holds a NULL under = (which matches
// nothing) in cols.
func nullKey(cols []arrow.Array, nullSafe []bool, row int) bool {
	for i, c := range cols {
		if !nullSafe[i] && c.IsNull(row) {
			return true
		}
	}
	return false
}

// first returns the first row of the chain that key (of hash h) may
// match, -1 for none.
func (t *joinTable) first(h uint64) int32 {
	if t.heads == nil {
		return -1
	}
	return t.heads[h&t.mask]
}

// matches reports whether row r's key is key (of hash h).
func (t *joinTable) matches(r int32, h uint64, key []byte) bool {
	return t.hashes[r] == h && bytes.Equal(t.keys[t.offs[r]:t.offs[r+1]], key)
}

// findInt returns the first row whose key is k, -1 for none, in a table
// on one integer key; the rows chained after it all have key k.
func (t *joinTable) findInt(k int64) int32 {
	if t.slots == nil {
		return -1
	}
	h := mixInt(k)
	if t.filter != nil {
		if want := uint64(1)<<(h&63) | 1<<(h>>6&63); t.filter[h>>t.filterShift]&want != want {
			return -1
		}
	}
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		switch s := t.slots[i]; {
		case s.row < 0:
			return -1
		case s.key == k:
			return s.row
		}
	}
}

// intKeyType reports whether keys are one integer key under =, which
// intKey reads.
func intKeyType(keys []plan.Expr, nullSafe []bool) bool {
	if len(keys) != 1 || nullSafe[0] {
		return false
	}
	switch keys[0].Type().ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
		return true
	}
	return false
}

// intKey returns the getter of an integer key's values as int64, when
// cols is one key of an integer type under = (NULLs never match); nil
// otherwise. Both inputs' keys have the same type, so equal values are
// equal keys.
func intKey(cols []arrow.Array, nullSafe []bool) func(int) int64 {
	if len(cols) != 1 || nullSafe[0] {
		return nil
	}
	switch c := cols[0].(type) {
	case *array.Int64:
		return c.Value
	case *array.Int32:
		return func(i int) int64 { return int64(c.Value(i)) }
	case *array.Int16:
		return func(i int) int64 { return int64(c.Value(i)) }
	case *array.Int8:
		return func(i int) int64 { return int64(c.Value(i)) }
	case *array.Uint64:
		return func(i int) int64 { return int64(c.Value(i)) }
	case *array.Uint32:
		return func(i int) int64 { return int64(c.Value(i)) }
	case *array.Uint16:
		return func(i int) int64 { return int64(c.Value(i)) }
	case *array.Uint8:
		return func(i int) int64 { return int64(c.Value(i)) }
	case *array.Date32:
		return func(i int) int64 { return int64(c.Value(i)) }
	case *array.Date64:
		return func(i int) int64 { return int64(c.Value(i)) }
	case *array.Timestamp:
		return func(i int) int64 { return int64(c.Value(i)) }
	}
	return nil
}

// mixInt hashes an integer key: MurmurHash3's fmix64.
func mixInt(v int64) uint64 {
	h := uint64(v)
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// countNulls makes a, its children and its dictionary count their NULLs
// now (see tableBuilder.build), so that goroutines sharing them only read
// the counts. (An array caches the count in its Data, which arrays made
// over the same Data share.)
func countNulls(a arrow.Array) {
	a.NullN()
	for _, child := range a.Data().Children() {
		c := array.MakeFromData(child)
		countNulls(c)
		c.Release()
	}
	if d, ok := a.(*array.Dictionary); ok {
		countNulls(d.Dictionary())
	}
}
