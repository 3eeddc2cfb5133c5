package onnx

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/udf"
)

var _ udf.Model = (*Model)(nil)

// Name implements udf.Model: the file's name without ".onnx", or its
// folder's name for a file called model.onnx.
func (m *Model) Name() string {
	base := strings.TrimSuffix(filepath.Base(m.path), ".onnx")
	if base == "model" {
		if dir := filepath.Base(filepath.Dir(m.path)); dir != "." && dir != "/" {
			return dir
		}
	}
	return base
}

// Key implements udf.Model: the absolute path and the outputs computed.
func (m *Model) Key() string {
	p, err := filepath.Abs(m.path)
	if err != nil {
		p = m.path
	}
	return "onnx:" + p + "|" + strings.Join(m.keep, ",")
}

// Hints implements udf.Model. A model whose batch dimension is fixed at 1
// runs row by row, so it gets smaller batches.
func (m *Model) Hints() udf.Hints {
	if m.rowByRow() {
		return udf.Hints{BatchRows: 256}
	}
	// Models with large rows (images: 600 KB per 224×224 RGB float
	// tensor) run best on batches of tens of rows, more than the engine's
	// default byte bound holds.
	if b := m.rowBytes(); b*minLargeBatch > engineBatchBytes {
		return udf.Hints{BatchRows: minLargeBatch, BatchBytes: int64(b * minLargeBatch)}
	}
	return udf.Hints{}
}

// minLargeBatch is the rows of a batch for models whose rows are large;
// engineBatchBytes is the executor's default byte bound
// (exec.DefaultBatchBytes).
const (
	minLargeBatch    = 32
	engineBatchBytes = 8 << 20
)

// rowBytes is the size of one row of the model's inputs, as far as their
// shapes tell (unknown dimensions count as 1).
func (m *Model) rowBytes() int {
	total := 0
	for _, in := range m.inputs {
		n := elemBytes[in.Elem]
		for _, d := range in.Shape[min(1, len(in.Shape)):] {
			n *= int(max(d, 1))
		}
		total += n
	}
	return total
}

var elemBytes = map[string]int{"float32": 4, "float64": 8, "int64": 8, "int32": 4, "int16": 2, "int8": 1, "uint8": 1, "bool": 1, "string": 16}

// rowByRow reports whether an input's batch dimension is fixed at 1.
func (m *Model) rowByRow() bool {
	for _, in := range m.inputs {
		if len(in.Shape) > 0 && in.Shape[0] == 1 {
			return true
		}
	}
	return false
}

// feed says which argument columns make up one model input.
type feed struct {
	input Tensor
	cols  []int
	// width is the number of values per row (the product of the
	// non-batch dimensions); 0 when a list column's rows decide it.
	width int
	// packed: several scalar columns side by side make the [N,k] input.
	packed bool
}

// Bind implements udf.Model: numeric columns are packed into a single
// [N,k] input; otherwise each column feeds one input in order — a scalar
// column an [N] or [N,1] input, a (fixed-size) list column an [N,d...]
// input of the same number of values, string columns string tensors. It
// returns the outputs Load was asked to keep, as Arrow fields.
func (m *Model) Bind(args []arrow.Field) ([]arrow.Field, error) {
	if _, err := m.feeds(args); err != nil {
		return nil, err
	}
	return m.outputFields()
}

func (m *Model) feeds(args []arrow.Field) ([]feed, error) {
	for _, in := range m.inputs {
		if in.Kind != "tensor" {
			return nil, fmt.Errorf("model %s: input %s is not a tensor; ember feeds tensors only", m.Name(), in)
		}
		if len(in.Shape) == 0 || (in.Shape[0] > 1) {
			return nil, fmt.Errorf("model %s: input %s has no batch dimension that takes N rows (batch sizes fixed above 1 are not supported)", m.Name(), in)
		}
	}
	if len(m.inputs) == 1 && len(args) > 1 {
		in := m.inputs[0]
		if len(in.Shape) != 2 || (in.Shape[1] >= 0 && in.Shape[1] != int64(len(args))) {
			return nil, fmt.Errorf("model input %s takes one column per value; got %d columns (%s)", in, len(args), names(args))
		}
		f := feed{input: in, width: len(args), packed: true}
		for i, a := range args {
			if err := accepts(in, a, true); err != nil {
				return nil, err
			}
			f.cols = append(f.cols, i)
		}
		return []feed{f}, nil
	}
	if len(args) != len(m.inputs) {
		return nil, fmt.Errorf("model %s takes %d inputs (%s); got %d columns (%s)", m.Name(), len(m.inputs), list(m.inputs), len(args), names(args))
	}
	feeds := make([]feed, len(args))
	for i, a := range args {
		in := m.inputs[i]
		if err := accepts(in, a, false); err != nil {
			return nil, err
		}
		width, err := rowWidth(in, a)
		if err != nil {
			return nil, err
		}
		feeds[i] = feed{input: in, cols: []int{i}, width: width}
	}
	return feeds, nil
}

func names(fs []arrow.Field) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%q", f.Name)
	}
	return strings.Join(parts, ", ")
}

