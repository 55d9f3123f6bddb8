// Module entry: exports the Engine class and facts about the OpenCV build.
#include <napi.h>

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>

#include <omp.h>

#include "core/parallel_backend.h"
#include "engine_wrap.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Engine", framewire::EngineWrap::Define(env));
  exports.Set("opencvVersion", Napi::String::New(env, CV_VERSION));
  // Reflects cv::setNumThreads as applied by Engine.load(): process-wide.
  exports.Set("openCvThreads", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
                return Napi::Number::New(info.Env(), cv::getNumThreads());
              }));
  // "framewire" once an engine installed the core-sharing backend, else
  // "opencv" (OpenCV's own: TBB in Debian's build).
  exports.Set("openCvParallelBackend", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
                return Napi::String::New(info.Env(), framewire::ParallelBackendName(framewire::CurrentParallelBackend()));
              }));
  // What the core-sharing backend did so far: {regions, offeredRegions, helpedRegions}.
  exports.Set("openCvParallelStats", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
                const framewire::ParallelStats stats = framewire::CurrentParallelStats();
                Napi::Object out = Napi::Object::New(info.Env());
                out.Set("regions", static_cast<double>(stats.regions));
                out.Set("offeredRegions", static_cast<double>(stats.offered_regions));
                out.Set("helpedRegions", static_cast<double>(stats.helped_regions));
                return out;
              }));
  // The OpenMP thread limit libgomp read from OMP_THREAD_LIMIT when it loaded:
  // Tesseract's LSTM runs its loops on OpenMP threads, never more than this.
  exports.Set("ompThreadLimit", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
                return Napi::Number::New(info.Env(), omp_get_thread_limit());
              }));
  return exports;
}

}  // namespace

NODE_API_MODULE(framewire, Init)
