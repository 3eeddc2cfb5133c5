// Package onnx runs ONNX models in ONNX Runtime (through
// github.com/yalue/onnxruntime_go) as ember models: *Model implements
// udf.Model, so
//
//	model, err := onnx.Load("iris.onnx", onnx.WithOutputs("output_label"))
//	df = df.WithColumn("prediction", udf.Predict(model, "a", "b", "c", "d"))
//
// Load reads the model's inputs and outputs; Bind checks columns against
// them when the plan is built. Several numeric columns are packed into one
// [N,k] input; list and fixed-size-list columns feed [N,d...] inputs; string
// columns feed string tensors. [N] outputs become columns of their element
// type, [N,d...] outputs fixed-size lists, ZipMap's seq(map) a map column.
// Models whose batch dimension is fixed at 1 run row by row.
//
// The runtime is a shared library found, in order, at $ONNXRUNTIME_LIB,
// in the standard library directories, or in third_party/onnxruntime/lib of
// the working directory or one of its parents, where
// scripts/install-onnxruntime.sh puts it. It is loaded once per process.
// See docs/models.md for batching, threads and error policies.
package onnx
