// Base for every job: a Napi::AsyncWorker that settles a Promise. Subclasses
// keep their inputs and outputs in a plain baton and never touch Napi types
// in Execute (it runs on a libuv pool thread).
#pragma once

#include <string>

#include <napi.h>

#include "core/errors.h"

namespace framewire {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  Napi::Promise Queue() {
    Napi::Promise promise = deferred_.Promise();
    Napi::AsyncWorker::Queue();
    return promise;
  }

 protected:
  PromiseWorker(Napi::Env env, const char* name) : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)) {}

  // Runs `body` and turns every failure into a coded error for OnError.
  template <typename Body>
  void Guard(Body&& body) {
    try {
      body();
    } catch (const EngineError& e) {
      code_ = ErrorCodeName(e.code());
      SetError(e.what());
    } catch (const std::exception& e) {
      code_ = "internal_error";
      SetError(e.what());
    }
  }

  void OnError(const Napi::Error& error) override {
    Napi::Error coded = Napi::Error::New(Env(), error.Message());
    coded.Set("code", Napi::String::New(Env(), code_));
    deferred_.Reject(coded.Value());
  }

  Napi::Promise::Deferred deferred_;

 private:
  std::string code_ = "internal_error";
};

}  // namespace framewire
