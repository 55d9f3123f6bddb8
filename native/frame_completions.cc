#include "frame_completions.h"

namespace framewire {

FrameCompletions::FrameCompletions(Napi::Env env, Napi::Function ok, Napi::Function failed)
    // The finalizer's own reference to lifetime_ is released by TsfnFinalized.
    : tsfn_(decltype(tsfn_)::New(env, "framewire:frame", /*maxQueueSize=*/0, /*initialThreadCount=*/1, this,
                                 &FrameCompletions::TsfnFinalized, new LifetimeRef(lifetime_))),
      ok_(Napi::Persistent(ok)),
      failed_(Napi::Persistent(failed)) {
  tsfn_.Unref(env);
}

FrameCompletions::~FrameCompletions() {
  // At environment teardown Node has already closed the function: releasing it again would abort.
  if (!lifetime_->tsfn_finalized) tsfn_.Release();
}

void FrameCompletions::TsfnFinalized(Napi::Env, LifetimeRef* lifetime, FrameCompletions*) {
  // The FrameCompletions may be gone already: only the lifetime is ours to touch here.
  const std::unique_ptr<LifetimeRef> owned(lifetime);
  (*owned)->tsfn_finalized = true;
}

void FrameCompletions::Started(Napi::Env env) {
  if (in_flight_++ == 0) tsfn_.Ref(env);
}

void FrameCompletions::Abandoned(Napi::Env env) { Finished(env); }

void FrameCompletions::Finished(Napi::Env env) {
  if (--in_flight_ == 0) tsfn_.Unref(env);
}

void FrameCompletions::FrameDone(FrameJob* job) {
  // Unbounded queue: NonBlockingCall only fails once the environment is
  // closing (process exit). The call is then left unsettled on purpose: its
  // JS handles must not be released off the main thread.
  tsfn_.NonBlockingCall(static_cast<InferCall*>(job));
}

void FrameCompletions::Settle(Napi::Env env, Napi::Function, FrameCompletions* self, InferCall* call) {
  std::unique_ptr<InferCall> owned(call);
  if (env == nullptr) {  // the environment is being torn down: no JS to settle, no handles to release
    owned.release();
    return;
  }
  Napi::Value outcome;
  try {
    // Errors are data: the promise resolves either way, so a bad frame costs
    // no exception and no stack trace.
    outcome = call->ok ? self->ok_.Call({Napi::String::New(env, call->json),
                                         Napi::Number::New(env, call->result.timings.decode_ms),
                                         Napi::Number::New(env, call->result.timings.inference_ms),
                                         Napi::Number::New(env, call->result.timings.total_ms),
                                         Napi::Number::New(env, call->result.decode_warnings)})
                       : self->failed_.Call({Napi::String::New(env, ErrorCodeName(call->error_code)),
                                             Napi::String::New(env, call->error)});
  } catch (const Napi::Error& e) {
    // binding.ts's constructors do not throw; if one did, the frame still
    // settles (runFrame's caller answers a rejection as internal_error). If
    // JS cannot run at all (a terminating worker), nothing can settle it, and
    // an exception must not leave this callback.
    try {
      call->deferred.Reject(e.Value());
    } catch (const Napi::Error&) {
    }
    self->Finished(env);
    return;
  }
  call->deferred.Resolve(outcome);
  self->Finished(env);
}

InferCall::InferCall(Napi::Env env, std::shared_ptr<Engine> engine_in, std::shared_ptr<FrameCompletions> completions_in,
                     size_t pipeline, Napi::Buffer<uint8_t> frame)
    : deferred(Napi::Promise::Deferred::New(env)),
      pinned_frame(Napi::Persistent(frame)),
      engine(std::move(engine_in)),
      completions(std::move(completions_in)) {
  pipeline_index = pipeline;
  data = frame.Data();
  size = frame.Length();
}

}  // namespace framewire
