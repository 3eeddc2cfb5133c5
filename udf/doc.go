// Package udf holds user-defined functions: the contracts the engine calls,
// helpers that make them from plain Go functions, their registration by
// name, and model inference.
//
// A scalar UDF maps columns of a batch to one column of the same length;
// it declares its signature instead of being reflected on, so a plan's
// schema resolves without running anything, and the engine checks every
// result against it. NewScalar declares one over whole Arrow columns.
//
// Func1, Func2 and Func3 make one from a plain Go function, its Arrow
// signature derived from the Go types (see Value for the mapping):
//
//	fahrenheit := udf.Func1("fahrenheit", func(c float64) float64 { return c*9/5 + 32 })
//	df = df.WithColumn("f", fahrenheit.Call("celsius"))
//
// Arguments of other types are refused when the plan is built, saying
// which type to cast to. The helpers loop over the Arrow values directly
// and build the result from the job's allocator; a NULL argument gives a
// NULL result without calling the function, a pointer result type lets
// the function return NULL (nil), and a struct result type gives a struct
// column (DataFrame.Unnest expands it into columns). Func1E, Func2E and Func3E take functions that return an error,
// which fails the job with a *RowError naming the UDF, the row and its
// input.
//
// Plans travel to other processes as data (plan.Marshal), where closures
// cannot follow. A UDF registered by name (Register, MustRegister) travels
// as its name, and the receiving process, which registered the same
// function, finds it again (Lookup); a plan calling an unregistered UDF is
// refused by plan.Marshal with an error wrapping plan.ErrNotPortable that
// names it.
//
// Predict applies a Model to columns: the engine loads the model once per
// process and shares it across partitions and jobs (Unload frees it),
// batches rows by count and bytes, post-processes the outputs (Softmax,
// Argmax, TopK, Labels) and applies an error policy. Package udf/onnx
// implements Model for ONNX Runtime.
//
// NewIterator declares an iterator UDF, which runs once per partition
// over its stream of batches, for setup that should happen once per
// partition rather than per batch.
package udf
