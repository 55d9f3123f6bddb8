// 8-bit BGR image -> NCHW 8-bit blob for cv::dnn, for one worker thread.
//
// The engine hands the network 8-bit blobs and lets the network's input layer
// scale them: net.setInput(blob, "", scale). cv::dnn's input layer (OpenCV
// 4.6, DataLayer) converts an 8-bit blob to float times `scale` in the one
// pass it makes over every input anyway, and setInput's own copy of the blob
// moves a quarter of the bytes. The network sees exactly the float input that
// cv::dnn::blobFromImage(image, scale, size, cv::Scalar(), swap_rb, false,
// CV_32F) would have given it: test/native/blob_packer.cc checks the blob
// against blobFromImage's 8-bit one byte for byte, and both detectors'
// outputs (Yolo-Fastest, YOLOX-nano) on both inputs bit for bit, on real
// frames.
//
// Cost (bench/out/blob_ab, bench/RESULTS.md "The 8-bit input blob"): on
// 768x576 vtest frames -> 320x320, input + forward is 0.25-0.34 ms a frame
// cheaper than through blobFromImage, and the same within +-0.06 ms as the
// float blob this packer used to build (split once, each plane converted and
// scaled straight into the blob). The 8-bit blob is kept because it is the
// smaller of the two: no float conversion here at all.
#pragma once

#include <opencv2/core.hpp>

namespace framewire {

// Not thread-safe: own one per model instance (each lives on one slot).
class BlobPacker {
 public:
  // Resizes `bgr` (CV_8UC3) to `size` with INTER_LINEAR unless it already has
  // that size (as blobFromImage does with crop=false), then splits it into a
  // 1 x 3 x height x width CV_8U blob, channels in R, G, B order when
  // `swap_rb`, else B, G, R. The returned blob is reused by the next call.
  const cv::Mat& Pack(const cv::Mat& bgr, cv::Size size, bool swap_rb);

 private:
  cv::Mat resized_;  // reused across frames
  cv::Mat blob_;     // reused across frames
};

}  // namespace framewire
