package eval

import (
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
)

// stringFunction applies upper, lower or length to every value.
func stringFunction(mem memory.Allocator, op plan.UnaryOp, in *array.String) arrow.Array {
	if op == plan.OpLength {
		b := array.NewInt32Builder(mem)
		defer b.Release()
		b.Reserve(in.Len())
		for i := 0; i < in.Len(); i++ {
			if in.IsNull(i) {
				b.AppendNull()
			} else {
				b.UnsafeAppend(int32(utf8.RuneCountInString(in.Value(i))))
			}
		}
		return b.NewArray()
	}
	fn := strings.ToUpper
	if op == plan.OpLower {
		fn = strings.ToLower
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(in.Len())
	b.ReserveData(len(in.ValueBytes()))
	for i := 0; i < in.Len(); i++ {
		if in.IsNull(i) {
			b.AppendNull()
		} else {
			b.Append(fn(in.Value(i)))
		}
	}
	return b.NewArray()
}

// containsStrings reports, per row, whether l contains r.
func containsStrings(mem memory.Allocator, l, r *array.String) arrow.Array {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(l.Len())
	for i := 0; i < l.Len(); i++ {
		if l.IsNull(i) || r.IsNull(i) {
			b.AppendNull()
		} else {
			b.UnsafeAppend(strings.Contains(l.Value(i), r.Value(i)))
		}
	}
	return b.NewArray()
}

func (ev *Evaluator) concat(e *plan.Concat, batch arrow.RecordBatch) (arrow.Array, error) {
	args, err := ev.Arrays(e.Args, batch)
	if err != nil {
		return nil, err
	}
	defer ReleaseArrays(args)
	strs := make([]*array.String, len(args))
	for i, a := range args {
		strs[i] = a.(*array.String)
	}
	b := array.NewStringBuilder(ev.mem)
	defer b.Release()
	n := int(batch.NumRows())
	b.Reserve(n)
	var buf []byte
rows:
	for row := 0; row < n; row++ {
		buf = buf[:0]
		for _, s := range strs {
			if s.IsNull(row) {
				b.AppendNull()
				continue rows
			}
			buf = append(buf, s.Value(row)...)
		}
		b.BinaryBuilder.Append(buf)
	}
	return b.NewArray(), nil
}
