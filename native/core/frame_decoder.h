// JPEG bytes -> BGR cv::Mat, refusing oversized frames before allocation and
// using libjpeg's scaled decode when the pipeline's models need fewer pixels.
#pragma once

#include <opencv2/core.hpp>

#include "jpeg_header.h"

namespace framewire {

struct DecodedFrame {
  cv::Mat bgr;           // decoded pixels, possibly reduced
  int original_width = 0;
  int original_height = 0;
  int reduction = 1;     // 1, 2 or 4
};

// Largest reduction (4, 2 or 1) that keeps the frame at least as large as
// (need_width x need_height) in both dimensions.
int ChooseReduction(int frame_width, int frame_height, int need_width, int need_height);

// Throws EngineError(kInvalidFrame) on anything the header parser or
// cv::imdecode rejects, and when width * height exceeds max_pixels.
DecodedFrame DecodeFrame(const uint8_t* data, size_t size, int64_t max_pixels, int need_width,
                         int need_height);

}  // namespace framewire
