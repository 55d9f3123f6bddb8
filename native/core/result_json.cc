#include "result_json.h"

#include <charconv>
#include <cmath>

namespace framewire {
namespace {

double Round(double value, double scale) { return std::round(value * scale) / scale; }

// Whole pixels: the edges are rounded and the size is their difference, so a
// box clipped to the frame still ends inside it after rounding.
void AppendBox(const Box& box, std::string* out) {
  const double x = std::round(box.x), y = std::round(box.y);
  out->append("{\"x\":");
  AppendJsonNumber(x, out);
  out->append(",\"y\":");
  AppendJsonNumber(y, out);
  out->append(",\"width\":");
  AppendJsonNumber(std::round(box.x + box.width) - x, out);
  out->append(",\"height\":");
  AppendJsonNumber(std::round(box.y + box.height) - y, out);
  out->push_back('}');
}

// [[x,y],...] in whole pixels, from `count` (x, y) pairs.
void AppendPoints(const float* xy, size_t count, std::string* out) {
  out->push_back('[');
  for (size_t k = 0; k < count; ++k) {
    if (k) out->push_back(',');
    out->push_back('[');
    AppendJsonNumber(std::round(xy[2 * k]), out);
    out->push_back(',');
    AppendJsonNumber(std::round(xy[2 * k + 1]), out);
    out->push_back(']');
  }
  out->push_back(']');
}

}  // namespace

void AppendJsonNumber(double value, std::string* out) {
  if (!std::isfinite(value)) {
    out->append("null");
    return;
  }
  if (value == 0) value = 0;  // -0 -> 0, as JSON.stringify writes it
  char buffer[64];
  // Shortest form that round-trips, in plain decimals: what JS prints for the
  // magnitudes here (scores >= 1e-4, pixels, milliseconds; JS switches to
  // exponents only below 1e-6 and from 1e21).
  const auto written = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed);
  out->append(buffer, written.ptr);
}

void AppendJsonString(const std::string& text, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c == '\t') {
      out->append("\\t");
    } else if (c == '\b') {
      out->append("\\b");
    } else if (c == '\f') {
      out->append("\\f");
    } else if (u < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 15]);
    } else {
      out->push_back(c);  // UTF-8 passes through unchanged
    }
  }
  out->push_back('"');
}

void AppendResultJson(const std::string& pipeline_id, const FrameResult& r, std::string* out) {
  out->reserve(out->size() + 160 + 110 * r.detections.size() + 170 * r.faces.size() + 200 * r.texts.size());
  out->append("{\"pipeline_id\":");
  AppendJsonString(pipeline_id, out);
  out->append(",\"image\":{\"width\":");
  AppendJsonNumber(r.width, out);
  out->append(",\"height\":");
  AppendJsonNumber(r.height, out);
  out->push_back('}');
  if (r.has_detections) {
    out->append(",\"detections\":[");
    for (size_t i = 0; i < r.detections.size(); ++i) {
      const Detection& d = r.detections[i];
      if (i) out->push_back(',');
      out->append("{\"label\":");
      AppendJsonString(d.label, out);
      out->append(",\"class_id\":");
      AppendJsonNumber(d.class_id, out);
      out->append(",\"score\":");
      AppendJsonNumber(Round(d.score, 1e4), out);
      out->append(",\"box\":");
      AppendBox(d.box, out);
      out->push_back('}');
    }
    out->push_back(']');
  }
  if (r.has_faces) {
    out->append(",\"faces\":[");
    for (size_t i = 0; i < r.faces.size(); ++i) {
      const Face& f = r.faces[i];
      if (i) out->push_back(',');
      out->append("{\"score\":");
      AppendJsonNumber(Round(f.score, 1e4), out);
      out->append(",\"box\":");
      AppendBox(f.box, out);
      out->append(",\"landmarks\":");
      AppendPoints(f.landmarks.data(), f.landmarks.size() / 2, out);
      out->push_back('}');
    }
    out->push_back(']');
  }
  if (r.has_texts) {
    out->append(",\"texts\":[");
    for (size_t i = 0; i < r.texts.size(); ++i) {
      const TextLine& t = r.texts[i];
      if (i) out->push_back(',');
      out->append("{\"text\":");
      AppendJsonString(t.text, out);
      out->append(",\"score\":");
      AppendJsonNumber(Round(t.score, 1e4), out);
      out->append(",\"box\":");
      AppendBox(t.box, out);
      out->append(",\"quad\":");
      AppendPoints(t.quad.data(), t.quad.size() / 2, out);
      out->push_back('}');
    }
    out->append("],\"texts_truncated\":");
    out->append(r.texts_truncated ? "true" : "false");
  }
  out->append(",\"timings_ms\":{\"decode\":");
  AppendJsonNumber(Round(r.timings.decode_ms, 100), out);
  out->append(",\"inference\":");
  AppendJsonNumber(Round(r.timings.inference_ms, 100), out);
  out->append(",\"postprocess\":");
  AppendJsonNumber(Round(r.timings.postprocess_ms, 100), out);
  out->append(",\"total\":");
  AppendJsonNumber(Round(r.timings.total_ms, 100), out);
  out->append("}}");
}

}  // namespace framewire
