package udf

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// PostStep is one step of a model's post-processing: it declares its
// result type at plan time and transforms the model's output per batch.
type PostStep interface {
	Name() string
	// ResultType checks the input type and returns the result type.
	ResultType(in arrow.DataType) (arrow.DataType, error)
	// Apply transforms a batch (borrowed); the result has the same length
	// and belongs to the caller.
	Apply(ctx context.Context, in arrow.Array) (arrow.Array, error)
}

func postProcess(ctx context.Context, steps []PostStep, in arrow.Array) (arrow.Array, error) {
	in.Retain()
	for _, s := range steps {
		out, err := s.Apply(ctx, in)
		in.Release()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name(), err)
		}
		in = out
	}
	return in, nil
}

func allocator(ctx context.Context) memory.Allocator { return compute.GetAllocator(ctx) }

func scoreWidth(t arrow.DataType) (int, error) {
	var elem arrow.DataType
	width := -1
	switch t := t.(type) {
	case *arrow.FixedSizeListType:
		elem, width = t.Elem(), int(t.Len())
	case *arrow.ListType:
		elem = t.Elem()
	default:
		return 0, fmt.Errorf("wants scores (a list of floats, as a model's [N,C] output), got %s", t)
	}
	if elem.ID() != arrow.FLOAT32 && elem.ID() != arrow.FLOAT64 {
		return 0, fmt.Errorf("wants scores of float32 or float64, got %s", t)
	}
	return width, nil
}

// rowScores calls fn with each row's scores (nil for a NULL row).
func rowScores(in arrow.Array, fn func(row int, s []float64)) {
	list := in.(array.ListLike)
	values := list.ListValues()
	get := func(i int) float64 { return float64(values.(*array.Float32).Value(i)) }
	if f, ok := values.(*array.Float64); ok {
		get = f.Value
	}
	var buf []float64
	for r := range in.Len() {
		if in.IsNull(r) {
			fn(r, nil)
			continue
		}
		start, end := list.ValueOffsets(r)
		buf = buf[:0]
		for i := start; i < end; i++ {
			buf = append(buf, get(int(i)))
		}
		fn(r, buf)
	}
}

type softmax struct{}

// Softmax turns a row's scores (logits) into probabilities that sum to 1,
// as float32.
func Softmax() PostStep { return softmax{} }

func (softmax) Name() string { return "softmax" }
func (softmax) ResultType(in arrow.DataType) (arrow.DataType, error) {
	w, err := scoreWidth(in)
	if err != nil {
		return nil, err
	}
	if w < 0 {
		return arrow.ListOf(arrow.PrimitiveTypes.Float32), nil
	}
	return arrow.FixedSizeListOf(int32(w), arrow.PrimitiveTypes.Float32), nil
}
func (s softmax) Apply(ctx context.Context, in arrow.Array) (arrow.Array, error) {
	t, err := s.ResultType(in.DataType())
	if err != nil {
		return nil, err
	}
	b := array.NewBuilder(allocator(ctx), t).(array.ListLikeBuilder)
	defer b.Release()
	vb := b.ValueBuilder().(*array.Float32Builder)
	rowScores(in, func(_ int, s []float64) {
		if s == nil {
			b.AppendNull()
			return
		}
		b.Append(true)
		peak := math.Inf(-1)
		for _, v := range s {
			peak = max(peak, v)
		}
		var sum float64
		for _, v := range s {
			sum += math.Exp(v - peak)
		}
		for _, v := range s {
			vb.Append(float32(math.Exp(v-peak) / sum))
		}
	})
	return b.NewArray(), nil
}

type argmax struct{}

// Argmax turns a row's scores into the index of the largest (the first
// of equal ones), as int64.
func Argmax() PostStep { return argmax{} }

func (argmax) Name() string { return "argmax" }
func (argmax) ResultType(in arrow.DataType) (arrow.DataType, error) {
	if _, err := scoreWidth(in); err != nil {
		return nil, err
	}
	return arrow.PrimitiveTypes.Int64, nil
}
func (argmax) Apply(ctx context.Context, in arrow.Array) (arrow.Array, error) {
	b := array.NewInt64Builder(allocator(ctx))
	defer b.Release()
	b.Reserve(in.Len())
	rowScores(in, func(_ int, s []float64) {
		if len(s) == 0 {
			b.AppendNull()
			return
		}
		best := 0
		for i, v := range s {
			if v > s[best] {
				best = i
			}
		}
		b.Append(int64(best))
	})
	return b.NewArray(), nil
}

type topK struct{ k int }

// TopK turns a row's scores into its k best classes, best first: a list
// of {index, score} (Labels turns index into label).
func TopK(k int) PostStep { return topK{k: k} }

var topKEntry = arrow.StructOf(
	arrow.Field{Name: "index", Type: arrow.PrimitiveTypes.Int64},
	arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float32},
)

