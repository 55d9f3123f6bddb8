#include "spec_reader.h"

namespace framewire {
namespace {

Napi::Value Field(const Napi::Object& obj, const char* name) {
  Napi::Value v = obj.Get(name);
  if (v.IsUndefined()) throw Napi::TypeError::New(obj.Env(), std::string("engine spec: missing field ") + name);
  return v;
}

std::string String(const Napi::Object& obj, const char* name) {
  Napi::Value v = Field(obj, name);
  if (!v.IsString()) throw Napi::TypeError::New(obj.Env(), std::string("engine spec: ") + name + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

double Number(const Napi::Object& obj, const char* name) {
  Napi::Value v = Field(obj, name);
  if (!v.IsNumber()) throw Napi::TypeError::New(obj.Env(), std::string("engine spec: ") + name + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

Napi::Array Array(const Napi::Object& obj, const char* name) {
  Napi::Value v = Field(obj, name);
  if (!v.IsArray()) throw Napi::TypeError::New(obj.Env(), std::string("engine spec: ") + name + " must be an array");
  return v.As<Napi::Array>();
}

ModelFormat ReadFormat(const Napi::Object& obj) {
  const std::string format = String(obj, "format");
  if (format == "darknet_yolo") return ModelFormat::kDarknetYolo;
  if (format == "yolox") return ModelFormat::kYoloX;
  if (format == "yunet") return ModelFormat::kYuNet;
  if (format == "db_text") return ModelFormat::kDbText;
  if (format == "tesseract") return ModelFormat::kTesseract;
  throw Napi::TypeError::New(obj.Env(), "engine spec: unknown model format " + format);
}

}  // namespace

EngineSpec ReadEngineSpec(const Napi::Object& js) {
  EngineSpec spec;
  spec.slots = static_cast<int>(Number(js, "slots"));
  spec.threads = static_cast<int>(Number(js, "threads"));
  spec.max_pixels = static_cast<int64_t>(Number(js, "maxPixels"));
  spec.decode_deadline_ms = static_cast<int>(Number(js, "decodeDeadlineMs"));
  spec.scaled_decode = Field(js, "scaledDecode").ToBoolean().Value();
  spec.core_sharing = Field(js, "coreSharing").ToBoolean().Value();

  Napi::Array models = Array(js, "models");
  for (uint32_t i = 0; i < models.Length(); ++i) {
    Napi::Object m = models.Get(i).As<Napi::Object>();
    ModelSpec model;
    model.id = String(m, "id");
    model.format = ReadFormat(m);
    model.config_path = String(m, "config");
    model.weights_path = String(m, "weights");
    model.input_width = static_cast<int>(Number(m, "inputWidth"));
    model.input_height = static_cast<int>(Number(m, "inputHeight"));
    Napi::Array labels = Array(m, "labels");
    for (uint32_t k = 0; k < labels.Length(); ++k) model.labels.push_back(labels.Get(k).ToString().Utf8Value());
    spec.models.push_back(std::move(model));
  }

  Napi::Array pipelines = Array(js, "pipelines");
  for (uint32_t i = 0; i < pipelines.Length(); ++i) {
    Napi::Object p = pipelines.Get(i).As<Napi::Object>();
    PipelineSpec pipeline;
    pipeline.id = String(p, "id");
    Napi::Array nodes = Array(p, "nodes");
    for (uint32_t k = 0; k < nodes.Length(); ++k) {
      Napi::Object n = nodes.Get(k).As<Napi::Object>();
      NodeSpec node;
      node.id = String(n, "id");
      const std::string kind = String(n, "kind");
      if (kind != "detector" && kind != "faces" && kind != "text") throw Napi::TypeError::New(js.Env(), "engine spec: unknown node kind " + kind);
      node.kind = kind == "faces" ? NodeKind::kFaces : kind == "text" ? NodeKind::kText : NodeKind::kDetector;
      if (node.kind == NodeKind::kText) {
        node.recognizer_index = static_cast<size_t>(Number(n, "recognizer"));
        node.max_lines = static_cast<int>(Number(n, "maxLines"));
        node.within_node = static_cast<int>(Number(n, "within"));
      }
      node.model_index = static_cast<size_t>(Number(n, "model"));
      node.score_threshold = static_cast<float>(Number(n, "scoreThreshold"));
      node.nms_threshold = static_cast<float>(Number(n, "nmsThreshold"));
      Napi::Array filter = Array(n, "classFilter");
      for (uint32_t c = 0; c < filter.Length(); ++c) node.class_filter.push_back(filter.Get(c).ToNumber().Int32Value());
      pipeline.nodes.push_back(std::move(node));
    }
    spec.pipelines.push_back(std::move(pipeline));
  }
  return spec;
}

FrameOverrides ReadFrameOverrides(const Napi::Object& js) {
  FrameOverrides overrides;
  Napi::Value min_score = js.Get("minScore");
  if (min_score.IsNumber()) overrides.min_score = min_score.As<Napi::Number>().FloatValue();
  Napi::Value classes = js.Get("classes");
  if (classes.IsArray()) {
    Napi::Array list = classes.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); ++i) overrides.classes.push_back(list.Get(i).ToString().Utf8Value());
  }
  return overrides;
}

}  // namespace framewire
