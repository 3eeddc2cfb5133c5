package exec

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
)

// valueStore holds values of one type for the accumulators that keep
// values (first, last, collect_list, collect_set): values are appended
// and addressed by their index; take gathers them back as an array. Its
// Arrow memory comes from one allocator; release frees it.
type valueStore struct {
	mem    memory.Allocator
	typ    arrow.DataType
	frozen arrow.Array   // the values up to len(frozen), built
	b      array.Builder // the values after them
}

func newValueStore(mem memory.Allocator, t arrow.DataType) *valueStore {
	return &valueStore{mem: mem, typ: t}
}

// len is the number of values held.
func (s *valueStore) len() int {
	n := 0
	if s.frozen != nil {
		n = s.frozen.Len()
	}
	if s.b != nil {
		n += s.b.Len()
	}
	return n
}

// add appends arr[i] (NULL included) and returns its index.
func (s *valueStore) add(arr arrow.Array, i int) int32 {
	if s.b == nil {
		s.b = array.NewBuilder(s.mem, s.typ)
	}
	n := s.len()
	appendValue(s.b, arr, i)
	return int32(n)
}

// values returns every value held, as one array the store owns (valid
// until the next add or release).
func (s *valueStore) values() (arrow.Array, error) {
	if s.b == nil || s.b.Len() == 0 {
		if s.frozen == nil {
			s.frozen = array.MakeArrayOfNull(s.mem, s.typ, 0)
		}
		return s.frozen, nil
	}
	tail := s.b.NewArray()
	defer tail.Release()
	if s.frozen == nil {
		tail.Retain()
		s.frozen = tail
		return s.frozen, nil
	}
	all, err := array.Concatenate([]arrow.Array{s.frozen, tail}, s.mem)
	if err != nil {
		return nil, err
	}
	s.frozen.Release()
	s.frozen = all
	return all, nil
}

// take returns the values at idx, NULL where idx is negative.
func (s *valueStore) take(idx []int32) (arrow.Array, error) {
	vals, err := s.values()
	if err != nil {
		return nil, err
	}
	ib := array.NewInt32Builder(s.mem)
	defer ib.Release()
	for _, i := range idx {
		if i < 0 {
			ib.AppendNull()
		} else {
			ib.Append(i)
		}
	}
	indices := ib.NewArray()
	defer indices.Release()
	return compute.TakeArray(compute.WithAllocator(context.Background(), s.mem), vals, indices)
}

// compact keeps only the values at idx (rewriting idx to their new
// places): for last, whose groups leave a value behind at each update.
func (s *valueStore) compact(idx []int32) error {
	vals, err := s.values()
	if err != nil {
		return err
	}
	vals.Retain()
	defer vals.Release()
	s.release()
	for g, i := range idx {
		if i >= 0 {
			idx[g] = s.add(vals, int(i))
		}
	}
	return nil
}

// release frees the store's memory; the store stays usable, empty.
func (s *valueStore) release() {
	if s.frozen != nil {
		s.frozen.Release()
		s.frozen = nil
	}
	if s.b != nil {
		s.b.Release()
		s.b = nil
	}
}

// appendValue appends arr[i] (or a NULL) to b, which has arr's type:
// eval.CopyValue's types, binary, and lists of them.
func appendValue(b array.Builder, arr arrow.Array, i int) {
	if arr.IsNull(i) {
		b.AppendNull()
		return
	}
	switch b := b.(type) {
	case *array.ListBuilder:
		l := arr.(*array.List)
		start, end := l.ValueOffsets(i)
		b.Append(true)
		vb, vals := b.ValueBuilder(), l.ListValues()
		for j := start; j < end; j++ {
			appendValue(vb, vals, int(j))
		}
	case *array.BinaryBuilder:
		switch a := arr.(type) {
		case *array.Binary:
			b.Append(a.Value(i))
		case *array.String:
			b.AppendString(a.Value(i))
		default:
			panic(fmt.Sprintf("exec: copying a %s value into binary", arr.DataType()))
		}
	default:
		eval.CopyValue(b, arr, i)
	}
}

// valueBytes estimates the memory one value of arr takes in a
// valueStore.
func valueBytes(arr arrow.Array, i int) int64 {
	switch a := arr.(type) {
	case *array.String:
		return int64(len(a.Value(i))) + 4
	case *array.Binary:
		return int64(len(a.Value(i))) + 4
	case *array.List:
		start, end := a.ValueOffsets(i)
		var n int64 = 4
		for j := start; j < end; j++ {
			n += valueBytes(a.ListValues(), int(j))
		}
		return n
	}
	if fw, ok := arr.DataType().(arrow.FixedWidthDataType); ok {
		return int64(max(1, fw.BitWidth()/8))
	}
	return 16
}
