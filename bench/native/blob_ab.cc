// The detectors' way into the network, three ways, on one OpenCV thread:
//   blobFromImage: cv::dnn::blobFromImage(image, scale, size, ..., CV_32F), then net.setInput(blob)
//                  (what the plain loop does);
//   float packer:  split the 8-bit image once and convert each plane, scaled, straight into a reused float blob,
//                  then net.setInput(blob) (the engine's BlobPacker before it went 8-bit; kept here only as the
//                  reference for this comparison);
//   8-bit packer:  framewire::BlobPacker (native/core/blob.cc), then net.setInput(blob, "", scale): the network's
//                  input layer converts and scales (the engine today).
// Per frame the three run back to back, in an order that rotates, so drift hits them alike. Each is timed twice:
// packing + setInput alone, and packing + setInput + forward (the input layer's conversion happens in forward).
//
//   blob_ab DARKNET_CFG DARKNET_WEIGHTS FRAMES_DIR ITERATIONS
//
// Built by bench/build-cpp-loop.sh. Prints one JSON line: the median ms of each way and each span, and the
// median of the per-frame differences of input + forward (8-bit packer minus each other way).
#include <chrono>
#include <cstdio>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../../native/core/blob.h"
#include "bench_util.h"

namespace {

using Clock = std::chrono::steady_clock;

const cv::Size kSize(320, 320);
const double kScale = 1.0 / 255.0;

// The engine's float packer before the 8-bit blob (bit-identical to blobFromImage's float blob).
class FloatPacker {
 public:
  const cv::Mat& Pack(const cv::Mat& bgr) {
    const cv::Mat* source = &bgr;
    if (bgr.size() != kSize) {
      cv::resize(bgr, resized_, kSize, 0, 0, cv::INTER_LINEAR);
      source = &resized_;
    }
    const int shape[] = {1, 3, kSize.height, kSize.width};
    blob_.create(4, shape, CV_32F);
    cv::split(*source, planes_);
    for (int c = 0; c < 3; ++c) {
      cv::Mat destination(kSize, CV_32F, blob_.ptr<float>(0, 2 - c));  // R, G, B
      planes_[c].convertTo(destination, CV_32F, kScale);
    }
    return blob_;
  }

 private:
  cv::Mat resized_, planes_[3], blob_;
};

double Ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: blob_ab DARKNET_CFG DARKNET_WEIGHTS FRAMES_DIR ITERATIONS\n");
    return 2;
  }
  cv::setNumThreads(1);
  cv::dnn::Net net = cv::dnn::readNetFromDarknet(argv[1], argv[2]);
  const std::vector<cv::String> outputs_names = net.getUnconnectedOutLayersNames();
  std::vector<cv::Mat> images;
  for (const auto& jpeg : bench::ReadFrames(argv[3])) images.push_back(cv::imdecode(jpeg, cv::IMREAD_COLOR));
  const int iterations = std::atoi(argv[4]);
  if (images.empty() || iterations <= 0) {
    std::fprintf(stderr, "no frames in %s, or no iterations\n", argv[3]);
    return 2;
  }

  FloatPacker float_packer;
  framewire::BlobPacker packer;
  cv::Mat from_image;
  std::vector<cv::Mat> outs;
  // way 0: blobFromImage, 1: float packer, 2: 8-bit packer
  auto set_input = [&](int way, const cv::Mat& image) {
    if (way == 0) {
      cv::dnn::blobFromImage(image, from_image, kScale, kSize, cv::Scalar(), true, false, CV_32F);
      net.setInput(from_image);
    } else if (way == 1) {
      net.setInput(float_packer.Pack(image));
    } else {
      net.setInput(packer.Pack(image, kSize, true), "", kScale);
    }
  };
  for (int w = 0; w < 3; ++w) {  // warm-up: first forwards allocate
    set_input(w, images[0]);
    net.forward(outs, outputs_names);
  }
  std::vector<double> input_ms[3], total_ms[3], minus_blob_from_image, minus_float_packer;
  for (int i = 0; i < iterations; ++i) {
    const cv::Mat& image = images[i % images.size()];
    for (int k = 0; k < 3; ++k) {
      const int way = (i + k) % 3;
      const auto t0 = Clock::now();
      set_input(way, image);
      const auto t1 = Clock::now();
      net.forward(outs, outputs_names);
      const auto t2 = Clock::now();
      input_ms[way].push_back(Ms(t0, t1));
      total_ms[way].push_back(Ms(t0, t2));
    }
    // Paired per frame: the 8-bit packer's input + forward minus each other way's, on the same frame.
    const size_t n = total_ms[2].size() - 1;
    minus_blob_from_image.push_back(total_ms[2][n] - total_ms[0][n]);
    minus_float_packer.push_back(total_ms[2][n] - total_ms[1][n]);
  }
  std::printf(
      "{\"iterations\":%d,\"frame\":\"%dx%d\",\"input_ms\":{\"blobFromImage\":%.3f,\"float_packer\":%.3f,"
      "\"uint8_packer\":%.3f},\"input_and_forward_ms\":{\"blobFromImage\":%.3f,\"float_packer\":%.3f,"
      "\"uint8_packer\":%.3f},\"uint8_packer_minus_blobFromImage_ms\":%.3f,"
      "\"uint8_packer_minus_float_packer_ms\":%.3f}\n",
      iterations, images[0].cols, images[0].rows, bench::Percentile(input_ms[0], 0.5),
      bench::Percentile(input_ms[1], 0.5), bench::Percentile(input_ms[2], 0.5), bench::Percentile(total_ms[0], 0.5),
      bench::Percentile(total_ms[1], 0.5), bench::Percentile(total_ms[2], 0.5),
      bench::Percentile(minus_blob_from_image, 0.5), bench::Percentile(minus_float_packer, 0.5));
  return 0;
}
