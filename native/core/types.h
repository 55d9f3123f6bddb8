// Plain data shared by the core and its callers (the N-API layer, the C++
// benchmark loop). No OpenCV types leak into results so they copy cheaply.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace framewire {

enum class ModelFormat { kDarknetYolo, kYoloX, kYuNet, kDbText, kTesseract };
enum class NodeKind { kDetector, kFaces, kText };

struct ModelSpec {
  std::string id;
  ModelFormat format = ModelFormat::kDarknetYolo;
  std::string config_path;   // darknet .cfg; empty for ONNX models
  std::string weights_path;  // .weights or .onnx
  int input_width = 0;       // network input (detectors) or the largest size a face frame is scaled to fit
  int input_height = 0;
  std::vector<std::string> labels;  // class id -> label; empty for face models
};

struct NodeSpec {
  std::string id;
  NodeKind kind = NodeKind::kDetector;
  size_t model_index = 0;  // into EngineSpec::models
  float score_threshold = 0.25f;
  float nms_threshold = 0.45f;
  std::vector<int> class_filter;  // empty keeps every class
  // Text nodes only (text_reader.h): the recognizer model, the cap on lines
  // recognised per frame, and the earlier detector node whose boxes bound the
  // search (-1: the whole frame).
  size_t recognizer_index = 0;
  int max_lines = 0;
  int within_node = -1;
};

// What one request asked for beyond its pipeline (REST query, stream connect URL). The defaults change nothing.
struct FrameOverrides {
  float min_score = -1;              // >= 0: replaces every node's score threshold
  std::vector<std::string> classes;  // not empty: only detections with these labels (faces are kept)
};

struct PipelineSpec {
  std::string id;
  std::vector<NodeSpec> nodes;
};

struct EngineSpec {
  std::vector<ModelSpec> models;
  std::vector<PipelineSpec> pipelines;
  int slots = 1;               // concurrent frames; one cv::dnn::Net per model per slot
  int threads = 1;             // cv::setNumThreads, process-wide
  int64_t max_pixels = 40000000;
  int decode_deadline_ms = 1000;  // JpegDecoderLimits::deadline_ms; 0 = none
  bool scaled_decode = true;   // allow libjpeg 1/2 and 1/4 decode when every model input fits
  bool core_sharing = true;    // Framewire's parallel_for_ backend (parallel_backend.h), else OpenCV's own
};

struct Box {
  float x = 0, y = 0, width = 0, height = 0;
};

struct Detection {
  std::string label;  // from the model's label file; "class_N" when the file is short
  int class_id = 0;
  float score = 0;
  Box box;
};

struct Face {
  float score = 0;
  Box box;
  std::array<float, 10> landmarks{};  // 5 (x, y) pairs: eyes, nose tip, mouth corners
};

// One line of text: words separated by spaces. `quad` is its corners
// (x, y) x 4 clockwise from the top-left of the text; `box` its bounding box.
struct TextLine {
  std::string text;
  float score = 0;
  Box box;
  std::array<float, 8> quad{};
};

struct StageTimings {
  double decode_ms = 0;
  double inference_ms = 0;  // preprocess + forward, summed over nodes
  double postprocess_ms = 0;
  double total_ms = 0;
};

struct FrameResult {
  int width = 0;   // original frame size; every box is in these pixels
  int height = 0;
  bool has_detections = false;
  bool has_faces = false;
  bool has_texts = false;
  bool texts_truncated = false;  // a text node found more lines than its max_lines
  std::vector<Detection> detections;
  std::vector<Face> faces;
  std::vector<TextLine> texts;
  StageTimings timings;
  int decode_warnings = 0;  // corrupt-data warnings libjpeg raised while decoding this frame (decoded anyway)
};

}  // namespace framewire
