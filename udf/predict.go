package udf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/plan"
)

// DefaultRetries is how often Predict tries a batch again after a
// transient failure (plan.IsTransient) before the error policy applies.
const DefaultRetries = 3

// Prediction is the expression Predict returns: a model applied to input
// columns, for DataFrame.WithColumn and Select. Its methods return
// adjusted copies; the zero configuration needs no tuning.
type Prediction struct {
	model   Model
	args    []plan.Expr
	outputs []string
	post    []PostStep
	opts    plan.CallOptions
	err     error // reported by Resolve
}

var _ plan.Expr = (*Prediction)(nil)

// Predict applies model to inputs: column names or expressions, which the
// model's Bind checks when the plan is built. The result is the model's
// single output, or with several outputs a struct of them (DataFrame's
// Unnest expands it into columns).
//
// The engine loads the model once per process, gathers rows into batches
// sized by the model's hints (or rows and bytes set here) independently of
// the input's batches, runs partitions concurrently with the model's
// threads divided among them, and fails the job on the first failed row
// unless an error policy says otherwise.
func Predict(model Model, inputs ...any) *Prediction {
	p := &Prediction{model: model, args: exprs(inputs), opts: plan.CallOptions{Retries: DefaultRetries}}
	if model == nil || reflect.ValueOf(model).Kind() == reflect.Pointer && reflect.ValueOf(model).IsNil() {
		p.err = errNilModel
	}
	return p
}

// errNilModel is the error of Predict(nil, …): it sticks to the DataFrame.
var errNilModel = errors.New("udf: Predict: nil model (load one with onnx.Load, plugins.Open or a Model of your own)")

func exprs(args []any) []plan.Expr {
	out := make([]plan.Expr, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case string:
			out[i] = plan.Col(a)
		case plan.Expr:
			out[i] = a
		default:
			out[i] = plan.Lit(a)
		}
	}
	return out
}

func (p *Prediction) with(fn func(*Prediction)) *Prediction {
	c := *p
	c.outputs = slices.Clone(p.outputs)
	c.post = slices.Clone(p.post)
	fn(&c)
	return &c
}

// BatchRows bounds the rows of each batch the model receives.
func (p *Prediction) BatchRows(n int) *Prediction {
	return p.with(func(c *Prediction) { c.opts.Batching.Rows = n })
}

// BatchBytes bounds the bytes of input each batch holds (a row larger
// than that goes alone).
func (p *Prediction) BatchBytes(n int64) *Prediction {
	return p.with(func(c *Prediction) { c.opts.Batching.Bytes = n })
}

// Outputs keeps the named model outputs only, in this order.
func (p *Prediction) Outputs(names ...string) *Prediction {
	return p.with(func(c *Prediction) { c.outputs = names })
}

// Then adds post-processing steps, applied in order to the model's single
// kept output.
func (p *Prediction) Then(steps ...PostStep) *Prediction {
	return p.with(func(c *Prediction) { c.post = append(c.post, steps...) })
}

// Softmax turns the output's scores into probabilities.
func (p *Prediction) Softmax() *Prediction { return p.Then(Softmax()) }

// Argmax turns the output's scores into the index of the largest.
func (p *Prediction) Argmax() *Prediction { return p.Then(Argmax()) }

// TopK turns the output's scores into the k best (index or label, score).
func (p *Prediction) TopK(k int) *Prediction { return p.Then(TopK(k)) }

// Labels turns class indexes (an int output, or after Argmax or TopK) into
// names: index i becomes names[i].
func (p *Prediction) Labels(names ...string) *Prediction { return p.Then(Labels(names...)) }

