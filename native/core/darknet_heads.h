// The detection heads of a darknet YOLO net ([yolo] sections), read into
// scored, classed boxes.
//
// cv::dnn (OpenCV 4.6) runs each [yolo] head as a Permute layer and a Region
// layer. The Region layer applies the logistic function to every class score
// of every anchor (1500 rows x 80 classes at 320x320) and keeps those above
// its `thresh`; the engine then wants only each row's best class, and only
// where that clears the node's threshold. The logistic is monotonic, so the
// best class is the best raw score: this decoder reads the Permute outputs
// (the Region layers' inputs), takes each row's best raw class score and
// computes the Region layer's arithmetic (same expressions, same float types)
// for that one class and the box. The candidates are bit-identical to those
// from the Region layers' outputs (test/darknet-heads.test.ts checks them on
// real frames) at 0.31 ms a frame less on yolo-fastest 320x320 with one
// thread (bench/RESULTS.md, "Darknet heads without the Region layers").
//
// It only takes that path when it can reproduce the Region layer exactly: every
// output is a Region layer fed by a Permute layer, with no NMS of its own
// (nms_threshold 0, as OpenCV 4.6 reads darknet cfgs), every cfg section of
// those heads is [yolo] with new_coords 0 and one thresh and scale_x_y for all,
// and the input is square (OpenCV's releases disagree on which side normalises
// w and h). Otherwise it asks for the Region layers' outputs and reads those.
#pragma once

#include <string>
#include <vector>

#include <opencv2/dnn.hpp>

#include "models.h"
#include "nms.h"

namespace framewire {

class DarknetHeads {
 public:
  // `net` freshly read from `cfg_path`. `use_region_layers` forces the Region
  // path (tests and benchmarks compare the two).
  DarknetHeads(cv::dnn::Net& net, const std::string& cfg_path, cv::Size input_size, bool use_region_layers = false);

  // True when Collect decodes the Permute outputs itself.
  bool skips_region_layers() const { return skip_region_; }

  // What to pass to net.forward.
  const std::vector<cv::String>& output_names() const { return output_names_; }

  // Appends the rows of `outputs` (as net.forward returned them for
  // output_names()) whose best class clears options.score_threshold and
  // options.class_filter, boxes scaled to frame_w x frame_h.
  void Collect(const std::vector<cv::Mat>& outputs, float frame_w, float frame_h, const DetectOptions& options,
               std::vector<Candidate>* candidates) const;

 private:
  struct Head {
    std::vector<float> anchors;  // w, h per anchor of this head, in input pixels (the Region layer's blob)
  };

  void CollectRegionRows(const cv::Mat& out, float frame_w, float frame_h, const DetectOptions& options,
                         std::vector<Candidate>* candidates) const;
  void CollectHead(const cv::Mat& permuted, const Head& head, float frame_w, float frame_h,
                   const DetectOptions& options, std::vector<Candidate>* candidates) const;

  bool skip_region_ = false;
  std::vector<cv::String> output_names_;
  std::vector<Head> heads_;  // one per output when skip_region_
  float thresh_ = 0.2f;      // the Region layers' own cut: class scores at or below it become 0
  float scale_x_y_ = 1.0f;
  int input_side_ = 0;  // the (square) input's width and height, as the Region layer normalises w and h
};

}  // namespace framewire
