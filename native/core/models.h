// The model families the engine runs. One instance owns one cv::dnn::Net (or
// FaceDetectorYN) and is only ever used by one thread at a time: the engine
// gives every worker slot its own instances.
#pragma once

#include <array>
#include <memory>
#include <string>
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

// Text regions in the pixels of `image` (not yet mapped to the frame).
struct TextRegion {
  std::array<cv::Point2f, 4> quad;  // clockwise from the text's top-left
  float score = 0;                  // mean text probability inside the region
};

class TextDetector {
 public:
  virtual ~TextDetector() = default;
  virtual std::vector<TextRegion> Detect(const cv::Mat& image, StageTimings* timings) = 0;
};

struct RecognizedText {
  std::string text;  // UTF-8, words separated by single spaces, no line breaks
  float score = 0;   // 0..1
};

// Reads one upright line of text (a BGR crop).
class TextRecognizer {
 public:
  virtual ~TextRecognizer() = default;
  virtual RecognizedText Recognize(const cv::Mat& line) = 0;
};

std::unique_ptr<ObjectDetector> LoadDarknetYolo(const ModelSpec& spec);
std::unique_ptr<ObjectDetector> LoadYoloX(const ModelSpec& spec);
std::unique_ptr<FaceDetector> LoadYuNet(const ModelSpec& spec);
std::unique_ptr<TextDetector> LoadDbTextDetector(const ModelSpec& spec);
std::unique_ptr<TextRecognizer> LoadTesseractRecognizer(const ModelSpec& spec);

}  // namespace framewire
