// What the native test programs share: reading the real media named on their command line.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

namespace test_media {

// argv[first..argc): image paths, read with cv::imread as BGR, and any `VIDEO.avi STEP COUNT` triple: COUNT frames of
// the video, STEP frames apart from frame 0. Each comes with a name for reports (a frame's is `VIDEO#N`). An image
// that cannot be read comes back empty: the caller reports it.
inline std::vector<std::pair<std::string, cv::Mat>> ReadImages(int argc, char** argv, int first) {
  std::vector<std::pair<std::string, cv::Mat>> images;
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.size() > 4 && arg.substr(arg.size() - 4) == ".avi" && i + 2 < argc) {
      const int step = std::stoi(argv[i + 1]), count = std::stoi(argv[i + 2]);
      cv::VideoCapture capture(arg);
      for (int k = 0; k < count; ++k) {
        capture.set(cv::CAP_PROP_POS_FRAMES, k * step);
        cv::Mat frame;
        if (!capture.read(frame)) break;
        images.emplace_back(arg + "#" + std::to_string(k * step), frame);
      }
      i += 2;
    } else {
      images.emplace_back(arg, cv::imread(arg, cv::IMREAD_COLOR));
    }
  }
  return images;
}

}  // namespace test_media
