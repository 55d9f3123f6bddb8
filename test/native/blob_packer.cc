// BlobPacker (native/core/blob.cc) must give exactly what cv::dnn::blobFromImage gives, bit for bit, for the
// engine's uses: the darknet input (resize to 320x320, 1/255, R-G-B) and the YOLOX canvas (same size, 1.0,
// B-G-R), plus an upscale, an odd size, a view into a larger image and a blob shape that changes between calls
// (the scratch is reused). Run by test/blob-packer.test.ts on real media.
//
//   blob_packer IMAGE... [VIDEO FRAME_STEP FRAME_COUNT]
//
// Prints one JSON line: how many cases ran, and the ones whose blob differed in shape or in any byte.
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "../../native/core/blob.h"

namespace {

struct Case {
  cv::Size size;  // empty: the image's own size
  double scale;
  bool swap_rb;
};

bool SameBytes(const cv::Mat& a, const cv::Mat& b) {
  if (a.dims != b.dims || a.type() != b.type() || !a.isContinuous() || !b.isContinuous()) return false;
  for (int d = 0; d < a.dims; ++d)
    if (a.size[d] != b.size[d]) return false;
  return std::memcmp(a.data, b.data, a.total() * a.elemSize()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::pair<std::string, cv::Mat>> images;
  for (int i = 1; i < argc; ++i) {
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

  const Case cases[] = {
      {{320, 320}, 1.0 / 255.0, true},  // darknet_yolo (detect_fast)
      {{}, 1.0, false},                 // YOLOX: the letterbox canvas, already at the input size
      {{416, 416}, 1.0, false},
      {{1280, 736}, 1.0 / 255.0, true},  // an upscale
      {{97, 61}, 0.5, false},            // odd, tiny
  };
  framewire::BlobPacker packer;  // one packer for everything: its scratch is reused across sizes
  int ran = 0;
  std::string mismatches;
  for (const auto& [name, image] : images) {
    if (image.empty()) {
      std::printf("{\"error\":\"cannot read %s\"}\n", name.c_str());
      return 1;
    }
    const cv::Mat view = image(cv::Rect(image.cols / 8, image.rows / 8, image.cols / 2 + 1, image.rows / 2 + 1));
    for (const cv::Mat* input : {&image, &view}) {
      for (const Case& c : cases) {
        const cv::Size size = c.size.empty() ? input->size() : c.size;
        cv::Mat expected;
        cv::dnn::blobFromImage(*input, expected, c.scale, size, cv::Scalar(), c.swap_rb, /*crop=*/false, CV_32F);
        const cv::Mat& packed = packer.Pack(*input, size, c.scale, c.swap_rb);
        ++ran;
        if (!SameBytes(packed, expected)) {
          mismatches += (mismatches.empty() ? "\"" : ",\"") + name + (input == &view ? " view " : " ") +
                        std::to_string(size.width) + "x" + std::to_string(size.height) + "\"";
        }
      }
    }
  }
  bool refused_grey = false;
  try {
    packer.Pack(cv::Mat(8, 8, CV_8UC1, cv::Scalar(0)), {8, 8}, 1.0, false);
  } catch (const std::invalid_argument&) {
    refused_grey = true;
  }
  std::printf("{\"images\":%zu,\"cases\":%d,\"mismatches\":[%s],\"refused_grey\":%s}\n", images.size(), ran,
              mismatches.c_str(), refused_grey ? "true" : "false");
  return 0;
}
