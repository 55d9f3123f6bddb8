// JPEG bytes -> BGR cv::Mat for the engine: refuses oversized frames before
// allocation, and decodes at 1/8, 1/4 or 1/2 scale when the pipeline's models
// need fewer pixels (libjpeg's DCT scaling: less work than a full decode).
#pragma once

#include <opencv2/core.hpp>

#include "jpeg_decoder.h"
#include "jpeg_header.h"

namespace framewire {

struct DecodedFrame {
  cv::Mat bgr;           // decoded pixels, possibly reduced; a view of the decoder's reused buffer
  int original_width = 0;
  int original_height = 0;
  int reduction = 1;     // 1, 2, 4 or 8
};

// Largest reduction (8, 4, 2 or 1) that keeps the frame at least as large as
// (need_width x need_height) in both dimensions. Only these scales: libjpeg-
// turbo's other M/8 scales decode slower than full size (no SIMD IDCT).
int ChooseReduction(int frame_width, int frame_height, int need_width, int need_height);

// Throws EngineError(kInvalidFrame) on anything the header walk or the
// decoder rejects, and when width * height exceeds max_pixels. EXIF
// orientation is not applied: pixels, width and height are the frame's as
// stored (docs/http-api.md).
DecodedFrame DecodeFrame(JpegDecoder& decoder, const uint8_t* data, size_t size, int64_t max_pixels, int need_width,
                         int need_height);

}  // namespace framewire
