// The native engine: owns every model instance, one set per worker slot, and
// runs a whole pipeline (decode + every node + post-processing + the JSON
// answer) on one frame. No N-API here: the addon and the C++ benchmark loop
// both drive this class.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "errors.h"
#include "jpeg_decoder.h"
#include "models.h"
#include "types.h"

namespace framewire {

// One frame's baton: plain inputs, outputs and the error as data. The
// submitter fills the inputs; the slot thread fills the outputs, then hands
// the job to the sink. Nothing in here is a JS value.
struct FrameJob {
  // --- inputs -----------------------------------------------------------
  size_t pipeline_index = 0;
  // Borrowed: the submitter keeps these bytes alive and unchanged until the
  // sink has the job back.
  const uint8_t* data = nullptr;
  size_t size = 0;
  FrameOverrides overrides;
  // --- outputs ----------------------------------------------------------
  bool ok = false;
  FrameResult result;              // when ok
  std::string json;                // when ok: the result in the public JSON schema
  ErrorCode error_code = ErrorCode::kInternal;  // when !ok
  std::string error;               // when !ok: what went wrong, for the log and the client
};

// Where finished jobs go. FrameDone runs on the slot thread that ran the job,
// once per job; after it returns the engine never touches the job again.
class FrameSink {
 public:
  virtual void FrameDone(FrameJob* job) = 0;

 protected:
  ~FrameSink() = default;
};

// Waits for one job: the blocking path for C++ callers (Engine::Run, the
// fuzzer). One job per sink.
class WaitingSink final : public FrameSink {
 public:
  void FrameDone(FrameJob* job) override;
  void Wait();

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
};

class Engine {
 public:
  // Validates the spec (indices, sizes, counts); throws EngineError(kInternal).
  explicit Engine(EngineSpec spec);
  ~Engine();

  // Sets OpenCV's thread count and starts one compute thread per slot; each
  // loads its own instance of every model and runs one warm-up inference per
  // model. Throws EngineError(kPipelineFailure) naming the model file on
  // failure. Call once, before Submit.
  void Load();
  bool loaded() const { return loaded_; }

  // Thread-safe, never blocks. Queues the job for the slot threads (FIFO);
  // the slot that takes it decodes the frame, runs every node of the
  // pipeline, writes the JSON answer, and calls sink->FrameDone(job) from its
  // own thread. Failures of the frame are data in the job (ok = false);
  // throws EngineError only for misuse (not loaded, stopping, bad index).
  //
  // Why dedicated slot threads instead of computing on the caller's thread:
  // OpenCV dnn keeps per-thread scratch state. Measured with detect_fast, 2
  // slots x 1 thread, on 2 cores: computing on 8 rotating libuv pool threads
  // cost 11.3 ms a frame against 10.0 ms when the same 2 threads always did
  // the work (bench/RESULTS.md).
  void Submit(FrameJob* job, FrameSink* sink);

  // Blocking convenience for C++ callers (the benchmark loop): Submit and
  // wait. Throws EngineError when the frame fails.
  FrameResult Run(size_t pipeline_index, const uint8_t* data, size_t size);

  // Runs the frame on `slot` on the calling thread, with no queue. The caller
  // guarantees that no other thread uses that slot at the same time. Used by
  // the slot threads, and by the C++ benchmark loop's "direct" mode (slower:
  // models run best on the thread that loaded and warmed them). Throws
  // EngineError when the frame fails.
  FrameResult RunOnSlot(size_t slot, size_t pipeline_index, const uint8_t* data, size_t size,
                        const FrameOverrides& overrides = FrameOverrides());

  const EngineSpec& spec() const { return spec_; }

 private:
  struct SlotModels {
    // Indexed like spec_.models; exactly one of these is set per model.
    std::vector<std::unique_ptr<ObjectDetector>> objects;
    std::vector<std::unique_ptr<FaceDetector>> faces;
    std::vector<std::unique_ptr<TextDetector>> text_detectors;
    std::vector<std::unique_ptr<TextRecognizer>> text_recognizers;
    std::unique_ptr<JpegDecoder> decoder;  // the slot's own: it reuses its output buffer frame after frame
  };
  struct Queued {
    FrameJob* job;
    FrameSink* sink;
  };

  void LoadSlot(size_t slot);
  void SlotLoop(size_t slot, std::promise<void> loaded);
  // Runs the job on `slot` and fills its outputs; never throws.
  void RunJob(size_t slot, FrameJob* job);
  void StopSlotThreads();

  EngineSpec spec_;
  std::vector<cv::Size> pipeline_need_;  // per pipeline: the largest model input, for scaled decode
  std::vector<SlotModels> slots_;
  std::vector<std::thread> slot_threads_;
  // Guarded by queue_mutex_: submitted jobs not yet taken, and the idle slot
  // threads, most recently idle last. Submit() wakes that one, not any: with
  // one frame at a time (a lone stream) the same slot, whose models are warm
  // in the CPU caches, keeps serving it. Measured on detect, 2 slots x 2
  // threads, one frame at a time: see bench/RESULTS.md.
  static constexpr size_t kNoSlot = static_cast<size_t>(-1);
  std::mutex queue_mutex_;
  std::deque<Queued> queue_;
  std::vector<size_t> idle_slots_;
  std::vector<std::condition_variable> slot_wake_;  // one per slot thread
  bool stopping_ = false;
  std::atomic<bool> loaded_{false};  // read by the JS thread, set by the loading thread
};

}  // namespace framewire
