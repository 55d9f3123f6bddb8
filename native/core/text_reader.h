// A text node: detect text regions, rectify each into an upright line crop,
// recognise it, and report lines in reading order, in frame pixels.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "models.h"
#include "types.h"

namespace framewire {

// The quad warped to an upright crop (PaddleOCR's get_rotate_crop_image):
// its longer sides become horizontal, and a region much taller than wide is
// turned a quarter so vertical text reads left to right.
cv::Mat UprightTextCrop(const cv::Mat& image, const std::array<cv::Point2f, 4>& quad);

// Reads the text inside `region` of `image` (the decoded frame). Lines are
// appended to `out` with quads and boxes in frame pixels (image pixels times
// `to_original`); lines scoring below `min_score`, or reading as nothing, are
// left out. At most *lines_left regions are recognised (in reading order),
// and *lines_left is decremented for each: the cap that bounds a frame's
// cost. Returns true when regions were left unread because of it.
bool ReadText(TextDetector& detector, TextRecognizer& recognizer, const cv::Mat& image, const cv::Rect& region,
              float to_original, float min_score, int* lines_left, StageTimings* timings, std::vector<TextLine>* out);

}  // namespace framewire
