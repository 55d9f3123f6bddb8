// Yolo-Fastest 1.1 (darknet): a plain resize to the input, so boxes
// normalised to the input are normalised to the frame. DarknetHeads reads the
// [yolo] heads (darknet_heads.h: without running the Region layers where it can
// match them bit for bit).
#include <opencv2/dnn.hpp>

#include "blob.h"
#include "darknet_heads.h"
#include "models.h"
#include "nms.h"
#include "stopwatch.h"

namespace framewire {
namespace {

class DarknetYolo final : public ObjectDetector {
 public:
  explicit DarknetYolo(const ModelSpec& spec)
      : net_(cv::dnn::readNetFromDarknet(spec.config_path, spec.weights_path)),
        input_size_(spec.input_width, spec.input_height),
        heads_(net_, spec.config_path, input_size_) {
    net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  }

  std::vector<Detection> Detect(const cv::Mat& image, float to_original, const DetectOptions& options,
                                StageTimings* timings) override {
    Stopwatch watch;
    net_.setInput(packer_.Pack(image, input_size_, /*swap_rb=*/true), "", 1.0 / 255.0);  // 8-bit in, scaled by the net
    net_.forward(outputs_, heads_.output_names());
    timings->inference_ms += watch.Lap();

    std::vector<Candidate> candidates;
    heads_.Collect(outputs_, image.cols * to_original, image.rows * to_original, options, &candidates);
    auto detections = SuppressPerClass(candidates, options.score_threshold, options.nms_threshold);
    timings->postprocess_ms += watch.Lap();
    return detections;
  }

 private:
  cv::dnn::Net net_;
  cv::Size input_size_;
  DarknetHeads heads_;           // after net_ and input_size_, which it reads
  BlobPacker packer_;            // its blob and scratch are reused across frames
  std::vector<cv::Mat> outputs_;
};

}  // namespace

std::unique_ptr<ObjectDetector> LoadDarknetYolo(const ModelSpec& spec) { return std::make_unique<DarknetYolo>(spec); }

}  // namespace framewire
