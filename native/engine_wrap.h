// JS face of framewire::Engine: `new Engine(spec, {ok, failed})`, `load()` (on the libuv
// pool, once) and `infer(pipelineIndex, frame)` (queued to the engine's slot
// threads, settled from the one that ran it). Private: only
// src/native/binding.ts touches it.
#pragma once

#include <memory>

#include <napi.h>

#include "core/engine.h"
#include "frame_completions.h"

namespace framewire {

class EngineWrap : public Napi::ObjectWrap<EngineWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit EngineWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value Infer(const Napi::CallbackInfo& info);

  // Shared with every job in flight, so the engine outlives the JS wrapper if
  // it is collected while frames still run.
  std::shared_ptr<Engine> engine_;
  std::shared_ptr<FrameCompletions> completions_;
  bool load_started_ = false;
};

}  // namespace framewire