// accepts checks that column a can feed input in (scalar: as one value of
// a packed row).
func accepts(in Tensor, a arrow.Field, scalar bool) error {
	elem := a.Type
	for {
		if l, ok := elem.(arrow.ListLikeType); ok && !scalar {
			elem = l.Elem()
			continue
		}
		break
	}
	ok := false
	switch {
	case in.Elem == "string":
		ok = elem.ID() == arrow.STRING || elem.ID() == arrow.LARGE_STRING
	case isNumericElem(in.Elem):
		ok = arrow.IsInteger(elem.ID()) || arrow.IsFloating(elem.ID()) && elem.ID() != arrow.FLOAT16 || elem.ID() == arrow.BOOL
	}
	if !ok {
		return fmt.Errorf("model input %q wants %s; column %q is %s", in.Name, in.shapeString(), a.Name, a.Type)
	}
	return nil
}

func isNumericElem(e string) bool {
	switch e {
	case "float32", "float64", "int64", "int32", "int16", "int8", "uint8":
		return true
	}
	return false
}

// shapeString is the tensor's type without its name: float32[N,4].
func (t Tensor) shapeString() string {
	s := t.String()
	return s[strings.Index(s, ": ")+2:]
}

// rowWidth is the number of values one row of a gives input in; 0 when a
// list column's rows decide.
func rowWidth(in Tensor, a arrow.Field) (int, error) {
	want := int64(1)
	known := true
	for _, d := range in.Shape[1:] {
		if d < 0 {
			known = false
			continue
		}
		want *= d
	}
	have, fixed := int64(1), true
	for t := a.Type; ; {
		switch l := t.(type) {
		case *arrow.FixedSizeListType:
			have *= int64(l.Len())
			t = l.Elem()
			continue
		case arrow.ListLikeType:
			fixed = false
			t = l.Elem()
			continue
		}
		break
	}
	switch {
	case !fixed && known:
		return int(want), nil // checked per row
	case !fixed:
		return 0, nil
	case known && have != want:
		return 0, fmt.Errorf("model input %q wants %s (%d values per row); column %q is %s (%d values per row)", in.Name, in.shapeString(), want, a.Name, a.Type, have)
	case !known && have%want != 0:
		return 0, fmt.Errorf("model input %q wants %s; column %q is %s, whose %d values per row do not fit", in.Name, in.shapeString(), a.Name, a.Type, have)
	}
	return int(have), nil
}

// arrowElem maps an ONNX element type to Arrow.
func arrowElem(e string) (arrow.DataType, bool) {
	switch e {
	case "float32":
		return arrow.PrimitiveTypes.Float32, true
	case "float64":
		return arrow.PrimitiveTypes.Float64, true
	case "int64":
		return arrow.PrimitiveTypes.Int64, true
	case "int32":
		return arrow.PrimitiveTypes.Int32, true
	case "int16":
		return arrow.PrimitiveTypes.Int16, true
	case "int8":
		return arrow.PrimitiveTypes.Int8, true
	case "uint8":
		return arrow.PrimitiveTypes.Uint8, true
	case "bool":
		return arrow.FixedWidthTypes.Boolean, true
	case "string":
		return arrow.BinaryTypes.String, true
	}
	return nil, false
}

// outputFields are the kept outputs as Arrow fields: an [N] tensor a
// column of its element type, an [N,d...] tensor a fixed-size list of the
// d... values (a list when a dimension varies), a sequence of maps (ZipMap)
// a map column.
func (m *Model) outputFields() ([]arrow.Field, error) {
	var out []arrow.Field
	for _, o := range m.Outputs() {
		t, err := outputType(o)
		if err != nil {
			return nil, fmt.Errorf("model %s: %w", m.Name(), err)
		}
		out = append(out, arrow.Field{Name: o.Name, Type: t, Nullable: true})
	}
	return out, nil
}

func outputType(o Tensor) (arrow.DataType, error) {
	unsupported := fmt.Errorf("output %s cannot become a column; keep others with onnx.WithOutputs", o)
	switch o.Kind {
	case "tensor":
		elem, ok := arrowElem(o.Elem)
		if !ok || len(o.Shape) == 0 {
			return nil, unsupported
		}
		if len(o.Shape) == 1 {
			return elem, nil
		}
		width := int32(1)
		for _, d := range o.Shape[1:] {
			if d < 0 {
				return arrow.ListOf(elem), nil
			}
			width *= int32(d)
		}
		return arrow.FixedSizeListOf(width, elem), nil
	case "sequence":
		k, kok := arrowElem(o.MapKey)
		v, vok := arrowElem(o.MapValue)
		if !kok || !vok {
			return nil, unsupported
		}
		return arrow.MapOf(k, v), nil
	}
	return nil, unsupported
}

// modelConfig is a model's serialized form: where it is and what to keep.
type modelConfig struct {
	Path    string   `json:"path"`
	Outputs []string `json:"outputs"`
}

// Kind implements plan.Portable: plans that apply an ONNX model travel,
// with the model located by its path (which must be readable where the
// plan runs).
func (m *Model) Kind() string { return "onnx" }

// Config implements plan.Portable.
func (m *Model) Config() (json.RawMessage, error) {
	p, err := filepath.Abs(m.path)
	if err != nil {
		return nil, err
	}
	return json.Marshal(modelConfig{Path: p, Outputs: m.keep})
}

func init() {
	udf.RegisterModel("onnx", func(raw json.RawMessage) (udf.Model, error) {
		var c modelConfig
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("onnx: decoding a model: %w", err)
		}
		return Load(c.Path, WithOutputs(c.Outputs...))
	})
}
