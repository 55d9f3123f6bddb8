// How a frame's promise is settled: straight from the slot thread that ran it,
// through one thread-safe function per engine, instead of a libuv pool thread
// parked on a future for every frame. The slot thread hands the finished
// baton to the JS thread and goes on to its next frame.
#pragma once

#include <memory>

#include <napi.h>

#include "core/engine.h"

namespace framewire {

struct InferCall;

class FrameCompletions final : public FrameSink {
 public:
  // Main thread. The thread-safe function starts unreferenced: an idle engine
  // does not keep the process alive. `ok` and `failed` build a frame's outcome
  // object from its parts (src/native/binding.ts): a JS object literal gets
  // its shape at once, where five Sets from C++ made V8 search the empty
  // object's transitions per key, half of Settle's time in a profile at
  // saturation (bench/RESULTS.md).
  FrameCompletions(Napi::Env env, Napi::Function ok, Napi::Function failed);
  ~FrameCompletions();  // main thread (the last owner is a wrapper or a settled call)
  FrameCompletions(const FrameCompletions&) = delete;
  FrameCompletions& operator=(const FrameCompletions&) = delete;

  // Main thread: a frame was submitted. While any frame is in flight the
  // event loop stays alive to settle it.
  void Started(Napi::Env env);
  // Main thread: the submission failed after Started.
  void Abandoned(Napi::Env env);

  // Slot thread: queues the job for Settle on the JS thread.
  void FrameDone(FrameJob* job) override;

 private:
  // Who is gone first, this object or Node's thread-safe function: at
  // environment teardown Node finalizes the function before it destroys the
  // JS wrapper that owns us, and releasing it then would touch freed memory.
  // Main thread only; shared with the function's finalizer.
  struct Lifetime {
    bool tsfn_finalized = false;
  };
  using LifetimeRef = std::shared_ptr<Lifetime>;
  static void Settle(Napi::Env env, Napi::Function unused, FrameCompletions* self, InferCall* call);
  static void TsfnFinalized(Napi::Env env, LifetimeRef* lifetime, FrameCompletions* self);
  void Finished(Napi::Env env);

  LifetimeRef lifetime_ = std::make_shared<Lifetime>();
  Napi::TypedThreadSafeFunction<FrameCompletions, InferCall, &FrameCompletions::Settle> tsfn_;
  size_t in_flight_ = 0;  // main thread only
  Napi::FunctionReference ok_;      // main thread only: (json, decodeMs, inferenceMs, totalMs, decodeWarnings)
  Napi::FunctionReference failed_;  // main thread only: (error, message)
};

// One inference call: the plain baton the engine fills, plus what the JS side
// needs to settle it. Created and destroyed on the main thread; the slot
// thread only touches the FrameJob part.
struct InferCall : FrameJob {
  InferCall(Napi::Env env, std::shared_ptr<Engine> engine, std::shared_ptr<FrameCompletions> completions,
            size_t pipeline, Napi::Buffer<uint8_t> frame);

  Napi::Promise::Deferred deferred;
  // Pins the caller's Buffer for the life of the job instead of copying it:
  // V8 cannot collect or move its backing store while this reference lives,
  // so the slot thread may read FrameJob::data.
  Napi::Reference<Napi::Buffer<uint8_t>> pinned_frame;
  // Keep the engine (its slot threads) and the completion channel alive while
  // the frame is in flight, even if the JS wrapper is collected meanwhile.
  std::shared_ptr<Engine> engine;
  std::shared_ptr<FrameCompletions> completions;
};

}  // namespace framewire
