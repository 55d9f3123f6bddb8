// Reads an EngineSpec from the line format bench/native/spec-file.ts writes
// from the same NativeEngineSpec the server builds, for the C++ programs that
// run the engine without Node.js (the benchmark loop, the fuzzer).
#pragma once

#include <string>

#include "types.h"

namespace framewire {

// Line format: "slots N", "threads N", "max_pixels N", "decode_deadline_ms N", "scaled_decode 0|1", "core_sharing 0|1",
// "model ID FORMAT W H CONFIG|- WEIGHTS", "pipeline ID",
// "node ID KIND MODEL_INDEX SCORE NMS CLASS,IDS|- [RECOGNIZER_INDEX MAX_LINES WITHIN_NODE (text nodes)]".
// Throws std::runtime_error when the file cannot be read.
EngineSpec ReadSpecFile(const std::string& path);

}  // namespace framewire
