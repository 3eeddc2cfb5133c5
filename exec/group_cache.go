package exec

import (
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/plan"
)

// groupCache sits in front of a group table's index (groupKeys) for keys
// that pack into 16 bytes — integers, dates, booleans and strings of up
// to 7 bytes, no NULLs — such as TPC-H Q1's (l_returnflag, l_linestatus)
// or Q3's (l_orderkey, o_orderdate, o_shippriority). A batch's keys are
// packed column by column, then each row looks its packed key up in a
// direct-mapped cache of the groups last seen: a hit is the group, with
// no per-row key encoding, hashing of bytes or probing; a miss goes
// through the index as before and fills the entry. Few groups then cost
// almost nothing per row; many cost a pack and a missed lookup.
//
// It holds at most groupCacheEntries entries (fixed, 192 KiB), whatever
// the data: its memory is part of a table's fixed overhead. Group
// numbers are a table's own, so reset clears it.
type groupCache struct {
	layout  []packedSlot // nil when the key columns' types cannot pack
	entries []groupCacheEntry
	packed  [][2]uint64 // scratch: a batch's packed keys
	// lookups and hits count gets; once groupCacheTrial lookups hit less
	// than half the time (many groups, few repeats nearby) the cache
	// turns itself off for good, so that it costs nothing there.
	lookups, hits int
	off           bool
}

// groupCacheEntry is one cached key and its group + 1 (0: empty).
type groupCacheEntry struct {
	key   [2]uint64
	group int32
}

const (
	groupCacheBits    = 13
	groupCacheEntries = 1 << groupCacheBits
	groupCacheTrial   = 1 << 16
)

// packedSlot is where a key column goes in a packed key: bits [shift,
// shift+width) of word.
type packedSlot struct {
	word, shift, width int
}

// newGroupCache returns a cache for keys of the given types, or nil when
// they do not pack into 16 bytes.
func newGroupCache(types []arrow.DataType) *groupCache {
	if len(types) == 0 {
		return nil
	}
	// First fit, widest first: each column's slot lies within one word.
	layout := make([]packedSlot, len(types))
	order := make([]int, len(types))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return packedWidth(types[order[a]]) > packedWidth(types[order[b]]) })
	var used [2]int
	for _, i := range order {
		width := packedWidth(types[i])
		if width == 0 {
			return nil
		}
		word := 0
		if used[0]+width > 64 {
			word = 1
		}
		if used[word]+width > 64 {
			return nil
		}
		layout[i] = packedSlot{word: word, shift: used[word], width: width}
		used[word] += width
	}
	return &groupCache{layout: layout}
}

// packedWidth is the bits a value of type t takes in a packed key; 0
// when t does not pack. A string takes its length (a byte) and up to 7
// bytes, zero-padded, so that "a" and "a\x00" differ.
func packedWidth(t arrow.DataType) int {
	switch t.ID() {
	case arrow.BOOL, arrow.INT8, arrow.UINT8:
		return 8
	case arrow.INT16, arrow.UINT16:
		return 16
	case arrow.INT32, arrow.UINT32, arrow.DATE32:
		return 32
	case arrow.INT64, arrow.UINT64, arrow.DATE64, arrow.TIMESTAMP:
		return 64
	case arrow.STRING, arrow.BINARY:
		return 64
	}
	return 0
}

// pack packs the keys of a batch's rows, or returns nil when a column
// has a NULL or a string longer than 7 bytes (the batch then takes the
// index alone). The result is valid until the next pack.
func (c *groupCache) pack(cols []arrow.Array, rows int) [][2]uint64 {
	if c == nil || c.off || len(cols) != len(c.layout) {
		return nil
	}
	if c.lookups >= groupCacheTrial && c.hits*2 < c.lookups {
		c.off, c.entries, c.packed = true, nil, nil
		return nil
	}
	for _, col := range cols {
		if col.NullN() != 0 || col.Len() < rows {
			return nil
		}
	}
	if cap(c.packed) < rows {
		c.packed = make([][2]uint64, rows)
	}
	packed := c.packed[:rows]
	clear(packed)
	for i, col := range cols {
		s := c.layout[i]
		if !packColumn(packed, col, s) {
			return nil
		}
	}
	return packed
}

