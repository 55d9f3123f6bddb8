// PP-OCRv4 text detection (DB, "Differentiable Binarization"), ONNX patched
// for OpenCV 4.6 at setup (src/models/onnx-patch.ts: Clip bounds as
// attributes). Input: BGR normalised per channel with ImageNet mean/std,
// letterboxed to the top-left of the model's fixed input canvas; output
// 1x1xHxW text probability. OpenCV 4.6 cannot reshape this Net (a second
// input size gives an all-zero map), so the canvas size is fixed per model.
//
// Post-processing as PaddleOCR's DBPostProcess: threshold the map, take each
// contour's minimum-area rectangle, score it by the mean probability inside,
// then grow it by area * unclip_ratio / perimeter on every side (the offset
// a polygon clipper gives a rectangle, without the rounded corners).
#include <algorithm>
#include <cmath>

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "errors.h"
#include "models.h"
#include "stopwatch.h"

namespace framewire {
namespace {

constexpr float kBinaryThreshold = 0.3f;  // text probability that counts as text
constexpr float kBoxThreshold = 0.6f;     // mean probability a region needs
constexpr float kUnclipRatio = 1.5f;
constexpr float kMinSide = 3.0f;          // canvas pixels
constexpr size_t kMaxCandidates = 1000;   // contours looked at per call, largest first
const cv::Scalar kMean(123.675, 116.28, 103.53);            // ImageNet mean, B G R as PaddleOCR applies it
const cv::Scalar kInvStd(1 / (0.229 * 255), 1 / (0.224 * 255), 1 / (0.225 * 255));

// Corners of `rect` clockwise from the top-left, as PaddleOCR's get_mini_boxes
// orders them: of the two leftmost points the upper is the top-left, of the
// two rightmost the upper is the top-right.
std::array<cv::Point2f, 4> OrderedCorners(const cv::RotatedRect& rect) {
  cv::Point2f p[4];
  rect.points(p);
  std::sort(p, p + 4, [](const cv::Point2f& a, const cv::Point2f& b) { return a.x < b.x; });
  const auto [tl, bl] = p[0].y <= p[1].y ? std::pair(p[0], p[1]) : std::pair(p[1], p[0]);
  const auto [tr, br] = p[2].y <= p[3].y ? std::pair(p[2], p[3]) : std::pair(p[3], p[2]);
  return {tl, tr, br, bl};
}

// Mean of `map` inside the polygon `corners`.
float MeanInside(const cv::Mat& map, const std::array<cv::Point2f, 4>& corners) {
  cv::Rect bounds = cv::boundingRect(std::vector<cv::Point2f>(corners.begin(), corners.end()));
  bounds &= cv::Rect(0, 0, map.cols, map.rows);
  if (bounds.empty()) return 0;
  cv::Mat mask = cv::Mat::zeros(bounds.size(), CV_8U);
  std::vector<cv::Point> polygon;
  for (const cv::Point2f& c : corners) polygon.emplace_back(cvRound(c.x) - bounds.x, cvRound(c.y) - bounds.y);
  cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{polygon}, cv::Scalar(1));
  return static_cast<float>(cv::mean(map(bounds), mask)[0]);
}

class DbTextDetector final : public TextDetector {
 public:
  explicit DbTextDetector(const ModelSpec& spec)
      : net_(cv::dnn::readNetFromONNX(spec.weights_path)),
        canvas_(spec.input_height, spec.input_width, CV_8UC3) {
    net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  }

  std::vector<TextRegion> Detect(const cv::Mat& image, StageTimings* timings) override {
    Stopwatch watch;
    std::vector<TextRegion> regions;
    if (image.cols < 1 || image.rows < 1) return regions;
    const float scale = std::min(static_cast<float>(canvas_.cols) / image.cols,
                                 static_cast<float>(canvas_.rows) / image.rows);
    const cv::Size scaled(std::clamp(cvRound(image.cols * scale), 1, canvas_.cols),
                          std::clamp(cvRound(image.rows * scale), 1, canvas_.rows));
    canvas_.setTo(kMean);  // normalises to 0: the padding reads as "nothing here"
    cv::resize(image, canvas_(cv::Rect(cv::Point(), scaled)), scaled, 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    canvas_.convertTo(normalised_, CV_32FC3);
    cv::subtract(normalised_, kMean, normalised_);
    cv::multiply(normalised_, kInvStd, normalised_);
    cv::dnn::blobFromImage(normalised_, blob_, 1.0, cv::Size(), cv::Scalar(), /*swapRB=*/false, /*crop=*/false);
    net_.setInput(blob_);
    net_.forward(output_);
    timings->inference_ms += watch.Lap();

    if (output_.dims != 4 || output_.size[2] != canvas_.rows || output_.size[3] != canvas_.cols)
      throw EngineError(ErrorCode::kPipelineFailure, "DB text map is not 1x1x" + std::to_string(canvas_.rows) + "x" +
                                                         std::to_string(canvas_.cols));
    const cv::Mat probability(canvas_.rows, canvas_.cols, CV_32F, output_.ptr<float>());
    const cv::Mat map = probability(cv::Rect(cv::Point(), scaled));  // the padding holds no text
    cv::compare(map, kBinaryThreshold, binary_, cv::CMP_GT);
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(binary_, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
    if (contours.size() > kMaxCandidates) {
      std::partial_sort(contours.begin(), contours.begin() + kMaxCandidates, contours.end(),
                        [](const auto& a, const auto& b) { return a.size() > b.size(); });
      contours.resize(kMaxCandidates);
    }
    for (const std::vector<cv::Point>& contour : contours) {
      if (contour.size() < 3) continue;
      const cv::RotatedRect rect = cv::minAreaRect(contour);
      if (std::min(rect.size.width, rect.size.height) < kMinSide) continue;
      const float score = MeanInside(map, OrderedCorners(rect));
      if (score < kBoxThreshold) continue;
      const float w = rect.size.width, h = rect.size.height;
      const float grow = w * h * kUnclipRatio / (2 * (w + h));
      const cv::RotatedRect grown(rect.center, cv::Size2f(w + 2 * grow, h + 2 * grow), rect.angle);
      if (std::min(grown.size.width, grown.size.height) < kMinSide + 2) continue;
      TextRegion region;
      region.score = score;
      region.quad = OrderedCorners(grown);
      for (cv::Point2f& p : region.quad) p /= scale;  // may reach past the edge: the box is clipped later
      regions.push_back(region);
    }
    timings->postprocess_ms += watch.Lap();
    return regions;
  }

 private:
  cv::dnn::Net net_;
  cv::Mat canvas_;  // letterbox canvas, reused across frames
  cv::Mat normalised_;
  cv::Mat blob_;
  cv::Mat output_;
  cv::Mat binary_;
};

}  // namespace

std::unique_ptr<TextDetector> LoadDbTextDetector(const ModelSpec& spec) { return std::make_unique<DbTextDetector>(spec); }

}  // namespace framewire
