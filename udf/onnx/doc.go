// Package onnx loads ONNX models into ONNX Runtime (through
// github.com/yalue/onnxruntime_go) for ember's model UDFs.
//
// The runtime is a shared library found, in order, at $ONNXRUNTIME_LIB,
// in the standard library directories, or in third_party/onnxruntime/lib of
// the working directory or one of its parents, where
// scripts/install-onnxruntime.sh puts it. It is loaded once per process.
//
// This package is the first slice of model inference: loading a model and
// reading its inputs and outputs at plan time. udf.Predict builds on it.
package onnx
