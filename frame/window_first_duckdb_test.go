package frame_test

import "github.com/ember-df/ember/frame"

// orderedFrameCases are the cases that need a total order within the
// frame: first and last, with and without ignoreNulls.
func orderedFrameCases(spec frame.WindowSpec, over string) []windowCase {
	return []windowCase{
		{frame.First("x").Over(spec), "first_value(x)" + over},
		{frame.Last("s").Over(spec), "last_value(s)" + over},
		{frame.First("x", true).Over(spec), "first_value(x IGNORE NULLS)" + over},
		{frame.Last("x", true).Over(spec), "last_value(x IGNORE NULLS)" + over},
	}
}
