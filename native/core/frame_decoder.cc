#include "frame_decoder.h"

#include <opencv2/imgcodecs.hpp>

#include "errors.h"

namespace framewire {

int ChooseReduction(int frame_width, int frame_height, int need_width, int need_height) {
  for (int factor : {4, 2}) {
    if (frame_width >= need_width * factor && frame_height >= need_height * factor) return factor;
  }
  return 1;
}

DecodedFrame DecodeFrame(const uint8_t* data, size_t size, int64_t max_pixels, int need_width,
                         int need_height) {
  JpegHeader header;
  const std::string problem = ParseJpegHeader(data, size, &header);
  if (!problem.empty()) throw EngineError(ErrorCode::kInvalidFrame, problem);
  // libjpeg fills a truncated scan with grey and only warns, so a cut-off
  // frame would "decode"; requiring the end-of-image marker refuses it.
  if (data[size - 2] != 0xFF || data[size - 1] != 0xD9)
    throw EngineError(ErrorCode::kInvalidFrame, "JPEG does not end with the end-of-image marker (FF D9): truncated");
  const int64_t pixels = static_cast<int64_t>(header.width) * header.height;
  if (pixels > max_pixels) {
    throw EngineError(ErrorCode::kInvalidFrame,
                      "JPEG declares " + std::to_string(header.width) + "x" + std::to_string(header.height) +
                          " = " + std::to_string(pixels) + " pixels, over the limit of " +
                          std::to_string(max_pixels));
  }

  DecodedFrame frame;
  frame.original_width = header.width;
  frame.original_height = header.height;
  frame.reduction = ChooseReduction(header.width, header.height, need_width, need_height);
  const int flags = frame.reduction == 4   ? cv::IMREAD_REDUCED_COLOR_4
                    : frame.reduction == 2 ? cv::IMREAD_REDUCED_COLOR_2
                                           : cv::IMREAD_COLOR;
  // The Mat header borrows the caller's bytes; imdecode only reads them.
  const cv::Mat encoded(1, static_cast<int>(size), CV_8UC1, const_cast<uint8_t*>(data));
  try {
    frame.bgr = cv::imdecode(encoded, flags);
  } catch (const std::exception& e) {  // cv::Exception, or whatever a redirected OpenCV error handler throws
    throw EngineError(ErrorCode::kInvalidFrame, std::string("JPEG decoder rejected the frame: ") + e.what());
  }
  if (frame.bgr.empty()) throw EngineError(ErrorCode::kInvalidFrame, "JPEG decoder rejected the frame");
  return frame;
}

}  // namespace framewire
