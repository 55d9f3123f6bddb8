// YOLOX-nano (ONNX). Input: BGR 0..255, letterboxed to the top-left of a
// square canvas padded with 114. Output 1 x N x 85 over strides 8/16/32:
// xy = (p + grid) * stride, wh = exp(p) * stride; obj and class scores are
// already sigmoid, score = obj * cls.
#include <cmath>

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "blob.h"
#include "errors.h"
#include "models.h"
#include "nms.h"
#include "stopwatch.h"

namespace framewire {
namespace {

constexpr int kStrides[] = {8, 16, 32};
constexpr int kFirstClassColumn = 5;

class YoloX final : public ObjectDetector {
 public:
  explicit YoloX(const ModelSpec& spec)
      : net_(cv::dnn::readNetFromONNX(spec.weights_path)),
        canvas_(spec.input_height, spec.input_width, CV_8UC3) {
    net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    for (int stride : kStrides) {
      const int gw = spec.input_width / stride, gh = spec.input_height / stride;
      for (int gy = 0; gy < gh; ++gy)
        for (int gx = 0; gx < gw; ++gx) grid_.push_back({gx, gy, stride});
    }
  }

  std::vector<Detection> Detect(const cv::Mat& image, float to_original, const DetectOptions& options,
                                StageTimings* timings) override {
    Stopwatch watch;
    const float scale = std::min(static_cast<float>(canvas_.cols) / image.cols,
                                 static_cast<float>(canvas_.rows) / image.rows);
    const cv::Size scaled(std::max(1, cvRound(image.cols * scale)), std::max(1, cvRound(image.rows * scale)));
    canvas_.setTo(cv::Scalar::all(114));
    cv::resize(image, canvas_(cv::Rect(cv::Point(), scaled)), scaled);
    net_.setInput(packer_.Pack(canvas_, canvas_.size(), /*swap_rb=*/false));  // 8-bit in, made float by the net
    net_.forward(output_);
    timings->inference_ms += watch.Lap();

    const int rows = output_.size[1], cols = output_.size[2];
    if (rows != static_cast<int>(grid_.size()))
      throw EngineError(ErrorCode::kPipelineFailure, "YOLOX output has " + std::to_string(rows) + " rows, expected " +
                                                         std::to_string(grid_.size()));
    const float to_frame = to_original / scale;
    std::vector<Candidate> candidates;
    for (int r = 0; r < rows; ++r) {
      const float* row = output_.ptr<float>(0) + static_cast<size_t>(r) * cols;
      const float objectness = row[4];
      if (objectness < options.score_threshold) continue;  // score = obj * cls <= obj
      int best = 0;
      for (int c = 1; c < cols - kFirstClassColumn; ++c)
        if (row[kFirstClassColumn + c] > row[kFirstClassColumn + best]) best = c;
      const float score = objectness * row[kFirstClassColumn + best];
      if (score < options.score_threshold || !ClassAllowed(*options.class_filter, best)) continue;
      const Cell& cell = grid_[r];
      const float cx = (row[0] + cell.x) * cell.stride, cy = (row[1] + cell.y) * cell.stride;
      const float w = std::exp(row[2]) * cell.stride, h = std::exp(row[3]) * cell.stride;
      candidates.push_back({best, score, {(cx - w / 2) * to_frame, (cy - h / 2) * to_frame, w * to_frame, h * to_frame}});
    }
    auto detections = SuppressPerClass(candidates, options.score_threshold, options.nms_threshold);
    timings->postprocess_ms += watch.Lap();
    return detections;
  }

 private:
  struct Cell {
    int x, y, stride;
  };
  cv::dnn::Net net_;
  cv::Mat canvas_;  // letterbox canvas, reused across frames
  BlobPacker packer_;  // its blob and scratch are reused across frames
  cv::Mat output_;
  std::vector<Cell> grid_;
};

}  // namespace

std::unique_ptr<ObjectDetector> LoadYoloX(const ModelSpec& spec) { return std::make_unique<YoloX>(spec); }

}  // namespace framewire
