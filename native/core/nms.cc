#include "nms.h"

#include <algorithm>

#include <opencv2/dnn.hpp>

namespace framewire {

bool ClassAllowed(const std::vector<int>& class_filter, int class_id) {
  return class_filter.empty() ||
         std::find(class_filter.begin(), class_filter.end(), class_id) != class_filter.end();
}

std::vector<Detection> SuppressPerClass(const std::vector<Candidate>& candidates, float score_threshold,
                                        float nms_threshold) {
  if (candidates.empty()) return {};
  // Shift each class into its own region of the plane so one NMSBoxes call
  // cannot let a box of one class suppress a box of another. The region is
  // the boxes' whole extent, negative coordinates included (a box hanging off
  // the top-left edge must not reach into another class's region).
  float low = 0, high = 1;
  for (const Candidate& c : candidates) {
    low = std::min({low, c.box.x, c.box.y});
    high = std::max({high, c.box.x + c.box.width, c.box.y + c.box.height});
  }
  const double span = static_cast<double>(high) - low + 1;
  std::vector<cv::Rect2d> shifted;
  std::vector<float> scores;
  shifted.reserve(candidates.size());
  scores.reserve(candidates.size());
  for (const Candidate& c : candidates) {
    const double offset = static_cast<double>(c.class_id) * span - low;
    shifted.emplace_back(c.box.x + offset, c.box.y + offset, c.box.width, c.box.height);
    scores.push_back(c.score);
  }
  std::vector<int> keep;
  cv::dnn::NMSBoxes(shifted, scores, score_threshold, nms_threshold, keep);
  std::vector<Detection> out;
  out.reserve(keep.size());
  for (int i : keep) out.push_back({std::string(), candidates[i].class_id, candidates[i].score, candidates[i].box});
  std::sort(out.begin(), out.end(), [](const Detection& a, const Detection& b) { return a.score > b.score; });
  return out;
}

}  // namespace framewire
