// Package imageio reads images into tables and turns them into tensors for
// models, as declared pre-processing steps.
//
// NewSource (frame's Read().Images) lists a folder or glob of JPEG, PNG,
// GIF and WebP files as a table of path, format, width, height, size and
// bytes, reading only what the query uses: a path-only scan opens no file.
//
// Tensor decodes a column of paths or encoded bytes and applies Steps —
// Resize, ResizeShorter, ResizeLonger (Nearest, Bilinear or Area filters,
// antialiased when shrinking, as PIL), CenterCrop, Crop, Pad, PadTo,
// Grayscale, Scale, Normalize, WithLayout (CHW or HWC) — giving a column of
// fixed-size lists of float32, one tensor per image. ImageNet(224) is the
// usual classifier pre-processing. Images are turned upright by their EXIF
// orientation; transparent pixels are composited over a background (white
// unless set).
//
// The steps run fused: for each image the geometric steps compile into one
// mapping from output pixels to the decoded planes and the pixel steps into
// one affine color transform, so every output value is computed once, from
// the JPEG's Y, Cb and Cr planes directly (chroma is interpolated, not
// upsampled first). Decoding plus ImageNet pre-processing of a ~400×350
// photo costs about 3 ms of one core, a third of the standard library's
// decoder with golang.org/x/image/draw's bilinear scaler.
//
// Used as a model's input, udf.Predict(model, imageio.Tensor("img_path",
// imageio.ImageNet(224)...)), decoding runs ahead of inference: batches of
// DefaultBatchRows images decode on every core while the model infers the
// previous ones, with a bounded queue between them. A missing, unreadable,
// truncated, corrupt or non-image file is a failed row whose error names
// the file, handled by the prediction's error policy; so is an image whose
// header declares more than DefaultMaxPixels pixels (a decompression bomb),
// refused before it is decoded. Step sizes are bounded by MaxStepSize and
// MaxTensorPixels when the plan is built.
package imageio
