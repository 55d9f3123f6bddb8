// DarknetHeads (native/core/darknet_heads.cc) must give the engine exactly the candidates the Region layers gave
// it. On real media, for each darknet model: one Net, two readers of its heads, one decoding the Permute outputs
// itself (the engine's way), one reading the Region layers' outputs (forced); for score thresholds below, at and
// above the Region layers' own cut (0.2) and with and without a class filter, the two candidate lists must be equal
// field for field, bit for bit. Run by test/darknet-heads.test.ts.
//
//   darknet_heads CFG WEIGHTS [CFG WEIGHTS]... -- IMAGE... [VIDEO FRAME_STEP FRAME_COUNT]
//
// Prints one JSON line.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>

#include "media_args.h"
#include "../../native/core/darknet_heads.h"

namespace {

bool SameBits(const framewire::Candidate& a, const framewire::Candidate& b) {
  const float fa[] = {a.score, a.box.x, a.box.y, a.box.width, a.box.height};
  const float fb[] = {b.score, b.box.x, b.box.y, b.box.width, b.box.height};
  return a.class_id == b.class_id && std::memcmp(fa, fb, sizeof fa) == 0;
}

void Append(std::string* list, const std::string& item) { *list += (list->empty() ? "\"" : ",\"") + item + "\""; }

}  // namespace

int main(int argc, char** argv) {
  int sep = 1;
  while (sep < argc && std::string(argv[sep]) != "--") ++sep;
  if (sep >= argc - 1 || sep < 3 || (sep - 1) % 2 != 0) {
    std::fprintf(stderr, "usage: darknet_heads CFG WEIGHTS [CFG WEIGHTS]... -- IMAGE... [VIDEO STEP COUNT]\n");
    return 2;
  }
  const std::vector<std::pair<std::string, cv::Mat>> images = test_media::ReadImages(argc, argv, sep + 1);
  for (const auto& [name, image] : images) {
    if (image.empty()) {
      std::printf("{\"error\":\"cannot read %s\"}\n", name.c_str());
      return 1;
    }
  }

  const std::vector<int> no_filter, filter = {0, 2};  // person, car
  const float thresholds[] = {0.0f, 0.1f, 0.2f, 0.25f, 0.6f};
  const cv::Size input(320, 320);
  std::string skips, mismatches;
  int cases = 0;
  long compared = 0;
  for (int m = 1; m < sep; m += 2) {
    cv::dnn::Net net = cv::dnn::readNetFromDarknet(argv[m], argv[m + 1]);
    const framewire::DarknetHeads own(net, argv[m], input);
    const framewire::DarknetHeads region(net, argv[m], input, /*use_region_layers=*/true);
    skips += std::string(skips.empty() ? "" : ",") + (own.skips_region_layers() ? "true" : "false");
    for (const auto& [name, image] : images) {
      net.setInput(cv::dnn::blobFromImage(image, 1.0 / 255.0, input, cv::Scalar(), true, false, CV_32F));
      std::vector<cv::Mat> own_out, region_out;
      net.forward(own_out, own.output_names());
      for (auto& o : own_out) o = o.clone();  // the net reuses its output memory
      net.forward(region_out, region.output_names());
      for (float threshold : thresholds) {
        for (const std::vector<int>* classes : {&no_filter, &filter}) {
          const framewire::DetectOptions options{threshold, 0.45f, classes};
          std::vector<framewire::Candidate> got, expected;
          own.Collect(own_out, image.cols, image.rows, options, &got);
          region.Collect(region_out, image.cols, image.rows, options, &expected);
          ++cases;
          compared += static_cast<long>(expected.size());
          bool same = got.size() == expected.size();
          for (size_t k = 0; same && k < got.size(); ++k) same = SameBits(got[k], expected[k]);
          if (!same)
            Append(&mismatches, std::string(argv[m]).substr(std::string(argv[m]).rfind('/') + 1) + " " + name +
                                    " >=" + std::to_string(threshold) + (classes == &filter ? " filtered" : ""));
        }
      }
    }
  }
  std::printf("{\"images\":%zu,\"skips_region_layers\":[%s],\"cases\":%d,\"candidates\":%ld,\"mismatches\":[%s]}\n",
              images.size(), skips.c_str(), cases, compared, mismatches.c_str());
  return 0;
}
