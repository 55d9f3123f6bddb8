// The reference: the detection loop a user could write in an afternoon with
// OpenCV alone. No Framewire code at all: no engine, no Node.js, no N-API, no
// WebSocket, no JSON per frame, no scheduling or admission, no scaled decode
// (every JPEG is decoded at full scale). Just imdecode -> blobFromImage ->
// forward -> parse -> NMS, with WORKERS threads in a closed loop. The server is
// compared against this.
//
//   plain_loop MODEL_KIND CFG_OR_DASH WEIGHTS INPUT_W INPUT_H FRAMES_DIR FRAME_COUNT WORKERS THREADS
//
// MODEL_KIND: darknet_yolo (Yolo-Fastest 1.1: readNetFromDarknet, RGB, x/255,
// plain resize; Region-layer rows cx, cy, w, h, objectness, 80 class scores).
// Reference settings: 2 workers x 1 thread (throughput), 1 worker x 2 threads
// (a lone stream). Set PLAIN_LOOP_NO_MALLOPT=1 to keep glibc's malloc defaults.
//
// Prints one JSON line, the shape of cpp_loop's plus detections_first_frame
// (boxes after NMS on frame 0, a sanity value).
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>

#include "bench_util.h"

namespace {

constexpr float kScoreThreshold = 0.25f;
constexpr float kNmsThreshold = 0.45f;

struct Args {
  std::string kind, config, weights, frames_dir;
  int input_w = 0, input_h = 0, workers = 0, threads = 0;
  size_t frame_count = 0;
};

int Usage() {
  std::cerr << "usage: plain_loop darknet_yolo CFG_OR_DASH WEIGHTS INPUT_W INPUT_H FRAMES_DIR FRAME_COUNT WORKERS THREADS\n";
  return 2;
}

// Positive integer or throw: "12abc", "0" and "-3" are all bad arguments.
long Positive(const std::string& text) {
  size_t used = 0;
  const long value = std::stol(text, &used);
  if (used != text.size() || value < 1) throw std::invalid_argument(text);
  return value;
}

// One worker's model and buffers. A cv::dnn::Net must never run two forwards
// at once, so each worker owns one; the blob, decoded image and outputs are
// reused across frames so steady state allocates little.
class Detector {
 public:
  explicit Detector(const Args& args)
      : net_(cv::dnn::readNetFromDarknet(args.config, args.weights)),
        out_names_(net_.getUnconnectedOutLayersNames()),
        input_size_(args.input_w, args.input_h) {}

  // Full frame: decode, preprocess, forward, parse, NMS. Returns boxes kept.
  size_t Run(const std::vector<uint8_t>& jpeg) {
    cv::imdecode(jpeg, cv::IMREAD_COLOR, &image_);
    // RGB (swapRB), x/255, plain resize to the input size (crop=false).
    cv::dnn::blobFromImage(image_, blob_, 1.0 / 255.0, input_size_, cv::Scalar(), true, false, CV_32F);
    net_.setInput(blob_);
    net_.forward(outs_, out_names_);
    Parse();
    cv::dnn::NMSBoxes(offset_boxes_, scores_, kScoreThreshold, kNmsThreshold, keep_);
    return keep_.size();
  }

 private:
  // Region-layer rows are already decoded: cx, cy, w, h normalised to the
  // image, objectness, then class scores that include objectness. boxes_,
  // scores_ and class_ids_ (at keep_) are what a caller would report.
  void Parse() {
    boxes_.clear();
    offset_boxes_.clear();
    scores_.clear();
    class_ids_.clear();
    const double w = image_.cols, h = image_.rows;
    // Class-wise NMS in one call: shift each class's boxes by a different
    // offset larger than the image so boxes of different classes never overlap.
    const double offset = std::max(w, h) + 1.0;
    for (const cv::Mat& out : outs_) {
      for (int r = 0; r < out.rows; ++r) {
        const float* row = out.ptr<float>(r);
        const float* best = std::max_element(row + 5, row + out.cols);
        if (*best < kScoreThreshold) continue;
        const int cls = static_cast<int>(best - (row + 5));
        const cv::Rect2d box((row[0] - row[2] / 2) * w, (row[1] - row[3] / 2) * h, row[2] * w, row[3] * h);
        boxes_.push_back(box);
        offset_boxes_.push_back(box + cv::Point2d(cls * offset, cls * offset));
        scores_.push_back(*best);
        class_ids_.push_back(cls);
      }
    }
  }

  cv::dnn::Net net_;
  const std::vector<std::string> out_names_;
  const cv::Size input_size_;
  cv::Mat image_, blob_;
  std::vector<cv::Mat> outs_;
  std::vector<cv::Rect2d> boxes_, offset_boxes_;
  std::vector<float> scores_;
  std::vector<int> class_ids_;
  std::vector<int> keep_;
};

}  // namespace

