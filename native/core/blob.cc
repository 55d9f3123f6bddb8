#include "blob.h"

#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace framewire {

const cv::Mat& BlobPacker::Pack(const cv::Mat& bgr, cv::Size size, bool swap_rb) {
  if (bgr.type() != CV_8UC3) throw std::invalid_argument("BlobPacker::Pack needs an 8-bit 3-channel image");
  const cv::Mat* source = &bgr;
  if (bgr.size() != size) {
    cv::resize(bgr, resized_, size, 0, 0, cv::INTER_LINEAR);
    source = &resized_;
  }
  const int shape[] = {1, 3, size.height, size.width};
  blob_.create(4, shape, CV_8U);  // no-op once the shape has been seen
  // The blob's three planes as headers over its memory: cv::split writes into
  // them in place (they already have the right size and type).
  cv::Mat planes[3];
  for (int c = 0; c < 3; ++c) planes[c] = cv::Mat(size, CV_8U, blob_.ptr<uint8_t>(0, swap_rb ? 2 - c : c));
  cv::split(*source, planes);
  return blob_;
}

}  // namespace framewire
