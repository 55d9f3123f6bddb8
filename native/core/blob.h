// 8-bit BGR image -> NCHW float blob for cv::dnn, for one worker thread.
//
// The result is bit-identical to cv::dnn::blobFromImage(image, blob, scale,
// size, cv::Scalar(), swap_rb, /*crop=*/false, CV_32F) for 8-bit 3-channel
// input (test/native/blob_packer.cc checks that on real frames), at about
// half its cost: blobFromImage (OpenCV 4.6) converts the resized image to a
// fresh float image, multiplies it by the scale in a second pass and splits
// it into the blob in a third; here the 8-bit image is split into reused
// planes and each plane is converted and scaled once, straight into its
// place in the blob. On 768x576 vtest frames to 320x320: 0.30 against
// 0.58 ms a frame (bench/RESULTS.md, "An engine cheaper than the loop").
#pragma once

#include <opencv2/core.hpp>

namespace framewire {

// Not thread-safe: own one per model instance (each lives on one slot).
class BlobPacker {
 public:
  // Resizes `bgr` (CV_8UC3) to `size` with INTER_LINEAR unless it already has
  // that size, then packs it as 1 x 3 x height x width CV_32F, each value
  // times `scale`, channels in R, G, B order when `swap_rb`, else B, G, R.
  // The returned blob is reused by the next call.
  const cv::Mat& Pack(const cv::Mat& bgr, cv::Size size, double scale, bool swap_rb);

 private:
  cv::Mat resized_;    // reused across frames
  cv::Mat planes_[3];  // the 8-bit B, G and R planes, reused across frames
  cv::Mat blob_;       // reused across frames
};

}  // namespace framewire
