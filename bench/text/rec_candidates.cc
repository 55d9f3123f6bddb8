// Text recognition candidates, measured on the same line crops (issue 13):
//   (a) PP-OCRv4 rec (ONNX, cv::dnn) pinned to fixed widths by bench/text/prepare-rec.ts; each line is scaled to
//       height 48 and run through the narrowest width bucket it fits (wider lines are squeezed into the widest);
//       CTC greedy decoding over ppocr_keys_v1.txt (class 0 blank, k -> line k-1, last class a space).
//   (b) Tesseract LSTM (native/core/text_recognizer_tesseract.cc, the server's recogniser).
// Lines come from the server's own detector and crops (native/core), one OpenCV thread and OMP_THREAD_LIMIT=1
// (bench/text/run.sh), as on a worker slot. Per line the two run back to back, order alternating, for ROUNDS
// rounds; ms per line is the median. Word recall is against test/fixtures/imageText.transcript.txt.
//
//   rec_candidates DET_ONNX TESSDATA_FILE REC_DIR TRANSCRIPT ROUNDS PAGE...
#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../../native/core/models.h"
#include "../../native/core/stopwatch.h"
#include "../../native/core/text_reader.h"

using namespace framewire;

namespace {

constexpr int kRecHeight = 48;
const int kBuckets[] = {320, 640, 960, 1280, 1920, 2560};

class PpOcrRecognizer {
 public:
  PpOcrRecognizer(const std::string& dir) {
    std::ifstream keys(dir + "/ppocr_keys_v1.txt");
    for (std::string line; std::getline(keys, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      dictionary_.push_back(line);
    }
    for (int width : kBuckets) {
      cv::dnn::Net net = cv::dnn::readNetFromONNX(dir + "/rec_w" + std::to_string(width) + ".onnx");
      net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
      nets_.push_back(net);
    }
  }

  RecognizedText Recognize(const cv::Mat& line) {
    const int wanted = std::max(1, static_cast<int>(std::ceil(kRecHeight * static_cast<double>(line.cols) / line.rows)));
    size_t bucket = 0;
    while (bucket + 1 < nets_.size() && kBuckets[bucket] < wanted) ++bucket;
    const int width = std::min(wanted, kBuckets[bucket]);
    cv::Mat resized, normalised;
    cv::resize(line, resized, cv::Size(width, kRecHeight));
    resized.convertTo(normalised, CV_32FC3, 1 / 127.5, -1.0);
    cv::Mat canvas = cv::Mat::zeros(kRecHeight, kBuckets[bucket], CV_32FC3);  // 0 = grey after normalising
    normalised.copyTo(canvas(cv::Rect(0, 0, width, kRecHeight)));
    cv::Mat blob = cv::dnn::blobFromImage(canvas);
    nets_[bucket].setInput(blob);
    cv::Mat out = nets_[bucket].forward();  // 1 x T x classes
    const int steps = out.size[1], classes = out.size[2];
    RecognizedText result;
    int previous = 0;
    double sum = 0;
    int kept = 0;
    for (int t = 0; t < steps; ++t) {
      const float* row = out.ptr<float>(0) + static_cast<size_t>(t) * classes;
      const int best = static_cast<int>(std::max_element(row, row + classes) - row);
      if (best != 0 && best != previous) {
        result.text += best - 1 < static_cast<int>(dictionary_.size()) ? dictionary_[best - 1] : " ";
        sum += row[best];
        ++kept;
      }
      previous = best;
    }
    result.score = kept ? static_cast<float>(sum / kept) : 0.0f;
    return result;
  }

 private:
  std::vector<std::string> dictionary_;
  std::vector<cv::dnn::Net> nets_;
};

std::vector<std::string> WordsOf(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) {
    std::string lower;
    for (char c : w) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    const auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    const auto first = std::find_if(lower.begin(), lower.end(), alnum);
    const auto last = std::find_if(lower.rbegin(), lower.rend(), alnum).base();
    if (first < last) words.emplace_back(first, last);
  }
  return words;
}

double WordRecall(const std::vector<std::string>& expected, const std::vector<std::string>& got) {
  std::map<std::string, int> left;
  for (const auto& w : got) ++left[w];
  int found = 0;
  for (const auto& w : expected)
    if (left[w] > 0) --left[w], ++found;
  return expected.empty() ? 1.0 : static_cast<double>(found) / expected.size();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) {
    std::cerr << "usage: rec_candidates DET_ONNX TESSDATA_FILE REC_DIR TRANSCRIPT ROUNDS PAGE...\n";
    return 2;
  }
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  cv::setNumThreads(1);
  ModelSpec det;
  det.weights_path = argv[1];
  det.input_width = det.input_height = 640;
  ModelSpec tess;
  tess.weights_path = argv[2];
  tess.input_width = 4000;
  tess.input_height = 40;
  auto detector = LoadDbTextDetector(det);
  auto tesseract = LoadTesseractRecognizer(tess);
  PpOcrRecognizer ppocr(argv[3]);
  std::ifstream transcript_file(argv[4]);
  const std::string transcript((std::istreambuf_iterator<char>(transcript_file)), std::istreambuf_iterator<char>());
  const int rounds = std::atoi(argv[5]);

  for (int page = 6; page < argc; ++page) {
    const cv::Mat image = cv::imread(argv[page]);
    StageTimings ignored;
    std::vector<TextRegion> regions = detector->Detect(image, &ignored);
    std::sort(regions.begin(), regions.end(), [](const TextRegion& a, const TextRegion& b) { return a.quad[0].y < b.quad[0].y; });
    std::vector<cv::Mat> crops;
    for (const TextRegion& r : regions) crops.push_back(UprightTextCrop(image, r.quad));
    std::string text_a, text_b;
    std::vector<double> ms_a, ms_b;
    for (int round = 0; round < rounds; ++round) {
      for (size_t i = 0; i < crops.size(); ++i) {
        RecognizedText a, b;
        const bool a_first = (round + i) % 2 == 0;
        for (int k = 0; k < 2; ++k) {
          Stopwatch watch;
          if ((k == 0) == a_first) {
            a = ppocr.Recognize(crops[i]);
            ms_a.push_back(watch.Lap());
          } else {
            b = tesseract->Recognize(crops[i]);
            ms_b.push_back(watch.Lap());
          }
        }
        if (round == 0) {
          text_a += a.text + "\n";
          text_b += b.text + "\n";
          std::cout << "  line " << i << " (" << crops[i].cols << "x" << crops[i].rows << ")\n    ppocr:     " << a.text
                    << "\n    tesseract: " << b.text << "\n";
        }
      }
    }
    const auto expected = WordsOf(transcript);
    std::cout << argv[page] << ": " << crops.size() << " lines, " << rounds << " rounds\n"
              << "  (a) PP-OCRv4 rec:  word recall " << 100 * WordRecall(expected, WordsOf(text_a))
              << "%, median " << Median(ms_a) << " ms/line\n"
              << "  (b) Tesseract LSTM: word recall " << 100 * WordRecall(expected, WordsOf(text_b))
              << "%, median " << Median(ms_b) << " ms/line\n";
  }
  return 0;
}
