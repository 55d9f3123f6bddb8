// Reads a JPEG's dimensions from its markers (SOI .. SOFn) without decoding,
// so an oversized frame is refused before any pixel buffer is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace framewire {

struct JpegHeader {
  int width = 0;
  int height = 0;
  int components = 0;
};

// Returns an empty string and fills `out` when a frame header (SOF0..SOF15,
// except DHT/JPG/DAC) is found before the scan starts; otherwise returns a
// human-readable reason the bytes are not a usable JPEG.
std::string ParseJpegHeader(const uint8_t* data, size_t size, JpegHeader* out);

}  // namespace framewire