// LabelsFile is Labels with the names read from a file, one per line in
// class order (as ImageNet's labels.txt); blank trailing lines are ignored.
// A file that cannot be read makes the expression fail when it is resolved.
func (p *Prediction) LabelsFile(path string) *Prediction {
	data, err := os.ReadFile(path)
	if err != nil {
		return p.with(func(c *Prediction) { c.err = fmt.Errorf("labels: %w", err) })
	}
	return p.Labels(strings.Split(strings.TrimRight(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n"), "\n")...)
}

// OnErrorNull leaves the prediction NULL for rows the model fails on and
// carries on; with errorColumn, a string column of that name holds each
// failed row's error.
func (p *Prediction) OnErrorNull(errorColumn string) *Prediction {
	return p.with(func(c *Prediction) {
		c.opts.OnError, c.opts.ErrorColumn = plan.SetNull, errorColumn
	})
}

// DeadLetter writes rows the model fails on, with their error, as JSON
// lines under dir, leaves them out of the result and carries on.
func (p *Prediction) DeadLetter(dir string) *Prediction {
	return p.with(func(c *Prediction) {
		c.opts.OnError, c.opts.DeadLetterDir = plan.DeadLetter, dir
	})
}

// Retries bounds how often a batch that failed transiently is tried again
// (DefaultRetries unless set).
func (p *Prediction) Retries(n int) *Prediction {
	return p.with(func(c *Prediction) { c.opts.Retries = n })
}

func (p *Prediction) String() string {
	parts := make([]string, len(p.args))
	for i, a := range p.args {
		parts[i] = a.String()
	}
	return fmt.Sprintf("%s(%s)", p.function().Name(), strings.Join(parts, ", "))
}
func (p *Prediction) Children() []plan.Expr { return p.args }
func (p *Prediction) Type() arrow.DataType  { return nil }
func (p *Prediction) WithChildren(x []plan.Expr) plan.Expr {
	return p.with(func(c *Prediction) { c.args = x })
}

// Resolve implements plan.Expr: it becomes a plan.BatchCall of the model.
func (p *Prediction) Resolve(in *arrow.Schema) (plan.Expr, error) {
	if p.err == errNilModel {
		return nil, p.err
	}
	if p.err != nil {
		return nil, fmt.Errorf("plan: %s: %w", p.function().Name(), p.err)
	}
	call := &plan.BatchCall{Fn: p.function(), Args: p.args, Options: p.opts}
	return call.Resolve(in)
}

func (p *Prediction) function() *predictFunction {
	return &predictFunction{model: p.model, outputs: p.outputs, post: p.post}
}

// predictFunction is a model with its output selection and
// post-processing, as the engine runs it.
type predictFunction struct {
	model   Model
	outputs []string
	post    []PostStep
	// fields and from are what Bind found, for the runner: the result's
	// fields and the model output each comes from.
	fields []arrow.Field
	from   []int
}

var _ plan.BatchFunction = (*predictFunction)(nil)

// Name implements plan.BatchFunction.
func (f *predictFunction) Name() string { return "predict[" + f.model.Name() + "]" }

// Batching implements plan.BatchFunction.
func (f *predictFunction) Batching() plan.Batching {
	h := f.model.Hints()
	return plan.Batching{Rows: h.BatchRows, Bytes: h.BatchBytes}
}

// Bind implements plan.BatchFunction.
func (f *predictFunction) Bind(args []arrow.Field) (arrow.DataType, error) {
	fields, from, err := f.bind(args)
	if err != nil {
		return nil, err
	}
	f.fields, f.from = fields, from
	if len(fields) == 1 {
		return fields[0].Type, nil
	}
	return arrow.StructOf(fields...), nil
}

// bind returns the result's fields and, per field, the model output it
// comes from.
func (f *predictFunction) bind(args []arrow.Field) ([]arrow.Field, []int, error) {
	all, err := f.model.Bind(args)
	if err != nil {
		return nil, nil, err
	}
	if len(all) == 0 {
		return nil, nil, fmt.Errorf("model %s declares no outputs", f.model.Name())
	}
	var fields []arrow.Field
	var from []int
	if f.outputs == nil {
		fields = all
		for i := range all {
			from = append(from, i)
		}
	} else {
		for _, name := range f.outputs {
			i := slices.IndexFunc(all, func(o arrow.Field) bool { return o.Name == name })
			if i < 0 {
				return nil, nil, fmt.Errorf("model %s has no output %q (outputs: %s)", f.model.Name(), name, fieldList(all))
			}
			fields, from = append(fields, all[i]), append(from, i)
		}
	}
	if len(f.post) > 0 {
		if len(fields) != 1 {
			return nil, nil, fmt.Errorf("post-processing needs a single model output; %s gives %s (keep one with Outputs)", f.model.Name(), fieldList(fields))
		}
		t := fields[0].Type
		for _, s := range f.post {
			if t, err = s.ResultType(t); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", s.Name(), err)
			}
		}
		fields[0].Type = t
	}
	return fields, from, nil
}

func fieldList(fs []arrow.Field) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%s %s", f.Name, f.Type)
	}
	return strings.Join(parts, ", ")
}

