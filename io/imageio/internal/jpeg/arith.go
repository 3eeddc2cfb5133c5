// Copyright 2026 The ember Authors. Licensed as the rest of this package
// (see LICENSE): a decoder for arithmetic-coded JPEGs, written from ITU-T
// T.81 Annex D (the arithmetic decoder) and sections F.2.4 and G.1.3.

package jpeg

// arithDecoder is the state of the adaptive binary arithmetic decoder of
// T.81 Annex D, in the software convention of section D.2 where the code
// register C holds the bits read but not yet decided, aligned with the
// interval A by the bit counter CT.
type arithDecoder struct {
	c  int64 // code register
	a  int64 // interval
	ct int   // bits of C not yet shifted into position; < 0 while starting
	// marker is set once a marker was met in the entropy-coded data: the
	// decoder then reads zero bytes, as section D.2.6 says, and the
	// marker is left for the segment loop.
	marker bool
	// err is the first read error; later decisions read zeros.
	err error

	// Statistics bins (section F.1.4.4): each byte holds the index into
	// qeTable in its low 7 bits and the more probable symbol in its top bit.
	dcStats [maxTh + 1][64]uint8
	acStats [maxTh + 1][256]uint8
	// fixed is the bin of probability ½ that never adapts, for sign and
	// correction bits (state 113).
	fixed uint8
	// dcContext is the conditioning category of each component's last
	// DC difference (section F.1.4.4.1.2): an offset into dcStats.
	dcContext [maxComponents]int
}

// qeEntry is one row of T.81 table D.2: the LPS probability estimate Qe
// and the states after a less and a more probable symbol.
type qeEntry struct {
	qe        int64
	nextLPS   uint8
	nextMPS   uint8
	switchMPS bool // exchange the sense of MPS after an LPS
}

