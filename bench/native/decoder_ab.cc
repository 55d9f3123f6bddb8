// A/B: cv::imdecode against framewire::JpegDecoder (libjpeg-turbo's libjpeg API
// directly, native/core/jpeg_decoder.cc) on the same frames, one thread. Each of
// the 5 passes runs every variant once; variants compared with each other run
// back to back, in an order rotated from pass to pass, so the VM's slow and
// fast phases spread over all of them. Each figure is the median of its 5
// passes, each ratio the median of the 5 same-pass ratios. Results are
// released after every frame, as the engine does.
//
//   decoder_ab FRAMES_DIR
//
// Prints one JSON line: ms per frame of each variant, the output sizes, and
// the paired ratios JpegDecoder / cv::imdecode at full and half scale.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "bench_util.h"

#include "../../native/core/jpeg_decoder.h"

namespace {

struct Variant {
  const char* name;
  std::function<cv::Mat(const cv::Mat& jpeg)> decode;
  std::vector<double> passes;
  std::string size;
};

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: decoder_ab FRAMES_DIR\n";
    return 2;
  }
  cv::setNumThreads(1);
  std::vector<cv::Mat> frames;
  for (const auto& bytes : bench::ReadFrames(argv[1])) frames.push_back(cv::Mat(bytes, true).reshape(1, 1));
  if (frames.empty()) return 2;

  framewire::JpegDecoder decoder;  // one per thread, reused across frames, as a worker would
  const auto imdecode = [](int flags) {
    return [flags](const cv::Mat& jpeg) { return cv::imdecode(jpeg, flags); };
  };
  const auto reused = [&decoder](int scale_num) {
    return [&decoder, scale_num](const cv::Mat& jpeg) { return decoder.Decode(jpeg.data, jpeg.total(), scale_num); };
  };
  std::vector<Variant> variants = {
      {"imdecode_full", imdecode(cv::IMREAD_COLOR), {}, ""},
      {"jpeg_8", reused(8), {}, ""},
      {"imdecode_half", imdecode(cv::IMREAD_REDUCED_COLOR_2), {}, ""},
      {"jpeg_4", reused(4), {}, ""},
      {"jpeg_5", reused(5), {}, ""},
      {"jpeg_6", reused(6), {}, ""},
      {"imdecode_quarter", imdecode(cv::IMREAD_REDUCED_COLOR_4), {}, ""},
      {"jpeg_2", reused(2), {}, ""},
      // A new decoder per frame: a new output buffer per frame, as cv::imdecode allocates. The
      // result keeps its buffer alive after the decoder is gone (reference-counted cv::Mat).
      {"jpeg_8_fresh",
       [](const cv::Mat& jpeg) {
         framewire::JpegDecoder fresh;
         return fresh.Decode(jpeg.data, jpeg.total(), 8);
       },
       {}, ""},
  };
  uint64_t checksum = 0;  // keeps the decodes observable
  const auto run_pass = [&](Variant& variant) {
    const auto t0 = std::chrono::steady_clock::now();
    for (const cv::Mat& jpeg : frames) {
      const cv::Mat decoded = variant.decode(jpeg);  // released before the next frame
      checksum += decoded.data[decoded.total() * 3 / 2];
      if (variant.size.empty()) variant.size = std::to_string(decoded.cols) + "x" + std::to_string(decoded.rows);
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / frames.size();
  };
  for (Variant& variant : variants) run_pass(variant);  // warm-up: code, tables, allocator
  // Variants compared with each other run back to back, in an order rotated every pass.
  const std::vector<std::vector<size_t>> groups = {{0, 1, 8}, {2, 3}, {4}, {5}, {6, 7}};
  constexpr int kPasses = 5;
  std::vector<double> full_ratio, half_ratio, fresh_ratio;
  for (int pass = 0; pass < kPasses; ++pass) {
    for (size_t g = 0; g < groups.size(); ++g) {
      const std::vector<size_t>& group = groups[(g + pass) % groups.size()];
      for (size_t k = 0; k < group.size(); ++k) {
        Variant& variant = variants[group[(k + pass) % group.size()]];
        variant.passes.push_back(run_pass(variant));
      }
    }
    full_ratio.push_back(variants[1].passes.back() / variants[0].passes.back());
    half_ratio.push_back(variants[3].passes.back() / variants[2].passes.back());
    fresh_ratio.push_back(variants[8].passes.back() / variants[1].passes.back());
  }
  std::cout << "{\"frames\":" << frames.size() << ",\"passes\":" << kPasses;
  for (const Variant& variant : variants)
    std::cout << ",\"" << variant.name << "_ms\":" << Median(variant.passes) << ",\"" << variant.name << "_size\":\""
              << variant.size << "\"";
  std::cout << ",\"jpeg_8_vs_imdecode_full\":" << Median(full_ratio)
            << ",\"jpeg_4_vs_imdecode_half\":" << Median(half_ratio)
            << ",\"jpeg_8_fresh_vs_jpeg_8\":" << Median(fresh_ratio) << ",\"checksum\":" << checksum << "}"
            << std::endl;
  return 0;
}
