// JPEG bytes -> BGR cv::Mat through libjpeg-turbo's libjpeg API directly (the
// library cv::imdecode uses underneath), for one worker thread: the output
// buffer is reused across frames (once the caller has let go of the previous
// result), libjpeg's warnings are counted instead of
// printed to stderr, fatal libjpeg errors become EngineError(kInvalidFrame), and
// progressive frames with too many scans are refused.
//
// Full-scale output is pixel-identical to cv::imdecode(IMREAD_COLOR) (same
// library, JDCT_ISLOW, fancy upsampling, the same CMYK -> BGR formula), and
// scales 4/8, 2/8, 1/8 to IMREAD_REDUCED_COLOR_2/4/8, except that EXIF
// orientation is ignored (like IMREAD_IGNORE_ORIENTATION): cv::imdecode
// rotates frames whose EXIF Orientation tag is not 1. It is faster than
// Debian's cv::imdecode, which has libjpeg produce RGB and then swaps each row
// to BGR; libjpeg-turbo writes BGR rows straight into the result here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

namespace framewire {

// Smallest M in {1, 2, 4, 8} such that ceil(frame * M / 8) >= need in both
// dimensions (8 when none smaller fits, or the frame size is not positive).
// libjpeg-turbo decodes at M/8 with output size ceil(frame * M / 8), so the
// result of JpegDecoder::Decode(..., M) is at least need_width x need_height.
// Only these scales: libjpeg-turbo 2.1 has SIMD inverse DCTs for 8x8, 4x4 and
// 2x2 only, and 3/8, 5/8, 6/8, 7/8 decode SLOWER than 8/8
// (bench/native/decoder_ab.cc on vtest frames: 5/8 takes 1.3-1.4x and 6/8
// 1.5-1.7x the time of 8/8).
int ChooseFastScaleNum(int frame_width, int frame_height, int need_width, int need_height);

struct JpegDecoderLimits {
  // Frames with more scans than this are refused ("too many scans"): each
  // progressive scan can cost a pass over every coefficient block for a few
  // bytes of input. 100 is libjpeg-turbo's tools' -maxscans advice.
  int max_scans = 100;
  // Refuse frames whose header declares more pixels than this before anything
  // is allocated (progressive frames allocate a whole-image coefficient buffer
  // in jpeg_start_decompress). 0 = no limit beyond libjpeg's 65500 x 65500.
  int64_t max_pixels = 0;
  // Wall-clock budget for one frame's decode, checked in libjpeg's progress
  // monitor (once per row of 8-16 pixel rows per scan, and per output row
  // group): a frame still decoding after this is refused ("decode deadline").
  // The scan limit bounds the work to about pixels x 100 scans; this bounds
  // the time, whatever the machine's speed or load. 0 = no deadline.
  // docs/reliability.md, "Per-frame cost".
  int deadline_ms = 0;
  // The output buffer is kept from frame to frame (no allocation per frame)
  // only up to this size: a frame that needs more gets a buffer of its own
  // size, released at the next smaller frame. Without this cap one frame
  // whose header declares a large size (40 M pixels = 120 MB of BGR, even if
  // its data then fails to decode) pinned that much per slot for the life of
  // the process (issue 9, defect 7; docs/reliability.md). 1920x1088 BGR is
  // 6.3 MB.
  size_t keep_buffer_bytes = 8u << 20;
  // libjpeg grey-fills a frame whose data ends early and only warns; refuse
  // such frames instead ("truncated"), stopping as soon as the data runs out.
  bool reject_truncated = true;
};

// Not thread-safe: own one per worker thread.
class JpegDecoder {
 public:
  explicit JpegDecoder(JpegDecoderLimits limits = {});
  ~JpegDecoder();
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;

  // Decodes at scale_num/8 (1..8; libjpeg-turbo's output size is
  // ceil(width * scale_num / 8) x ceil(height * scale_num / 8)) to 8-bit BGR,
  // CV_8UC3, whatever the frame's colour space (grey, YCbCr, RGB, CMYK, YCCK).
  //
  // The result shares the decoder's buffer: the next Decode overwrites it in
  // place unless the caller still holds a cv::Mat of the previous result (the
  // buffer's reference count says so), in which case a fresh buffer is made,
  // or the buffer is over limits().keep_buffer_bytes and larger than needed.
  // Throws EngineError(kInvalidFrame) for anything libjpeg refuses, too many
  // scans or pixels; std::invalid_argument for a scale_num outside 1..8.
  // Corrupt-data warnings do not throw (cv::imdecode accepts those frames
  // too): see last_warnings(). Nor does truncation when reject_truncated is
  // off: see last_truncated().
  cv::Mat Decode(const uint8_t* data, size_t size, int scale_num = 8);

  // About the last Decode call (also when it threw).
  int last_warnings() const { return warnings_; }
  // libjpeg hit the end of the data before the end-of-image marker and filled
  // the rest of the frame with grey (a truncated frame).
  bool last_truncated() const { return truncated_; }
  // libjpeg's text for the first warning; empty when there was none.
  const std::string& last_first_warning() const { return first_warning_; }
  int last_scans() const { return scans_; }
  int last_source_width() const { return source_width_; }
  int last_source_height() const { return source_height_; }

  const JpegDecoderLimits& limits() const { return limits_; }
  // Bytes of output buffer held between frames (0 when none).
  size_t buffer_bytes() const { return buffer_.empty() ? 0 : buffer_.total(); }

 private:
  uint8_t* OutputBuffer(size_t bytes);

  JpegDecoderLimits limits_;
  cv::Mat buffer_;             // 1 x capacity CV_8UC1; results are views of it
  std::unique_ptr<uint8_t[]> cmyk_row_;  // one row of CMYK output, for 4-component frames
  size_t cmyk_row_capacity_ = 0;
  int warnings_ = 0;
  bool truncated_ = false;
  std::string first_warning_;
  int scans_ = 0;
  int source_width_ = 0;
  int source_height_ = 0;
};

}  // namespace framewire
