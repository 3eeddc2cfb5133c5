package imageio

import (
	"fmt"
	"math"
	"strings"
)

// Filter is how a resize computes a pixel from the source pixels around
// it. Downscaling widens every filter by the scale factor (antialiasing,
// as PIL's resize does), so a photo shrunk five times is averaged, not
// sampled.
type Filter string

const (
	// Nearest takes the closest source pixel.
	Nearest Filter = "nearest"
	// Bilinear weighs source pixels by distance (a triangle filter).
	Bilinear Filter = "bilinear"
	// Area averages the source pixels an output pixel covers (a box filter).
	Area Filter = "area"
)

// Layout is the order of a tensor's values.
type Layout string

const (
	// CHW stores channel planes one after another (PyTorch, most ONNX
	// vision models): [C, H, W].
	CHW Layout = "chw"
	// HWC stores each pixel's channels together (TensorFlow): [H, W, C].
	HWC Layout = "hwc"
)

// Step is one declared pre-processing step. Steps are values: compose them
// in a slice, in the order they apply, and hand them to Tensor. Geometric
// steps (resize, crop, pad) and pixel steps (grayscale, scale, normalize)
// may come in any order; they run fused, each output pixel computed once
// from the decoded image, and give what applying them one by one would
// (pixel steps are linear, so they commute with resampling; a pad's fill
// is black before the pixel steps that follow it).
type Step struct {
	Op     string    `json:"op"`
	Width  int       `json:"width,omitempty"`
	Height int       `json:"height,omitempty"`
	Top    int       `json:"top,omitempty"`
	Right  int       `json:"right,omitempty"`
	Bottom int       `json:"bottom,omitempty"`
	Left   int       `json:"left,omitempty"`
	Filter Filter    `json:"filter,omitempty"`
	Factor float32   `json:"factor,omitempty"`
	Mean   []float32 `json:"mean,omitempty"`
	Std    []float32 `json:"std,omitempty"`
	Layout Layout    `json:"layout,omitempty"`
}

func (s Step) String() string {
	switch s.Op {
	case "resize":
		return fmt.Sprintf("resize(%dx%d, %s)", s.Width, s.Height, s.Filter)
	case "resize_shorter":
		return fmt.Sprintf("resize_shorter(%d, %s)", s.Width, s.Filter)
	case "resize_longer":
		return fmt.Sprintf("resize_longer(%d, %s)", s.Width, s.Filter)
	case "center_crop":
		return fmt.Sprintf("center_crop(%dx%d)", s.Width, s.Height)
	case "crop":
		return fmt.Sprintf("crop(%d,%d %dx%d)", s.Left, s.Top, s.Width, s.Height)
	case "pad":
		return fmt.Sprintf("pad(%d,%d,%d,%d)", s.Top, s.Right, s.Bottom, s.Left)
	case "pad_to":
		return fmt.Sprintf("pad_to(%dx%d)", s.Width, s.Height)
	case "scale":
		return fmt.Sprintf("scale(%g)", s.Factor)
	case "normalize":
		return fmt.Sprintf("normalize(mean=%v, std=%v)", s.Mean, s.Std)
	case "layout":
		return string(s.Layout)
	}
	return s.Op
}

// Resize scales the image to width × height, ignoring its aspect ratio.
func Resize(width, height int, f Filter) Step {
	return Step{Op: "resize", Width: width, Height: height, Filter: f}
}

// ResizeShorter scales the image, keeping its aspect ratio, so that its
// shorter side is side pixels (torchvision's Resize(side)); the longer
// side is truncated to whole pixels.
func ResizeShorter(side int, f Filter) Step {
	return Step{Op: "resize_shorter", Width: side, Filter: f}
}

// ResizeLonger scales the image, keeping its aspect ratio, so that its
// longer side is side pixels; with PadTo it letterboxes.
func ResizeLonger(side int, f Filter) Step {
	return Step{Op: "resize_longer", Width: side, Filter: f}
}

// CenterCrop keeps the centre width × height pixels; an image smaller than
// that is padded with black (as torchvision's CenterCrop).
func CenterCrop(width, height int) Step {
	return Step{Op: "center_crop", Width: width, Height: height}
}

// Crop keeps the width × height pixels whose top-left corner is (left, top).
func Crop(left, top, width, height int) Step {
	return Step{Op: "crop", Left: left, Top: top, Width: width, Height: height}
}

// Pad adds black borders of the given widths.
func Pad(top, right, bottom, left int) Step {
	return Step{Op: "pad", Top: top, Right: right, Bottom: bottom, Left: left}
}

// PadTo centres the image on a black width × height canvas; a larger image
// is cropped to it.
func PadTo(width, height int) Step { return Step{Op: "pad_to", Width: width, Height: height} }

