#include "frame_decoder.h"

#include "errors.h"

namespace framewire {

int ChooseReduction(int frame_width, int frame_height, int need_width, int need_height) {
  return 8 / ChooseFastScaleNum(frame_width, frame_height, need_width, need_height);
}

DecodedFrame DecodeFrame(JpegDecoder& decoder, const uint8_t* data, size_t size, int64_t max_pixels, int need_width,
                         int need_height) {
  JpegHeader header;
  const std::string problem = ParseJpegHeader(data, size, &header);
  if (!problem.empty()) throw EngineError(ErrorCode::kInvalidFrame, problem);
  // The same rule as the stream's frame validator, so HTTP and streams agree:
  // a frame ends with the end-of-image marker (the decoder also refuses data
  // that runs out early).
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
  frame.bgr = decoder.Decode(data, size, 8 / frame.reduction);
  return frame;
}

}  // namespace framewire
