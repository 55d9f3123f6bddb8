// Line recognition with Tesseract's LSTM engine (Debian libtesseract5 and the
// tesseract-ocr-eng "fast" model), one TessBaseAPI per slot: the API is not
// shared between threads. Each call reads one upright line crop as a single
// text line (PSM 7), scaled to the model's input height (the registry's
// input.height: 40 px suits Tesseract's LSTM, which reads best with capitals
// of 20-30 px, and a DB region is about 1.6x its text height) and at most
// input.width wide, which bounds the cost of one line.
//
// Threads: Debian builds libtesseract with OpenMP, and its LSTM asks for
// several threads per line. The server sets OMP_THREAD_LIMIT=1 before the
// addon loads (src/native/binding.ts) so Tesseract never takes more than its
// slot's core; tesseractThreadLimit() reports what the OpenMP runtime saw.
#include <algorithm>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include <opencv2/imgproc.hpp>
#include <tesseract/baseapi.h>

#include "errors.h"
#include "models.h"

namespace framewire {
namespace {

// Tesseract keeps some parameters process-wide (debug_file is a global STRING_VAR): Init and SetVariable
// write them through ParamUtils::SetParam, and recognising a line reads them. Slots load their models on
// their own threads at once, so one slot set up its TessBaseAPI while another was setting up its own or
// already warming up on a line: ThreadSanitizer's engine stress (npm run test:tsan) reported both races on
// 2026-12-01. Setting up and ending a recognizer hold this lock exclusively, recognising a line holds it
// shared: slots still read lines in parallel, and once every slot has loaded nobody writes, so the shared
// lock is never kept waiting.
std::shared_mutex& TesseractGlobalsMutex() {
  static std::shared_mutex mutex;
  return mutex;
}

std::string Collapse(const char* raw) {
  std::string out;
  bool space = false;
  for (const char* p = raw; *p; ++p) {
    const bool blank = *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r' || *p == '\f';
    if (blank) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(*p);
  }
  return out;
}

class TesseractRecognizer final : public TextRecognizer {
 public:
  explicit TesseractRecognizer(const ModelSpec& spec) : line_height_(spec.input_height), max_width_(spec.input_width) {
    // weights_path is <dir>/<lang>.traineddata
    const std::string& path = spec.weights_path;
    const size_t slash = path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    std::string lang = slash == std::string::npos ? path : path.substr(slash + 1);
    const std::string suffix = ".traineddata";
    if (lang.size() <= suffix.size() || lang.compare(lang.size() - suffix.size(), suffix.size(), suffix) != 0)
      throw EngineError(ErrorCode::kPipelineFailure, "tesseract model " + path + " is not a .traineddata file");
    lang.resize(lang.size() - suffix.size());
    const std::unique_lock<std::shared_mutex> globals(TesseractGlobalsMutex());
    if (api_.Init(dir.c_str(), lang.c_str(), tesseract::OEM_LSTM_ONLY) != 0)
      throw EngineError(ErrorCode::kPipelineFailure, "tesseract could not load " + path);
    api_.SetPageSegMode(tesseract::PSM_SINGLE_LINE);
    api_.SetVariable("debug_file", "/dev/null");  // no "Empty page!!" and similar on stderr
    api_.SetVariable("user_defined_dpi", "300");  // crops carry no resolution; this silences the guess
  }
  ~TesseractRecognizer() override {
    const std::unique_lock<std::shared_mutex> globals(TesseractGlobalsMutex());
    api_.End();
  }

  RecognizedText Recognize(const cv::Mat& line) override {
    RecognizedText result;
    if (line.empty()) return result;
    cv::cvtColor(line, gray_, cv::COLOR_BGR2GRAY);
    const double scale = static_cast<double>(line_height_) / gray_.rows;
    const int width = std::clamp(static_cast<int>(gray_.cols * scale + 0.5), 1, max_width_);
    cv::resize(gray_, scaled_, cv::Size(width, line_height_), 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
    const std::shared_lock<std::shared_mutex> globals(TesseractGlobalsMutex());
    api_.SetImage(scaled_.data, scaled_.cols, scaled_.rows, 1, static_cast<int>(scaled_.step));
    const std::unique_ptr<char[]> text(api_.GetUTF8Text());
    if (text) result.text = Collapse(text.get());
    result.score = result.text.empty() ? 0.0f : std::clamp(api_.MeanTextConf(), 0, 100) / 100.0f;
    api_.Clear();
    return result;
  }

 private:
  const int line_height_;
  const int max_width_;
  tesseract::TessBaseAPI api_;
  cv::Mat gray_;
  cv::Mat scaled_;
};

}  // namespace

std::unique_ptr<TextRecognizer> LoadTesseractRecognizer(const ModelSpec& spec) {
  return std::make_unique<TesseractRecognizer>(spec);
}

}  // namespace framewire
