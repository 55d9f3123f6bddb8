#include "blob.h"

#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace framewire {

const cv::Mat& BlobPacker::Pack(const cv::Mat& bgr, cv::Size size, double scale, bool swap_rb) {
  if (bgr.type() != CV_8UC3) throw std::invalid_argument("BlobPacker::Pack needs an 8-bit 3-channel image");
  const cv::Mat* source = &bgr;
  if (bgr.size() != size) {
    // Like blobFromImage with crop=false: a plain resize to the input size.
    cv::resize(bgr, resized_, size, 0, 0, cv::INTER_LINEAR);
    source = &resized_;
  }
  const int shape[] = {1, 3, size.height, size.width};
  blob_.create(4, shape, CV_32F);  // no-op once the shape has been seen
  cv::split(*source, planes_);     // reuses planes_ of the right size
  for (int c = 0; c < 3; ++c) {
    // Channel c of the source (B, G, R) lands in blob channel 2 - c when swapping.
    cv::Mat destination(size, CV_32F, blob_.ptr<float>(0, swap_rb ? 2 - c : c));
    planes_[c].convertTo(destination, CV_32F, scale);  // writes in place: same size and type
  }
  return blob_;
}

}  // namespace framewire
