// The native engine: owns every model instance, one set per worker slot, and
// runs a whole pipeline (decode + every node + post-processing) on one frame.
// No N-API here: the addon and the C++ benchmark loop both drive this class.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "models.h"
#include "types.h"

namespace framewire {

class Engine {
 public:
  // Validates the spec (indices, sizes, counts); throws EngineError(kInvalidArgument).
  explicit Engine(EngineSpec spec);
  ~Engine();

  // Sets OpenCV's thread count, loads every model once per slot, and runs one
  // warm-up inference per model per slot. Throws EngineError(kPipelineFailure)
  // naming the model file on failure. Call once, before Run.
  void Load();
  bool loaded() const { return loaded_; }

  // Thread-safe. Waits for a free slot (the TS scheduler is sized so it never
  // has to), then decodes and runs every node of the pipeline on that slot.
  FrameResult Run(size_t pipeline_index, const uint8_t* data, size_t size);

  const EngineSpec& spec() const { return spec_; }

 private:
  struct SlotModels {
    // Indexed like spec_.models; exactly one of the two is set per model.
    std::vector<std::unique_ptr<ObjectDetector>> objects;
    std::vector<std::unique_ptr<FaceDetector>> faces;
  };
  class SlotLease;

  size_t AcquireSlot();
  void ReleaseSlot(size_t slot);
  FrameResult RunOnSlot(SlotModels& models, const PipelineSpec& pipeline, cv::Size need, const uint8_t* data,
                        size_t size);

  EngineSpec spec_;
  std::vector<cv::Size> pipeline_need_;  // per pipeline: the largest model input, for scaled decode
  std::vector<SlotModels> slots_;
  std::vector<bool> slot_busy_;
  std::mutex slot_mutex_;
  std::condition_variable slot_freed_;
  bool loaded_ = false;
};

}  // namespace framewire
