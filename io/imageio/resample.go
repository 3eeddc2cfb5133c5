package imageio

import "math"

// kernel holds, for each output pixel along one axis, the source pixels
// it reads and their weights: output i reads width source pixels from
// start[i], weighted by weights[i*width:], with zero weights past the
// pixels it needs.
type kernel struct {
	start   []int
	width   int
	weights []float32
}

// newKernel computes the weights of output pixels [from, to) of axis x
// over a plane of size pixels whose pixel p covers source pixels
// [p·step, p·step+step) — PIL's resampling scheme: the filter is
// stretched by the downscaling factor and its weights renormalized where
// it runs off the plane's edge.
func newKernel(x axis, from, to, step, size int, f Filter) kernel {
	scale := x.a / float64(step) // plane pixels per output pixel
	support, shape := 0.0, triangle
	switch f {
	case Bilinear:
		support = 1
	case Area:
		support, shape = 0.5, box
	}
	stretch := max(scale, 1)
	support *= stretch
	n := to - from
	k := kernel{start: make([]int, n), width: max(1, int(math.Ceil(2*support))+1)}
	k.weights = make([]float32, n*k.width)
	for i := range n {
		centre := (x.a*(float64(from+i)+0.5) + x.b) / float64(step)
		w := k.weights[i*k.width : (i+1)*k.width]
		nearest := min(max(int(math.Floor(centre)), 0), size-1)
		if support == 0 {
			k.start[i], w[0] = nearest, 1
			continue
		}
		lo := max(int(math.Floor(centre-support+0.5)), 0)
		hi := min(int(math.Floor(centre+support+0.5)), size, lo+k.width)
		sum := 0.0
		for j := lo; j < hi; j++ {
			v := shape((float64(j) - centre + 0.5) / stretch)
			w[j-lo] = float32(v)
			sum += v
		}
		if sum == 0 { // the filter misses the plane: take the edge pixel
			clear(w)
			k.start[i], w[0] = nearest, 1
			continue
		}
		for j := range w {
			w[j] = float32(float64(w[j]) / sum)
		}
		k.start[i] = lo
	}
	return k
}

func triangle(x float64) float64 {
	x = math.Abs(x)
	if x < 1 {
		return 1 - x
	}
	return 0
}

func box(x float64) float64 {
	if x > -0.5 && x <= 0.5 {
		return 1
	}
	return 0
}

// span is the output pixels [from, to) of an axis that show the source.
func (x axis) span() (from, to int) {
	from = max(0, int(math.Ceil(x.lo-0.5)))
	to = min(x.size, int(math.Ceil(x.hi-0.5)))
	return from, max(from, to)
}

// resampler computes output pixels from a raster's planes; it keeps its
// buffers between images, so one per goroutine.
type resampler struct {
	tmp    []float32
	planes [3][]float32
	rgb    []float32
	row    []uint8
}

// resample writes the output of g for r into dst (g.channels() ×
// g.y.size × g.x.size values in g.layout).
func (s *resampler) resample(r *raster, g *geometry, dst []float32) {
	x0, x1 := g.x.span()
	y0, y1 := g.y.span()
	vw, vh := x1-x0, y1-y0
	for i, p := range r.planes {
		s.planes[i] = s.resamplePlane(p, g, x0, x1, y0, y1, s.planes[i])
	}
	s.combine(r.model, g, x0, y0, vw, vh, dst)
}

// resamplePlane resamples one plane onto the output pixels [x0,x1) ×
// [y0,y1): rows first, then columns.
func (s *resampler) resamplePlane(p plane, g *geometry, x0, x1, y0, y1 int, out []float32) []float32 {
	vw, vh := x1-x0, y1-y0
	out = grow(out, vw*vh)
	if vw == 0 || vh == 0 {
		return out
	}
	kx := newKernel(g.x, x0, x1, p.xStep, p.width, g.filter)
	ky := newKernel(g.y, y0, y1, p.yStep, p.height, g.filter)
	// The plane rows the output needs.
	r0, r1 := p.height, 0
	for i, st := range ky.start {
		r0 = min(r0, st)
		end := st + 1
		for j, w := range ky.weights[i*ky.width : (i+1)*ky.width] {
			if w != 0 {
				end = st + j + 1
			}
		}
		r1 = max(r1, end)
	}
	s.tmp = grow(s.tmp, (r1-r0)*vw)
	// Pad each source row so every output pixel reads kx.width pixels.
	s.row = growBytes(s.row, p.width+kx.width)
	for r := r0; r < r1; r++ {
		src := s.row
		copy(src, p.pix[r*p.stride:r*p.stride+p.width])
		row := s.tmp[(r-r0)*vw : (r-r0+1)*vw]
		horizontal(row, src, kx)
	}
	for v := range vh {
		dst := out[v*vw : (v+1)*vw]
		clear(dst)
		st := ky.start[v]
		for j, w := range ky.weights[v*ky.width : (v+1)*ky.width] {
			if w == 0 || st+j >= r1 {
				continue
			}
			row := s.tmp[(st+j-r0)*vw : (st+j-r0+1)*vw]
			for i, t := range row {
				dst[i] += w * t
			}
		}
	}
	return out
}

