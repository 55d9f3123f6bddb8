// Class-wise NMS (native/core/nms.cc) must never let a box of one class suppress a box of another, also when
// a box hangs off the top-left edge (negative coordinates), run by test/pipeline-nms-classes.test.ts.
// Prints one JSON line: the class ids kept, in score order.
#include <cstdio>
#include <vector>

#include "../../native/core/nms.h"

int main() {
  using framewire::Candidate;
  const std::vector<Candidate> cases[] = {
      // A class-0 box at the origin and a class-1 box hanging 99 px off the top-left: with class offsets taken
      // from the largest coordinate only, the shifted class-1 box landed on the class-0 box (IoU 0.92).
      {{0, 0.9f, {0, 0, 100, 100}}, {1, 0.8f, {-99, -99, 100, 100}}},
      // Same-class overlap is still suppressed.
      {{0, 0.9f, {0, 0, 100, 100}}, {0, 0.8f, {2, 2, 100, 100}}},
  };
  std::printf("[");
  for (size_t i = 0; i < 2; ++i) {
    const auto kept = framewire::SuppressPerClass(cases[i], 0.25f, 0.45f);
    std::printf("%s[", i ? "," : "");
    for (size_t k = 0; k < kept.size(); ++k) std::printf("%s%d", k ? "," : "", kept[k].class_id);
    std::printf("]");
  }
  std::printf("]\n");
  return 0;
}
