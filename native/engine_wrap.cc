#include "engine_wrap.h"

#include "spec_reader.h"
#include "frame_completions.h"
#include "workers.h"

namespace framewire {

Napi::Function EngineWrap::Define(Napi::Env env) {
  return DefineClass(env, "Engine",
                     {InstanceMethod<&EngineWrap::Load>("load"), InstanceMethod<&EngineWrap::Infer>("infer")});
}

EngineWrap::EngineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineWrap>(info) {
  const char* usage = "Engine(spec, {ok, failed}): a spec object and the two outcome constructors required";
  if (info.Length() != 2 || !info[0].IsObject() || !info[1].IsObject()) throw Napi::TypeError::New(info.Env(), usage);
  const Napi::Object outcomes = info[1].As<Napi::Object>();
  const Napi::Value ok = outcomes.Get("ok");
  const Napi::Value failed = outcomes.Get("failed");
  if (!ok.IsFunction() || !failed.IsFunction()) throw Napi::TypeError::New(info.Env(), usage);
  try {
    engine_ = std::make_shared<Engine>(ReadEngineSpec(info[0].As<Napi::Object>()));
    completions_ = std::make_shared<FrameCompletions>(info.Env(), ok.As<Napi::Function>(), failed.As<Napi::Function>());
  } catch (const EngineError& e) {
    throw Napi::TypeError::New(info.Env(), std::string("engine spec: ") + e.what());
  }
}

Napi::Value EngineWrap::Load(const Napi::CallbackInfo& info) {
  if (load_started_) throw Napi::Error::New(info.Env(), "Engine.load() may be called once");
  load_started_ = true;
  auto* worker = new LoadWorker(info.Env(), engine_);  // AsyncWorker deletes itself after OnOK/OnError
  return worker->Queue();
}

Napi::Value EngineWrap::Infer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || info.Length() > 3 || !info[0].IsNumber() || !info[1].IsBuffer() ||
      (info.Length() == 3 && !info[2].IsObject() && !info[2].IsUndefined()))
    throw Napi::TypeError::New(env, "infer(pipelineIndex: number, frame: Buffer, overrides?: {minScore?, classes?})");
  const int64_t index = info[0].As<Napi::Number>().Int64Value();
  if (index < 0 || static_cast<size_t>(index) >= engine_->spec().pipelines.size())
    throw Napi::RangeError::New(env, "infer: no pipeline at index " + std::to_string(index));
  if (!engine_->loaded()) throw Napi::Error::New(env, "infer: engine not loaded (await load() first)");
  auto call = std::make_unique<InferCall>(env, engine_, completions_, static_cast<size_t>(index), info[1].As<Napi::Buffer<uint8_t>>());
  if (info.Length() == 3 && info[2].IsObject()) call->overrides = ReadFrameOverrides(info[2].As<Napi::Object>());
  Napi::Promise promise = call->deferred.Promise();
  completions_->Started(env);
  try {
    engine_->Submit(call.get(), completions_.get());
  } catch (const EngineError& e) {  // misuse only (engine stopping): frame failures come back as data
    completions_->Abandoned(env);
    throw Napi::Error::New(env, std::string("infer: ") + e.what());
  }
  call.release();  // owned by the engine until FrameCompletions::Settle takes it back
  return promise;
}

}  // namespace framewire
