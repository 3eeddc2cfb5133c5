package imageio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"os"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// DefaultBatchRows is how many images one decoding batch holds: small, so
// that several batches decode at once on the machine's cores and the first
// results come early; the model gathers its own batches from them.
const DefaultBatchRows = 16

// TensorExpr is the expression Tensor returns: images decoded and
// pre-processed into a tensor column. Its methods return adjusted copies.
type TensorExpr struct {
	input plan.Expr
	fn    tensorConfig
	opts  plan.CallOptions
}

var _ plan.Expr = (*TensorExpr)(nil)

// Tensor decodes the images in input — a column name or expression holding
// file paths (strings) or encoded images (binary): JPEG, PNG, GIF or WebP —
// turns each upright by its EXIF orientation, composites transparent
// pixels over white, applies steps, and gives a column of fixed-size lists
// of float32: one tensor per image, of the shape Shape reports, with the
// steps' layout (CHW unless set). The steps must fix the size (end with
// Resize, CenterCrop or PadTo); ImageNet(224) gives the common
// classifier pre-processing.
//
// The engine decodes batches of DefaultBatchRows images on all cores at
// once, ahead of the operators that consume them (a model), so decoding
// and inference overlap. A NULL input gives a NULL tensor. A file that is
// missing, unreadable, truncated, corrupt or not an image, or whose header
// declares more than DefaultMaxPixels pixels (see MaxPixels), is a failed
// row whose error names the file; the error policy applies — this
// expression's, or, when it is an input of udf.Predict, the prediction's.
func Tensor(input any, steps ...Step) *TensorExpr {
	var in plan.Expr
	switch v := input.(type) {
	case string:
		in = plan.Col(v)
	case plan.Expr:
		in = v
	default:
		in = plan.Lit(v)
	}
	return &TensorExpr{input: in, fn: tensorConfig{Steps: steps, Background: [4]uint8{255, 255, 255, 255}}}
}

func (t *TensorExpr) with(fn func(*TensorExpr)) *TensorExpr {
	c := *t
	fn(&c)
	return &c
}

// Background sets what transparent pixels show (white unless set).
func (t *TensorExpr) Background(c color.Color) *TensorExpr {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return t.with(func(x *TensorExpr) { x.fn.Background = [4]uint8{n.R, n.G, n.B, 255} })
}

// IgnoreOrientation keeps pixels as stored, ignoring EXIF orientation.
func (t *TensorExpr) IgnoreOrientation() *TensorExpr {
	return t.with(func(x *TensorExpr) { x.fn.IgnoreOrientation = true })
}

// BaseDir resolves relative paths against dir instead of the working
// directory; dir may be a URL (s3://bucket/images, mem://b/x), as may the
// paths themselves.
func (t *TensorExpr) BaseDir(dir string) *TensorExpr {
	return t.with(func(x *TensorExpr) { x.fn.BaseDir = dir })
}

// MaxPixels sets the most pixels (width × height, as the image's header
// declares them) an image may have; n <= 0 restores DefaultMaxPixels.
// A larger image is a failed row whose error names the file and wraps
// ErrTooLarge, refused before it is decoded, so a decompression bomb — a
// few bytes declaring billions of pixels — costs nothing, whatever the
// error policy.
func (t *TensorExpr) MaxPixels(n int64) *TensorExpr {
	return t.with(func(x *TensorExpr) { x.fn.MaxPixels = max(n, 0) })
}

// BatchRows sets how many images one decoding batch holds.
func (t *TensorExpr) BatchRows(n int) *TensorExpr {
	return t.with(func(x *TensorExpr) { x.opts.Batching.Rows = n })
}

// Workers bounds the batches of one partition decoded at once (the
// number of cores unless set).
func (t *TensorExpr) Workers(n int) *TensorExpr {
	return t.with(func(x *TensorExpr) { x.opts.Batching.Workers = n })
}

