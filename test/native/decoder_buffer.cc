// The decoder's reused output buffer stays bounded (issue 9, defect 7): run by test/decoder-buffer.test.ts.
// A frame whose header declares 6000x6000 (its data then fails to decode) and a real 3000x3000 frame each
// need a large buffer; the next small frame gives it back instead of the slot pinning it for good. Buffers up
// to JpegDecoderLimits::keep_buffer_bytes are reused from frame to frame.
//
// Prints one JSON object: the decoder's buffer bytes after each step.
#include <cstdio>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../../native/core/errors.h"
#include "../../native/core/jpeg_decoder.h"

namespace {

std::vector<uint8_t> Jpeg(int width, int height) {
  cv::Mat image(height, width, CV_8UC3, cv::Scalar(40, 90, 160));
  cv::circle(image, {width / 2, height / 2}, std::min(width, height) / 3, cv::Scalar(200, 30, 30), -1);
  std::vector<uint8_t> bytes;
  cv::imencode(".jpg", image, bytes);
  return bytes;
}

// The 64x64 frame with its SOF0 header rewritten to declare width x height: the scan data then runs out.
std::vector<uint8_t> Declaring(int width, int height) {
  std::vector<uint8_t> bytes = Jpeg(64, 64);
  for (size_t i = 2; i + 9 < bytes.size(); ++i) {
    if (bytes[i] == 0xFF && bytes[i + 1] == 0xC0) {
      bytes[i + 5] = height >> 8, bytes[i + 6] = height & 0xFF, bytes[i + 7] = width >> 8, bytes[i + 8] = width & 0xFF;
      break;
    }
  }
  return bytes;
}

}  // namespace

int main() {
  framewire::JpegDecoder decoder;  // default limits: keep up to 8 MiB
  const std::vector<uint8_t> small = Jpeg(100, 100), medium = Jpeg(1000, 1000), large = Jpeg(3000, 3000);
  const std::vector<uint8_t> bomb = Declaring(6000, 6000);
  const auto decode = [&](const std::vector<uint8_t>& frame) {
    try {
      decoder.Decode(frame.data(), frame.size());
    } catch (const framewire::EngineError&) {
      // the declared-large frame fails: its buffer was allocated before the data ran out
    }
    return static_cast<unsigned long long>(decoder.buffer_bytes());
  };
  const auto after_small = decode(small);
  const auto after_bomb = decode(bomb);
  const auto after_small_2 = decode(small);
  const auto after_large = decode(large);
  const auto after_small_3 = decode(small);
  const auto after_medium = decode(medium);
  const auto after_small_4 = decode(small);
  std::printf(
      "{\"small\":%llu,\"bomb\":%llu,\"small_after_bomb\":%llu,\"large\":%llu,\"small_after_large\":%llu,\"medium\":%llu,"
      "\"small_after_medium\":%llu}\n",
      after_small, after_bomb, after_small_2, after_large, after_small_3, after_medium, after_small_4);
  return 0;
}