// packColumn ors col's values into word s.word of each packed key.
func packColumn(packed [][2]uint64, col arrow.Array, s packedSlot) bool {
	w, sh := s.word, uint(s.shift)
	switch a := col.(type) {
	case *array.Int64:
		for i, v := range a.Int64Values()[:len(packed)] {
			packed[i][w] |= uint64(v) << sh
		}
	case *array.Uint64:
		for i, v := range a.Uint64Values()[:len(packed)] {
			packed[i][w] |= v << sh
		}
	case *array.Int32:
		for i, v := range a.Int32Values()[:len(packed)] {
			packed[i][w] |= uint64(uint32(v)) << sh
		}
	case *array.Uint32:
		for i, v := range a.Uint32Values()[:len(packed)] {
			packed[i][w] |= uint64(v) << sh
		}
	case *array.Date32:
		for i, v := range a.Date32Values()[:len(packed)] {
			packed[i][w] |= uint64(uint32(v)) << sh
		}
	case *array.Date64:
		for i, v := range a.Date64Values()[:len(packed)] {
			packed[i][w] |= uint64(v) << sh
		}
	case *array.Timestamp:
		for i, v := range a.TimestampValues()[:len(packed)] {
			packed[i][w] |= uint64(v) << sh
		}
	case *array.Int16:
		for i, v := range a.Int16Values()[:len(packed)] {
			packed[i][w] |= uint64(uint16(v)) << sh
		}
	case *array.Uint16:
		for i, v := range a.Uint16Values()[:len(packed)] {
			packed[i][w] |= uint64(v) << sh
		}
	case *array.Int8:
		for i, v := range a.Int8Values()[:len(packed)] {
			packed[i][w] |= uint64(uint8(v)) << sh
		}
	case *array.Uint8:
		for i, v := range a.Uint8Values()[:len(packed)] {
			packed[i][w] |= uint64(v) << sh
		}
	case *array.Boolean:
		for i := range packed {
			if a.Value(i) {
				packed[i][w] |= 1 << sh
			}
		}
	case *array.String:
		return packShortBytes(packed, w, a.ValueOffsets(), a.ValueBytes())
	case *array.Binary:
		return packShortBytes(packed, w, a.ValueOffsets(), a.ValueBytes())
	default:
		return false
	}
	return true
}

// packShortBytes packs strings of up to 7 bytes as their length and
// bytes (a string takes a whole word, so shift is 0); false when one is
// longer. offsets and data are an array's ValueOffsets and ValueBytes,
// whose bytes start at offsets[0] (a sliced array's need not be 0).
func packShortBytes(packed [][2]uint64, w int, offsets []int32, data []byte) bool {
	offsets = offsets[:len(packed)+1]
	base := offsets[0] // ValueBytes starts at the first value's bytes
	for i := range packed {
		lo, hi := offsets[i]-base, offsets[i+1]-base
		n := hi - lo
		if n > 7 {
			return false
		}
		v := uint64(n)
		for j, b := range data[lo:hi] {
			v |= uint64(b) << (8 * uint(j+1))
		}
		packed[i][w] = v
	}
	return true
}

// slot is the entry a packed key maps to.
func groupCacheSlot(key [2]uint64) uint64 {
	h := key[0]*0x9e3779b97f4a7c15 ^ key[1]*0xc2b2ae3d27d4eb4f
	h ^= h >> 29
	return (h * 0xbf58476d1ce4e5b9) >> (64 - groupCacheBits)
}

// get returns the group of a packed key, if cached.
func (c *groupCache) get(key [2]uint64) (int32, bool) {
	c.lookups++
	if c.entries == nil {
		return 0, false
	}
	e := &c.entries[groupCacheSlot(key)]
	if e.group != 0 && e.key == key {
		c.hits++
		return e.group - 1, true
	}
	return 0, false
}

// put caches the group of a packed key, replacing the entry's last.
func (c *groupCache) put(key [2]uint64, group int32) {
	if c.entries == nil {
		c.entries = make([]groupCacheEntry, groupCacheEntries)
	}
	c.entries[groupCacheSlot(key)] = groupCacheEntry{key: key, group: group + 1}
}

// reset forgets every group (the table's groups are gone).
func (c *groupCache) reset() {
	if c != nil {
		clear(c.entries)
	}
}

// exprTypes is the types of exprs.
func exprTypes(exprs []plan.Expr) []arrow.DataType {
	types := make([]arrow.DataType, len(exprs))
	for i, e := range exprs {
		types[i] = e.Type()
	}
	return types
}
