package eval

import (
	"bytes"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func arrayFromJSON(t *testing.T, mem memory.Allocator, typ arrow.DataType, js string) arrow.Array {
	t.Helper()
	a, _, err := array.FromJSON(mem, typ, strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func encodeRows(t *testing.T, cols ...arrow.Array) [][]byte {
	t.Helper()
	enc, err := NewKeyEncoder(cols)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, cols[0].Len())
	for i := range out {
		out[i] = enc.Encode(nil, i)
	}
	return out
}

func TestKeyEncoderEquality(t *testing.T) {
	mem := checkedAlloc(t)
	negZero := math.Copysign(0, -1)
	otherNaN := math.Float64frombits(0x7ff8000000000001)

	f64b := array.NewFloat64Builder(mem)
	f64b.AppendValues([]float64{0, negZero, math.NaN(), otherNaN, 1.5, 0}, []bool{true, true, true, true, true, false})
	f64 := f64b.NewArray()
	f64b.Release()
	defer f64.Release()

	f32b := array.NewFloat32Builder(mem)
	f32b.AppendValues([]float32{0, float32(negZero), float32(math.NaN()), math.Float32frombits(0x7fc00001), 1.5, 0}, []bool{true, true, true, true, true, false})
	f32 := f32b.NewArray()
	f32b.Release()
	defer f32.Release()

	type pair struct{ i, j int }
	cases := []struct {
		name          string
		col           arrow.Array
		equal, differ []pair
	}{
		{"float64", f64, []pair{{0, 1}, {2, 3}}, []pair{{0, 5}, {0, 2}, {1, 4}, {2, 5}, {4, 0}}},
		{"float32", f32, []pair{{0, 1}, {2, 3}}, []pair{{0, 5}, {0, 2}, {2, 5}, {4, 0}}},
		{"string", arrayFromJSON(t, mem, arrow.BinaryTypes.String, `["", null, "a", "", null, "A"]`),
			[]pair{{0, 3}, {1, 4}}, []pair{{0, 1}, {2, 5}, {0, 2}}},
		{"binary", arrayFromJSON(t, mem, arrow.BinaryTypes.Binary, `["", null, "YQ=="]`),
			nil, []pair{{0, 1}, {0, 2}}},
		{"bool", arrayFromJSON(t, mem, arrow.FixedWidthTypes.Boolean, `[false, null, true, false]`),
			[]pair{{0, 3}}, []pair{{0, 1}, {1, 2}, {0, 2}}},
		{"int64", arrayFromJSON(t, mem, arrow.PrimitiveTypes.Int64, `[0, null, -1, 0]`),
			[]pair{{0, 3}}, []pair{{0, 1}, {1, 2}}},
		{"uint8", arrayFromJSON(t, mem, arrow.PrimitiveTypes.Uint8, `[255, null, 0]`),
			nil, []pair{{0, 1}, {1, 2}, {0, 2}}},
		{"date32", arrayFromJSON(t, mem, arrow.FixedWidthTypes.Date32, `[0, null, 19727, 19727]`),
			[]pair{{2, 3}}, []pair{{0, 1}}},
		{"null", arrayFromJSON(t, mem, arrow.Null, `[null, null]`), []pair{{0, 1}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.col != f64 && c.col != f32 {
				defer c.col.Release()
			}
			keys := encodeRows(t, c.col)
			for _, p := range c.equal {
				if !bytes.Equal(keys[p.i], keys[p.j]) {
					t.Errorf("rows %d and %d (%s, %s) encode differently", p.i, p.j, c.col.ValueStr(p.i), c.col.ValueStr(p.j))
				}
			}
			for _, p := range c.differ {
				if bytes.Equal(keys[p.i], keys[p.j]) {
					t.Errorf("rows %d and %d (%s, %s) encode equally", p.i, p.j, c.col.ValueStr(p.i), c.col.ValueStr(p.j))
				}
			}
		})
	}
}

// TestKeyEncoderColumnBoundaries: ("a", "bc") and ("ab", "c") are
// different keys, however the bytes line up.
func TestKeyEncoderColumnBoundaries(t *testing.T) {
	mem := checkedAlloc(t)
	first := arrayFromJSON(t, mem, arrow.BinaryTypes.String, `["a", "ab", null, ""]`)
	defer first.Release()
	second := arrayFromJSON(t, mem, arrow.BinaryTypes.String, `["bc", "c", "", null]`)
	defer second.Release()
	keys := encodeRows(t, first, second)
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if bytes.Equal(keys[i], keys[j]) {
				t.Errorf("rows %d and %d encode equally: %x", i, j, keys[i])
			}
		}
	}
}

