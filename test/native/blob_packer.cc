// BlobPacker (native/core/blob.cc) must give the networks exactly the input cv::dnn::blobFromImage gave them.
// Two checks, on real media:
// - blob: Pack's 8-bit blob equals blobFromImage's 8-bit blob byte for byte, for the engine's uses (the darknet
//   input: resize to 320x320, R-G-B; the YOLOX canvas: already at size, B-G-R), plus an upscale, an odd size, a
//   view into a larger image and a blob shape that changes between calls (the scratch is reused);
// - network: the engine's way in, net.setInput(Pack(...), "", scale), makes each model's outputs bit-identical to
//   net.setInput(blobFromImage(image, scale, ..., CV_32F)), the float blob the engine used to build: Yolo-Fastest
//   (1/255, R-G-B) and YOLOX-nano (1.0, B-G-R).
// Run by test/blob-packer.test.ts.
//
//   blob_packer DARKNET_CFG DARKNET_WEIGHTS YOLOX_ONNX IMAGE... [VIDEO FRAME_STEP FRAME_COUNT]
//
// Prints one JSON line: how many cases ran, and the ones that differed.
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>

#include "media_args.h"
#include "../../native/core/blob.h"

namespace {

struct Case {
  cv::Size size;  // empty: the image's own size
  bool swap_rb;
};

struct NetCase {
  const char* name;
  cv::dnn::Net net;
  cv::Size size;
  double scale;
  bool swap_rb;
};

bool SameBytes(const cv::Mat& a, const cv::Mat& b) {
  if (a.dims != b.dims || a.type() != b.type() || !a.isContinuous() || !b.isContinuous()) return false;
  for (int d = 0; d < a.dims; ++d)
    if (a.size[d] != b.size[d]) return false;
  return std::memcmp(a.data, b.data, a.total() * a.elemSize()) == 0;
}

std::vector<cv::Mat> Outputs(cv::dnn::Net& net) {
  std::vector<cv::Mat> outputs;
  net.forward(outputs, net.getUnconnectedOutLayersNames());
  for (auto& o : outputs) o = o.clone();  // the net reuses its output memory
  return outputs;
}

void Append(std::string* list, const std::string& item) { *list += (list->empty() ? "\"" : ",\"") + item + "\""; }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: blob_packer DARKNET_CFG DARKNET_WEIGHTS YOLOX_ONNX IMAGE... [VIDEO STEP COUNT]\n");
    return 2;
  }
  const std::vector<std::pair<std::string, cv::Mat>> images = test_media::ReadImages(argc, argv, 4);

  const Case cases[] = {
      {{320, 320}, true},   // darknet_yolo (detect_fast)
      {{}, false},          // YOLOX: the letterbox canvas, already at the input size
      {{416, 416}, false},
      {{1280, 736}, true},  // an upscale
      {{97, 61}, false},    // odd, tiny
  };
  NetCase nets[] = {
      {"yolo-fastest", cv::dnn::readNetFromDarknet(argv[1], argv[2]), {320, 320}, 1.0 / 255.0, true},
      {"yolox-nano", cv::dnn::readNetFromONNX(argv[3]), {416, 416}, 1.0, false},
  };
  framewire::BlobPacker packer;  // one packer for everything: its scratch is reused across sizes
  int blob_cases = 0, net_cases = 0;
  std::string blob_mismatches, net_mismatches;
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
        cv::dnn::blobFromImage(*input, expected, 1.0, size, cv::Scalar(), c.swap_rb, /*crop=*/false, CV_8U);
        ++blob_cases;
        if (!SameBytes(packer.Pack(*input, size, c.swap_rb), expected))
          Append(&blob_mismatches, name + (input == &view ? " view " : " ") + std::to_string(size.width) + "x" +
                                       std::to_string(size.height));
      }
    }
    for (NetCase& n : nets) {
      n.net.setInput(cv::dnn::blobFromImage(image, n.scale, n.size, cv::Scalar(), n.swap_rb, /*crop=*/false, CV_32F));
      const std::vector<cv::Mat> expected = Outputs(n.net);
      n.net.setInput(packer.Pack(image, n.size, n.swap_rb), "", n.scale);
      const std::vector<cv::Mat> got = Outputs(n.net);
      ++net_cases;
      bool same = expected.size() == got.size() && !expected.empty();
      for (size_t k = 0; same && k < got.size(); ++k) same = SameBytes(got[k], expected[k]);
      if (!same) Append(&net_mismatches, std::string(n.name) + " " + name);
    }
  }
  bool refused_grey = false;
  try {
    packer.Pack(cv::Mat(8, 8, CV_8UC1, cv::Scalar(0)), {8, 8}, false);
  } catch (const std::invalid_argument&) {
    refused_grey = true;
  }
  std::printf(
      "{\"images\":%zu,\"blob_cases\":%d,\"blob_mismatches\":[%s],\"net_cases\":%d,\"net_mismatches\":[%s],"
      "\"refused_grey\":%s}\n",
      images.size(), blob_cases, blob_mismatches.c_str(), net_cases, net_mismatches.c_str(),
      refused_grey ? "true" : "false");
  return 0;
}
