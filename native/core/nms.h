#pragma once

#include <vector>

#include "types.h"

namespace framewire {

// A scored, classed box before suppression.
struct Candidate {
  int class_id;
  float score;
  Box box;
};

// Class-wise non-maximum suppression (OpenCV 4.6 has no NMSBoxesBatched):
// boxes of different classes never suppress each other. Result sorted by score.
std::vector<Detection> SuppressPerClass(const std::vector<Candidate>& candidates, float score_threshold,
                                        float nms_threshold);

// True when class_id passes the node's filter (an empty filter passes all).
bool ClassAllowed(const std::vector<int>& class_filter, int class_id);

}  // namespace framewire
