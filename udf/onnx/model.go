package onnx

import (
	"fmt"
	"os"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// Tensor describes one model input or output as ONNX Runtime reports it.
type Tensor struct {
	Name string
	// Kind is "tensor", "sequence" or "map" (skl2onnx's ZipMap outputs
	// are sequences of maps).
	Kind string
	// Elem is the element type of a tensor ("float32", "int64", "string").
	Elem string
	// Shape is the tensor's shape; -1 marks a dimension of any size.
	Shape []int64
	// MapKey and MapValue are the key and value types of a map, or of the
	// maps of a sequence (skl2onnx's ZipMap: int64 or string to float32).
	MapKey, MapValue string
}

func (t Tensor) String() string {
	switch {
	case t.Kind == "sequence" && t.MapKey != "":
		return fmt.Sprintf("%s: seq(map(%s,%s))", t.Name, t.MapKey, t.MapValue)
	case t.Kind == "map" && t.MapKey != "":
		return fmt.Sprintf("%s: map(%s,%s)", t.Name, t.MapKey, t.MapValue)
	case t.Kind != "tensor":
		return fmt.Sprintf("%s: %s", t.Name, t.Kind)
	}
	dims := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		if d < 0 {
			dims[i] = "N"
		} else {
			dims[i] = fmt.Sprint(d)
		}
	}
	return fmt.Sprintf("%s: %s[%s]", t.Name, t.Elem, strings.Join(dims, ","))
}

// Model is a loaded ONNX model: its file and what it takes and gives.
type Model struct {
	path    string
	inputs  []Tensor
	outputs []Tensor
	keep    []string // the outputs to compute
}

// Option configures Load.
type Option func(*Model) error

// WithOutputs keeps only the named outputs (all by default).
func WithOutputs(names ...string) Option {
	return func(m *Model) error {
		for _, n := range names {
			if _, ok := find(m.outputs, n); !ok {
				return fmt.Errorf("onnx: %s has no output %q (outputs: %s)", m.path, n, list(m.outputs))
			}
		}
		m.keep = names
		return nil
	}
}

// Load reads a model's inputs and outputs from its file. It loads ONNX
// Runtime on first use; a missing library gives an error that says how to
// install it.
func Load(path string, opts ...Option) (*Model, error) {
	if err := initRuntime(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	in, out, err := ort.GetInputOutputInfo(path)
	if err != nil {
		if strings.Contains(err.Error(), "locale") {
			return nil, fmt.Errorf("onnx: %s: %w (the model's StringNormalizer wants a locale this system lacks: install it with `apt-get install locales && locale-gen en_US.UTF-8`, or set the node's locale to C.UTF-8)", path, err)
		}
		return nil, fmt.Errorf("onnx: %s: %w", path, err)
	}
	m := &Model{path: path, inputs: describe(in), outputs: describe(out)}
	if err := m.describeMaps(); err != nil {
		return nil, err
	}
	for _, o := range m.outputs {
		m.keep = append(m.keep, o.Name)
	}
	for _, o := range opts {
		if err := o(m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func describe(infos []ort.InputOutputInfo) []Tensor {
	out := make([]Tensor, len(infos))
	for i, info := range infos {
		t := Tensor{Name: info.Name}
		switch info.OrtValueType {
		case ort.ONNXTypeTensor:
			t.Kind = "tensor"
			t.Elem = elemName(info.DataType)
			t.Shape = append([]int64(nil), info.Dimensions...)
		case ort.ONNXTypeSequence:
			t.Kind = "sequence"
		case ort.ONNXTypeMap:
			t.Kind = "map"
		default:
			t.Kind = info.OrtValueType.String()
		}
		out[i] = t
	}
	return out
}

func elemName(t ort.TensorElementDataType) string {
	switch t {
	case ort.TensorElementDataTypeFloat:
		return "float32"
	case ort.TensorElementDataTypeDouble:
		return "float64"
	case ort.TensorElementDataTypeInt64:
		return "int64"
	case ort.TensorElementDataTypeInt32:
		return "int32"
	case ort.TensorElementDataTypeString:
		return "string"
	case ort.TensorElementDataTypeUint8:
		return "uint8"
	case ort.TensorElementDataTypeInt8:
		return "int8"
	case ort.TensorElementDataTypeBool:
		return "bool"
	}
	return t.String()
}

func find(ts []Tensor, name string) (Tensor, bool) {
	for _, t := range ts {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

func list(ts []Tensor) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.String()
	}
	return strings.Join(parts, ", ")
}

// Path is the model file.
func (m *Model) Path() string { return m.path }

// Inputs are the model's inputs, in order.
func (m *Model) Inputs() []Tensor { return m.inputs }

// Outputs are the outputs Load was asked to keep, in the model's order.
func (m *Model) Outputs() []Tensor {
	var out []Tensor
	for _, o := range m.outputs {
		for _, k := range m.keep {
			if o.Name == k {
				out = append(out, o)
			}
		}
	}
	return out
}

// describeMaps fills in the key and value types of sequence and map
// outputs, which ONNX Runtime does not report, from the model file.
func (m *Model) describeMaps() error {
	need := false
	for _, o := range m.outputs {
		need = need || o.Kind != "tensor"
	}
	if !need {
		return nil
	}
	data, err := os.ReadFile(m.path)
	if err != nil {
		return fmt.Errorf("onnx: %w", err)
	}
	types, err := graphOutputTypes(data)
	if err != nil {
		return fmt.Errorf("onnx: %s: %w", m.path, err)
	}
	for i, o := range m.outputs {
		t := types[o.Name]
		if t == nil {
			continue
		}
		if t.kind == "sequence" && t.inner != nil {
			t = t.inner
		}
		if t.kind == "map" && t.value != nil && t.value.kind == "tensor" {
			m.outputs[i].MapKey, m.outputs[i].MapValue = onnxElem[t.key], onnxElem[t.value.elem]
		}
	}
	return nil
}
