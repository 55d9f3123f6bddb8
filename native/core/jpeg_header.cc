#include "jpeg_header.h"

namespace framewire {
namespace {

bool IsStartOfFrame(uint8_t marker) {
  // C4 = DHT, C8 = JPG extension, CC = DAC share the 0xC_ range but carry no size.
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

bool IsStandalone(uint8_t marker) {
  // TEM and RST0..RST7 carry no length field.
  return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7);
}

}  // namespace

std::string ParseJpegHeader(const uint8_t* data, size_t size, JpegHeader* out) {
  if (size < 4 || data[0] != 0xFF || data[1] != 0xD8) return "missing JPEG start-of-image marker (FF D8)";
  size_t pos = 2;
  while (pos < size) {
    if (data[pos] != 0xFF) return "corrupt JPEG: expected a marker at byte " + std::to_string(pos);
    while (pos < size && data[pos] == 0xFF) ++pos;  // fill bytes may pad any marker
    if (pos >= size) break;
    const uint8_t marker = data[pos++];
    if (IsStandalone(marker)) continue;
    if (marker == 0xD9) return "JPEG ends before a frame header";
    if (marker == 0xDA) return "JPEG scan starts before a frame header";
    if (pos + 2 > size) break;
    const size_t length = (static_cast<size_t>(data[pos]) << 8) | data[pos + 1];
    if (length < 2) return "corrupt JPEG: segment length below 2";
    if (IsStartOfFrame(marker)) {
      if (length < 8 || pos + 8 > size) break;
      out->height = (data[pos + 3] << 8) | data[pos + 4];
      out->width = (data[pos + 5] << 8) | data[pos + 6];
      out->components = data[pos + 7];
      if (out->width == 0 || out->height == 0) return "JPEG frame header declares a zero dimension";
      if (out->components != 1 && out->components != 3 && out->components != 4)
        return "JPEG frame header declares " + std::to_string(out->components) + " components";
      return "";
    }
    pos += length;
  }
  return "JPEG truncated before its frame header";
}

}  // namespace framewire
