package exec

import (
	"bytes"
	"hash/maphash"
)

// groupKeys is a group table's index of encoded keys (eval.KeyEncoder):
// the keys' bytes one after the other in one arena, in group order, and
// an open-addressing hash table of group numbers. Nothing in it holds a
// pointer, so the garbage collector never scans it, and it takes 8 bytes
// a group and 11 to 21 of hash table (an 8-byte slot, filled to between
// 3/8 and 6/8) besides the keys' bytes — a map[string]int32 with a
// string a key took about 110.
//
// A table grows only through reserve, which the group table calls (and
// accounts for) before it adds groups; add never allocates beyond what
// reserve made room for. It is used by one goroutine.
type groupKeys struct {
	seed  maphash.Seed
	arena []byte
	ends  []int // group g's key is arena[ends[g-1]:ends[g]]
	// slots holds, for a group g, the top 32 bits of its key's hash
	// shifted up 32 and g+1; 0 is an empty slot. A key's probe starts at
	// the slot its hash's top bits name and goes on linearly.
	slots []uint64
	mask  uint64
}

// maxGroupKeysLoad is the share of slots, in eighths, a table fills
// before reserve doubles it.
const maxGroupKeysLoad = 6

func newGroupKeys() *groupKeys { return &groupKeys{seed: maphash.MakeSeed()} }

// len is the number of groups.
func (k *groupKeys) len() int { return len(k.ends) }

// key returns group g's encoded key, valid until the table is reset.
func (k *groupKeys) key(g int) []byte {
	start := 0
	if g > 0 {
		start = k.ends[g-1]
	}
	return k.arena[start:k.ends[g]]
}

// hash is the hash find and add take.
func (k *groupKeys) hash(key []byte) uint64 { return maphash.Bytes(k.seed, key) }

// find returns the group of key, whose hash is h.
func (k *groupKeys) find(key []byte, h uint64) (int32, bool) {
	if len(k.slots) == 0 {
		return 0, false
	}
	tag := h >> 32 << 32
	for i := (h >> 32) & k.mask; ; i = (i + 1) & k.mask {
		s := k.slots[i]
		if s == 0 {
			return 0, false
		}
		if s&^0xffffffff == tag {
			if g := int(uint32(s)) - 1; bytes.Equal(k.key(g), key) {
				return int32(g), true
			}
		}
	}
}

// add makes key, whose hash is h and which the table does not hold, a
// new group and returns it. reserve must have made room for it.
func (k *groupKeys) add(key []byte, h uint64) int32 {
	g := len(k.ends)
	k.arena = append(k.arena, key...)
	k.ends = append(k.ends, len(k.arena))
	k.place(h>>32<<32 | uint64(g+1))
	return int32(g)
}

// place puts slot value s into the first free slot of its probe.
func (k *groupKeys) place(s uint64) {
	i := (s >> 32) & k.mask
	for k.slots[i] != 0 {
		i = (i + 1) & k.mask
	}
	k.slots[i] = s
}

// reserve returns the bytes growing the table to take groups more
// groups of keyBytes bytes of keys in all takes — the new arrays in full,
// since each old one lives until it is copied over (the caller reserves
// them, and frees the old ones' share once grown) — and when grow is set
// grows it: the arena and the group ends by a quarter at least (so that
// tables growing a batch at a time do not copy themselves at every
// batch), the hash table doubling while groups would fill more than
// maxGroupKeysLoad eighths of it.
func (k *groupKeys) reserve(groups, keyBytes int, grow bool) int64 {
	var n int64
	if need := len(k.arena) + keyBytes; cap(k.arena) < need {
		to := max(need, cap(k.arena)+cap(k.arena)/4)
		n += int64(to)
		if grow {
			k.arena = append(make([]byte, 0, to), k.arena...)
		}
	}
	if need := len(k.ends) + groups; cap(k.ends) < need {
		to := max(need, cap(k.ends)+cap(k.ends)/4)
		n += 8 * int64(to)
		if grow {
			k.ends = append(make([]int, 0, to), k.ends...)
		}
	}
	size := max(len(k.slots), 16)
	for (len(k.ends)+groups)*8 > size*maxGroupKeysLoad {
		size *= 2
	}
	if size != len(k.slots) {
		n += 8 * int64(size)
		if grow {
			old := k.slots
			k.slots, k.mask = make([]uint64, size), uint64(size-1)
			for _, s := range old {
				if s != 0 {
					k.place(s)
				}
			}
		}
	}
	return n
}

// clear empties the table and keeps its memory, for the groups of a
// table that refills after handing its groups on.
func (k *groupKeys) clear() {
	k.arena, k.ends = k.arena[:0], k.ends[:0]
	clear(k.slots)
}

// bytes is the memory the table holds.
func (k *groupKeys) bytes() int64 {
	return int64(cap(k.arena)) + 8*int64(cap(k.ends)) + 8*int64(len(k.slots))
}
