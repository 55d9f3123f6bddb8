#include "jpeg_decoder.h"

#include <algorithm>
#include <chrono>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <stdexcept>

// jpeglib.h needs size_t and FILE declared first (cstddef, cstdio above).
extern "C" {
#include <jerror.h>
#include <jpeglib.h>
}

#include "errors.h"

namespace framewire {

int ChooseFastScaleNum(int frame_width, int frame_height, int need_width, int need_height) {
  if (frame_width <= 0 || frame_height <= 0) return 8;
  for (int m : {1, 2, 4}) {
    const int64_t width = (static_cast<int64_t>(frame_width) * m + 7) / 8;
    const int64_t height = (static_cast<int64_t>(frame_height) * m + 7) / 8;
    if (width >= need_width && height >= need_height) return m;
  }
  return 8;
}

namespace {

// One frame's libjpeg state. Plain C structs only: longjmp skips no destructor.
// A fresh jpeg_decompress_struct per frame costs about 0.15 us to create and
// destroy (libjpeg's per-image memory is allocated per frame either way) and
// keeps frames independent: a reused one would carry the previous frame's
// Huffman and quantisation tables into a frame that omits them (libjpeg's
// abbreviated-stream feature), where cv::imdecode, like this decoder, falls
// back to the standard Huffman tables (MJPEG frames without DHT).
struct Session {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr errors;
  jpeg_progress_mgr progress;
  jmp_buf jump;
  int max_scans;
  int deadline_ms;
  int64_t deadline_ns;  // steady_clock time since epoch; 0 = none
  bool reject_truncated;
  int warnings;
  bool truncated;
  bool have_first_warning;
  char first_warning[JMSG_LENGTH_MAX];
  char error[JMSG_LENGTH_MAX];
};

Session* SessionOf(j_common_ptr cinfo) { return static_cast<Session*>(cinfo->client_data); }

// Fatal error: keep libjpeg's text and leave through the setjmp of the phase
// that called into libjpeg; the exception is thrown from C++ frames only.
void ErrorExit(j_common_ptr cinfo) {
  Session* session = SessionOf(cinfo);
  (*cinfo->err->format_message)(cinfo, session->error);
  std::longjmp(session->jump, 1);
}

// Warnings (msg_level -1) are counted, trace messages (>= 0) dropped; nothing
// reaches stderr (libjpeg's default prints the first warning of every frame).
void EmitMessage(j_common_ptr cinfo, int msg_level) {
  if (msg_level >= 0) return;
  Session* session = SessionOf(cinfo);
  ++session->warnings;
  ++cinfo->err->num_warnings;
  if (!session->have_first_warning) {
    (*cinfo->err->format_message)(cinfo, session->first_warning);
    session->have_first_warning = true;
  }
  // jpeg_mem_src's fill_input_buffer ran out of data and inserted a fake EOI.
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
    session->truncated = true;
    if (session->reject_truncated) {
      std::snprintf(session->error, sizeof(session->error), "truncated: the data ends before the image does");
      std::longjmp(session->jump, 1);
    }
  }
}

void OutputMessage(j_common_ptr) {}

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Called once per iMCU row (8 or 16 pixel rows of one scan) while a
// multi-scan frame is absorbed (jpeg_start_decompress), and per row group
// while rows are read; input_scan_number counts the SOS markers read so far.
// The clock read costs ~25 ns (vDSO), against microseconds of decoding
// between two calls.
void ProgressMonitor(j_common_ptr cinfo) {
  Session* session = SessionOf(cinfo);
  const int scans = reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number;
  if (scans > session->max_scans) {
    std::snprintf(session->error, sizeof(session->error), "too many scans (more than %d)", session->max_scans);
    std::longjmp(session->jump, 1);
  }
  if (session->deadline_ns != 0 && SteadyNowNs() > session->deadline_ns) {
    std::snprintf(session->error, sizeof(session->error), "decode deadline of %d ms exceeded (%d scans read)",
                  session->deadline_ms, scans);
    std::longjmp(session->jump, 1);
  }
}

// Each phase below holds its own setjmp and returns false after a longjmp.
// No C++ object with a destructor lives in these frames, and no local written
// after setjmp is read after the longjmp.

bool Create(Session* s, const JpegDecoderLimits& limits) {
  std::memset(s, 0, sizeof(*s));
  s->max_scans = limits.max_scans;
  s->deadline_ms = limits.deadline_ms;
  s->deadline_ns = limits.deadline_ms > 0 ? SteadyNowNs() + static_cast<int64_t>(limits.deadline_ms) * 1000000 : 0;
  s->reject_truncated = limits.reject_truncated;
  s->cinfo.err = jpeg_std_error(&s->errors);
  s->errors.error_exit = ErrorExit;
  s->errors.emit_message = EmitMessage;
  s->errors.output_message = OutputMessage;
  s->cinfo.client_data = s;  // jpeg_create_decompress keeps err and client_data
  if (setjmp(s->jump)) return false;
  jpeg_create_decompress(&s->cinfo);
  s->progress.progress_monitor = ProgressMonitor;
  s->cinfo.progress = &s->progress;
  return true;
}

bool ReadHeader(Session* s, const uint8_t* data, size_t size, int scale_num) {
  if (setjmp(s->jump)) return false;
  jpeg_mem_src(&s->cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&s->cinfo, TRUE);  // a tables-only stream is an error (JERR_NO_IMAGE)
  // As OpenCV's JpegDecoder for IMREAD_COLOR: BGR straight from libjpeg-turbo
  // for 1 and 3 components (grey is replicated), CMYK rows converted below.
  if (s->cinfo.num_components == 4) {
    s->cinfo.out_color_space = JCS_CMYK;
  } else {
    s->cinfo.out_color_space = JCS_EXT_BGR;
  }
  s->cinfo.scale_num = static_cast<unsigned int>(scale_num);
  s->cinfo.scale_denom = 8;
  s->cinfo.dct_method = JDCT_ISLOW;     // libjpeg's default, and OpenCV's
  s->cinfo.do_fancy_upsampling = TRUE;  // likewise
  jpeg_calc_output_dimensions(&s->cinfo);
  return true;
}

// OpenCV's icvCvt_CMYK2BGR_8u_C4C3R (imgcodecs/src/utils.cpp), so CMYK and
// YCCK frames match cv::imdecode too.
void CmykRowToBgr(const uint8_t* cmyk, uint8_t* bgr, unsigned width) {
  for (unsigned i = 0; i < width; ++i, cmyk += 4, bgr += 3) {
    const int k = cmyk[3];
    const int c = k - ((255 - cmyk[0]) * k >> 8);
    const int m = k - ((255 - cmyk[1]) * k >> 8);
    const int y = k - ((255 - cmyk[2]) * k >> 8);
    bgr[0] = static_cast<uint8_t>(y);
    bgr[1] = static_cast<uint8_t>(m);
    bgr[2] = static_cast<uint8_t>(c);
  }
}

bool ReadPixels(Session* s, uint8_t* out, size_t stride, uint8_t* cmyk_row) {
  if (setjmp(s->jump)) return false;
  jpeg_decompress_struct* cinfo = &s->cinfo;
  jpeg_start_decompress(cinfo);  // absorbs every scan of a progressive frame
  const JDIMENSION height = cinfo->output_height;
  if (cmyk_row == nullptr) {
    constexpr int kBatch = 16;  // libjpeg returns at most one row group per call anyway
    JSAMPROW rows[kBatch];
    while (cinfo->output_scanline < height) {
      const JDIMENSION first = cinfo->output_scanline;
      const JDIMENSION count = height - first < kBatch ? height - first : kBatch;
      for (JDIMENSION i = 0; i < count; ++i) rows[i] = out + (first + i) * stride;
      if (jpeg_read_scanlines(cinfo, rows, count) == 0) ERREXIT(cinfo, JERR_CANT_SUSPEND);
    }
  } else {
    JSAMPROW row = cmyk_row;
    while (cinfo->output_scanline < height) {
      const JDIMENSION y = cinfo->output_scanline;
      if (jpeg_read_scanlines(cinfo, &row, 1) != 1) ERREXIT(cinfo, JERR_CANT_SUSPEND);
      CmykRowToBgr(cmyk_row, out + y * stride, cinfo->output_width);
    }
  }
  // Every pixel is out. No jpeg_finish_decompress: it would only read what
  // follows the last scan (up to EOI), which cannot change the pixels.
  return true;
}

// Destroys the session's libjpeg state on every path out of Decode.
struct SessionGuard {
  Session* session;
  bool created;
  ~SessionGuard() {
    if (created) jpeg_destroy_decompress(&session->cinfo);
  }
};

}  // namespace