// Grayscale turns the image into one channel of luma (ITU-R 601: 0.299 R +
// 0.587 G + 0.114 B, as PIL's "L" mode).
func Grayscale() Step { return Step{Op: "grayscale"} }

// Scale multiplies every value by factor (1.0/255 maps 8-bit pixels onto
// [0, 1]).
func Scale(factor float32) Step { return Step{Op: "scale", Factor: factor} }

// Normalize subtracts mean and divides by std, per channel (one value
// applies to every channel).
func Normalize(mean, std []float32) Step {
	return Step{Op: "normalize", Mean: mean, Std: std}
}

// WithLayout sets the order of the tensor's values (CHW unless set).
func WithLayout(l Layout) Step { return Step{Op: "layout", Layout: l} }

// ImageNet is the usual pre-processing of ImageNet classifiers
// (torchvision's reference transforms, the ONNX Model Zoo's MobileNet and
// ResNet): shorter side to size·256/224 (bilinear), centre crop to size ×
// size, scale to [0, 1], normalize with ImageNet's mean and std, CHW.
func ImageNet(size int) []Step {
	return []Step{
		ResizeShorter(size*256/224, Bilinear),
		CenterCrop(size, size),
		Scale(1.0 / 255),
		Normalize([]float32{0.485, 0.456, 0.406}, []float32{0.229, 0.224, 0.225}),
		WithLayout(CHW),
	}
}

// MaxStepSize is the largest size or padding a step may name (Resize,
// ResizeShorter, ResizeLonger, CenterCrop, Crop, Pad, PadTo): larger ones
// are refused when the plan is built, instead of overflowing or
// allocating gigabytes per image when it runs.
const MaxStepSize = 1 << 14

// MaxTensorPixels is the most pixels (height × width) the steps may give
// a tensor, 4096 × 4096: with three channels of float32 that is 192 MiB per
// image, and a batch holds DefaultBatchRows of them.
const MaxTensorPixels = 1 << 24

// validate checks a step's own fields.
func (s Step) validate() error {
	positive := func(vals ...int) error {
		for _, v := range vals {
			if v <= 0 {
				return fmt.Errorf("%s: sizes must be positive", s)
			}
			if v > MaxStepSize {
				return fmt.Errorf("%s: %d is over the largest size a step may name, %d (MaxStepSize)", s, v, MaxStepSize)
			}
		}
		return nil
	}
	switch s.Op {
	case "resize", "center_crop", "crop", "pad_to":
		if err := positive(s.Width, s.Height); err != nil {
			return err
		}
	case "resize_shorter", "resize_longer":
		if err := positive(s.Width); err != nil {
			return err
		}
	case "pad":
		if min(s.Top, s.Right, s.Bottom, s.Left) < 0 {
			return fmt.Errorf("%s: negative padding", s)
		}
		if v := max(s.Top, s.Right, s.Bottom, s.Left); v > MaxStepSize {
			return fmt.Errorf("%s: padding of %d is over the largest size a step may name, %d (MaxStepSize)", s, v, MaxStepSize)
		}
	case "grayscale", "scale":
	case "normalize":
		for _, v := range s.Std {
			if v == 0 {
				return fmt.Errorf("%s: std of 0", s)
			}
		}
		if len(s.Mean) == 0 || len(s.Std) == 0 {
			return fmt.Errorf("%s: mean and std need values", s)
		}
	case "layout":
		if s.Layout != CHW && s.Layout != HWC {
			return fmt.Errorf("unknown layout %q (chw or hwc)", s.Layout)
		}
	default:
		return fmt.Errorf("unknown step %q", s.Op)
	}
	switch s.Filter {
	case "", Nearest, Bilinear, Area:
		return nil
	}
	return fmt.Errorf("%s: unknown filter %q (nearest, bilinear or area)", s, s.Filter)
}

// axis maps an output coordinate onto the source image: continuous
// coordinate u of the output is a·u + b of the source. [lo, hi) is the
// part of the output that shows the source; the rest is padding.
type axis struct {
	size   int
	a, b   float64
	lo, hi float64
}

func (x *axis) resize(n int) {
	f := float64(n) / float64(x.size)
	x.a /= f
	x.lo, x.hi = x.lo*f, x.hi*f
	x.size = n
}

// crop keeps [off, off+n) of the axis (off may be negative: padding).
func (x *axis) crop(off, n int) {
	x.b += x.a * float64(off)
	x.lo, x.hi = max(0, x.lo-float64(off)), min(float64(n), x.hi-float64(off))
	x.size = n
}

