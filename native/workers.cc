#include "workers.h"

#include <cmath>

namespace framewire {
namespace {

double Round(double value, double scale) { return std::round(value * scale) / scale; }

Napi::Object BoxObject(Napi::Env env, const Box& box) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("x", std::round(box.x));
  out.Set("y", std::round(box.y));
  out.Set("width", std::round(box.width));
  out.Set("height", std::round(box.height));
  return out;
}

// Builds the public result schema once, natively, so JS only serialises it.
Napi::Object ResultObject(Napi::Env env, const std::string& pipeline_id, const FrameResult& r) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("pipeline_id", pipeline_id);
  Napi::Object image = Napi::Object::New(env);
  image.Set("width", r.width);
  image.Set("height", r.height);
  out.Set("image", image);
  if (r.has_detections) {
    Napi::Array detections = Napi::Array::New(env, r.detections.size());
    for (size_t i = 0; i < r.detections.size(); ++i) {
      const Detection& d = r.detections[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("label", d.label);
      o.Set("class_id", d.class_id);
      o.Set("score", Round(d.score, 1e4));
      o.Set("box", BoxObject(env, d.box));
      detections.Set(static_cast<uint32_t>(i), o);
    }
    out.Set("detections", detections);
  }
  if (r.has_faces) {
    Napi::Array faces = Napi::Array::New(env, r.faces.size());
    for (size_t i = 0; i < r.faces.size(); ++i) {
      const Face& f = r.faces[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("score", Round(f.score, 1e4));
      o.Set("box", BoxObject(env, f.box));
      Napi::Array landmarks = Napi::Array::New(env, 5);
      for (uint32_t k = 0; k < 5; ++k) {
        Napi::Array point = Napi::Array::New(env, 2);
        point.Set(0u, std::round(f.landmarks[2 * k]));
        point.Set(1u, std::round(f.landmarks[2 * k + 1]));
        landmarks.Set(k, point);
      }
      o.Set("landmarks", landmarks);
      faces.Set(static_cast<uint32_t>(i), o);
    }
    out.Set("faces", faces);
  }
  Napi::Object timings = Napi::Object::New(env);
  timings.Set("decode", Round(r.timings.decode_ms, 100));
  timings.Set("inference", Round(r.timings.inference_ms, 100));
  timings.Set("postprocess", Round(r.timings.postprocess_ms, 100));
  timings.Set("total", Round(r.timings.total_ms, 100));
  out.Set("timings_ms", timings);
  return out;
}

}  // namespace

LoadWorker::LoadWorker(Napi::Env env, std::shared_ptr<Engine> engine)
    : PromiseWorker(env, "framewire:load"), engine_(std::move(engine)) {}

void LoadWorker::Execute() {
  Guard([&] { engine_->Load(); });
}

void LoadWorker::OnOK() { deferred_.Resolve(Env().Undefined()); }

InferWorker::InferWorker(Napi::Env env, std::shared_ptr<Engine> engine, size_t pipeline_index,
                         Napi::Buffer<uint8_t> frame)
    : PromiseWorker(env, "framewire:infer"),
      engine_(std::move(engine)),
      pinned_frame_(Napi::Persistent(frame)),
      baton_{pipeline_index, frame.Data(), frame.Length(), {}} {}

void InferWorker::Execute() {
  Guard([&] { baton_.result = engine_->Run(baton_.pipeline_index, baton_.data, baton_.size); });
}

void InferWorker::OnOK() {
  const std::string& id = engine_->spec().pipelines[baton_.pipeline_index].id;
  deferred_.Resolve(ResultObject(Env(), id, baton_.result));
}

}  // namespace framewire
