#pragma once

#include <memory>

#include <napi.h>

#include "core/engine.h"
#include "promise_worker.h"

namespace framewire {

// Loads and warms every model on every slot: seconds of work kept off the event loop.
class LoadWorker final : public PromiseWorker {
 public:
  LoadWorker(Napi::Env env, std::shared_ptr<Engine> engine);

 private:
  void Execute() override;
  void OnOK() override;
  std::shared_ptr<Engine> engine_;
};

// One frame through one pipeline: decode, every node, post-processing.
class InferWorker final : public PromiseWorker {
 public:
  InferWorker(Napi::Env env, std::shared_ptr<Engine> engine, size_t pipeline_index, Napi::Buffer<uint8_t> frame);

 private:
  struct Baton {
    size_t pipeline_index;
    const uint8_t* data;  // borrowed from the pinned JS Buffer below
    size_t size;
    FrameResult result;
  };

  void Execute() override;
  void OnOK() override;

  std::shared_ptr<Engine> engine_;
  // Pins the caller's Buffer for the life of the job instead of copying it:
  // V8 cannot collect or move its backing store while this reference lives,
  // so Execute may read baton_.data from the pool thread.
  Napi::Reference<Napi::Buffer<uint8_t>> pinned_frame_;
  Baton baton_;
};

}  // namespace framewire