JpegDecoder::JpegDecoder(JpegDecoderLimits limits) : limits_(limits) {}

JpegDecoder::~JpegDecoder() = default;

uint8_t* JpegDecoder::OutputBuffer(size_t bytes) {
  // Someone still holds a view of the previous result: leave it to them.
  const bool shared = buffer_.u != nullptr && __atomic_load_n(&buffer_.u->refcount, __ATOMIC_ACQUIRE) > 1;
  // Larger than this frame needs and than the size worth keeping: give it back.
  const bool oversized = buffer_.total() > std::max(bytes, limits_.keep_buffer_bytes);
  if (shared || buffer_.empty() || buffer_.total() < bytes || oversized) {
    buffer_.release();
    buffer_.create(1, static_cast<int>(bytes), CV_8UC1);
  }
  return buffer_.data;
}

cv::Mat JpegDecoder::Decode(const uint8_t* data, size_t size, int scale_num) {
  if (scale_num < 1 || scale_num > 8)
    throw std::invalid_argument("JpegDecoder: scale_num must be 1..8, got " + std::to_string(scale_num));
  warnings_ = 0;
  truncated_ = false;
  first_warning_.clear();
  scans_ = 0;
  source_width_ = 0;
  source_height_ = 0;

  Session session;
  SessionGuard guard{&session, false};
  const auto finish = [&](bool ok) {
    warnings_ = session.warnings;
    truncated_ = session.truncated;
    if (session.have_first_warning) first_warning_ = session.first_warning;
    if (!ok) throw EngineError(ErrorCode::kInvalidFrame, std::string("JPEG decoder rejected the frame: ") + session.error);
  };

  if (!Create(&session, limits_)) finish(false);
  guard.created = true;
  if (size == 0 || data == nullptr) throw EngineError(ErrorCode::kInvalidFrame, "JPEG decoder rejected the frame: empty");
  finish(ReadHeader(&session, data, size, scale_num));

  const jpeg_decompress_struct& cinfo = session.cinfo;
  source_width_ = static_cast<int>(cinfo.image_width);
  source_height_ = static_cast<int>(cinfo.image_height);
  const int64_t pixels = static_cast<int64_t>(cinfo.image_width) * cinfo.image_height;
  if (limits_.max_pixels > 0 && pixels > limits_.max_pixels) {
    throw EngineError(ErrorCode::kInvalidFrame, "JPEG: " + std::to_string(cinfo.image_width) + "x" +
                                                    std::to_string(cinfo.image_height) + " is over the limit of " +
                                                    std::to_string(limits_.max_pixels) + " pixels");
  }
  const size_t stride = static_cast<size_t>(cinfo.output_width) * 3;
  const size_t bytes = stride * cinfo.output_height;
  if (bytes > static_cast<size_t>(INT32_MAX))
    throw EngineError(ErrorCode::kInvalidFrame, "JPEG decoder rejected the frame: output too large");

  uint8_t* out = OutputBuffer(bytes);
  uint8_t* cmyk_row = nullptr;
  if (cinfo.out_color_space == JCS_CMYK) {
    const size_t row_bytes = static_cast<size_t>(cinfo.output_width) * 4;
    if (cmyk_row_capacity_ < row_bytes) {
      cmyk_row_.reset(new uint8_t[row_bytes]);
      cmyk_row_capacity_ = row_bytes;
    }
    cmyk_row = cmyk_row_.get();
  }
  const bool ok = ReadPixels(&session, out, stride, cmyk_row);
  scans_ = session.cinfo.input_scan_number;
  finish(ok);
  return buffer_.colRange(0, static_cast<int>(bytes)).reshape(3, static_cast<int>(session.cinfo.output_height));
}

}  // namespace framewire
