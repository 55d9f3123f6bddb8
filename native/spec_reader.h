// Reads the JS engine spec into plain C++ structs, on the main thread only.
#pragma once

#include <napi.h>

#include "core/types.h"

namespace framewire {

EngineSpec ReadEngineSpec(const Napi::Object& js);

// One request's overrides ({minScore?: number, classes?: string[]}), validated by the caller (src/services/pipeline).
FrameOverrides ReadFrameOverrides(const Napi::Object& js);

}  // namespace framewire
