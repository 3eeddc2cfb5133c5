package plan

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
)

// SampleKind is the portable kind (Portable.Kind) of SampleFunction.
const SampleKind = "ember.sample"

// SampleFunction is the predicate of Bernoulli sampling (frame's Sample
// and RandomSplit): applied to a row number (an int64, the row's
// monotonically_increasing_id), it is true where the row's draw — a
// uniform number in [0, 1) fixed by Seed and the number alone
// (SampleDraw) — lies in [Lo, Hi). A NULL number is false. Being a pure
// function of its configuration and argument, it is portable: a plan
// that samples runs on the cluster runners and keeps the same rows as in
// this process.
type SampleFunction struct {
	Seed int64   `json:"seed"`
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
}

// NewSampleFunction checks the range: 0 <= lo <= hi <= 1.
func NewSampleFunction(seed int64, lo, hi float64) (SampleFunction, error) {
	if !(lo >= 0 && lo <= hi && hi <= 1) {
		return SampleFunction{}, fmt.Errorf("plan: sample: the range [%g, %g) is not within [0, 1]", lo, hi)
	}
	return SampleFunction{Seed: seed, Lo: lo, Hi: hi}, nil
}

var (
	_ ScalarFunction = SampleFunction{}
	_ Portable       = SampleFunction{}
)

// Name implements ScalarFunction.
func (s SampleFunction) Name() string {
	return fmt.Sprintf("sample[seed %d, %g <= u < %g]", s.Seed, s.Lo, s.Hi)
}

// ReturnType implements ScalarFunction: one int64 argument, a boolean.
func (s SampleFunction) ReturnType(args []arrow.DataType) (arrow.DataType, error) {
	if len(args) != 1 || args[0].ID() != arrow.INT64 {
		return nil, typeError("sample takes one int64 argument (a row number), got %v", args)
	}
	return arrow.FixedWidthTypes.Boolean, nil
}

// Invoke implements ScalarFunction.
func (s SampleFunction) Invoke(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error) {
	ids, ok := args[0].(*array.Int64)
	if !ok {
		return nil, fmt.Errorf("plan: sample: the row numbers are %s, not int64", args[0].DataType())
	}
	b := array.NewBooleanBuilder(compute.GetAllocator(ctx))
	defer b.Release()
	b.Reserve(rows)
	seed := uint64(s.Seed)
	for i, id := range ids.Int64Values() {
		u := SampleDraw(seed, uint64(id))
		b.UnsafeAppend(ids.IsValid(i) && u >= s.Lo && u < s.Hi)
	}
	return b.NewArray(), nil
}

// Kind implements Portable.
func (s SampleFunction) Kind() string { return SampleKind }

// Config implements Portable.
func (s SampleFunction) Config() (json.RawMessage, error) {
	if math.IsNaN(s.Lo) || math.IsNaN(s.Hi) {
		return nil, fmt.Errorf("plan: sample: a NaN bound")
	}
	return json.Marshal(s)
}

func init() {
	RegisterFunctionKind(SampleKind, func(cfg json.RawMessage) (ScalarFunction, error) {
		var s SampleFunction
		if err := json.Unmarshal(cfg, &s); err != nil {
			return nil, fmt.Errorf("plan: decoding a sample function: %w", err)
		}
		return NewSampleFunction(s.Seed, s.Lo, s.Hi)
	})
}

// SampleDraw is a uniform number in [0, 1) fixed by seed and row:
// SplitMix64's finalizer of seed ^ SplitMix64(row), its top 53 bits.
func SampleDraw(seed, row uint64) float64 {
	return float64(splitmix64(seed^splitmix64(row))>>11) / (1 << 53)
}

// splitmix64 is SplitMix64's finalizer, a bijective 64-bit mix.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