func (t topK) Name() string { return fmt.Sprintf("top_%d", t.k) }
func (t topK) ResultType(in arrow.DataType) (arrow.DataType, error) {
	w, err := scoreWidth(in)
	if err != nil {
		return nil, err
	}
	if t.k < 1 || (w >= 0 && t.k > w) {
		return nil, fmt.Errorf("k = %d, but rows have %d scores", t.k, w)
	}
	return arrow.ListOf(topKEntry), nil
}
func (t topK) Apply(ctx context.Context, in arrow.Array) (arrow.Array, error) {
	b := array.NewListBuilder(allocator(ctx), topKEntry)
	defer b.Release()
	sb := b.ValueBuilder().(*array.StructBuilder)
	ib := sb.FieldBuilder(0).(*array.Int64Builder)
	fb := sb.FieldBuilder(1).(*array.Float32Builder)
	var order []int
	rowScores(in, func(_ int, s []float64) {
		if s == nil {
			b.AppendNull()
			return
		}
		b.Append(true)
		order = order[:0]
		for i := range s {
			order = append(order, i)
		}
		sort.SliceStable(order, func(a, c int) bool { return s[order[a]] > s[order[c]] })
		for _, i := range order[:min(t.k, len(order))] {
			sb.Append(true)
			ib.Append(int64(i))
			fb.Append(float32(s[i]))
		}
	})
	return b.NewArray(), nil
}

type labels struct{ names []string }

// Labels turns class indexes into names (index i becomes names[i]): an
// integer column becomes a string column, TopK's {index, score} entries
// become {label, score}. An index without a name is an error.
func Labels(names ...string) PostStep { return labels{names: names} }

var topKLabelEntry = arrow.StructOf(
	arrow.Field{Name: "label", Type: arrow.BinaryTypes.String},
	arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float32},
)

func (labels) Name() string { return "labels" }
func (l labels) ResultType(in arrow.DataType) (arrow.DataType, error) {
	switch in.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return arrow.BinaryTypes.String, nil
	}
	if arrow.TypeEqual(in, arrow.ListOf(topKEntry)) {
		return arrow.ListOf(topKLabelEntry), nil
	}
	return nil, fmt.Errorf("wants class indexes (an integer column, or TopK's result), got %s", in)
}

func (l labels) name(i int64) (string, error) {
	if i < 0 || i >= int64(len(l.names)) {
		return "", fmt.Errorf("class %d has no label (%d labels)", i, len(l.names))
	}
	return l.names[i], nil
}

func (l labels) Apply(ctx context.Context, in arrow.Array) (arrow.Array, error) {
	mem := allocator(ctx)
	if list, ok := in.(*array.List); ok {
		return l.applyTopK(mem, list)
	}
	idx, err := compute.CastArray(compute.WithAllocator(ctx, mem), in, compute.SafeCastOptions(arrow.PrimitiveTypes.Int64))
	if err != nil {
		return nil, err
	}
	defer idx.Release()
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i, v := range idx.(*array.Int64).Int64Values() {
		if idx.IsNull(i) {
			b.AppendNull()
			continue
		}
		s, err := l.name(v)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		b.Append(s)
	}
	return b.NewArray(), nil
}

func (l labels) applyTopK(mem memory.Allocator, in *array.List) (arrow.Array, error) {
	entries := in.ListValues().(*array.Struct)
	index := entries.Field(0).(*array.Int64)
	score := entries.Field(1).(*array.Float32)
	b := array.NewListBuilder(mem, topKLabelEntry)
	defer b.Release()
	sb := b.ValueBuilder().(*array.StructBuilder)
	lb := sb.FieldBuilder(0).(*array.StringBuilder)
	fb := sb.FieldBuilder(1).(*array.Float32Builder)
	for r := range in.Len() {
		if in.IsNull(r) {
			b.AppendNull()
			continue
		}
		b.Append(true)
		start, end := in.ValueOffsets(r)
		for i := int(start); i < int(end); i++ {
			s, err := l.name(index.Value(i))
			if err != nil {
				return nil, fmt.Errorf("row %d: %w", r, err)
			}
			sb.Append(true)
			lb.Append(s)
			fb.Append(score.Value(i))
		}
	}
	return b.NewArray(), nil
}

// PostFunc is a post-processing step written in Go: fn maps a batch of
// the model's output to a batch of type result.
func PostFunc(name string, result arrow.DataType, fn func(ctx context.Context, in arrow.Array) (arrow.Array, error)) PostStep {
	return postFunc{name: name, result: result, fn: fn}
}

type postFunc struct {
	name   string
	result arrow.DataType
	fn     func(ctx context.Context, in arrow.Array) (arrow.Array, error)
}

func (p postFunc) Name() string                                      { return p.name }
func (p postFunc) ResultType(arrow.DataType) (arrow.DataType, error) { return p.result, nil }
func (p postFunc) Apply(ctx context.Context, in arrow.Array) (arrow.Array, error) {
	return p.fn(ctx, in)
}