// horizontal computes one row of output pixels from a source row (padded
// past its end by the kernel's width).
func horizontal(out []float32, src []uint8, k kernel) {
	switch k.width {
	case 2:
		for i := range out {
			w := k.weights[2*i : 2*i+2 : 2*i+2]
			p := src[k.start[i] : k.start[i]+2 : k.start[i]+2]
			out[i] = w[0]*float32(p[0]) + w[1]*float32(p[1])
		}
	case 3:
		for i := range out {
			w := k.weights[3*i : 3*i+3 : 3*i+3]
			p := src[k.start[i] : k.start[i]+3 : k.start[i]+3]
			out[i] = w[0]*float32(p[0]) + w[1]*float32(p[1]) + w[2]*float32(p[2])
		}
	case 4:
		for i := range out {
			w := k.weights[4*i : 4*i+4 : 4*i+4]
			p := src[k.start[i] : k.start[i]+4 : k.start[i]+4]
			out[i] = w[0]*float32(p[0]) + w[1]*float32(p[1]) + w[2]*float32(p[2]) + w[3]*float32(p[3])
		}
	default:
		n := k.width
		for i := range out {
			w := k.weights[n*i : n*i+n]
			p := src[k.start[i] : k.start[i]+n]
			var v float32
			for j, b := range p {
				v += w[j] * float32(b)
			}
			out[i] = v
		}
	}
}

func growBytes(b []uint8, n int) []uint8 {
	if cap(b) < n {
		return make([]uint8, n)
	}
	return b[:n]
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

// combine turns the resampled planes into RGB, applies the pixel steps
// and writes every output value, padding included.
func (s *resampler) combine(model colorModel, g *geometry, x0, y0, vw, vh int, dst []float32) {
	w, h, c := g.x.size, g.y.size, g.channels()
	var xStride, yStride, cStride int // positions of value (c, y, x)
	if g.layout == HWC {
		xStride, yStride, cStride = c, w*c, 1
	} else {
		xStride, yStride, cStride = 1, w, w*h
	}
	m, bias := g.matrix, g.bias
	if vw < w || vh < h { // padding: what black becomes
		for y := range h {
			for x := range w {
				if x >= x0 && x < x0+vw && y >= y0 && y < y0+vh {
					continue
				}
				for k := range c {
					dst[k*cStride+y*yStride+x*xStride] = bias[k]
				}
			}
		}
	}
	s.rgb = grow(s.rgb, 3*vw)
	r, gr, b := s.rgb[:vw], s.rgb[vw:2*vw], s.rgb[2*vw:]
	for y := range vh {
		s.rgbRow(model, y*vw, r, gr, b)
		o := (y+y0)*yStride + x0*xStride
		for k := range c {
			row, bk := m[k], bias[k]
			out := dst[o+k*cStride:]
			switch {
			case xStride == 1 && row[1] == 0 && row[2] == 0: // one channel, CHW
				out = out[:vw]
				for i, v := range r {
					out[i] = row[0]*v + bk
				}
			case xStride == 1 && row[0] == 0 && row[2] == 0:
				out = out[:vw]
				for i, v := range gr {
					out[i] = row[1]*v + bk
				}
			case xStride == 1 && row[0] == 0 && row[1] == 0:
				out = out[:vw]
				for i, v := range b {
					out[i] = row[2]*v + bk
				}
			default:
				for i := range vw {
					out[i*xStride] = row[0]*r[i] + row[1]*gr[i] + row[2]*b[i] + bk
				}
			}
		}
	}
}

// rgbRow converts one output row of resampled planes, from index at, into
// red, green and blue.
func (s *resampler) rgbRow(model colorModel, at int, r, g, b []float32) {
	n := len(r)
	p0 := s.planes[0][at : at+n]
	switch model {
	case gray:
		copy(r, p0)
		copy(g, p0)
		copy(b, p0)
	case rgb:
		copy(r, p0)
		copy(g, s.planes[1][at:at+n])
		copy(b, s.planes[2][at:at+n])
	case ycbcr:
		cb, cr := s.planes[1][at:at+n], s.planes[2][at:at+n]
		for i, yy := range p0 {
			u, v := cb[i]-128, cr[i]-128
			r[i] = clamp255(yy + 1.402*v)
			g[i] = clamp255(yy - 0.344136*u - 0.714136*v)
			b[i] = clamp255(yy + 1.772*u)
		}
	}
}

func clamp255(v float32) float32 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return v
}
