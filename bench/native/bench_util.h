// What the C++ benchmark programs share: reading a folder of JPEG frames, and
// the percentile of their report lines (the same rule as measure.ts).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace bench {

// The .jpg / .jpeg files of `dir`, in name order, so every run sees the same frame sequence.
inline std::vector<std::vector<uint8_t>> ReadFrames(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string ext = entry.path().extension();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (entry.is_regular_file() && (ext == ".jpg" || ext == ".jpeg")) names.push_back(entry.path());
  }
  std::sort(names.begin(), names.end());
  std::vector<std::vector<uint8_t>> frames;
  for (const auto& name : names) {
    std::ifstream in(name, std::ios::binary);
    frames.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return frames;
}

// The p-quantile of `values` (p in 0..1), as bench/native/measure.ts's percentile().
inline double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

}  // namespace bench
