#include "text_reader.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "stopwatch.h"

namespace framewire {
namespace {

float Distance(const cv::Point2f& a, const cv::Point2f& b) { return std::hypot(a.x - b.x, a.y - b.y); }

// Top to bottom, then left to right within a line: PaddleOCR's sorted_boxes
// (regions whose tops are within 10 px are on the same line).
void SortReadingOrder(std::vector<TextRegion>* regions) {
  std::sort(regions->begin(), regions->end(), [](const TextRegion& a, const TextRegion& b) {
    return a.quad[0].y != b.quad[0].y ? a.quad[0].y < b.quad[0].y : a.quad[0].x < b.quad[0].x;
  });
  for (size_t i = 1; i < regions->size(); ++i)
    for (size_t j = i; j > 0; --j) {
      TextRegion& prev = (*regions)[j - 1];
      TextRegion& cur = (*regions)[j];
      if (std::abs(cur.quad[0].y - prev.quad[0].y) >= 10 || cur.quad[0].x >= prev.quad[0].x) break;
      std::swap(prev, cur);
    }
}

}  // namespace

cv::Mat UprightTextCrop(const cv::Mat& image, const std::array<cv::Point2f, 4>& q) {
  const int width = std::max(1, cvRound(std::max(Distance(q[0], q[1]), Distance(q[3], q[2]))));
  const int height = std::max(1, cvRound(std::max(Distance(q[0], q[3]), Distance(q[1], q[2]))));
  const cv::Point2f target[4] = {{0, 0}, {static_cast<float>(width), 0},
                                 {static_cast<float>(width), static_cast<float>(height)}, {0, static_cast<float>(height)}};
  const cv::Mat transform = cv::getPerspectiveTransform(q.data(), target);
  cv::Mat crop;
  cv::warpPerspective(image, crop, transform, cv::Size(width, height), cv::INTER_CUBIC, cv::BORDER_REPLICATE);
  if (height >= 1.5 * width) cv::rotate(crop, crop, cv::ROTATE_90_COUNTERCLOCKWISE);
  return crop;
}

bool ReadText(TextDetector& detector, TextRecognizer& recognizer, const cv::Mat& image, const cv::Rect& region,
              float to_original, float min_score, int* lines_left, StageTimings* timings, std::vector<TextLine>* out) {
  const cv::Rect area = region & cv::Rect(0, 0, image.cols, image.rows);
  if (area.width < 1 || area.height < 1) return false;
  std::vector<TextRegion> regions = detector.Detect(image(area), timings);
  const cv::Point2f offset(static_cast<float>(area.x), static_cast<float>(area.y));
  for (TextRegion& r : regions)
    for (cv::Point2f& p : r.quad) p += offset;
  SortReadingOrder(&regions);
  const size_t budget = static_cast<size_t>(std::max(0, *lines_left));
  const bool truncated = regions.size() > budget;
  if (truncated) regions.resize(budget);
  *lines_left -= static_cast<int>(regions.size());

  Stopwatch watch;
  for (const TextRegion& r : regions) {
    RecognizedText read = recognizer.Recognize(UprightTextCrop(image, r.quad));
    if (read.text.empty() || read.score < min_score) continue;
    TextLine line;
    line.text = std::move(read.text);
    line.score = read.score;
    float x1 = r.quad[0].x, y1 = r.quad[0].y, x2 = x1, y2 = y1;
    for (size_t k = 0; k < 4; ++k) {
      const cv::Point2f p = r.quad[k] * to_original;
      line.quad[2 * k] = p.x;
      line.quad[2 * k + 1] = p.y;
      if (k == 0) x1 = x2 = p.x, y1 = y2 = p.y;
      x1 = std::min(x1, p.x), x2 = std::max(x2, p.x), y1 = std::min(y1, p.y), y2 = std::max(y2, p.y);
    }
    line.box = {x1, y1, x2 - x1, y2 - y1};  // clipped to the frame with every other box
    out->push_back(std::move(line));
  }
  timings->inference_ms += watch.Lap();  // recognition is a model run
  return truncated;
}

}  // namespace framewire
