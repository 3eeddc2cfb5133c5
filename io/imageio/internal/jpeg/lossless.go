// Copyright 2026 The ember Authors. Licensed as the rest of this package
// (see LICENSE): lossless JPEG decoding (process 14, SOF3), written from
// ITU-T T.81 Annex H.

package jpeg

// makeLosslessPlanes allocates every component's samples for a lossless
// frame, where a data unit is one sample: whole MCUs of the interleaved
// scans.
func (d *decoder) makeLosslessPlanes() {
	d.mxx = ceilDiv(d.width, d.hMax)
	d.myy = ceilDiv(d.height, d.vMax)
	for i := 0; i < d.nComp; i++ {
		w, h := d.comp[i].h*d.mxx, d.comp[i].v*d.myy
		d.strides[i] = w
		d.wide[i] = make([]uint16, w*h)
	}
}

// decodeLosslessScan decodes a lossless scan (section H.1): each sample is
// predicted from its decoded neighbours with the scan's predictor (1 to 7)
// and a Huffman-coded difference added, modulo 2^16; the samples keep
// pointTransform low bits of zero (section H.1.2.1).
func (d *decoder) decodeLosslessScan(scan []scanComponent, predictor, pointTransform int) error {
	if predictor < 1 || predictor > 7 {
		return FormatError("lossless predictor (Ss) outside 1 to 7")
	}
	if pointTransform >= d.precision {
		return FormatError("lossless point transform (Al) not below the precision")
	}
	if d.wide[0] == nil {
		d.makeLosslessPlanes()
	}
	nComp := len(scan)
	mcusX, mcusY := d.mxx, d.myy
	if nComp == 1 {
		mcusX, mcusY = d.componentSize(int(scan[0].compIndex))
	}
	// Prediction restarts at each restart interval, which must then be
	// whole rows of MCUs (as libjpeg also requires).
	rowsPerInterval := 0
	if d.ri > 0 {
		if d.ri%mcusX != 0 {
			return UnsupportedError("a lossless restart interval that is not a whole number of MCU rows")
		}
		rowsPerInterval = d.ri / mcusX
	}

	// The differences are decoded in MCU order, then the prediction is
	// undone in raster order.
	var diffs [maxComponents][]int32
	for _, sc := range scan {
		diffs[sc.compIndex] = make([]int32, len(d.wide[sc.compIndex]))
	}
	d.bits = bits{}
	mcu, expectedRST := 0, uint8(rst0Marker)
	for my := 0; my < mcusY; my++ {
		for mx := 0; mx < mcusX; mx++ {
			for _, sc := range scan {
				ci := int(sc.compIndex)
				hi, vi := d.comp[ci].h, d.comp[ci].v
				if nComp == 1 {
					hi, vi = 1, 1
				}
				for j := 0; j < hi*vi; j++ {
					x, y := mx*hi+j%hi, my*vi+j/hi
					diff, err := d.decodeLosslessDiff(sc.td)
					if err != nil {
						return err
					}
					diffs[ci][y*d.strides[ci]+x] = diff
				}
			}
			mcu++
			if d.ri > 0 && mcu%d.ri == 0 && mcu < mcusX*mcusY {
				if err := d.nextRestart(&expectedRST); err != nil {
					return err
				}
				d.bits = bits{}
			}
		}
	}

	for _, sc := range scan {
		ci := int(sc.compIndex)
		hi, vi := d.comp[ci].h, d.comp[ci].v
		if nComp == 1 {
			hi, vi = 1, 1
		}
		d.undoPrediction(ci, diffs[ci], mcusX*hi, mcusY*vi, rowsPerInterval*vi, predictor, pointTransform)
		d.pointTransform[ci] = pointTransform
	}
	return nil
}

// decodeLosslessDiff decodes one difference (section H.1.2.2): a
// magnitude category coded with the DC table, then its bits; category 16
// is 32768 with no bits.
func (d *decoder) decodeLosslessDiff(td uint8) (int32, error) {
	s, err := d.decodeHuffman(&d.huff[dcTable][td])
	if err != nil {
		return 0, err
	}
	switch {
	case s == 0:
		return 0, nil
	case s == 16:
		return 32768, nil
	case s > 16:
		return 0, FormatError("lossless difference category over 16")
	}
	return d.receiveExtend(s)
}

// undoPrediction turns a component's differences into samples, row by
// row (section H.1.2.1): the first row of the image and of each restart
// interval predicts from the left (its first sample from 2^(P-Pt-1)),
// the first sample of the other rows from above, and the rest with the
// scan's predictor.
func (d *decoder) undoPrediction(ci int, diffs []int32, width, height, rowsPerInterval, predictor, pointTransform int) {
	stride := d.strides[ci]
	out := d.wide[ci]
	initial := int32(1) << (d.precision - pointTransform - 1)
	for y := range height {
		row := out[y*stride : y*stride+width]
		diff := diffs[y*stride : y*stride+width]
		if y == 0 || (rowsPerInterval > 0 && y%rowsPerInterval == 0) {
			ra := initial
			for x := range row {
				ra = (ra + diff[x]) & 0xffff
				row[x] = uint16(ra)
			}
			continue
		}
		above := out[(y-1)*stride : (y-1)*stride+width]
		row[0] = uint16((int32(above[0]) + diff[0]) & 0xffff)
		for x := 1; x < width; x++ {
			ra, rb, rc := int32(row[x-1]), int32(above[x]), int32(above[x-1])
			var p int32
			switch predictor {
			case 1:
				p = ra
			case 2:
				p = rb
			case 3:
				p = rc
			case 4:
				p = ra + rb - rc
			case 5:
				p = ra + (rb-rc)>>1
			case 6:
				p = rb + (ra-rc)>>1
			case 7:
				p = (ra + rb) >> 1
			}
			row[x] = uint16((p + diff[x]) & 0xffff)
		}
	}
}
