// The C++ half of the shared JPEG marker table (test/fixtures/jpeg-marker-cases.json): runs every case through
// native/core's ParseJpegHeader and compares with the table's verdict. Run by test/jpeg-marker-cases.test.ts,
// whose TypeScript half runs the same table through src/services/streaming/frame-validator.ts, so the two
// walks cannot drift.
//
//   jpeg_marker_cases TABLE.json
//
// Prints one JSON line {"cases":N,"mismatches":M}, and each mismatch on stderr; exits 1 on any mismatch.
#include <cstdio>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "../../native/core/jpeg_header.h"

namespace {

std::vector<uint8_t> FromHex(const std::string& hex) {
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) bytes.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: jpeg_marker_cases TABLE.json\n");
    return 2;
  }
  // OpenCV's FileStorage reads JSON: no extra dependency for one table.
  cv::FileStorage table(argv[1], cv::FileStorage::READ | cv::FileStorage::FORMAT_JSON);
  const cv::FileNode cases = table["cases"];
  int count = 0, mismatches = 0;
  for (const cv::FileNode& c : cases) {
    ++count;
    const std::string name = c["name"].string();
    const std::vector<uint8_t> bytes = FromHex(c["bytes"].string());
    const cv::FileNode verdict = c["verdict"];
    framewire::JpegHeader header;
    const std::string problem = framewire::ParseJpegHeader(bytes.data(), bytes.size(), &header);
    std::string got = problem.empty() ? std::to_string(header.width) + "x" + std::to_string(header.height) + "x" +
                                            std::to_string(header.components)
                                      : "error: " + problem;
    std::string want = verdict["error"].isString()
                           ? "error: " + verdict["error"].string()
                           : std::to_string(static_cast<int>(verdict["width"])) + "x" +
                                 std::to_string(static_cast<int>(verdict["height"])) + "x" +
                                 std::to_string(static_cast<int>(verdict["components"]));
    if (got != want) {
      ++mismatches;
      std::fprintf(stderr, "%s: want %s, got %s\n", name.c_str(), want.c_str(), got.c_str());
    }
  }
  std::printf("{\"cases\":%d,\"mismatches\":%d}\n", count, mismatches);
  return mismatches == 0 && count > 0 ? 0 : 1;
}