// qeTable is T.81 table D.2, with a last state (113) of fixed probability
// ½ (ITU-T T.851, section 10.3), as libjpeg has it.
var qeTable = [114]qeEntry{
	{0x5a1d, 1, 1, true},      // 0
	{0x2586, 14, 2, false},    // 1
	{0x1114, 16, 3, false},    // 2
	{0x080b, 18, 4, false},    // 3
	{0x03d8, 20, 5, false},    // 4
	{0x01da, 23, 6, false},    // 5
	{0x00e5, 25, 7, false},    // 6
	{0x006f, 28, 8, false},    // 7
	{0x0036, 30, 9, false},    // 8
	{0x001a, 33, 10, false},   // 9
	{0x000d, 35, 11, false},   // 10
	{0x0006, 9, 12, false},    // 11
	{0x0003, 10, 13, false},   // 12
	{0x0001, 12, 13, false},   // 13
	{0x5a7f, 15, 15, true},    // 14
	{0x3f25, 36, 16, false},   // 15
	{0x2cf2, 38, 17, false},   // 16
	{0x207c, 39, 18, false},   // 17
	{0x17b9, 40, 19, false},   // 18
	{0x1182, 42, 20, false},   // 19
	{0x0cef, 43, 21, false},   // 20
	{0x09a1, 45, 22, false},   // 21
	{0x072f, 46, 23, false},   // 22
	{0x055c, 48, 24, false},   // 23
	{0x0406, 49, 25, false},   // 24
	{0x0303, 51, 26, false},   // 25
	{0x0240, 52, 27, false},   // 26
	{0x01b1, 54, 28, false},   // 27
	{0x0144, 56, 29, false},   // 28
	{0x00f5, 57, 30, false},   // 29
	{0x00b7, 59, 31, false},   // 30
	{0x008a, 60, 32, false},   // 31
	{0x0068, 62, 33, false},   // 32
	{0x004e, 63, 34, false},   // 33
	{0x003b, 32, 35, false},   // 34
	{0x002c, 33, 9, false},    // 35
	{0x5ae1, 37, 37, true},    // 36
	{0x484c, 64, 38, false},   // 37
	{0x3a0d, 65, 39, false},   // 38
	{0x2ef1, 67, 40, false},   // 39
	{0x261f, 68, 41, false},   // 40
	{0x1f33, 69, 42, false},   // 41
	{0x19a8, 70, 43, false},   // 42
	{0x1518, 72, 44, false},   // 43
	{0x1177, 73, 45, false},   // 44
	{0x0e74, 74, 46, false},   // 45
	{0x0bfb, 75, 47, false},   // 46
	{0x09f8, 77, 48, false},   // 47
	{0x0861, 78, 49, false},   // 48
	{0x0706, 79, 50, false},   // 49
	{0x05cd, 48, 51, false},   // 50
	{0x04de, 50, 52, false},   // 51
	{0x040f, 50, 53, false},   // 52
	{0x0363, 51, 54, false},   // 53
	{0x02d4, 52, 55, false},   // 54
	{0x025c, 53, 56, false},   // 55
	{0x01f8, 54, 57, false},   // 56
	{0x01a4, 55, 58, false},   // 57
	{0x0160, 56, 59, false},   // 58
	{0x0125, 57, 60, false},   // 59
	{0x00f6, 58, 61, false},   // 60
	{0x00cb, 59, 62, false},   // 61
	{0x00ab, 61, 63, false},   // 62
	{0x008f, 61, 32, false},   // 63
	{0x5b12, 65, 65, true},    // 64
	{0x4d04, 80, 66, false},   // 65
	{0x412c, 81, 67, false},   // 66
	{0x37d8, 82, 68, false},   // 67
	{0x2fe8, 83, 69, false},   // 68
	{0x293c, 84, 70, false},   // 69
	{0x2379, 86, 71, false},   // 70
	{0x1edf, 87, 72, false},   // 71
	{0x1aa9, 87, 73, false},   // 72
	{0x174e, 72, 74, false},   // 73
	{0x1424, 72, 75, false},   // 74
	{0x119c, 74, 76, false},   // 75
	{0x0f6b, 74, 77, false},   // 76
	{0x0d51, 75, 78, false},   // 77
	{0x0bb6, 77, 79, false},   // 78
	{0x0a40, 77, 48, false},   // 79
	{0x5832, 80, 81, true},    // 80
	{0x4d1c, 88, 82, false},   // 81
	{0x438e, 89, 83, false},   // 82
	{0x3bdd, 90, 84, false},   // 83
	{0x34ee, 91, 85, false},   // 84
	{0x2eae, 92, 86, false},   // 85
	{0x299a, 93, 87, false},   // 86
	{0x2516, 86, 71, false},   // 87
	{0x5570, 88, 89, true},    // 88
	{0x4ca9, 95, 90, false},   // 89
	{0x44d9, 96, 91, false},   // 90
	{0x3e22, 97, 92, false},   // 91
	{0x3824, 99, 93, false},   // 92
	{0x32b4, 99, 94, false},   // 93
	{0x2e17, 93, 86, false},   // 94
	{0x56a8, 95, 96, true},    // 95
	{0x4f46, 101, 97, false},  // 96
	{0x47e5, 102, 98, false},  // 97
	{0x41cf, 103, 99, false},  // 98
	{0x3c3d, 104, 100, false}, // 99
	{0x375e, 99, 93, false},   // 100
	{0x5231, 105, 102, false}, // 101
	{0x4c0f, 106, 103, false}, // 102
	{0x4639, 107, 104, false}, // 103
	{0x415e, 103, 99, false},  // 104
	{0x5627, 105, 106, true},  // 105
	{0x50e7, 108, 107, false}, // 106
	{0x4b85, 109, 103, false}, // 107
	{0x5597, 110, 109, false}, // 108
	{0x504f, 111, 107, false}, // 109
	{0x5a10, 110, 111, true},  // 110
	{0x5522, 112, 109, false}, // 111
	{0x59eb, 112, 111, true},  // 112
	{0x5a1d, 113, 113, false}, // 113
}

// start resets the decoder for a scan or a restart interval: the
// registers (section D.2.7: two bytes are read into C before the first
// decision) and the statistics of the tables the scan uses, as T.81
// section F.2.4.4 and G.1.3 say (DC statistics for the first DC scans, AC
// statistics for AC scans).
func (e *arithDecoder) start(d *decoder, scan []scanComponent, zigStart int32, ah uint32) {
	e.c, e.a, e.ct = 0, 0, -16
	e.marker = false
	e.fixed = 113
	for _, sc := range scan {
		if !d.progressive || (zigStart == 0 && ah == 0) {
			clear(e.dcStats[sc.td][:])
			e.dcContext[sc.compIndex] = 0
		}
		if !d.progressive || zigStart != 0 {
			clear(e.acStats[sc.ta][:])
		}
	}
}

// nextByte reads the next byte of entropy-coded data, undoing the byte
// stuffing of section D.1.6 (0xff 0x00 is a data byte of 0xff). At a
// marker it puts the marker back for the segment loop and returns zeros
// from then on (section D.2.6, figure D.19's note).
func (d *decoder) nextArithByte() byte {
	e := &d.arith
	if e.marker || e.err != nil {
		return 0
	}
	x, err := d.readByte()
	if err != nil {
		e.err = err
		return 0
	}
	if x != 0xff {
		return x
	}
	for x == 0xff { // fill bytes
		if x, err = d.readByte(); err != nil {
			e.err = err
			return 0
		}
	}
	if x == 0 {
		return 0xff
	}
	// fill keeps the last two bytes read, so both bytes of the marker
	// are still in the buffer.
	d.bytes.i -= 2
	e.marker = true
	return 0
}

