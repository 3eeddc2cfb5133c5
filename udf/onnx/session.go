package onnx

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/udf"
	ort "github.com/yalue/onnxruntime_go"
)

// session is a model loaded into ONNX Runtime. ONNX Runtime runs calls on
// one session concurrently, so every partition shares it.
type session struct {
	model   *Model
	ort     *ort.DynamicAdvancedSession
	outputs []Tensor
	types   []arrow.DataType
}

// Load implements udf.Model: it creates an ONNX Runtime session computing
// the kept outputs, with opts.Threads intra-op threads and no spinning
// between calls, so the threads of concurrent partitions share the cores.
func (m *Model) Load(ctx context.Context, opts udf.LoadOptions) (udf.Loaded, error) {
	if err := initRuntime(); err != nil {
		return nil, err
	}
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	defer so.Destroy()
	threads := max(1, opts.Threads)
	if err := so.SetIntraOpNumThreads(threads); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	if err := so.SetInterOpNumThreads(1); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	if err := so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	inNames := make([]string, len(m.inputs))
	for i, in := range m.inputs {
		inNames[i] = in.Name
	}
	outs := m.Outputs()
	outNames := make([]string, len(outs))
	types := make([]arrow.DataType, len(outs))
	for i, o := range outs {
		outNames[i] = o.Name
		if types[i], err = outputType(o); err != nil {
			return nil, fmt.Errorf("onnx: model %s: %w", m.Name(), err)
		}
	}
	s, err := ort.NewDynamicAdvancedSession(m.path, inNames, outNames, so)
	if err != nil {
		return nil, fmt.Errorf("onnx: %s: %w", m.path, explain(err))
	}
	return &session{model: m, ort: s, outputs: outs, types: types}, nil
}

// explain adds how to fix the errors users meet.
func explain(err error) error {
	if strings.Contains(err.Error(), "locale") {
		return fmt.Errorf("%w (the model's StringNormalizer wants a locale this system lacks, en_US.UTF-8 by default for skl2onnx text models: install it with `apt-get install locales && locale-gen en_US.UTF-8`, or set the node's locale attribute to C.UTF-8)", err)
	}
	return err
}

// Predict implements udf.Loaded.
func (s *session) Predict(ctx context.Context, inputs []arrow.Array, rows int) ([]arrow.Array, error) {
	fields := make([]arrow.Field, len(inputs))
	for i, a := range inputs {
		fields[i] = arrow.Field{Name: fmt.Sprintf("argument %d", i+1), Type: a.DataType()}
	}
	feeds, err := s.model.feeds(fields)
	if err != nil {
		return nil, err
	}
	mem := compute.GetAllocator(ctx)
	if s.model.rowByRow() && rows > 1 {
		return s.predictRows(ctx, feeds, inputs, rows)
	}
	tensors, err := buildTensors(feeds, inputs, 0, rows)
	if err != nil {
		return nil, err
	}
	defer destroyAll(tensors)
	outputs := make([]ort.Value, len(s.outputs))
	if err := s.ort.Run(tensors, outputs); err != nil {
		return nil, fmt.Errorf("onnx: running %s: %w", s.model.Name(), err)
	}
	defer destroyAll(outputs)
	return toArrays(mem, s.outputs, s.types, outputs, rows)
}

// predictRows runs a model whose batch dimension is fixed at 1 once per
// row, gathering the rows' outputs.
func (s *session) predictRows(ctx context.Context, feeds []feed, inputs []arrow.Array, rows int) ([]arrow.Array, error) {
	mem := compute.GetAllocator(ctx)
	perRow := make([][]arrow.Array, len(s.outputs))
	defer func() {
		for _, rs := range perRow {
			for _, a := range rs {
				a.Release()
			}
		}
	}()
	for r := range rows {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		tensors, err := buildTensors(feeds, inputs, r, r+1)
		if err != nil {
			return nil, err
		}
		outputs := make([]ort.Value, len(s.outputs))
		err = s.ort.Run(tensors, outputs)
		destroyAll(tensors)
		if err != nil {
			return nil, fmt.Errorf("onnx: running %s on row %d: %w", s.model.Name(), r, err)
		}
		arrs, err := toArrays(mem, s.outputs, s.types, outputs, 1)
		destroyAll(outputs)
		if err != nil {
			return nil, err
		}
		for i, a := range arrs {
			perRow[i] = append(perRow[i], a)
		}
	}
	out := make([]arrow.Array, len(s.outputs))
	for i, rs := range perRow {
		joined, err := concat(mem, rs)
		if err != nil {
			for _, a := range out[:i] {
				a.Release()
			}
			return nil, err
		}
		out[i] = joined
	}
	return out, nil
}

// Close implements udf.Loaded.
func (s *session) Close() error { return s.ort.Destroy() }

func destroyAll(vs []ort.Value) {
	for _, v := range vs {
		if v != nil {
			v.Destroy()
		}
	}
}
