package udf

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ClassGroup names a set of a classifier's classes, by index.
type ClassGroup struct {
	Name    string `json:"name"`
	Classes []int  `json:"classes"`
}

// ClassRange is the classes first..last, both included.
func ClassRange(first, last int) []int {
	out := make([]int, 0, max(0, last-first+1))
	for c := first; c <= last; c++ {
		out = append(out, c)
	}
	return out
}

type classGroups struct{ groups []ClassGroup }

// ClassGroups turns a row's scores (probabilities: apply Softmax first)
// into the name of the group whose classes hold the most of it: with
// ImageNet's cats (281–285) and dogs (151–268) as groups, an ImageNet
// classifier becomes a cat-or-dog classifier. Classes outside every group
// count for none; the first group wins a tie.
func ClassGroups(groups ...ClassGroup) PostStep { return classGroups{groups: groups} }

func (classGroups) Name() string { return "class_groups" }

func (g classGroups) ResultType(in arrow.DataType) (arrow.DataType, error) {
	w, err := scoreWidth(in)
	if err != nil {
		return nil, err
	}
	if len(g.groups) == 0 {
		return nil, fmt.Errorf("no groups")
	}
	for _, grp := range g.groups {
		if len(grp.Classes) == 0 {
			return nil, fmt.Errorf("group %q has no classes", grp.Name)
		}
		for _, c := range grp.Classes {
			if c < 0 || (w >= 0 && c >= w) {
				return nil, fmt.Errorf("group %q: class %d, but rows have %d scores", grp.Name, c, w)
			}
		}
	}
	return arrow.BinaryTypes.String, nil
}

func (g classGroups) Apply(ctx context.Context, in arrow.Array) (arrow.Array, error) {
	b := array.NewStringBuilder(allocator(ctx))
	defer b.Release()
	var err error
	rowScores(in, func(row int, s []float64) {
		if s == nil || err != nil {
			b.AppendNull()
			return
		}
		best, bestMass := -1, 0.0
		for i, grp := range g.groups {
			mass := 0.0
			for _, c := range grp.Classes {
				if c >= len(s) {
					err = fmt.Errorf("row %d: class %d, but the row has %d scores", row, c, len(s))
					return
				}
				mass += s[c]
			}
			if best < 0 || mass > bestMass {
				best, bestMass = i, mass
			}
		}
		b.Append(g.groups[best].Name)
	})
	if err != nil {
		return nil, err
	}
	return b.NewArray(), nil
}