// decodeDecision decodes one binary decision with the statistics bin st,
// updating its state: procedures DECODE, RENORMD and the estimation of
// sections D.2.4 to D.2.6.
func (d *decoder) decodeDecision(st *uint8) int {
	e := &d.arith
	// Renormalize, reading bytes as C empties (section D.2.6).
	for e.a < 0x8000 {
		e.ct--
		if e.ct < 0 {
			e.c = e.c<<8 | int64(d.nextArithByte())
			e.ct += 8
			if e.ct < 0 {
				// Still reading the first two bytes (section D.2.7).
				e.ct++
				if e.ct == 0 {
					e.a = 0x8000 // doubled to 0x10000 below
				}
			}
		}
		e.a <<= 1
	}

	sv := *st
	q := &qeTable[sv&0x7f]
	nextLPS := q.nextLPS
	if q.switchMPS {
		nextLPS |= 0x80
	}
	// Decode (section D.2.4, figures D.20 to D.22), comparing C with the
	// MPS subinterval A - Qe scaled to C's alignment.
	e.a -= q.qe
	top := e.a << e.ct
	switch {
	case e.c >= top:
		// In the LPS subinterval, unless it is the larger one: conditional
		// exchange (figure D.21).
		e.c -= top
		if e.a < q.qe {
			*st = sv&0x80 ^ q.nextMPS
		} else {
			*st = sv&0x80 ^ nextLPS
			sv ^= 0x80
		}
		e.a = q.qe
	case e.a < 0x8000:
		// In the MPS subinterval, which needs renormalizing (figure D.22).
		if e.a < q.qe {
			*st = sv&0x80 ^ nextLPS
			sv ^= 0x80
		} else {
			*st = sv&0x80 ^ q.nextMPS
		}
	}
	return int(sv >> 7)
}

// errArithmeticCode is a decoded magnitude or run that no encoder makes.
var errArithmeticCode = FormatError("bad arithmetic code")

// decodeDCDiff decodes a DC difference (section F.2.4.1, figures F.19 to
// F.24) with the statistics of table tbl, conditioned on the component's
// previous difference.
func (d *decoder) decodeDCDiff(tbl uint8, compIndex uint8) (int32, error) {
	e := &d.arith
	stats := &e.dcStats[tbl]
	s0 := e.dcContext[compIndex]
	if d.decodeDecision(&stats[s0]) == 0 {
		e.dcContext[compIndex] = 0
		return 0, nil
	}
	sign := d.decodeDecision(&stats[s0+1])
	st := s0 + 2 + sign // SP or SN
	// Magnitude category (figure F.23).
	m := 0
	if d.decodeDecision(&stats[st]) != 0 {
		m = 1
		st = 20 // X1
		for d.decodeDecision(&stats[st]) != 0 {
			if m <<= 1; m == 0x8000 {
				return 0, errArithmeticCode
			}
			st++
		}
	}
	// Conditioning category of this difference (section F.1.4.4.1.2).
	switch {
	case m < (1<<d.dcL[tbl])>>1:
		e.dcContext[compIndex] = 0
	case m > (1<<d.dcU[tbl])>>1:
		e.dcContext[compIndex] = 12 + 4*sign
	default:
		e.dcContext[compIndex] = 4 + 4*sign
	}
	// Magnitude bits (figure F.24), with the bins M2, M3, … of X2, X3, ….
	v := m
	st += 14
	for m >>= 1; m != 0; m >>= 1 {
		if d.decodeDecision(&stats[st]) != 0 {
			v |= m
		}
	}
	v++
	if sign != 0 {
		v = -v
	}
	return int32(v), nil
}

// decodeACValue decodes the sign and magnitude of a nonzero AC
// coefficient at zig-zag index k (figures F.21 to F.24), st being the
// offset of its SN/SP bin (3·(k-1) + 2).
func (d *decoder) decodeACValue(tbl uint8, k int32, st int) (int32, error) {
	stats := &d.arith.acStats[tbl]
	sign := d.decodeDecision(&d.arith.fixed)
	m := 0
	if d.decodeDecision(&stats[st]) != 0 {
		m = 1
		if d.decodeDecision(&stats[st]) != 0 {
			m = 2
			st = 217 // X2 for k > Kx
			if k <= int32(d.acK[tbl]) {
				st = 189
			}
			for d.decodeDecision(&stats[st]) != 0 {
				if m <<= 1; m == 0x8000 {
					return 0, errArithmeticCode
				}
				st++
			}
		}
	}
	v := m
	st += 14
	for m >>= 1; m != 0; m >>= 1 {
		if d.decodeDecision(&stats[st]) != 0 {
			v |= m
		}
	}
	v++
	if sign != 0 {
		v = -v
	}
	return int32(v), nil
}