// Open implements plan.BatchFunction: it acquires the model loaded once in
// this process, loading it on first use with the cores divided among the
// job's partitions.
func (f *predictFunction) Open(ctx context.Context, env plan.JobEnv) (plan.BatchRunner, error) {
	opts := LoadOptions{Threads: threadsPerCall(env.Parallelism), Parallelism: max(1, env.Parallelism)}
	s, err := acquire(ctx, f.model, opts, env.RecordLoad)
	if err != nil {
		return nil, err
	}
	s.holdFor(env.Owner)
	return &predictRunner{predictFunction: f, shared: s}, nil
}

// predictRunner runs a bound predictFunction on the shared model.
type predictRunner struct {
	*predictFunction
	shared *sharedModel
}

// Run implements plan.BatchRunner.
func (r *predictRunner) Run(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error) {
	if r.fields == nil {
		return nil, fmt.Errorf("model %s was not bound to its inputs", r.model.Name())
	}
	if nulls := nullRows(args); len(nulls) > 0 {
		return r.skipNulls(ctx, args, rows, nulls)
	}
	return r.predict(ctx, args, rows)
}

// predict runs the model on rows without NULL inputs.
func (r *predictRunner) predict(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error) {
	outs, err := r.shared.predict(ctx, args, rows)
	if err != nil {
		return nil, err
	}
	defer releaseAll(outs)
	for i, o := range outs {
		if o.Len() != rows {
			return nil, fmt.Errorf("model %s returned %d rows for output %d, want %d", r.model.Name(), o.Len(), i, rows)
		}
	}
	kept := make([]arrow.Array, len(r.from))
	for i, k := range r.from {
		kept[i] = outs[k]
	}
	if len(kept) == 1 {
		return postProcess(ctx, r.post, kept[0])
	}
	// The fields as bound, nullability included: the struct's type must
	// be the one the plan declared.
	return array.NewStructArrayWithFields(kept, r.fields)
}

// nullRows are the rows where some argument is NULL, ascending.
func nullRows(args []arrow.Array) []int {
	var rows []int
	for _, a := range args {
		if a.NullN() == 0 {
			continue
		}
		for i := range a.Len() {
			if a.IsNull(i) {
				rows = append(rows, i)
			}
		}
	}
	slices.Sort(rows)
	return slices.Compact(rows)
}

// skipNulls runs the model on the rows without NULL inputs and reports the
// others as failed rows (a model needs a value for every input).
func (r *predictRunner) skipNulls(ctx context.Context, args []arrow.Array, rows int, nulls []int) (arrow.Array, error) {
	mem := allocator(ctx)
	kctx := compute.WithAllocator(ctx, mem)
	keep := array.NewInt64Builder(mem) // the rows with values
	back := array.NewInt64Builder(mem) // row → its result among them, NULL for NULL rows
	defer keep.Release()
	defer back.Release()
	next := 0
	for i := range rows {
		if next < len(nulls) && nulls[next] == i {
			next++
			back.AppendNull()
			continue
		}
		back.Append(int64(keep.Len()))
		keep.Append(int64(i))
	}
	keepIdx, backIdx := keep.NewArray(), back.NewArray()
	defer keepIdx.Release()
	defer backIdx.Release()
	var result arrow.Array
	if keepIdx.Len() == 0 {
		result = array.MakeArrayOfNull(mem, r.resultType(), rows)
	} else {
		kept := make([]arrow.Array, len(args))
		defer releaseAll(kept)
		for i, a := range args {
			t, err := compute.TakeArray(kctx, a, keepIdx)
			if err != nil {
				return nil, err
			}
			kept[i] = t
		}
		part, err := r.predict(ctx, kept, keepIdx.Len())
		if err != nil {
			return nil, err
		}
		defer part.Release()
		if result, err = compute.TakeArray(kctx, part, backIdx); err != nil {
			return nil, err
		}
	}
	errs := make([]error, len(nulls))
	for i, row := range nulls {
		var cols []string
		for k, a := range args {
			if a.IsNull(row) {
				cols = append(cols, fmt.Sprintf("input %d", k+1))
			}
		}
		errs[i] = fmt.Errorf("model %s: %s is NULL; a model needs a value for every input", r.model.Name(), strings.Join(cols, ", "))
	}
	return nil, &plan.RowErrors{Result: result, Rows: nulls, Errs: errs}
}