// geometry is the compiled form of the steps for one source image size:
// where each output pixel comes from and what the pixel steps make of it.
type geometry struct {
	x, y   axis
	filter Filter
	// out = matrix · rgb + bias, one row per output channel.
	matrix [][3]float32
	bias   []float32
	layout Layout
}

func (g *geometry) channels() int { return len(g.matrix) }

// compile applies steps to a width × height image.
func compile(steps []Step, width, height int) (*geometry, error) {
	g := &geometry{
		x:      axis{size: width, a: 1, hi: float64(width)},
		y:      axis{size: height, a: 1, hi: float64(height)},
		filter: Bilinear,
		matrix: [][3]float32{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
		bias:   []float32{0, 0, 0},
		layout: CHW,
	}
	for _, s := range steps {
		if s.Filter != "" {
			g.filter = s.Filter
		}
		switch s.Op {
		case "resize":
			g.x.resize(s.Width)
			g.y.resize(s.Height)
		case "resize_shorter", "resize_longer":
			short, long := &g.x, &g.y
			if (g.x.size > g.y.size) == (s.Op == "resize_shorter") {
				short, long = long, short
			}
			n := int(float64(s.Width) * float64(long.size) / float64(short.size))
			short.resize(s.Width)
			long.resize(max(1, n))
		case "center_crop":
			g.x.crop(int(math.Round(float64(g.x.size-s.Width)/2)), s.Width)
			g.y.crop(int(math.Round(float64(g.y.size-s.Height)/2)), s.Height)
		case "crop":
			g.x.crop(s.Left, s.Width)
			g.y.crop(s.Top, s.Height)
		case "pad":
			g.x.crop(-s.Left, g.x.size+s.Left+s.Right)
			g.y.crop(-s.Top, g.y.size+s.Top+s.Bottom)
		case "pad_to":
			g.x.crop((g.x.size-s.Width)/2, s.Width)
			g.y.crop((g.y.size-s.Height)/2, s.Height)
		case "grayscale":
			var row [3]float32
			var b float32
			for c, w := range []float32{0.299, 0.587, 0.114} {
				k := min(c, len(g.matrix)-1)
				for i := range 3 {
					row[i] += w * g.matrix[k][i]
				}
				b += w * g.bias[k]
			}
			g.matrix, g.bias = [][3]float32{row}, []float32{b}
		case "scale":
			for c := range g.matrix {
				for i := range 3 {
					g.matrix[c][i] *= s.Factor
				}
				g.bias[c] *= s.Factor
			}
		case "normalize":
			n := len(g.matrix)
			if (len(s.Mean) != 1 && len(s.Mean) != n) || (len(s.Std) != 1 && len(s.Std) != n) {
				return nil, fmt.Errorf("%s: the image has %d channels here", s, n)
			}
			for c := range g.matrix {
				mean, std := s.Mean[min(c, len(s.Mean)-1)], s.Std[min(c, len(s.Std)-1)]
				for i := range 3 {
					g.matrix[c][i] /= std
				}
				g.bias[c] = (g.bias[c] - mean) / std
			}
		case "layout":
			g.layout = s.Layout
		default:
			if err := s.validate(); err != nil {
				return nil, err
			}
		}
	}
	return g, nil
}

// outputShape is the tensor shape the steps give every image, or an error
// when it depends on the image (no step fixes the size) or is over
// MaxTensorPixels.
func outputShape(steps []Step) ([]int, error) {
	if len(steps) == 0 {
		return nil, fmt.Errorf("no steps: the tensor's size would depend on the image (add Resize, CenterCrop or PadTo)")
	}
	for _, s := range steps {
		if err := s.validate(); err != nil {
			return nil, err
		}
	}
	var shapes [][]int
	for _, size := range [][2]int{{1000, 700}, {333, 1000}, {97, 97}} {
		g, err := compile(steps, size[0], size[1])
		if err != nil {
			return nil, err
		}
		shape := []int{g.channels(), g.y.size, g.x.size}
		if g.layout == HWC {
			shape = []int{g.y.size, g.x.size, g.channels()}
		}
		if px := int64(g.x.size) * int64(g.y.size); px > MaxTensorPixels {
			return nil, fmt.Errorf("steps %s give tensors of %dx%d pixels, over MaxTensorPixels (%d)", stepList(steps), g.x.size, g.y.size, MaxTensorPixels)
		}
		shapes = append(shapes, shape)
	}
	for _, s := range shapes[1:] {
		if fmt.Sprint(s) != fmt.Sprint(shapes[0]) {
			return nil, fmt.Errorf("steps %s give tensors whose size depends on the image (%v, %v): end with Resize, CenterCrop or PadTo", stepList(steps), shapes[0], s)
		}
	}
	return shapes[0], nil
}

func stepList(steps []Step) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = s.String()
	}
	return strings.Join(parts, ", ")
}
