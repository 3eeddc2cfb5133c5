package frame_test

import "github.com/ember-df/ember/frame"

// orderedFrameCases are the cases that need a total order within the
// frame: first, last and nth_value, with and without ignoreNulls.
func orderedFrameCases(spec frame.WindowSpec, over string) []windowCase {
	return []windowCase{
		{frame.First("x").Over(spec), "first_value(x)" + over},
		{frame.Last("s").Over(spec), "last_value(s)" + over},
		{frame.First("x", true).Over(spec), "first_value(x IGNORE NULLS)" + over},
		{frame.Last("x", true).Over(spec), "last_value(x IGNORE NULLS)" + over},
		{frame.NthValue("x", 1).Over(spec), "nth_value(x, 1)" + over},
		{frame.NthValue("s", 2).Over(spec), "nth_value(s, 2)" + over},
		{frame.NthValue("x", 3, true).Over(spec), "nth_value(x, 3 IGNORE NULLS)" + over},
	}
}
