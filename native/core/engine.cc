#include "engine.h"

#include <algorithm>
#include <string>

#include <pthread.h>

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn/layer.hpp>

#include "errors.h"
#include "frame_decoder.h"
#include "parallel_backend.h"
#include "result_json.h"
#include "stopwatch.h"
#include "text_reader.h"

namespace framewire {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidFrame: return "invalid_frame";
    case ErrorCode::kPipelineFailure: return "pipeline_failure";
    case ErrorCode::kInternal: return "internal_error";
  }
  return "internal_error";
}

namespace {

void Require(bool ok, const std::string& message) {
  if (!ok) throw EngineError(ErrorCode::kInternal, message);
}

// The node kind each model format serves (a Tesseract model serves a text
// node as its recognizer, never as its model).
bool ServesKind(ModelFormat format, NodeKind kind) {
  switch (format) {
    case ModelFormat::kDarknetYolo:
    case ModelFormat::kYoloX: return kind == NodeKind::kDetector;
    case ModelFormat::kYuNet: return kind == NodeKind::kFaces;
    case ModelFormat::kDbText: return kind == NodeKind::kText;
    case ModelFormat::kTesseract: return false;
  }
  return false;
}

// An object box grown by this fraction of its size on each side before text
// is looked for in it: a label's text often touches the box's edge.
constexpr float kTextRegionMargin = 0.04f;
// A text node `within` a detector runs its text detector once per object box,
// at a fixed cost each (its whole canvas): at most this many boxes per frame,
// highest scores first, bound that cost like max_lines bounds recognition.
constexpr size_t kMaxTextObjects = 8;

// Boxes are promised in the pixels of the frame sent: a model's box that hangs
// over an edge is cut at the edge (and one wholly outside, left with no area,
// is dropped); landmarks are clamped onto the frame.
void ClipBox(Box* box, float width, float height) {
  const float x1 = std::clamp(box->x, 0.0f, width), x2 = std::clamp(box->x + box->width, 0.0f, width);
  const float y1 = std::clamp(box->y, 0.0f, height), y2 = std::clamp(box->y + box->height, 0.0f, height);
  *box = {x1, y1, x2 - x1, y2 - y1};
}

bool HasArea(const Box& box) { return box.width > 0 && box.height > 0; }

void ClipToFrame(FrameResult* result) {
  const float w = static_cast<float>(result->width), h = static_cast<float>(result->height);
  for (Detection& d : result->detections) ClipBox(&d.box, w, h);
  result->detections.erase(std::remove_if(result->detections.begin(), result->detections.end(),
                                          [](const Detection& d) { return !HasArea(d.box); }),
                           result->detections.end());
  for (TextLine& t : result->texts) ClipBox(&t.box, w, h);  // the quad stays as found, the box is cut
  result->texts.erase(std::remove_if(result->texts.begin(), result->texts.end(), [](const TextLine& t) { return !HasArea(t.box); }),
                      result->texts.end());
  for (Face& f : result->faces) {
    ClipBox(&f.box, w, h);
    for (size_t k = 0; k < f.landmarks.size(); k += 2) {
      f.landmarks[k] = std::clamp(f.landmarks[k], 0.0f, w - 1);
      f.landmarks[k + 1] = std::clamp(f.landmarks[k + 1], 0.0f, h - 1);
    }
  }
  result->faces.erase(std::remove_if(result->faces.begin(), result->faces.end(), [](const Face& f) { return !HasArea(f.box); }),
                      result->faces.end());
}

}  // namespace