// decodeBlockArithmetic decodes the arithmetic-coded coefficients of one
// block of a scan into b: sequential (section F.2.4) or one pass of a
// progressive JPEG (section G.1.3).
func (d *decoder) decodeBlockArithmetic(b *block, sc *scanComponent, zigStart, zigEnd int32, ah, al uint32) error {
	var err error
	switch {
	case zigStart == 0 && ah == 0:
		err = d.decodeDCArithmetic(b, sc, al)
		if err == nil && zigEnd > 0 { // sequential: the AC coefficients follow
			err = d.decodeACArithmetic(b, sc.ta, 1, zigEnd, al)
		}
	case zigStart == 0: // DC refinement: one bit of probability ½
		if d.decodeDecision(&d.arith.fixed) != 0 {
			b[0] |= 1 << al
		}
	case ah == 0:
		err = d.decodeACArithmetic(b, sc.ta, zigStart, zigEnd, al)
	default:
		err = d.refineACArithmetic(b, sc.ta, zigStart, zigEnd, al)
	}
	if err == nil {
		err = d.arith.err
	}
	return err
}

// decodeDCArithmetic decodes a DC coefficient (section F.2.4.1) shifted
// left by the point transform al.
func (d *decoder) decodeDCArithmetic(b *block, sc *scanComponent, al uint32) error {
	diff, err := d.decodeDCDiff(sc.td, sc.compIndex)
	if err != nil {
		return err
	}
	// The prediction wraps at 16 bits, as libjpeg's does.
	d.dc[sc.compIndex] = int32(int16(d.dc[sc.compIndex] + diff))
	b[0] = d.dc[sc.compIndex] << al
	return nil
}

// decodeACArithmetic decodes the AC coefficients zigStart to zigEnd
// (section F.2.4.2, figure F.20), shifted left by al.
func (d *decoder) decodeACArithmetic(b *block, tbl uint8, zigStart, zigEnd int32, al uint32) error {
	stats := &d.arith.acStats[tbl]
	for k := zigStart; k <= zigEnd; k++ {
		st := 3 * int(k-1)
		if d.decodeDecision(&stats[st]) != 0 { // end of block
			break
		}
		for d.decodeDecision(&stats[st+1]) == 0 { // a zero coefficient
			st += 3
			if k++; k > zigEnd {
				return errArithmeticCode
			}
		}
		v, err := d.decodeACValue(tbl, k, st+2)
		if err != nil {
			return err
		}
		b[unzig[k]] = v << al
	}
	return nil
}

// refineACArithmetic decodes a successive-approximation refinement of
// the AC coefficients zigStart to zigEnd (section G.1.3.3): a correction
// bit for each coefficient already nonzero, and the coefficients that
// become ±1 at bit al.
func (d *decoder) refineACArithmetic(b *block, tbl uint8, zigStart, zigEnd int32, al uint32) error {
	stats := &d.arith.acStats[tbl]
	p1 := int32(1) << al
	m1 := int32(-1) << al
	// eobx is the end of block of the earlier passes: the last nonzero
	// coefficient.
	eobx := zigEnd
	for ; eobx > 0; eobx-- {
		if b[unzig[eobx]] != 0 {
			break
		}
	}
	for k := zigStart; k <= zigEnd; k++ {
		st := 3 * int(k-1)
		if k > eobx && d.decodeDecision(&stats[st]) != 0 { // end of block
			break
		}
		for {
			coef := &b[unzig[k]]
			if *coef != 0 {
				if d.decodeDecision(&stats[st+2]) != 0 {
					if *coef < 0 {
						*coef += m1
					} else {
						*coef += p1
					}
				}
				break
			}
			if d.decodeDecision(&stats[st+1]) != 0 {
				if d.decodeDecision(&d.arith.fixed) != 0 {
					*coef = m1
				} else {
					*coef = p1
				}
				break
			}
			st += 3
			if k++; k > zigEnd {
				return errArithmeticCode
			}
		}
	}
	return nil
}

// processDAC reads the arithmetic-coding conditioning tables (section
// B.2.4.3): L and U for DC tables, Kx for AC tables.
func (d *decoder) processDAC(n int) error {
	if n%2 != 0 {
		return FormatError("DAC has wrong length")
	}
	for ; n > 0; n -= 2 {
		if err := d.readFull(d.tmp[:2]); err != nil {
			return err
		}
		tc, tb, cs := d.tmp[0]>>4, d.tmp[0]&0x0f, d.tmp[1]
		if tc > maxTc || tb > maxTh {
			return FormatError("bad DAC table")
		}
		if tc == dcTable {
			l, u := cs&0x0f, cs>>4
			if l > u {
				return FormatError("bad DAC conditioning bounds")
			}
			d.dcL[tb], d.dcU[tb] = l, u
		} else {
			if cs < 1 || cs > 63 {
				return FormatError("bad DAC Kx value")
			}
			d.acK[tb] = cs
		}
	}
	return nil
}
