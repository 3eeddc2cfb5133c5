package exec

import (
	"fmt"
	"testing"
)

// TestGroupKeys: keys of many lengths (the empty key, prefixes of one
// another) come back as the groups they were added as, in order, across
// the hash table's doublings; reserve reports exactly the arrays it
// grows, in full (the old ones live while they are copied).
func TestGroupKeys(t *testing.T) {
	k := newGroupKeys()
	want := map[string]int32{}
	var order []string
	for i := range 20000 {
		key := []byte(fmt.Sprintf("%x", i*7919%5003)) // repeats, and prefixes of one another
		if i%1000 == 0 {
			key = key[:0]
		}
		h := k.hash(key)
		g, ok := k.find(key, h)
		if w, seen := want[string(key)]; ok != seen || (ok && g != w) {
			t.Fatalf("find(%q) = %d, %v; want %d, %v", key, g, ok, w, seen)
		}
		if ok {
			continue
		}
		sizes := func() [3]int64 { return [3]int64{int64(cap(k.arena)), 8 * int64(cap(k.ends)), 8 * int64(len(k.slots))} }
		before := sizes()
		grew := k.reserve(1, len(key), true)
		var grown int64
		for i, n := range sizes() {
			if n != before[i] {
				grown += n
			}
		}
		if grew != grown {
			t.Fatalf("reserve reported %d bytes, its grown arrays take %d", grew, grown)
		}
		if k.reserve(1, len(key), false) != 0 {
			t.Fatal("reserve reports growth right after growing")
		}
		if g := k.add(key, h); int(g) != len(order) {
			t.Fatalf("add(%q) = %d, want %d", key, g, len(order))
		}
		want[string(key)] = int32(len(order))
		order = append(order, string(key))
	}
	if k.len() != len(order) {
		t.Fatalf("%d groups, want %d", k.len(), len(order))
	}
	for g, key := range order {
		if got := string(k.key(g)); got != key {
			t.Fatalf("key(%d) = %q, want %q", g, got, key)
		}
		if found, ok := k.find([]byte(key), k.hash([]byte(key))); !ok || int(found) != g {
			t.Fatalf("find(%q) = %d, %v after growing; want %d", key, found, ok, g)
		}
	}
	if n := len(k.slots); k.len()*8 > n*maxGroupKeysLoad || n&(n-1) != 0 {
		t.Fatalf("%d slots for %d groups", n, k.len())
	}
}