Engine::Engine(EngineSpec spec) : spec_(std::move(spec)) {
  Require(spec_.slots >= 1 && spec_.slots <= 64, "slots must be 1..64");
  Require(spec_.threads >= 1 && spec_.threads <= 256, "threads must be 1..256");
  Require(spec_.max_pixels >= 1, "max_pixels must be positive");
  Require(spec_.decode_deadline_ms >= 0, "decode_deadline_ms must not be negative");
  for (const ModelSpec& m : spec_.models) {
    Require(m.input_width >= 16 && m.input_height >= 16, "model " + m.id + ": input size must be at least 16x16");
    Require(!m.weights_path.empty(), "model " + m.id + ": weights path is empty");
  }
  for (const PipelineSpec& p : spec_.pipelines) {
    Require(!p.nodes.empty(), "pipeline " + p.id + " has no nodes");
    cv::Size need(0, 0);
    for (const NodeSpec& n : p.nodes) {
      Require(n.model_index < spec_.models.size(), "pipeline " + p.id + " node " + n.id + ": no such model");
      const ModelSpec& m = spec_.models[n.model_index];
      Require(ServesKind(m.format, n.kind), "pipeline " + p.id + " node " + n.id + ": model " + m.id + " does not fit the node kind");
      need.width = std::max(need.width, m.input_width);
      need.height = std::max(need.height, m.input_height);
      if (n.kind == NodeKind::kText) {
        Require(n.recognizer_index < spec_.models.size() && spec_.models[n.recognizer_index].format == ModelFormat::kTesseract,
                "pipeline " + p.id + " node " + n.id + ": the recognizer must be a tesseract model");
        Require(n.max_lines >= 1 && n.max_lines <= 1000, "pipeline " + p.id + " node " + n.id + ": max_lines must be 1..1000");
        const int self = static_cast<int>(&n - p.nodes.data());
        Require(n.within_node < self && (n.within_node < 0 || p.nodes[n.within_node].kind == NodeKind::kDetector),
                "pipeline " + p.id + " node " + n.id + ": within must name an earlier detector node");
        need = cv::Size(INT32_MAX / 4, INT32_MAX / 4);  // text is read from the full-resolution frame
      }
    }
    pipeline_need_.push_back(need);
  }
}

Engine::~Engine() { StopSlotThreads(); }

void Engine::StopSlotThreads() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    stopping_ = true;
  }
  for (auto& wake : slot_wake_) wake.notify_one();
  for (std::thread& t : slot_threads_) t.join();
  slot_threads_.clear();
}

void Engine::LoadSlot(size_t slot_index) {
  const cv::Mat warmup(480, 640, CV_8UC3, cv::Scalar(90, 120, 150));
  const std::vector<int> no_filter;
  const DetectOptions warmup_options{0.99f, 0.45f, &no_filter};
  SlotModels& slot = slots_[slot_index];
  JpegDecoderLimits decode_limits;
  decode_limits.max_pixels = spec_.max_pixels;
  decode_limits.deadline_ms = spec_.decode_deadline_ms;
  slot.decoder = std::make_unique<JpegDecoder>(decode_limits);
  slot.objects.resize(spec_.models.size());
  slot.faces.resize(spec_.models.size());
  slot.text_detectors.resize(spec_.models.size());
  slot.text_recognizers.resize(spec_.models.size());
  for (size_t i = 0; i < spec_.models.size(); ++i) {
    const ModelSpec& m = spec_.models[i];
    try {
      StageTimings ignored;
      switch (m.format) {
        case ModelFormat::kDarknetYolo: slot.objects[i] = LoadDarknetYolo(m); break;
        case ModelFormat::kYoloX: slot.objects[i] = LoadYoloX(m); break;
        case ModelFormat::kYuNet: slot.faces[i] = LoadYuNet(m); break;
        case ModelFormat::kDbText: slot.text_detectors[i] = LoadDbTextDetector(m); break;
        case ModelFormat::kTesseract: slot.text_recognizers[i] = LoadTesseractRecognizer(m); break;
      }
      if (slot.objects[i]) slot.objects[i]->Detect(warmup, 1.0f, warmup_options, &ignored);
      if (slot.faces[i]) slot.faces[i]->Detect(warmup, 1.0f, warmup_options, &ignored);
      if (slot.text_detectors[i]) slot.text_detectors[i]->Detect(warmup, &ignored);
      if (slot.text_recognizers[i]) slot.text_recognizers[i]->Recognize(warmup(cv::Rect(0, 0, 200, 32)));
    } catch (const std::exception& e) {  // cv::Exception, or whatever a redirected OpenCV error handler throws
      throw EngineError(ErrorCode::kPipelineFailure,
                        "model " + m.id + " (" + m.weights_path + ") failed to load or warm up: " + e.what());
    }
  }
}