func (r *predictRunner) resultType() arrow.DataType {
	if len(r.fields) == 1 {
		return r.fields[0].Type
	}
	return arrow.StructOf(r.fields...)
}

// Close implements plan.BatchRunner.
func (r *predictRunner) Close() error {
	return r.shared.release()
}

func releaseAll(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

// Plans that apply a model travel when the model does: a model that
// implements plan.Portable and whose kind is registered with RegisterModel
// (package udf/onnx registers "onnx", located by its file), with built-in
// post-processing steps. Closures (a Go model, PostFunc) stay local.

var (
	modelsMu sync.RWMutex
	models   = map[string]func(json.RawMessage) (Model, error){}
)

// RegisterModel makes models of a kind decodable, so plans that apply them
// can travel to other processes.
func RegisterModel(kind string, decode func(json.RawMessage) (Model, error)) {
	modelsMu.Lock()
	defer modelsMu.Unlock()
	models[kind] = decode
}

func init() {
	plan.RegisterBatchFunction("udf.predict", decodePredict)
}

// predictConfig is the serialized form of a predictFunction.
type predictConfig struct {
	Kind    string          `json:"model_kind"`
	Model   json.RawMessage `json:"model"`
	Outputs []string        `json:"outputs,omitempty"`
	Post    []stepConfig    `json:"post,omitempty"`
}

type stepConfig struct {
	Step   string       `json:"step"`
	K      int          `json:"k,omitempty"`
	Labels []string     `json:"labels,omitempty"`
	Groups []ClassGroup `json:"groups,omitempty"`
}

// Kind implements plan.Portable.
func (f *predictFunction) Kind() string { return "udf.predict" }

// Config implements plan.Portable.
func (f *predictFunction) Config() (json.RawMessage, error) {
	pm, ok := f.model.(plan.Portable)
	if !ok {
		return nil, fmt.Errorf("%w: model %s is a Go value (implement plan.Portable and RegisterModel to ship it)", plan.ErrNotPortable, f.model.Name())
	}
	cfg, err := pm.Config()
	if err != nil {
		return nil, err
	}
	c := predictConfig{Kind: pm.Kind(), Model: cfg, Outputs: f.outputs}
	for _, s := range f.post {
		var sc stepConfig
		switch s := s.(type) {
		case softmax:
			sc.Step = "softmax"
		case argmax:
			sc.Step = "argmax"
		case topK:
			sc.Step, sc.K = "top_k", s.k
		case labels:
			sc.Step, sc.Labels = "labels", s.names
		case classGroups:
			sc.Step, sc.Groups = "class_groups", s.groups
		default:
			return nil, fmt.Errorf("%w: post-processing step %s of model %s is Go code", plan.ErrNotPortable, s.Name(), f.model.Name())
		}
		c.Post = append(c.Post, sc)
	}
	return json.Marshal(c)
}

func decodePredict(raw json.RawMessage) (plan.BatchFunction, error) {
	var c predictConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("udf: decoding a prediction: %w", err)
	}
	modelsMu.RLock()
	decode, ok := models[c.Kind]
	modelsMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("udf: no model kind %q registered (import its package, e.g. udf/onnx)", c.Kind)
	}
	m, err := decode(c.Model)
	if err != nil {
		return nil, err
	}
	f := &predictFunction{model: m, outputs: c.Outputs}
	for _, s := range c.Post {
		switch s.Step {
		case "softmax":
			f.post = append(f.post, Softmax())
		case "argmax":
			f.post = append(f.post, Argmax())
		case "top_k":
			f.post = append(f.post, TopK(s.K))
		case "labels":
			f.post = append(f.post, Labels(s.Labels...))
		case "class_groups":
			f.post = append(f.post, ClassGroups(s.Groups...))
		default:
			return nil, fmt.Errorf("udf: unknown post-processing step %q", s.Step)
		}
	}
	return f, nil
}
