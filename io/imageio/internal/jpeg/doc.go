// Package jpeg decodes JPEG images (ITU-T T.81) for ember: Go's
// image/jpeg (copied from Go 1.26, its decoder only, BSD licence: see
// LICENSE) extended to the JPEGs libjpeg and PIL decode and Go does not:
//
//   - arithmetic coding, sequential and progressive (SOF9, SOF10, the DAC
//     marker; T.81 Annex D, sections F.2.4 and G.1.3);
//   - lossless JPEGs (SOF3; Annex H): predictors 1 to 7, point transform,
//     2- to 16-bit samples;
//   - 12-bit DCT samples (SOF1, SOF2, SOF9, SOF10);
//   - any whole-ratio sampling factors, among them subsampled CMYK and
//     YCCK, and 4-component JPEGs without an Adobe segment (plain CMYK).
//
// Decode always returns 8-bit images: samples of higher precision are
// scaled to 8 bits, rounding. Hierarchical JPEGs (SOF5–7, SOF13–15),
// arithmetic-coded lossless ones (SOF11, which libjpeg does not read
// either) and 2-component ones are refused with an UnsupportedError
// naming the feature.
//
// Errors are FormatError (invalid data) and UnsupportedError, whose
// messages do not name the format: callers prefix "jpeg: ".
package jpeg
