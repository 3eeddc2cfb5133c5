package eval

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// KeyEncoder writes the values of one row of several columns as bytes, so
// that two rows encode equally exactly when their values are equal (NULLs
// equal each other, -0.0 equals 0.0, all NaNs are equal). Grouping,
// distinct and hash partitioning compare and hash these encodings.
//
// An encoder reads the columns it was built over; it keeps no state
// between rows and may be used by one goroutine at a time.
type KeyEncoder struct {
	appenders []func(dst []byte, row int) []byte
}

// NewKeyEncoder returns an encoder of the rows of cols, which have equal
// lengths. It fails for a column type that cannot be grouped or hashed
// (lists, structs, maps).
func NewKeyEncoder(cols []arrow.Array) (*KeyEncoder, error) {
	e := &KeyEncoder{appenders: make([]func([]byte, int) []byte, len(cols))}
	for i, c := range cols {
		app, err := keyAppender(c)
		if err != nil {
			return nil, err
		}
		e.appenders[i] = app
	}
	return e, nil
}

// Encode appends the key of row to dst and returns the extended slice.
func (e *KeyEncoder) Encode(dst []byte, row int) []byte {
	for _, app := range e.appenders {
		dst = app(dst, row)
	}
	return dst
}

func keyAppender(c arrow.Array) (func([]byte, int) []byte, error) {
	withNulls := func(fn func([]byte, int) []byte) func([]byte, int) []byte {
		return func(dst []byte, row int) []byte {
			if c.IsNull(row) {
				return append(dst, 0)
			}
			return fn(append(dst, 1), row)
		}
	}
	u64 := func(get func(int) uint64) func([]byte, int) []byte {
		return withNulls(func(dst []byte, row int) []byte { return binary.LittleEndian.AppendUint64(dst, get(row)) })
	}
	switch c := c.(type) {
	case *array.Int64:
		return u64(func(i int) uint64 { return uint64(c.Value(i)) }), nil
	case *array.Int32:
		return u64(func(i int) uint64 { return uint64(c.Value(i)) }), nil
	case *array.Int16:
		return u64(func(i int) uint64 { return uint64(c.Value(i)) }), nil
	case *array.Int8:
		return u64(func(i int) uint64 { return uint64(c.Value(i)) }), nil
	case *array.Uint64:
		return u64(func(i int) uint64 { return c.Value(i) }), nil
	case *array.Uint32:
		return u64(func(i int) uint64 { return uint64(c.Value(i)) }), nil
	case *array.Uint16:
		return u64(func(i int) uint64 { return uint64(c.Value(i)) }), nil
	case *array.Uint8:
		return u64(func(i int) uint64 { return uint64(c.Value(i)) }), nil
	case *array.Float64:
		return u64(func(i int) uint64 { return floatKey(c.Value(i)) }), nil
	case *array.Float32:
		return u64(func(i int) uint64 { return floatKey(float64(c.Value(i))) }), nil
	case *array.Date32:
		return u64(func(i int) uint64 { return uint64(c.Value(i)) }), nil
	case *array.Date64:
		return u64(func(i int) uint64 { return uint64(c.Value(i)) }), nil
	case *array.Timestamp:
		return u64(func(i int) uint64 { return uint64(c.Value(i)) }), nil
	case *array.Boolean:
		return withNulls(func(dst []byte, i int) []byte {
			if c.Value(i) {
				return append(dst, 1)
			}
			return append(dst, 0)
		}), nil
	case *array.String:
		return withNulls(func(dst []byte, i int) []byte {
			v := c.Value(i)
			dst = binary.AppendUvarint(dst, uint64(len(v)))
			return append(dst, v...)
		}), nil
	case *array.Binary:
		return withNulls(func(dst []byte, i int) []byte {
			v := c.Value(i)
			dst = binary.AppendUvarint(dst, uint64(len(v)))
			return append(dst, v...)
		}), nil
	case *array.Null:
		return func(dst []byte, _ int) []byte { return append(dst, 0) }, nil
	}
	return nil, fmt.Errorf("exec: cannot group or hash values of type %s", c.DataType())
}

func floatKey(v float64) uint64 {
	switch {
	case v == 0:
		return 0
	case math.IsNaN(v):
		return math.Float64bits(math.NaN())
	}
	return math.Float64bits(v)
}

// HashKey is 64-bit FNV-1a followed by MurmurHash3's fmix64 finalizer:
// stable across processes and machines, so hash partitioning places a key
// in the same partition everywhere.
//
// The finalizer matters: the low k bits of an FNV-1a hash depend only on
// the low k bits of each input byte, so without it hash % n for a power of
// two n left partitions empty (keys 0, 10, 20, … all went to partition 0
// of 2).
func HashKey(key []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, b := range key {
		h ^= uint64(b)
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
