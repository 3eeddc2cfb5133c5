package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// The dense updates below are the accumulators' fast paths for the
// common argument: an array of the sum's own type without NULLs (TPC-H
// Q1's sums and averages of price and quantity columns). One pass over
// the values with no call per row, where the general update asks each
// row's validity and fetches its value through a function. Each returns
// false, having done nothing, for any other argument.

// updateDense adds float64 values into a float64 sum, int64 values into
// an int64 sum (failing on overflow as the general path does).
func (s *sumAcc[T]) updateDense(groups []int32, arg arrow.Array) bool {
	if arg == nil || arg.NullN() != 0 || arg.Len() < len(groups) {
		return false
	}
	seen := s.seen
	switch a := arg.(type) {
	case *array.Float64:
		sums, ok := any(s.sums).([]float64)
		if !ok {
			return false
		}
		vals := a.Float64Values()[:len(groups)]
		for i, g := range groups {
			sums[g] += vals[i]
			seen[g] = true
		}
		return true
	case *array.Int64:
		sums, ok := any(s.sums).([]int64)
		if !ok {
			return false
		}
		vals := a.Int64Values()[:len(groups)]
		overflowed := false
		for i, g := range groups {
			v, was := vals[i], sums[g]
			sum := was + v
			// Two's complement: overflow when both operands share a sign
			// the result does not.
			overflowed = overflowed || (was >= 0) == (v >= 0) && (sum >= 0) != (v >= 0)
			sums[g] = sum
			seen[g] = true
		}
		s.overflowed = s.overflowed || overflowed
		return true
	}
	return false
}

// updateDense adds float64 or int64 values and counts them.
func (a *avgAcc) updateDense(groups []int32, arg arrow.Array) bool {
	if arg == nil || arg.NullN() != 0 || arg.Len() < len(groups) {
		return false
	}
	sums, counts := a.sums, a.counts
	switch arr := arg.(type) {
	case *array.Float64:
		vals := arr.Float64Values()[:len(groups)]
		for i, g := range groups {
			sums[g] += vals[i]
			counts[g]++
		}
		return true
	case *array.Int64:
		vals := arr.Int64Values()[:len(groups)]
		for i, g := range groups {
			sums[g] += float64(vals[i])
			counts[g]++
		}
		return true
	}
	return false
}
