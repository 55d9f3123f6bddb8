#include "spec_file.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace framewire {

EngineSpec ReadSpecFile(const std::string& path) {
  EngineSpec spec;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read engine spec file " + path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key;
    words >> key;
    if (key == "slots") words >> spec.slots;
    else if (key == "threads") words >> spec.threads;
    else if (key == "max_pixels") words >> spec.max_pixels;
    else if (key == "decode_deadline_ms") words >> spec.decode_deadline_ms;
    else if (key == "scaled_decode") words >> spec.scaled_decode;
    else if (key == "core_sharing") words >> spec.core_sharing;
    else if (key == "model") {
      ModelSpec m;
      std::string format;
      words >> m.id >> format >> m.input_width >> m.input_height >> m.config_path >> m.weights_path;
      if (m.config_path == "-") m.config_path.clear();
      if (format == "darknet_yolo") m.format = ModelFormat::kDarknetYolo;
      else if (format == "yolox") m.format = ModelFormat::kYoloX;
      else if (format == "yunet") m.format = ModelFormat::kYuNet;
      else if (format == "db_text") m.format = ModelFormat::kDbText;
      else if (format == "tesseract") m.format = ModelFormat::kTesseract;
      else throw std::runtime_error("engine spec file " + path + ": unknown model format " + format);
      spec.models.push_back(m);
    } else if (key == "pipeline") {
      spec.pipelines.emplace_back();
      words >> spec.pipelines.back().id;
    } else if (key == "node") {
      NodeSpec n;
      std::string kind, classes;
      words >> n.id >> kind >> n.model_index >> n.score_threshold >> n.nms_threshold >> classes;
      n.kind = kind == "faces" ? NodeKind::kFaces : kind == "text" ? NodeKind::kText : NodeKind::kDetector;
      if (classes != "-") {
        std::istringstream ids(classes);
        for (std::string id; std::getline(ids, id, ',');) n.class_filter.push_back(std::stoi(id));
      }
      if (n.kind == NodeKind::kText) words >> n.recognizer_index >> n.max_lines >> n.within_node;
      if (spec.pipelines.empty()) throw std::runtime_error("engine spec file " + path + ": node before any pipeline");
      spec.pipelines.back().nodes.push_back(n);
    }
  }
  return spec;
}

}  // namespace framewire