int main(int argc, char** argv) {
  // glibc's defaults hand allocations over 128 KiB to mmap and trim the heap
  // top on free, and a frame needs several such buffers (decoded image, blob,
  // layer outputs); if that happens every frame, each pays mmap/munmap and
  // page faults on fresh zero pages (blobFromImage reported at ~8 ms instead
  // of ~0.4 ms). Keep big blocks on the heap and never give them back: trim
  // and mmap thresholds far above any per-frame buffer (a 4K BGR frame is
  // ~24 MiB), and 64 MiB of top padding so the heap grows in big steps. In
  // this loop glibc's dynamic mmap threshold already avoided it after the
  // first frame (no measurable difference at 768x576 to 3840x2160), so this
  // pins the behaviour rather than rescuing it; PLAIN_LOOP_NO_MALLOPT=1 shows.
  const char* no_mallopt = std::getenv("PLAIN_LOOP_NO_MALLOPT");
  if (!(no_mallopt && std::string(no_mallopt) == "1")) {
    if (!mallopt(M_TRIM_THRESHOLD, 256 << 20) || !mallopt(M_TOP_PAD, 64 << 20) ||
        !mallopt(M_MMAP_THRESHOLD, 256 << 20))
      std::cerr << "plain_loop: mallopt refused a setting\n";
  }

  if (argc != 10) return Usage();
  Args args;
  try {
    args.kind = argv[1];
    args.config = argv[2];
    args.weights = argv[3];
    args.input_w = static_cast<int>(Positive(argv[4]));
    args.input_h = static_cast<int>(Positive(argv[5]));
    args.frames_dir = argv[6];
    args.frame_count = static_cast<size_t>(Positive(argv[7]));
    args.workers = static_cast<int>(Positive(argv[8]));
    args.threads = static_cast<int>(Positive(argv[9]));
  } catch (const std::exception&) {
    return Usage();
  }
  // Darknet needs its cfg; "-" is only for formats that have no config file.
  if (args.kind != "darknet_yolo" || args.config == "-") return Usage();

  std::vector<std::vector<uint8_t>> frames;
  try {
    frames = bench::ReadFrames(args.frames_dir);
  } catch (const std::exception& e) {
    std::cerr << "plain_loop: " << e.what() << "\n";
    return 2;
  }
  if (frames.empty()) {
    std::cerr << "plain_loop: no JPEG files in " << args.frames_dir << "\n";
    return 2;
  }

  // Once, before any Net exists: the thread pool each forward() uses.
  cv::setNumThreads(args.threads);

  // Start line: each worker loads and warms its own Net on its own thread
  // (OpenCV dnn keeps per-thread state), then waits; the clock starts only
  // when all are warm. A worker that fails still reports in, so no one hangs.
  std::mutex mutex;
  std::condition_variable start_line;
  int ready = 0;
  bool go = false, abort = false;
  std::vector<std::exception_ptr> errors(args.workers);
  size_t detections_first_frame = 0;

  std::atomic<size_t> next{0};
  std::vector<std::vector<double>> latencies(args.workers);
  std::vector<std::thread> workers;
  for (int w = 0; w < args.workers; ++w) {
    workers.emplace_back([&, w] {
      std::optional<Detector> detector;
      try {
        detector.emplace(args);
        const size_t kept = detector->Run(frames[0]);  // warm-up forward
        if (w == 0) detections_first_frame = kept;
        latencies[w].reserve(args.frame_count);
      } catch (...) {
        errors[w] = std::current_exception();
      }
      {
        std::unique_lock<std::mutex> lock(mutex);
        ++ready;
        start_line.notify_all();
        start_line.wait(lock, [&] { return go || abort; });
        if (abort || errors[w]) return;
      }
      for (size_t i; (i = next.fetch_add(1)) < args.frame_count;) {
        const auto t0 = std::chrono::steady_clock::now();
        detector->Run(frames[i % frames.size()]);
        latencies[w].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
    });
  }

  std::chrono::steady_clock::time_point start;
  {
    std::unique_lock<std::mutex> lock(mutex);
    start_line.wait(lock, [&] { return ready == args.workers; });
    abort = std::any_of(errors.begin(), errors.end(), [](const auto& e) { return e != nullptr; });
    go = true;
    start = std::chrono::steady_clock::now();
  }
  start_line.notify_all();
  for (auto& t : workers) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  for (const auto& error : errors) {
    if (!error) continue;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      std::cerr << "plain_loop: " << e.what() << "\n";
    }
    return 1;
  }

  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::cout << "{\"frames\":" << all.size() << ",\"fps\":" << all.size() / seconds << ",\"p50_ms\":" << bench::Percentile(all, 0.5)
            << ",\"p99_ms\":" << bench::Percentile(all, 0.99) << ",\"detections_first_frame\":" << detections_first_frame << "}"
            << std::endl;
  return 0;
}
