#include "darknet_heads.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <opencv2/dnn/all_layers.hpp>

namespace framewire {
namespace {

constexpr int kFirstClassColumn = 5;  // x, y, w, h, objectness, then the classes

// The Region layer's own logistic (OpenCV 4.6 region_layer.cpp): float in,
// float exp, float out. Any other form (a double exp) changes some last bits.
inline float Logistic(float x) { return 1.F / (1.F + std::exp(-x)); }

std::string Trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// The head sections of a darknet cfg, in order: their type ("yolo" or
// "region") and keys, as OpenCV's darknet reader sees them (key=value lines,
// '#' and ';' start comments).
struct CfgHead {
  std::string type;
  float thresh = 0.2f;  // OpenCV's default for [yolo]
  float scale_x_y = 1.0f;
  int new_coords = 0;
};

std::vector<CfgHead> ReadHeads(const std::string& cfg_path) {
  std::ifstream in(cfg_path);
  std::vector<CfgHead> heads;
  bool in_head = false;
  for (std::string line; std::getline(in, line);) {
    line = Trim(line.substr(0, line.find_first_of("#;")));
    if (line.empty()) continue;
    if (line.front() == '[') {
      const std::string type = line.substr(1, line.find(']') - 1);
      in_head = type == "yolo" || type == "region";
      if (in_head) heads.push_back({type});
      continue;
    }
    const auto eq = line.find('=');
    if (!in_head || eq == std::string::npos) continue;
    const std::string key = Trim(line.substr(0, eq)), value = Trim(line.substr(eq + 1));
    if (key == "thresh") heads.back().thresh = std::stof(value);
    if (key == "scale_x_y") heads.back().scale_x_y = std::stof(value);
    if (key == "new_coords") heads.back().new_coords = std::stoi(value);
  }
  return heads;
}

}  // namespace

DarknetHeads::DarknetHeads(cv::dnn::Net& net, const std::string& cfg_path, cv::Size input_size,
                           bool use_region_layers)
    : output_names_(net.getUnconnectedOutLayersNames()) {
  if (use_region_layers || input_size.width != input_size.height) return;
  const std::vector<CfgHead> cfg = ReadHeads(cfg_path);
  if (cfg.size() != output_names_.size() || cfg.empty()) return;
  for (const CfgHead& h : cfg) {
    if (h.type != "yolo" || h.new_coords != 0 || h.thresh != cfg[0].thresh || h.scale_x_y != cfg[0].scale_x_y) return;
  }
  std::vector<cv::String> permutes;
  std::vector<Head> heads;
  for (const cv::String& name : output_names_) {
    const int id = net.getLayerId(name);
    const cv::Ptr<cv::dnn::Layer> layer = net.getLayer(id);
    const auto* region = dynamic_cast<const cv::dnn::RegionLayer*>(layer.get());
    if (!region || region->nmsThreshold != 0 || layer->blobs.size() != 1) return;
    const std::vector<cv::Ptr<cv::dnn::Layer>> inputs = net.getLayerInputs(id);
    if (inputs.empty() || inputs[0]->type != "Permute") return;
    const cv::Mat& anchors = layer->blobs[0];
    if (anchors.type() != CV_32F || anchors.total() < 2 || anchors.total() % 2 != 0) return;
    permutes.push_back(inputs[0]->name);
    heads.push_back({std::vector<float>(anchors.ptr<float>(), anchors.ptr<float>() + anchors.total())});
  }
  skip_region_ = true;
  output_names_ = std::move(permutes);
  heads_ = std::move(heads);
  thresh_ = cfg[0].thresh;
  scale_x_y_ = cfg[0].scale_x_y;
  input_side_ = input_size.width;
}

void DarknetHeads::Collect(const std::vector<cv::Mat>& outputs, float frame_w, float frame_h,
                           const DetectOptions& options, std::vector<Candidate>* candidates) const {
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (skip_region_) {
      CollectHead(outputs[i], heads_[i], frame_w, frame_h, options, candidates);
    } else {
      CollectRegionRows(outputs[i], frame_w, frame_h, options, candidates);
    }
  }
}

// A Region layer's output: rows of cx, cy, w, h (normalised), objectness, then
// class scores already times objectness and cut at thresh.
void DarknetHeads::CollectRegionRows(const cv::Mat& out, float frame_w, float frame_h, const DetectOptions& options,
                                     std::vector<Candidate>* candidates) const {
  for (int r = 0; r < out.rows; ++r) {
    const float* row = out.ptr<float>(r);
    // The first highest class score, as cv::minMaxLoc finds it, without a
    // cv::Mat header and a call per row.
    const float* best = std::max_element(row + kFirstClassColumn, row + out.cols);
    const int class_id = static_cast<int>(best - (row + kFirstClassColumn));
    if (*best < options.score_threshold || !ClassAllowed(*options.class_filter, class_id)) continue;
    const float w = row[2] * frame_w, h = row[3] * frame_h;
    candidates->push_back({class_id, *best, {row[0] * frame_w - w / 2, row[1] * frame_h - h / 2, w, h}});
  }
}

// A Permute output: 1 x rows x cols x (anchors x cell), raw. Each expression
// below is the Region layer's, in the same float types, so the score and the
// box come out bit-identical to its output row.
void DarknetHeads::CollectHead(const cv::Mat& permuted, const Head& head, float frame_w, float frame_h,
                               const DetectOptions& options, std::vector<Candidate>* candidates) const {
  const int rows = permuted.size[1], cols = permuted.size[2];
  const int anchors = static_cast<int>(head.anchors.size() / 2);
  const int cell = permuted.size[3] / anchors;
  const float* data = permuted.ptr<float>();
  for (int index = 0; index < rows * cols * anchors; ++index) {
    const float* raw = data + static_cast<size_t>(index) * cell;
    const float* classes = raw + kFirstClassColumn;
    const float objectness = Logistic(raw[4]);
    const float* best_raw = std::max_element(classes, raw + cell);
    const float top = objectness * Logistic(*best_raw);
    // The Region layer zeroes every class score at or below thresh; the first
    // highest of its row is then class 0 at 0.
    int class_id = 0;
    float score = 0;
    if (top > thresh_) {
      // The Region row's first highest score: the first class whose score
      // rounds to `top` (a lower raw score can round to the same float); at
      // the latest the first best raw score.
      score = top;
      const int best_class = static_cast<int>(best_raw - classes);
      while (class_id < best_class && objectness * Logistic(classes[class_id]) != top) ++class_id;
    }
    if (score < options.score_threshold || !ClassAllowed(*options.class_filter, class_id)) continue;
    const int a = index % anchors, x = (index / anchors) % cols, y = index / (anchors * cols);
    const float x_tmp = (Logistic(raw[0]) - 0.5f) * scale_x_y_ + 0.5f;
    const float y_tmp = (Logistic(raw[1]) - 0.5f) * scale_x_y_ + 0.5f;
    const float cx = (x + x_tmp) / cols, cy = (y + y_tmp) / rows;
    const float bw = std::exp(raw[2]) * head.anchors[2 * a] / input_side_;
    const float bh = std::exp(raw[3]) * head.anchors[2 * a + 1] / input_side_;
    const float w = bw * frame_w, h = bh * frame_h;
    candidates->push_back({class_id, score, {cx * frame_w - w / 2, cy * frame_h - h / 2, w, h}});
  }
}

}  // namespace framewire
