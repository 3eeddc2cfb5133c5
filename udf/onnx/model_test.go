package onnx_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ember-df/ember/udf/onnx"
	"github.com/ember-df/ember/udf/onnx/onnxtest"
	ort "github.com/yalue/onnxruntime_go"
)

const irisModel = "testdata/iris_random_forest.onnx"

func TestLoadReadsSignature(t *testing.T) {
	onnxtest.RequireRuntime(t)
	m, err := onnx.Load(irisModel)
	if err != nil {
		t.Fatal(err)
	}
	var in, out []string
	for _, x := range m.Inputs() {
		in = append(in, x.String())
	}
	for _, x := range m.Outputs() {
		out = append(out, x.String())
	}
	if got := strings.Join(in, "; "); got != "X: float32[N,4]" {
		t.Errorf("inputs %s", got)
	}
	if got := strings.Join(out, "; "); got != "output_label: int64[N]; output_probability: seq(map(int64,float32))" {
		t.Errorf("outputs %s", got)
	}
	m, err = onnx.Load(irisModel, onnx.WithOutputs("output_label"))
	if err != nil || len(m.Outputs()) != 1 {
		t.Fatalf("WithOutputs: %v, %v", m, err)
	}
	_, err = onnx.Load(irisModel, onnx.WithOutputs("label"))
	if err == nil || !strings.Contains(err.Error(), `no output "label"`) || !strings.Contains(err.Error(), "output_label: int64[N]") {
		t.Fatalf("err = %v", err)
	}
	if _, err := onnx.Load("testdata/missing.onnx"); err == nil || !strings.Contains(err.Error(), "missing.onnx") {
		t.Fatalf("err = %v", err)
	}
	if v, _ := onnx.Version(); !strings.HasPrefix(v, "1.") {
		t.Fatalf("version %q", v)
	}
}

// TestRuntimeScoresIris runs the real forest through ONNX Runtime on one
// flower of each species.
func TestRuntimeScoresIris(t *testing.T) {
	onnxtest.RequireRuntime(t)
	x, err := ort.NewTensor(ort.NewShape(3, 4), []float32{
		5.1, 3.5, 1.4, 0.2, // setosa
		7.0, 3.2, 4.7, 1.4, // versicolor
		6.3, 3.3, 6.0, 2.5, // virginica
	})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Destroy()
	labels, err := ort.NewEmptyTensor[int64](ort.NewShape(3))
	if err != nil {
		t.Fatal(err)
	}
	defer labels.Destroy()
	s, err := ort.NewDynamicAdvancedSession(irisModel, []string{"X"}, []string{"output_label"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Destroy()
	if err := s.Run([]ort.Value{x}, []ort.Value{labels}); err != nil {
		t.Fatal(err)
	}
	if got := labels.GetData(); got[0] != 0 || got[1] != 1 || got[2] != 2 {
		t.Fatalf("labels %v, want [0 1 2]", got)
	}
}

func TestMissingRuntimeSaysHowToInstall(t *testing.T) {
	t.Setenv("ONNXRUNTIME_LIB", "/nonexistent/libonnxruntime.so")
	_, err := onnx.FindLibrary()
	if !errors.Is(err, onnx.ErrNoRuntime) || !strings.Contains(err.Error(), "ONNXRUNTIME_LIB") {
		t.Fatalf("err = %v", err)
	}
}