void Engine::Load() {
  Require(!loaded_ && slot_threads_.empty(), "engine already loaded");
  // Process-wide, like the thread count below: the first engine decides.
  UseParallelBackend(spec_.core_sharing ? ParallelBackend::kFramewire : ParallelBackend::kOpenCv);
  cv::setNumThreads(spec_.threads);
  // Every OpenCV failure reaches the caller as a coded error (and the server's
  // pino log); OpenCV's own stderr logger would only repeat it, unstructured.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  // OpenCV 4.6 creates the dnn layer registry's mutex lazily, with unsynchronised double-checked locking
  // (getLayerFactoryMutex in dnn.cpp), on the first layer created. Slot threads loading their models at once
  // raced on that pointer (ThreadSanitizer, `npm run test:tsan`). Creating one layer here, before any slot
  // thread starts, creates the mutex with a happens-before edge to every slot.
  {
    cv::dnn::LayerParams params;
    cv::dnn::LayerFactory::createLayerInstance("Identity", params);
  }
  slots_.resize(spec_.slots);
  slot_wake_ = std::vector<std::condition_variable>(spec_.slots);
  std::vector<std::future<void>> loaded;
  for (size_t slot = 0; slot < slots_.size(); ++slot) {
    std::promise<void> promise;
    loaded.push_back(promise.get_future());
    slot_threads_.emplace_back(&Engine::SlotLoop, this, slot, std::move(promise));
  }
  try {
    for (auto& f : loaded) f.get();
  } catch (...) {
    StopSlotThreads();
    throw;
  }
  loaded_ = true;
}

// Each slot's models are loaded, warmed and always run on this one thread.
void Engine::SlotLoop(size_t slot, std::promise<void> loaded) {
  // Named so that `top -H`, perf and /proc/PID/task/*/comm tell the slots from V8's and libuv's threads.
  pthread_setname_np(pthread_self(), ("fw-slot-" + std::to_string(slot)).c_str());
  try {
    LoadSlot(slot);
    loaded.set_value();
  } catch (...) {
    loaded.set_exception(std::current_exception());
    return;
  }
  for (;;) {
    Queued next;
    {
      std::unique_lock<std::mutex> lock(queue_mutex_);
      while (queue_.empty()) {
        if (stopping_) return;  // nothing left to answer
        idle_slots_.push_back(slot);
        // Submit() takes this slot off the idle stack when it picks it.
        slot_wake_[slot].wait(lock, [&] {
          return stopping_ || std::find(idle_slots_.begin(), idle_slots_.end(), slot) == idle_slots_.end();
        });
      }
      next = queue_.front();
      queue_.pop_front();
    }
    RunJob(slot, next.job);
    next.sink->FrameDone(next.job);  // the job is the sink's again: not touched after this
  }
}

void Engine::RunJob(size_t slot, FrameJob* job) {
  try {
    job->result = RunOnSlot(slot, job->pipeline_index, job->data, job->size, job->overrides);
    job->json.clear();
    AppendResultJson(spec_.pipelines[job->pipeline_index].id, job->result, &job->json);
    job->ok = true;
  } catch (const EngineError& e) {
    job->ok = false;
    job->error_code = e.code();
    job->error = e.what();
  } catch (const std::exception& e) {
    job->ok = false;
    job->error_code = ErrorCode::kInternal;
    job->error = e.what();
  }
}

void Engine::Submit(FrameJob* job, FrameSink* sink) {
  Require(loaded_, "engine not loaded");
  Require(job->pipeline_index < spec_.pipelines.size(), "no such pipeline index");
  size_t wake = kNoSlot;
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    Require(!stopping_, "engine is stopping");
    queue_.push_back({job, sink});
    if (!idle_slots_.empty()) {
      wake = idle_slots_.back();  // the slot that went idle last: its models are still in cache
      idle_slots_.pop_back();
    }
  }
  // A slot that finishes a frame first may take the job before `wake` runs;
  // `wake` then finds the queue empty and goes back on the idle stack.
  if (wake != kNoSlot) slot_wake_[wake].notify_one();
}

void WaitingSink::FrameDone(FrameJob*) {
  std::lock_guard<std::mutex> lock(mutex_);
  done_ = true;
  cv_.notify_one();
}

void WaitingSink::Wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [&] { return done_; });
}

FrameResult Engine::Run(size_t pipeline_index, const uint8_t* data, size_t size) {
  FrameJob job;
  job.pipeline_index = pipeline_index;
  job.data = data;
  job.size = size;
  WaitingSink sink;
  Submit(&job, &sink);  // `job` and `sink` outlive the job's time in the engine: we wait below
  sink.Wait();
  if (!job.ok) throw EngineError(job.error_code, job.error);
  return std::move(job.result);
}

