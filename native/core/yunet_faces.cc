// YuNet via cv::FaceDetectorYN. It accepts any input size; frames larger than
// the node's input box are scaled down to fit it first, which bounds the cost
// of a 1080p frame while keeping faces of a useful size.
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "models.h"
#include "stopwatch.h"

namespace framewire {
namespace {

constexpr int kTopK = 5000;
// YuNet's feature pyramid downsamples by up to 32: an input under this on a
// side (a thumbnail, a 1-pixel-high strip) makes OpenCV throw instead of
// finding nothing. Such inputs are padded with black at the right and bottom,
// which moves no coordinate.
constexpr int kMinSide = 64;

class YuNet final : public FaceDetector {
 public:
  explicit YuNet(const ModelSpec& spec)
      : max_size_(spec.input_width, spec.input_height),
        detector_(cv::FaceDetectorYN::create(spec.weights_path, "", max_size_, 0.6f, 0.3f, kTopK)) {}

  std::vector<Face> Detect(const cv::Mat& image, float to_original, const DetectOptions& options,
                           StageTimings* timings) override {
    Stopwatch watch;
    const double fit = std::min({1.0, static_cast<double>(max_size_.width) / image.cols,
                                 static_cast<double>(max_size_.height) / image.rows});
    const cv::Mat* input = &image;
    if (fit < 1.0) {
      // At least a pixel on each side: a very thin frame would otherwise scale to nothing.
      const cv::Size fitted(std::max(1, static_cast<int>(std::lround(image.cols * fit))),
                            std::max(1, static_cast<int>(std::lround(image.rows * fit))));
      cv::resize(image, resized_, fitted, 0, 0, cv::INTER_AREA);
      input = &resized_;
    }
    if (input->cols < kMinSide || input->rows < kMinSide) {
      cv::copyMakeBorder(*input, padded_, 0, std::max(0, kMinSide - input->rows), 0, std::max(0, kMinSide - input->cols),
                         cv::BORDER_CONSTANT, cv::Scalar::all(0));
      input = &padded_;
    }
    detector_->setScoreThreshold(options.score_threshold);
    detector_->setNMSThreshold(options.nms_threshold);
    detector_->setInputSize(input->size());
    detector_->detect(*input, rows_);
    timings->inference_ms += watch.Lap();

    const float to_frame = static_cast<float>(to_original / fit);
    std::vector<Face> faces;
    faces.reserve(rows_.rows);
    for (int r = 0; r < rows_.rows; ++r) {
      const float* row = rows_.ptr<float>(r);
      Face face;
      face.box = {row[0] * to_frame, row[1] * to_frame, row[2] * to_frame, row[3] * to_frame};
      for (int i = 0; i < 10; ++i) face.landmarks[i] = row[4 + i] * to_frame;
      face.score = row[14];
      faces.push_back(face);
    }
    timings->postprocess_ms += watch.Lap();
    return faces;
  }

 private:
  cv::Size max_size_;
  cv::Ptr<cv::FaceDetectorYN> detector_;
  cv::Mat resized_;
  cv::Mat padded_;
  cv::Mat rows_;
};

}  // namespace

std::unique_ptr<FaceDetector> LoadYuNet(const ModelSpec& spec) { return std::make_unique<YuNet>(spec); }

}  // namespace framewire
