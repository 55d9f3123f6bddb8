// Darknet heads two ways, on one OpenCV thread, per frame in turns (the order alternating):
//   region: forward to the Region layers and read their rows (the engine before, and the plain loop);
//   own:    forward to the Permute layers and decode each anchor's best class (native/core/darknet_heads.cc).
// Each is timed from setInput through forward and reading the candidates; the input blob is packed once per frame
// outside the clock. Each way has its own Net, as each engine slot has: a Net asked for other outputs than last time
// sets itself up again (about 3.5 ms here). Prints the median of each, and the per-frame difference (own minus
// region): its median over the frames where own ran first and over those where it ran second, and their mean.
//
//   darknet_heads_ab CFG WEIGHTS FRAMES_DIR ITERATIONS
//
// Built by bench/build-cpp-loop.sh.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>

#include "../../native/core/blob.h"
#include "../../native/core/darknet_heads.h"
#include "bench_util.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: darknet_heads_ab CFG WEIGHTS FRAMES_DIR ITERATIONS\n");
    return 2;
  }
  cv::setNumThreads(1);
  const cv::Size input(320, 320);
  cv::dnn::Net own_net = cv::dnn::readNetFromDarknet(argv[1], argv[2]);
  cv::dnn::Net region_net = cv::dnn::readNetFromDarknet(argv[1], argv[2]);
  const framewire::DarknetHeads own(own_net, argv[1], input);
  const framewire::DarknetHeads region(region_net, argv[1], input, /*use_region_layers=*/true);
  std::vector<cv::Mat> images;
  for (const auto& jpeg : bench::ReadFrames(argv[3])) images.push_back(cv::imdecode(jpeg, cv::IMREAD_COLOR));
  const int iterations = std::atoi(argv[4]);
  if (images.empty() || iterations <= 0 || !own.skips_region_layers()) {
    std::fprintf(stderr, "no frames, no iterations, or a net whose heads need the Region layers\n");
    return 2;
  }
  framewire::BlobPacker packer;
  const std::vector<int> all_classes;
  const framewire::DetectOptions options{0.25f, 0.45f, &all_classes};
  std::vector<cv::Mat> outputs;
  std::vector<framewire::Candidate> candidates;
  auto run = [&](const framewire::DarknetHeads& heads, const cv::Mat& blob, const cv::Mat& image) {
    cv::dnn::Net& net = &heads == &own ? own_net : region_net;
    const auto t0 = std::chrono::steady_clock::now();
    net.setInput(blob, "", 1.0 / 255.0);
    net.forward(outputs, heads.output_names());
    candidates.clear();
    heads.Collect(outputs, image.cols, image.rows, options, &candidates);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  };
  for (int w = 0; w < 5; ++w) run(w % 2 ? own : region, packer.Pack(images[0], input, true), images[0]);  // warm-up
  std::vector<double> own_ms, region_ms, own_first_difference, own_second_difference;
  for (int i = 0; i < iterations; ++i) {
    const cv::Mat& image = images[i % images.size()];
    const cv::Mat& blob = packer.Pack(image, input, true);
    double o, r;
    if (i % 2) {
      o = run(own, blob, image);
      r = run(region, blob, image);
    } else {
      r = run(region, blob, image);
      o = run(own, blob, image);
    }
    own_ms.push_back(o);
    region_ms.push_back(r);
    (i % 2 ? own_first_difference : own_second_difference).push_back(o - r);
  }
  const double first = bench::Percentile(own_first_difference, 0.5);
  const double second = bench::Percentile(own_second_difference, 0.5);
  std::printf(
      "{\"iterations\":%d,\"region_ms\":%.3f,\"own_ms\":%.3f,\"own_minus_region_ms\":{\"own_first\":%.3f,"
      "\"own_second\":%.3f,\"mean_of_orders\":%.3f}}\n",
      iterations, bench::Percentile(region_ms, 0.5), bench::Percentile(own_ms, 0.5), first, second,
      (first + second) / 2);
  return 0;
}
