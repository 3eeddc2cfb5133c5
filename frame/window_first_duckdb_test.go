package frame_test

import "github.com/ember-df/ember/frame"

// orderedFrameCases are the cases that need a total order within the
// frame: none until frame.First and frame.Last exist (the aggregates of
// another change); then first_value and last_value.
func orderedFrameCases(spec frame.WindowSpec, over string) []windowCase { return nil }
