// Copyright 2012 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package jpeg

// makePlanes allocates every component's samples for a DCT frame: whole
// blocks of every MCU of the interleaved scans.
func (d *decoder) makePlanes() {
	d.mxx = ceilDiv(d.width, 8*d.hMax)
	d.myy = ceilDiv(d.height, 8*d.vMax)
	for i := 0; i < d.nComp; i++ {
		w, h := 8*d.comp[i].h*d.mxx, 8*d.comp[i].v*d.myy
		d.strides[i] = w
		if d.precision == 8 {
			d.planes[i] = make([]byte, w*h)
		} else {
			d.wide[i] = make([]uint16, w*h)
		}
	}
}

// componentSize is the width and height of component i in samples
// (section A.1.1).
func (d *decoder) componentSize(i int) (w, h int) {
	return ceilDiv(d.width*d.comp[i].h, d.hMax), ceilDiv(d.height*d.comp[i].v, d.vMax)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// scanComponent is one component of a scan header (section B.2.3).
type scanComponent struct {
	compIndex uint8
	td        uint8 // DC table selector.
	ta        uint8 // AC table selector.
}

// Specified in section B.2.3.
func (d *decoder) processSOS(n int) error {
	if d.nComp == 0 {
		return FormatError("missing SOF marker")
	}
	if n < 6 || 4+2*d.nComp < n || n%2 != 0 {
		return FormatError("SOS has wrong length")
	}
	if err := d.readFull(d.tmp[:n]); err != nil {
		return err
	}
	nComp := int(d.tmp[0])
	if n != 4+2*nComp {
		return FormatError("SOS length inconsistent with number of components")
	}
	var scan [maxComponents]scanComponent
	totalHV := 0
	for i := 0; i < nComp; i++ {
		cs := d.tmp[1+2*i] // Component selector.
		compIndex := -1
		for j, comp := range d.comp[:d.nComp] {
			if cs == comp.c {
				compIndex = j
			}
		}
		if compIndex < 0 {
			return FormatError("unknown component selector")
		}
		scan[i].compIndex = uint8(compIndex)
		// Section B.2.3 states that "the value of Cs_j shall be different from
		// the values of Cs_1 through Cs_(j-1)". Since we have previously
		// verified that a frame's component identifiers (C_i values in section
		// B.2.2) are unique, it suffices to check that the implicit indexes
		// into d.comp are unique.
		for j := 0; j < i; j++ {
			if scan[i].compIndex == scan[j].compIndex {
				return FormatError("repeated component selector")
			}
		}
		totalHV += d.comp[compIndex].h * d.comp[compIndex].v

		// The baseline t <= 1 restriction is specified in table B.3.
		scan[i].td = d.tmp[2+2*i] >> 4
		if t := scan[i].td; t > maxTh || (d.baseline && t > 1) {
			return FormatError("bad Td value")
		}
		scan[i].ta = d.tmp[2+2*i] & 0x0f
		if t := scan[i].ta; t > maxTh || (d.baseline && t > 1) {
			return FormatError("bad Ta value")
		}
	}
	// Section B.2.3 states that if there is more than one component then the
	// total H*V values in a scan must be <= 10.
	if d.nComp > 1 && totalHV > 10 {
		return FormatError("total sampling factors too large")
	}

	// zigStart and zigEnd are the spectral selection bounds.
	// ah and al are the successive approximation high and low values.
	// The spec calls these values Ss, Se, Ah and Al.
	//
	// For progressive JPEGs, these are the two more-or-less independent
	// aspects of progression. Spectral selection progression is when not
	// all of a block's 64 DCT coefficients are transmitted in one pass.
	// For example, three passes could transmit coefficient 0 (the DC
	// component), coefficients 1-5, and coefficients 6-63, in zig-zag
	// order. Successive approximation is when not all of the bits of a
	// band of coefficients are transmitted in one pass. For example,
	// three passes could transmit the 6 most significant bits, followed
	// by the second-least significant bit, followed by the least
	// significant bit.
	//
	// For sequential JPEGs, these parameters are hard-coded to 0/63/0/0, as
	// per table B.3.
	zigStart, zigEnd, ah, al := int32(0), int32(blockSize-1), uint32(0), uint32(0)
	if d.lossless {
		// Ss selects the predictor and Al is the point transform (section
		// H.1.3); Se and Ah are 0.
		return d.decodeLosslessScan(scan[:nComp], int(d.tmp[1+2*nComp]), int(d.tmp[3+2*nComp]&0x0f))
	}
	if d.progressive {
		zigStart = int32(d.tmp[1+2*nComp])
		zigEnd = int32(d.tmp[2+2*nComp])
		ah = uint32(d.tmp[3+2*nComp] >> 4)
		al = uint32(d.tmp[3+2*nComp] & 0x0f)
		if (zigStart == 0 && zigEnd != 0) || zigStart > zigEnd || blockSize <= zigEnd {
			return FormatError("bad spectral selection bounds")
		}
		if zigStart != 0 && nComp != 1 {
			return FormatError("progressive AC coefficients for more than one component")
		}
		if ah != 0 && ah != al+1 {
			return FormatError("bad successive approximation values")
		}
	}

	if d.planes[0] == nil && d.wide[0] == nil {
		d.makePlanes()
	}
	if d.progressive {
		for i := 0; i < nComp; i++ {
			compIndex := scan[i].compIndex
			if d.progCoeffs[compIndex] == nil {
				d.progCoeffs[compIndex] = make([]block, d.mxx*d.myy*d.comp[compIndex].h*d.comp[compIndex].v)
			}
		}
	}

	// An interleaved scan codes MCUs of every component's h×v blocks; a
	// scan of one component codes each of its blocks inside the image
	// as an MCU, left to right and top to bottom (section A.2).
	mcusX, mcusY := d.mxx, d.myy
	if nComp == 1 {
		w, h := d.componentSize(int(scan[0].compIndex))
		mcusX, mcusY = ceilDiv(w, 8), ceilDiv(h, 8)
	}
	if !d.arithmetic {
		for _, sc := range scan[:nComp] {
			d.defaultHuffman(dcTable, sc.td)
			d.defaultHuffman(acTable, sc.ta)
		}
	}
	d.startEntropy(scan[:nComp], zigStart, ah)
	mcu, expectedRST := 0, uint8(rst0Marker)
	// b is the decoded coefficients, in natural (not zig-zag) order.
	var b block
	for my := 0; my < mcusY; my++ {
		for mx := 0; mx < mcusX; mx++ {
			for i := 0; i < nComp; i++ {
				sc := &scan[i]
				compIndex := int(sc.compIndex)
				hi, vi := d.comp[compIndex].h, d.comp[compIndex].v
				blocks := hi * vi
				if nComp == 1 {
					blocks = 1
				}
				for j := 0; j < blocks; j++ {
					// bx and by are the location of the current block, in units
					// of 8x8 blocks: the third block in the first row has
					// (bx, by) = (2, 0). For 4:2:0 chroma subsampling, an
					// interleaved 32x16 image visits its Y blocks in the order
					//	0 1 4 5
					//	2 3 6 7
					bx, by := mx, my
					if nComp != 1 {
						bx = hi*mx + j%hi
						by = vi*my + j/hi
					}

					// Load the previous partially decoded coefficients, if applicable.
					if d.progressive {
						b = d.progCoeffs[compIndex][by*d.mxx*hi+bx]
					} else {
						b = block{}
					}
					var err error
					if d.arithmetic {
						err = d.decodeBlockArithmetic(&b, sc, zigStart, zigEnd, ah, al)
					} else {
						err = d.decodeBlockHuffman(&b, sc, zigStart, zigEnd, ah, al)
					}
					if err != nil {
						return err
					}

					if d.progressive {
						// Save the coefficients. reconstructProgressiveImage
						// dequantizes and transforms them once every scan is read.
						d.progCoeffs[compIndex][by*d.mxx*hi+bx] = b
						continue
					}
					if err := d.reconstructBlock(&b, bx, by, compIndex); err != nil {
						return err
					}
				} // for j
			} // for i
			mcu++
			if d.ri > 0 && mcu%d.ri == 0 && mcu < mcusX*mcusY {
				if err := d.nextRestart(&expectedRST); err != nil {
					return err
				}
				d.startEntropy(scan[:nComp], zigStart, ah)
			}
		} // for mx
	} // for my

	return nil
}

// nextRestart reads the RST marker that ends a restart interval. For
// well-formed input, the RST[0-7] restart marker follows immediately. For
// corrupt input, findRST tries to resynchronize.
func (d *decoder) nextRestart(expectedRST *uint8) error {
	if err := d.readFull(d.tmp[:2]); err != nil {
		return err
	} else if d.tmp[0] != 0xff || d.tmp[1] != *expectedRST {
		if err := d.findRST(*expectedRST); err != nil {
			return err
		}
	}
	*expectedRST++
	if *expectedRST == rst7Marker+1 {
		*expectedRST = rst0Marker
	}
	return nil
}

// startEntropy resets the entropy decoder at the start of a scan and of
// each restart interval: the bit buffer, the DC predictions (section
// F.2.1.3.1), the end-of-band run (section G.1.2.2) and, for arithmetic
// coding, the code register and the statistics the scan codes with
// (section F.2.4.4).
func (d *decoder) startEntropy(scan []scanComponent, zigStart int32, ah uint32) {
	d.bits = bits{}
	d.dc = [maxComponents]int32{}
	d.eobRun = 0
	if d.arithmetic {
		d.arith.start(d, scan, zigStart, ah)
	}
}

// decodeBlockHuffman decodes the Huffman-coded coefficients of one block
// of a scan into b (sections F.2.2 and G.1.2).
func (d *decoder) decodeBlockHuffman(b *block, sc *scanComponent, zigStart, zigEnd int32, ah, al uint32) error {
	if ah != 0 {
		return d.refine(b, &d.huff[acTable][sc.ta], zigStart, zigEnd, 1<<al)
	}
	zig := zigStart
	if zig == 0 {
		zig++
		// Decode the DC coefficient, as specified in section F.2.2.1.
		value, err := d.decodeHuffman(&d.huff[dcTable][sc.td])
		if err != nil {
			return err
		}
		if value > 16 {
			return FormatError("excessive DC component")
		}
		dcDelta, err := d.receiveExtend(value)
		if err != nil {
			return err
		}
		d.dc[sc.compIndex] += dcDelta
		b[0] = d.dc[sc.compIndex] << al
	}

	if zig <= zigEnd && d.eobRun > 0 {
		d.eobRun--
		return nil
	}
	// Decode the AC coefficients, as specified in section F.2.2.2.
	huff := &d.huff[acTable][sc.ta]
	for ; zig <= zigEnd; zig++ {
		value, err := d.decodeHuffman(huff)
		if err != nil {
			return err
		}
		val0 := value >> 4
		val1 := value & 0x0f
		if val1 != 0 {
			zig += int32(val0)
			if zig > zigEnd {
				break
			}
			ac, err := d.receiveExtend(val1)
			if err != nil {
				return err
			}
			b[unzig[zig]] = ac << al
		} else {
			if val0 != 0x0f {
				d.eobRun = uint16(1 << val0)
				if val0 != 0 {
					bits, err := d.decodeBits(int32(val0))
					if err != nil {
						return err
					}
					d.eobRun |= uint16(bits)
				}
				d.eobRun--
				break
			}
			zig += 0x0f
		}
	}
	return nil
}

// refine decodes a successive approximation refinement block, as specified in
// section G.1.2.
func (d *decoder) refine(b *block, h *huffman, zigStart, zigEnd, delta int32) error {
	// Refining a DC component is trivial.
	if zigStart == 0 {
		if zigEnd != 0 {
			panic("unreachable")
		}
		bit, err := d.decodeBit()
		if err != nil {
			return err
		}
		if bit {
			b[0] |= delta
		}
		return nil
	}

	// Refining AC components is more complicated; see sections G.1.2.2 and G.1.2.3.
	zig := zigStart
	if d.eobRun == 0 {
	loop:
		for ; zig <= zigEnd; zig++ {
			z := int32(0)
			value, err := d.decodeHuffman(h)
			if err != nil {
				return err
			}
			val0 := value >> 4
			val1 := value & 0x0f

			switch val1 {
			case 0:
				if val0 != 0x0f {
					d.eobRun = uint16(1 << val0)
					if val0 != 0 {
						bits, err := d.decodeBits(int32(val0))
						if err != nil {
							return err
						}
						d.eobRun |= uint16(bits)
					}
					break loop
				}
			case 1:
				z = delta
				bit, err := d.decodeBit()
				if err != nil {
					return err
				}
				if !bit {
					z = -z
				}
			default:
				return FormatError("unexpected Huffman code")
			}

			zig, err = d.refineNonZeroes(b, zig, zigEnd, int32(val0), delta)
			if err != nil {
				return err
			}
			if zig > zigEnd {
				return FormatError("too many coefficients")
			}
			if z != 0 {
				b[unzig[zig]] = z
			}
		}
	}
	if d.eobRun > 0 {
		d.eobRun--
		if _, err := d.refineNonZeroes(b, zig, zigEnd, -1, delta); err != nil {
			return err
		}
	}
	return nil
}

// refineNonZeroes refines non-zero entries of b in zig-zag order. If nz >= 0,
// the first nz zero entries are skipped over.
func (d *decoder) refineNonZeroes(b *block, zig, zigEnd, nz, delta int32) (int32, error) {
	for ; zig <= zigEnd; zig++ {
		u := unzig[zig]
		if b[u] == 0 {
			if nz == 0 {
				break
			}
			nz--
			continue
		}
		bit, err := d.decodeBit()
		if err != nil {
			return 0, err
		}
		if !bit {
			continue
		}
		if b[u] >= 0 {
			b[u] += delta
		} else {
			b[u] -= delta
		}
	}
	return zig, nil
}

func (d *decoder) reconstructProgressiveImage() error {
	for i := 0; i < d.nComp; i++ {
		if d.progCoeffs[i] == nil {
			continue
		}
		w, h := d.componentSize(i)
		stride := d.mxx * d.comp[i].h
		for by := 0; by < ceilDiv(h, 8); by++ {
			for bx := 0; bx < ceilDiv(w, 8); bx++ {
				if err := d.reconstructBlock(&d.progCoeffs[i][by*stride+bx], bx, by, i); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// reconstructBlock dequantizes, performs the inverse DCT and stores the block
// to the component's samples.
func (d *decoder) reconstructBlock(b *block, bx, by, compIndex int) error {
	qt := &d.quant[d.comp[compIndex].tq]
	for zig := 0; zig < blockSize; zig++ {
		b[unzig[zig]] *= qt[zig]
	}
	stride := d.strides[compIndex]
	if d.precision != 8 {
		idct12(b, d.wide[compIndex][8*(by*stride+bx):], stride)
		return nil
	}
	idct(b)
	dst := d.planes[compIndex][8*(by*stride+bx):]
	// Level shift by +128, clip to [0, 255], and write to dst.
	for y := 0; y < 8; y++ {
		y8 := y * 8
		yStride := y * stride
		for x := 0; x < 8; x++ {
			c := b[y8+x]
			if c < -128 {
				c = 0
			} else if c > 127 {
				c = 255
			} else {
				c += 128
			}
			dst[yStride+x] = uint8(c)
		}
	}
	return nil
}

// findRST advances past the next RST restart marker that matches expectedRST.
// Other than I/O errors, it is also an error if we encounter an {0xFF, M}
// two-byte marker sequence where M is not 0x00, 0xFF or the expectedRST.
//
// This is similar to libjpeg's jdmarker.c's next_marker function.
// https://github.com/libjpeg-turbo/libjpeg-turbo/blob/2dfe6c0fe9e18671105e94f7cbf044d4a1d157e6/jdmarker.c#L892-L935
//
// Precondition: d.tmp[:2] holds the next two bytes of JPEG-encoded input
// (input in the d.readFull sense).
func (d *decoder) findRST(expectedRST uint8) error {
	for {
		// i is the index such that, at the bottom of the loop, we read 2-i
		// bytes into d.tmp[i:2], maintaining the invariant that d.tmp[:2]
		// holds the next two bytes of JPEG-encoded input. It is either 0 or 1,
		// so that each iteration advances by 1 or 2 bytes (or returns).
		i := 0

		if d.tmp[0] == 0xff {
			if d.tmp[1] == expectedRST {
				return nil
			} else if d.tmp[1] == 0xff {
				i = 1
			} else if d.tmp[1] != 0x00 {
				// libjpeg's jdmarker.c's jpeg_resync_to_restart does something
				// fancy here, treating RST markers within two (modulo 8) of
				// expectedRST differently from RST markers that are 'more
				// distant'. Until we see evidence that recovering from such
				// cases is frequent enough to be worth the complexity, we take
				// a simpler approach for now. Any marker that's not 0x00, 0xff
				// or expectedRST is a fatal FormatError.
				return FormatError("bad RST marker")
			}

		} else if d.tmp[1] == 0xff {
			d.tmp[0] = 0xff
			i = 1
		}

		if err := d.readFull(d.tmp[i:2]); err != nil {
			return err
		}
	}
}
