#pragma once

#include <memory>

#include <napi.h>

#include "core/engine.h"
#include "promise_worker.h"

namespace framewire {

// Loads and warms every model on every slot: seconds of work kept off the
// event loop, once per engine. (Frames do not use the libuv pool: see
// frame_completions.h.)
class LoadWorker final : public PromiseWorker {
 public:
  LoadWorker(Napi::Env env, std::shared_ptr<Engine> engine);

 private:
  void Execute() override;
  void OnOK() override;
  std::shared_ptr<Engine> engine_;
};

}  // namespace framewire
