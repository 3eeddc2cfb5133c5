package frame

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/plan"
)

// Range returns a DataFrame of one int64 column "id" (not nullable) with
// the values of Python's range, as Spark's spark.range:
//
//	sess.Range(end)              // 0, 1, …, end-1
//	sess.Range(start, end)       // start, start+1, …, end-1
//	sess.Range(start, end, step) // start, start+step, … up to end, excluded
//
// A negative step counts down; a range that never reaches end is empty.
// The rows are split into contiguous, nearly equal partitions, as many as
// the session's parallelism (never more than the rows), and generated as
// they are read: Range(1e12) holds no memory until an action runs, and a
// Limit over it reads only the rows it keeps. Any other number of
// arguments, or a step of 0, is an error the DataFrame holds. The plan is
// portable: Range also runs on the cluster runners.
func (s *Session) Range(bounds ...int64) *DataFrame {
	var start, end, step int64 = 0, 0, 1
	switch len(bounds) {
	case 1:
		end = bounds[0]
	case 2:
		start, end = bounds[0], bounds[1]
	case 3:
		start, end, step = bounds[0], bounds[1], bounds[2]
	default:
		return s.failed(fmt.Errorf("frame: Range takes end, start and end, or start, end and step; got %d arguments", len(bounds)))
	}
	if step == 0 {
		return s.failed(fmt.Errorf("frame: Range(%d, %d, %d): the step must not be 0", start, end, step))
	}
	src := &rangeSource{Start: start, End: end, Step: step, Limit: -1}
	src.Parts = int(min(uint64(max(1, s.parallelism())), max(1, src.count())))
	return &DataFrame{sess: s, node: &plan.Scan{Source: src}}
}

// rangeSource generates a range's values; its fields are its portable
// config.
type rangeSource struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	Step  int64 `json:"step"`
	Parts int   `json:"partitions"`
	Limit int64 `json:"limit"` // rows per partition; negative: no limit
}

var rangeSchema = arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)

var (
	_ plan.LimitingSource = (*rangeSource)(nil)
	_ plan.Portable       = (*rangeSource)(nil)
)

func init() {
	plan.RegisterSource("range", func(cfg json.RawMessage) (plan.Source, error) {
		var src rangeSource
		if err := json.Unmarshal(cfg, &src); err != nil {
			return nil, fmt.Errorf("frame: decoding a range: %w", err)
		}
		if src.Step == 0 || src.Parts < 1 {
			return nil, fmt.Errorf("frame: decoding a range: step %d, %d partitions", src.Step, src.Parts)
		}
		return &src, nil
	})
}

// count is the number of values, computed without overflow (a range may
// hold up to 2^64-1 of them).
func (r *rangeSource) count() uint64 {
	var dist, step uint64
	switch {
	case r.Step > 0 && r.End > r.Start:
		dist, step = uint64(r.End)-uint64(r.Start), uint64(r.Step)
	case r.Step < 0 && r.Start > r.End:
		dist, step = uint64(r.Start)-uint64(r.End), -uint64(r.Step)
	default:
		return 0
	}
	return (dist-1)/step + 1
}

// bounds returns the indices [lo, hi) of partition p's values.
func (r *rangeSource) bounds(p int) (lo, hi uint64) {
	n := r.count()
	at := func(p int) uint64 {
		h, l := bits.Mul64(n, uint64(p))
		q, _ := bits.Div64(h, l, uint64(r.Parts))
		return q
	}
	return at(p), at(p + 1)
}

func (r *rangeSource) String() string {
	s := fmt.Sprintf("range(%d, %d, step %d), %d partitions", r.Start, r.End, r.Step, r.Parts)
	if r.Limit >= 0 {
		s += fmt.Sprintf(", limit %d", r.Limit)
	}
	return s
}

// Schema implements plan.Source.
func (r *rangeSource) Schema() *arrow.Schema { return rangeSchema }

// Partitions implements plan.Source.
func (r *rangeSource) Partitions() int { return r.Parts }

// WithLimit implements plan.LimitingSource.
func (r *rangeSource) WithLimit(n int64) plan.Source {
	out := *r
	out.Limit = n
	return &out
}

// Kind implements plan.Portable.
func (r *rangeSource) Kind() string { return "range" }

// Config implements plan.Portable.
func (r *rangeSource) Config() (json.RawMessage, error) { return json.Marshal(r) }

// Open implements plan.Source.
func (r *rangeSource) Open(_ context.Context, p int, opts plan.ScanOptions) (plan.BatchReader, error) {
	if p < 0 || p >= r.Parts {
		return nil, fmt.Errorf("frame: range has no partition %d (it has %d)", p, r.Parts)
	}
	lo, hi := r.bounds(p)
	if r.Limit >= 0 && hi-lo > uint64(r.Limit) {
		hi = lo + uint64(r.Limit)
	}
	rows := uint64(max(1, opts.BatchRows))
	if opts.BatchBytes > 0 {
		rows = min(rows, uint64(max(1, opts.BatchBytes/8)))
	}
	return &rangeReader{src: r, next: lo, end: hi, batchRows: rows, opts: opts}, nil
}

type rangeReader struct {
	src       *rangeSource
	next, end uint64 // indices of the values still to yield
	batchRows uint64
	opts      plan.ScanOptions
	current   arrow.RecordBatch
}

// Next implements plan.BatchReader.
func (r *rangeReader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	r.Close()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.next >= r.end {
		return nil, io.EOF
	}
	n := min(r.batchRows, r.end-r.next)
	b := array.NewInt64Builder(r.opts.Allocator)
	defer b.Release()
	b.Reserve(int(n))
	// Wrapping arithmetic gives the exact value: it lies between start and
	// end, so within int64.
	v := uint64(r.src.Start) + r.next*uint64(r.src.Step)
	for range n {
		b.UnsafeAppend(int64(v))
		v += uint64(r.src.Step)
	}
	r.next += n
	col := b.NewArray()
	defer col.Release()
	r.current = array.NewRecordBatch(rangeSchema, []arrow.Array{col}, int64(n))
	return r.current, nil
}

// Close implements plan.BatchReader.
func (r *rangeReader) Close() error {
	if r.current != nil {
		r.current.Release()
		r.current = nil
	}
	return nil
}