FrameResult Engine::RunOnSlot(size_t slot, size_t pipeline_index, const uint8_t* data, size_t size,
                              const FrameOverrides& overrides) {
  Require(loaded_, "engine not loaded");
  Require(slot < slots_.size() && pipeline_index < spec_.pipelines.size(), "no such slot or pipeline index");
  const SlotBusyScope busy;  // this thread now uses a core: the parallel backend lends it to no one else
  SlotModels& models = slots_[slot];
  const PipelineSpec& pipeline = spec_.pipelines[pipeline_index];
  cv::Size need = pipeline_need_[pipeline_index];
  FrameResult result;
  Stopwatch total;
  Stopwatch stage;
  // A need larger than any frame disables scaled decode.
  if (!spec_.scaled_decode) need = cv::Size(INT32_MAX / 4, INT32_MAX / 4);
  DecodedFrame frame = DecodeFrame(*models.decoder, data, size, spec_.max_pixels, need.width, need.height);
  result.width = frame.original_width;
  result.height = frame.original_height;
  result.timings.decode_ms = stage.Lap();
  result.decode_warnings = models.decoder->last_warnings();
  // Reduced decode rounds sizes up (ceil(w / factor)), so map back by the true ratio.
  const float to_original = static_cast<float>(frame.original_width) / frame.bgr.cols;

  // Per node, the range of result.detections it added: a text node `within`
  // an earlier detector reads only inside those boxes.
  std::vector<std::pair<size_t, size_t>> node_detections(pipeline.nodes.size());
  for (const NodeSpec& node : pipeline.nodes) {
    const float score_threshold = overrides.min_score >= 0 ? overrides.min_score : node.score_threshold;
    const DetectOptions options{score_threshold, node.nms_threshold, &node.class_filter};
    const size_t node_index = &node - pipeline.nodes.data();
    node_detections[node_index] = {result.detections.size(), result.detections.size()};
    try {
      if (node.kind == NodeKind::kText) {
        result.has_texts = true;
        TextDetector& detector = *models.text_detectors[node.model_index];
        TextRecognizer& recognizer = *models.text_recognizers[node.recognizer_index];
        int lines_left = node.max_lines;  // one budget for the whole frame
        const cv::Rect whole(0, 0, frame.bgr.cols, frame.bgr.rows);
        if (node.within_node < 0) {
          result.texts_truncated |= ReadText(detector, recognizer, frame.bgr, whole, to_original, node.score_threshold,
                                             &lines_left, &result.timings, &result.texts);
        } else {
          const auto [first, last] = node_detections[node.within_node];  // sorted by score, highest first
          for (size_t d = first; d < last; ++d) {
            if (d - first == kMaxTextObjects || lines_left <= 0) {
              result.texts_truncated = true;  // boxes left unread
              break;
            }
            const Box& b = result.detections[d].box;  // frame pixels
            const float mx = b.width * kTextRegionMargin, my = b.height * kTextRegionMargin;
            const cv::Rect region(cv::Point(cvFloor((b.x - mx) / to_original), cvFloor((b.y - my) / to_original)),
                                  cv::Point(cvCeil((b.x + b.width + mx) / to_original), cvCeil((b.y + b.height + my) / to_original)));
            result.texts_truncated |= ReadText(detector, recognizer, frame.bgr, region & whole, to_original, node.score_threshold,
                                               &lines_left, &result.timings, &result.texts);
          }
        }
      } else if (node.kind == NodeKind::kDetector) {
        result.has_detections = true;
        auto found = models.objects[node.model_index]->Detect(frame.bgr, to_original, options, &result.timings);
        const std::vector<std::string>& labels = spec_.models[node.model_index].labels;
        for (Detection& d : found)
          d.label = d.class_id < static_cast<int>(labels.size()) ? labels[d.class_id] : "class_" + std::to_string(d.class_id);
        // NMS is class-wise, so keeping only the asked labels afterwards equals filtering before it.
        if (!overrides.classes.empty())
          found.erase(std::remove_if(found.begin(), found.end(),
                                     [&](const Detection& d) {
                                       return std::find(overrides.classes.begin(), overrides.classes.end(), d.label) ==
                                              overrides.classes.end();
                                     }),
                      found.end());
        result.detections.insert(result.detections.end(), found.begin(), found.end());
        node_detections[node_index].second = result.detections.size();
      } else {
        result.has_faces = true;
        auto found = models.faces[node.model_index]->Detect(frame.bgr, to_original, options, &result.timings);
        result.faces.insert(result.faces.end(), found.begin(), found.end());
      }
    } catch (const EngineError&) {
      throw;
    } catch (const std::exception& e) {
      // Not just cv::Exception: a host process may install its own OpenCV
      // error handler (cv::redirectError is process-wide; @u4/opencv4nodejs
      // does), and then OpenCV failures arrive as other exception types.
      throw EngineError(ErrorCode::kPipelineFailure, "node " + node.id + ": " + e.what());
    }
  }
  ClipToFrame(&result);
  result.timings.total_ms = total.Lap();
  return result;
}

}  // namespace framewire