// OnErrorNull leaves the tensor NULL for images that fail and carries on;
// with errorColumn, a string column of that name holds each failure.
func (t *TensorExpr) OnErrorNull(errorColumn string) *TensorExpr {
	return t.with(func(x *TensorExpr) { x.opts.OnError, x.opts.ErrorColumn = plan.SetNull, errorColumn })
}

// DeadLetter writes the rows of images that fail, with their error, as
// JSON lines under dir, leaves them out and carries on.
func (t *TensorExpr) DeadLetter(dir string) *TensorExpr {
	return t.with(func(x *TensorExpr) { x.opts.OnError, x.opts.DeadLetterDir = plan.DeadLetter, dir })
}

// Shape is the shape of every tensor, [C, H, W] or [H, W, C], or an error
// when the steps do not fix it.
func (t *TensorExpr) Shape() ([]int, error) { return outputShape(t.fn.Steps) }

func (t *TensorExpr) function() *tensorFunction { return &tensorFunction{config: t.fn} }

func (t *TensorExpr) String() string {
	return fmt.Sprintf("%s(%s)", t.function().Name(), t.input)
}
func (t *TensorExpr) Children() []plan.Expr { return []plan.Expr{t.input} }
func (t *TensorExpr) Type() arrow.DataType  { return nil }
func (t *TensorExpr) WithChildren(x []plan.Expr) plan.Expr {
	return t.with(func(c *TensorExpr) { c.input = x[0] })
}

// Resolve implements plan.Expr: it becomes a plan.BatchCall.
func (t *TensorExpr) Resolve(in *arrow.Schema) (plan.Expr, error) {
	call := &plan.BatchCall{Fn: t.function(), Args: []plan.Expr{t.input}, Options: t.opts}
	return call.Resolve(in)
}

// tensorConfig is what a tensorFunction does, in its serialized form.
type tensorConfig struct {
	Steps             []Step   `json:"steps"`
	Background        [4]uint8 `json:"background"`
	IgnoreOrientation bool     `json:"ignore_orientation,omitempty"`
	BaseDir           string   `json:"base_dir,omitempty"`
	MaxPixels         int64    `json:"max_pixels,omitempty"` // 0: DefaultMaxPixels
}

// tensorFunction is the plan.BatchFunction behind Tensor.
type tensorFunction struct {
	config tensorConfig
	shape  []int
}

var _ plan.BatchFunction = (*tensorFunction)(nil)

// Name implements plan.BatchFunction.
func (f *tensorFunction) Name() string {
	shape, err := outputShape(f.config.Steps)
	if err != nil {
		return "image_tensor"
	}
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	return "image_tensor[" + strings.Join(dims, "x") + "]"
}

// Bind implements plan.BatchFunction.
func (f *tensorFunction) Bind(args []arrow.Field) (arrow.DataType, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("takes one column of paths or image bytes; got %d", len(args))
	}
	switch args[0].Type.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW, arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW:
	default:
		return nil, fmt.Errorf("column %q is %s; want paths (string) or image bytes (binary)", args[0].Name, args[0].Type)
	}
	shape, err := outputShape(f.config.Steps)
	if err != nil {
		return nil, err
	}
	f.shape = shape
	return tensorType(shape), nil
}

func tensorType(shape []int) arrow.DataType {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return arrow.FixedSizeListOf(int32(n), arrow.PrimitiveTypes.Float32)
}

// Batching implements plan.BatchFunction: small batches, decoded on every
// core at once.
func (f *tensorFunction) Batching() plan.Batching {
	return plan.Batching{Rows: DefaultBatchRows, Workers: runtime.GOMAXPROCS(0)}
}

// Open implements plan.BatchFunction.
func (f *tensorFunction) Open(context.Context, plan.JobEnv) (plan.BatchRunner, error) {
	if f.shape == nil {
		return nil, fmt.Errorf("%s was not bound to its input", f.Name())
	}
	return f, nil
}

// Close implements plan.BatchRunner.
func (f *tensorFunction) Close() error { return nil }

var resamplers = sync.Pool{New: func() any { return new(resampler) }}