// TestKeyEncoderAcrossIntegerWidths: a key hashes the same whether a
// reader typed the column int32 or int64, so partitions agree.
func TestKeyEncoderAcrossIntegerWidths(t *testing.T) {
	mem := checkedAlloc(t)
	js := `[0, -1, 42, null]`
	var want [][]byte
	for _, typ := range []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int8} {
		a := arrayFromJSON(t, mem, typ, js)
		keys := encodeRows(t, a)
		a.Release()
		if want == nil {
			want = keys
			continue
		}
		for i := range keys {
			if !bytes.Equal(keys[i], want[i]) {
				t.Errorf("%s row %d encodes as %x, int64 as %x", typ, i, keys[i], want[i])
			}
		}
	}
}

func TestKeyEncoderUnsupported(t *testing.T) {
	mem := checkedAlloc(t)
	l := arrayFromJSON(t, mem, arrow.ListOf(arrow.PrimitiveTypes.Int64), `[[1], null]`)
	defer l.Release()
	if _, err := NewKeyEncoder([]arrow.Array{l}); err == nil || !strings.Contains(err.Error(), "list") {
		t.Fatalf("list key: %v", err)
	}
}

// TestHashKeyStable pins HashKey's values: hash partitioning must put a
// key in the same partition in every process, on every machine and in
// every release, so these numbers may never change.
func TestHashKeyStable(t *testing.T) {
	cases := []struct {
		key  []byte
		want uint64
	}{
		{nil, 0xefd01f60ba992926},
		{[]byte("a"), 0x82a2a958a9bece5b},
		{[]byte("foobar"), 0x2c22194922d1672b},
		// The key of an int64 42: valid marker, then little-endian value.
		{[]byte{1, 42, 0, 0, 0, 0, 0, 0, 0}, 0x0640467e21fb54bb},
		// The key of a NULL.
		{[]byte{0}, 0xb9034ad37056f5fb},
	}
	for _, c := range cases {
		if got := HashKey(c.key); got != c.want {
			t.Errorf("HashKey(%x) = %#x, want %#x", c.key, got, c.want)
		}
		// Its definition: FNV-1a, then MurmurHash3's fmix64.
		h := fnv.New64a()
		h.Write(c.key)
		x := h.Sum64()
		x ^= x >> 33
		x *= 0xff51afd7ed558ccd
		x ^= x >> 33
		x *= 0xc4ceb9fe1a85ec53
		x ^= x >> 33
		if x != HashKey(c.key) {
			t.Errorf("HashKey(%x) = %#x, FNV-1a + fmix64 gives %#x", c.key, HashKey(c.key), x)
		}
	}
}

// TestHashKeySpread: keys that share their low bits (round numbers, even
// ids, single letters) still use every partition when the count is a power
// of two.
func TestHashKeySpread(t *testing.T) {
	mem := checkedAlloc(t)
	keySets := map[string]arrow.Array{
		"decades":    arrayFromJSON(t, mem, arrow.PrimitiveTypes.Int64, intList(0, 640, 10)),
		"multiples8": arrayFromJSON(t, mem, arrow.PrimitiveTypes.Int32, intList(0, 512, 8)),
		"letters":    arrayFromJSON(t, mem, arrow.BinaryTypes.String, `["a","e","i","m","q","u","y","A","E","I","M","Q","U","Y","0","4","8","$","(",",","<","@","D","H","L","P","T","X","d","h","l","p","t","x","|","`+"`"+`"]`),
	}
	for name, keys := range keySets {
		defer keys.Release()
		enc, err := NewKeyEncoder([]arrow.Array{keys})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []uint64{2, 4, 8} {
			counts := make([]int, n)
			for i := 0; i < keys.Len(); i++ {
				counts[HashKey(enc.Encode(nil, i))%n]++
			}
			for p, c := range counts {
				if c == 0 {
					t.Errorf("%s into %d partitions: partition %d empty (%v)", name, n, p, counts)
				}
			}
		}
	}
}

func intList(lo, hi, step int) string {
	var parts []string
	for v := lo; v < hi; v += step {
		parts = append(parts, strconv.Itoa(v))
	}
	return "[" + strings.Join(parts, ",") + "]"
}
