// The native engine: owns every model instance, one set per worker slot, and
// runs a whole pipeline (decode + every node + post-processing) on one frame.
// No N-API here: the addon and the C++ benchmark loop both drive this class.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "models.h"
#include "types.h"

namespace framewire {

class Engine {
 public:
  // Validates the spec (indices, sizes, counts); throws EngineError(kInvalidArgument).
  explicit Engine(EngineSpec spec);
  ~Engine();

  // Sets OpenCV's thread count and starts one compute thread per slot; each
  // loads its own instance of every model and runs one warm-up inference per
  // model. Throws EngineError(kPipelineFailure) naming the model file on
  // failure. Call once, before Run.
  void Load();
  bool loaded() const { return loaded_; }

  // Thread-safe. Queues the frame for the slot threads (FIFO) and blocks the
  // caller until one has decoded it and run every node of the pipeline.
  //
  // Why dedicated slot threads instead of computing on the caller's thread:
  // OpenCV dnn keeps per-thread scratch state, and libuv hands consecutive
  // jobs to any of its pool threads. Measured with detect_fast, 2 slots x 1
  // thread, on 2 cores: computing on 8 rotating pool threads cost 11.3 ms a
  // frame against 10.0 ms when the same 2 threads always did the work
  // (bench/RESULTS.md). The caller's thread only waits on a condition variable.
  FrameResult Run(size_t pipeline_index, const uint8_t* data, size_t size);

  // Runs the frame on `slot` on the calling thread, with no queue. The caller
  // guarantees that no other thread uses that slot at the same time. Used by
  // the slot threads, and by the C++ benchmark loop's "direct" mode (slower:
  // models run best on the thread that loaded and warmed them).
  FrameResult RunOnSlot(size_t slot, size_t pipeline_index, const uint8_t* data, size_t size);

  const EngineSpec& spec() const { return spec_; }

 private:
  struct SlotModels {
    // Indexed like spec_.models; exactly one of the two is set per model.
    std::vector<std::unique_ptr<ObjectDetector>> objects;
    std::vector<std::unique_ptr<FaceDetector>> faces;
  };
  struct Job {
    size_t pipeline_index;
    const uint8_t* data;
    size_t size;
    std::promise<FrameResult> done;
  };

  void LoadSlot(size_t slot);
  void SlotLoop(size_t slot, std::promise<void> loaded);
  void StopSlotThreads();

  EngineSpec spec_;
  std::vector<cv::Size> pipeline_need_;  // per pipeline: the largest model input, for scaled decode
  std::vector<SlotModels> slots_;
  std::vector<std::thread> slot_threads_;
  // Guarded by queue_mutex_: jobs owned by the Run() calls waiting on them,
  // and the idle slot threads, most recently idle last. Run() wakes that one,
  // not any: with one frame at a time (a lone stream) the same slot, whose
  // models are warm in the CPU caches, keeps serving it. Measured on detect,
  // 2 slots x 2 threads, one frame at a time: see bench/RESULTS.md.
  static constexpr size_t kNoSlot = static_cast<size_t>(-1);
  std::mutex queue_mutex_;
  std::deque<Job*> queue_;
  std::vector<size_t> idle_slots_;
  std::vector<std::condition_variable> slot_wake_;  // one per slot thread
  bool stopping_ = false;
  std::atomic<bool> loaded_{false};  // read by the JS thread, set by the loading thread
};

}  // namespace framewire
