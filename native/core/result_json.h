// FrameResult -> the public JSON result schema (docs/http-api.md), written on
// the slot thread so the JS thread only wraps and sends a string: no N-API
// object per box, no JSON.stringify on the event loop.
#pragma once

#include <string>

#include "types.h"

namespace framewire {

// Appends {"pipeline_id":...,"image":{...},"detections":[...]?,"faces":[...]?,
// "texts":[...]?,"texts_truncated":bool?,"timings_ms":{...}}.
// Numbers are written as JavaScript's JSON.stringify writes them (shortest
// round-trip form, -0 as 0, non-finite as null): scores rounded to 4
// decimals, pixels to integers, timings to 2 decimals.
void AppendResultJson(const std::string& pipeline_id, const FrameResult& result, std::string* out);

// Appends `text` as a JSON string literal, quotes included.
void AppendJsonString(const std::string& text, std::string* out);

// Appends `value` as JSON.stringify would write it.
void AppendJsonNumber(double value, std::string* out);

}  // namespace framewire
