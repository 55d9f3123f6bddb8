// The model families the engine runs. One instance owns one cv::dnn::Net (or
// FaceDetectorYN) and is only ever used by one thread at a time: the engine
// gives every worker slot its own instances.
#pragma once

#include <memory>
#include <vector>

#include <opencv2/core.hpp>

#include "types.h"

namespace framewire {

struct DetectOptions {
  float score_threshold;
  float nms_threshold;
  const std::vector<int>* class_filter;
};

// Boxes come back in the pixels of `image` scaled by `to_original` (the
// decode reduction), i.e. in original-frame pixels.
class ObjectDetector {
 public:
  virtual ~ObjectDetector() = default;
  virtual std::vector<Detection> Detect(const cv::Mat& image, float to_original, const DetectOptions& options,
                                        StageTimings* timings) = 0;
};

class FaceDetector {
 public:
  virtual ~FaceDetector() = default;
  virtual std::vector<Face> Detect(const cv::Mat& image, float to_original, const DetectOptions& options,
                                   StageTimings* timings) = 0;
};

std::unique_ptr<ObjectDetector> LoadDarknetYolo(const ModelSpec& spec);
std::unique_ptr<ObjectDetector> LoadYoloX(const ModelSpec& spec);
std::unique_ptr<FaceDetector> LoadYuNet(const ModelSpec& spec);

}  // namespace framewire