// Run implements plan.BatchRunner: it decodes and pre-processes each
// image, reporting the images that fail as failed rows.
func (f *tensorFunction) Run(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error) {
	mem := compute.GetAllocator(ctx)
	typ := tensorType(f.shape).(*arrow.FixedSizeListType)
	width := int(typ.Len())
	values := memory.NewResizableBuffer(mem)
	defer values.Release()
	values.Resize(rows * width * 4)
	data := unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(values.Bytes()))), rows*width)
	valid := memory.NewResizableBuffer(mem)
	defer valid.Release()
	valid.Resize(int(bitutil.BytesForBits(int64(rows))))
	bitutil.SetBitsTo(valid.Bytes(), 0, int64(rows), true)

	s := resamplers.Get().(*resampler)
	defer resamplers.Put(s)
	opts := decodeOptions{background: color.NRGBA{f.config.Background[0], f.config.Background[1], f.config.Background[2], 255}, ignoreOrientation: f.config.IgnoreOrientation, maxPixels: f.config.MaxPixels}
	var failed []int
	var errs []error
	nulls := 0
	for row := range rows {
		if err := ctx.Err(); err != nil {
			return nil, context.Cause(ctx)
		}
		dst := data[row*width : (row+1)*width]
		if args[0].IsNull(row) {
			clear(dst)
			bitutil.ClearBit(valid.Bytes(), row)
			nulls++
			continue
		}
		if err := f.image(ctx, args[0], row, opts, s, dst); err != nil {
			clear(dst)
			bitutil.ClearBit(valid.Bytes(), row)
			nulls++
			failed, errs = append(failed, row), append(errs, err)
		}
	}
	vals := array.NewData(arrow.PrimitiveTypes.Float32, rows*width, []*memory.Buffer{nil, values}, nil, 0, 0)
	defer vals.Release()
	bufs := []*memory.Buffer{nil}
	if nulls > 0 {
		bufs[0] = valid
	}
	list := array.NewData(typ, rows, bufs, []arrow.ArrayData{vals}, nulls, 0)
	defer list.Release()
	out := array.MakeFromData(list)
	if len(failed) > 0 {
		return nil, &plan.RowErrors{Result: out, Rows: failed, Errs: errs}
	}
	return out, nil
}

// image decodes and pre-processes the image of one row into dst.
func (f *tensorFunction) image(ctx context.Context, col arrow.Array, row int, opts decodeOptions, s *resampler, dst []float32) error {
	var data []byte
	var what string
	switch c := col.(type) {
	case interface{ Value(int) string }:
		path := c.Value(row)
		what = fmt.Sprintf("%q", path)
		if f.config.BaseDir != "" && !storage.IsAbs(path) {
			path = storage.Join(f.config.BaseDir, path)
		}
		b, err := storage.ReadFile(ctx, path)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return fmt.Errorf("imageio: reading %s: %w", what, err)
		}
		data = b
	case interface{ Value(int) []byte }:
		data = c.Value(row)
		what = fmt.Sprintf("image of %d bytes", len(data))
	default:
		return fmt.Errorf("imageio: column of %s holds no paths or bytes", col.DataType())
	}
	r, format, err := decode(data, opts)
	if err != nil {
		return fmt.Errorf("imageio: decoding %s: %w", what, err)
	}
	g, err := compile(f.config.Steps, r.width, r.height)
	if err != nil {
		return fmt.Errorf("imageio: %s (%s %dx%d): %w", what, format, r.width, r.height, err)
	}
	s.resample(r, g, dst)
	return nil
}

func init() {
	plan.RegisterBatchFunction("imageio.tensor", func(raw json.RawMessage) (plan.BatchFunction, error) {
		var c tensorConfig
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("imageio: decoding a tensor function: %w", err)
		}
		return &tensorFunction{config: c}, nil
	})
}

// Kind implements plan.Portable.
func (f *tensorFunction) Kind() string { return "imageio.tensor" }

// Config implements plan.Portable.
func (f *tensorFunction) Config() (json.RawMessage, error) { return json.Marshal(f.config) }
