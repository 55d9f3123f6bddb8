// What scaled JPEG decoding can save: the cost of cv::imdecode at full, 1/2,
// 1/4 and 1/8 scale on the same frames, single-threaded, median of 5 passes.
// libjpeg-turbo scales in the inverse DCT; the entropy (Huffman) decoding of
// the whole stream remains at every scale, which bounds the saving.
//
//   decode_scales FRAMES_DIR
//
// Prints one JSON line: milliseconds per frame at each scale.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "bench_util.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: decode_scales FRAMES_DIR\n";
    return 2;
  }
  cv::setNumThreads(1);
  std::vector<cv::Mat> frames;
  for (const auto& bytes : bench::ReadFrames(argv[1])) frames.push_back(cv::Mat(bytes, true).reshape(1, 1));
  if (frames.empty()) return 2;
  const std::pair<const char*, int> scales[] = {{"full", cv::IMREAD_COLOR},
                                                {"half", cv::IMREAD_REDUCED_COLOR_2},
                                                {"quarter", cv::IMREAD_REDUCED_COLOR_4},
                                                {"eighth", cv::IMREAD_REDUCED_COLOR_8}};
  std::cout << "{\"frames\":" << frames.size();
  for (const auto& [name, flags] : scales) {
    std::vector<double> passes;
    cv::Mat decoded;
    for (int pass = 0; pass < 5; ++pass) {
      const auto t0 = std::chrono::steady_clock::now();
      for (const cv::Mat& jpeg : frames) decoded = cv::imdecode(jpeg, flags);
      passes.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / frames.size());
    }
    std::sort(passes.begin(), passes.end());
    std::cout << ",\"" << name << "_ms\":" << passes[2] << ",\"" << name << "_size\":\"" << decoded.cols << "x" << decoded.rows << "\"";
  }
  std::cout << "}" << std::endl;
  return 0;
}
