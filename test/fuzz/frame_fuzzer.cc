// libFuzzer target over the native core entry the server uses for every frame
// (built with ASan + UBSan by test/fuzz/fuzz-native.ts; `npm run fuzz:native`):
//
//   1. the JPEG header walk (ParseJpegHeader), on every input;
//   2. DecodeFrame (header walk, size checks, libjpeg-turbo decode at the
//      scale a pipeline would ask for), on every input, with the server's
//      limits, in a decoder reused from input to input as a slot's is;
//   3. a full pipeline run through Engine::Submit (slot thread, decode, every
//      node, clipping, the JSON answer), with the real models loaded once, on
//      one input in FRAMEWIRE_FUZZ_PIPELINE_EVERY (default 8; chosen by a
//      hash of the bytes, so a reproduced input takes the same path), cycling
//      through every pipeline. Inference costs ~10 ms whatever the input, so
//      running it on every input would cut executions/s tenfold.
//
// Findings, besides ASan/UBSan reports: a frame answered with any error code
// other than invalid_frame (pipeline_failure or internal_error would be a 500
// for the client), an exception that is not an EngineError, a box outside the
// frame, a landmark outside the frame, or an empty JSON answer. Each aborts,
// so libFuzzer keeps the input as a crash artifact.
//
// Environment: FRAMEWIRE_FUZZ_SPEC (required) is an engine spec file written
// by bench/native/spec-file.ts from the server's own config.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "../../native/core/engine.h"
#include "../../native/core/errors.h"
#include "../../native/core/frame_decoder.h"
#include "../../native/core/jpeg_header.h"
#include "../../native/core/spec_file.h"

namespace {

using framewire::EngineError;
using framewire::ErrorCode;

[[noreturn]] void Finding(const std::string& what) {
  std::fprintf(stderr, "frame_fuzzer: FINDING: %s\n", what.c_str());
  std::abort();
}

struct Harness {
  std::unique_ptr<framewire::Engine> engine;
  framewire::JpegDecoder decoder;
  int64_t max_pixels = 0;
  int pipeline_every = 8;
  // The model input sizes the pipelines ask the decoder for, plus "full size".
  std::vector<std::pair<int, int>> needs;

  explicit Harness(framewire::JpegDecoderLimits limits) : decoder(limits) {}
};

Harness* harness = nullptr;

// FNV-1a: a stable choice of path per input.
uint64_t Hash(const uint8_t* data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

bool Inside(float v, float lo, float hi) { return v >= lo && v <= hi; }

void CheckResult(const framewire::FrameJob& job) {
  const framewire::FrameResult& r = job.result;
  if (job.json.empty()) Finding("empty JSON answer");
  if (r.width <= 0 || r.height <= 0) Finding("answer with a non-positive image size");
  const float w = static_cast<float>(r.width), h = static_cast<float>(r.height);
  const auto check_box = [&](const framewire::Box& b) {
    if (!Inside(b.x, 0, w) || !Inside(b.y, 0, h) || !Inside(b.x + b.width, 0, w) || !Inside(b.y + b.height, 0, h) ||
        !(b.width > 0) || !(b.height > 0))
      Finding("box outside the " + std::to_string(r.width) + "x" + std::to_string(r.height) + " frame");
  };
  for (const auto& d : r.detections) check_box(d.box);
  for (const auto& f : r.faces) {
    check_box(f.box);
    for (size_t k = 0; k < f.landmarks.size(); k += 2)
      if (!Inside(f.landmarks[k], 0, w) || !Inside(f.landmarks[k + 1], 0, h)) Finding("landmark outside the frame");
  }
}

void RunPipeline(size_t pipeline, const uint8_t* data, size_t size) {
  framewire::FrameJob job;
  job.pipeline_index = pipeline;
  job.data = data;
  job.size = size;
  framewire::WaitingSink sink;
  harness->engine->Submit(&job, &sink);
  sink.Wait();
  if (job.ok) {
    CheckResult(job);
  } else if (job.error_code != ErrorCode::kInvalidFrame) {
    Finding(std::string("pipeline ") + harness->engine->spec().pipelines[pipeline].id + " answered " +
            framewire::ErrorCodeName(job.error_code) + ": " + job.error);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* spec_path = std::getenv("FRAMEWIRE_FUZZ_SPEC");
  if (spec_path == nullptr) {
    std::fprintf(stderr, "frame_fuzzer: set FRAMEWIRE_FUZZ_SPEC to an engine spec file (npm run fuzz:native does)\n");
    std::exit(2);
  }
  framewire::EngineSpec spec = framewire::ReadSpecFile(spec_path);
  framewire::JpegDecoderLimits limits;
  limits.max_pixels = spec.max_pixels;  // as Engine::LoadSlot sets up each slot's decoder
  limits.deadline_ms = spec.decode_deadline_ms;
  harness = new Harness(limits);  // lives as long as the process: libFuzzer never returns from its loop
  harness->max_pixels = spec.max_pixels;
  if (const char* every = std::getenv("FRAMEWIRE_FUZZ_PIPELINE_EVERY")) harness->pipeline_every = std::max(1, std::atoi(every));
  for (const auto& m : spec.models) harness->needs.emplace_back(m.input_width, m.input_height);
  harness->needs.emplace_back(INT32_MAX / 4, INT32_MAX / 4);  // what scaled_decode=false asks for
  harness->engine = std::make_unique<framewire::Engine>(std::move(spec));
  harness->engine->Load();
  std::fprintf(stderr, "frame_fuzzer: %zu pipelines loaded; a full pipeline run on 1 input in %d\n",
               harness->engine->spec().pipelines.size(), harness->pipeline_every);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint64_t h = Hash(data, size);

  framewire::JpegHeader header;
  const std::string problem = framewire::ParseJpegHeader(data, size, &header);
  if (problem.empty() && (header.width <= 0 || header.height <= 0)) Finding("header walk accepted a zero dimension");
  // (DecodeFrame walks the header again itself: the walk is cheap next to the decode.)

  const auto& need = harness->needs[(h >> 8) % harness->needs.size()];
  try {
    framewire::DecodedFrame frame =
        framewire::DecodeFrame(harness->decoder, data, size, harness->max_pixels, need.first, need.second);
    if (frame.bgr.empty() || frame.bgr.type() != CV_8UC3) Finding("decoded frame is empty or not 8-bit BGR");
    // The pixel limit is checked on the header walk's size: libjpeg must see the same frame.
    if (harness->decoder.last_source_width() != header.width || harness->decoder.last_source_height() != header.height)
      Finding("libjpeg and the header walk disagree on the frame size");
  } catch (const EngineError& e) {
    if (e.code() != ErrorCode::kInvalidFrame) Finding(std::string("decode answered ") + framewire::ErrorCodeName(e.code()) + ": " + e.what());
  } catch (const std::exception& e) {
    Finding(std::string("decode threw a non-EngineError: ") + e.what());
  }

  if (h % static_cast<uint64_t>(harness->pipeline_every) == 0) {
    const size_t pipelines = harness->engine->spec().pipelines.size();
    RunPipeline((h >> 32) % pipelines, data, size);
  }
  return 0;
}
