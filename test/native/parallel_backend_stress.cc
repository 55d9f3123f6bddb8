// Stress test of the core-sharing parallel_for_ backend (native/core/parallel_backend.cc),
// run by test/pipeline-parallel-backend-stress.test.ts:
//
//   parallel_backend_stress SLOT_THREADS REGIONS_PER_THREAD SECONDS_LIMIT
//
// SLOT_THREADS threads play worker slots: each runs REGIONS_PER_THREAD
// parallel_for_ regions of random sizes and stripe counts, inside a
// SlotBusyScope for random stretches (so helpers are lent, or not, in every
// interleaving), with random pauses between regions. Every index of every
// region must be run exactly once, and every region must end (a watchdog
// aborts after SECONDS_LIMIT: a lost wake-up or a helper that never leaves
// shows up as a hang). Prints one JSON line; exits 1 on any miscount.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>

#include "../../native/core/parallel_backend.h"

namespace {

struct CountBody : cv::ParallelLoopBody {
  explicit CountBody(std::vector<std::atomic<int>>* hits) : hits_(hits) {}
  void operator()(const cv::Range& range) const override {
    for (int i = range.start; i < range.end; ++i) (*hits_)[i].fetch_add(1, std::memory_order_relaxed);
  }
  std::vector<std::atomic<int>>* hits_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: parallel_backend_stress SLOT_THREADS REGIONS_PER_THREAD SECONDS_LIMIT\n");
    return 2;
  }
  const int slot_threads = std::atoi(argv[1]);
  const int regions_per_thread = std::atoi(argv[2]);
  const int seconds_limit = std::atoi(argv[3]);
  framewire::UseParallelBackend(framewire::ParallelBackend::kFramewire);
  cv::setNumThreads(std::max(2, cv::getNumberOfCPUs()));

  std::atomic<bool> done{false};
  std::thread watchdog([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds_limit);
    while (!done.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!done.load()) {
      std::fprintf(stderr, "parallel_backend_stress: regions did not finish within %d s (hang)\n", seconds_limit);
      std::abort();
    }
  });

  std::atomic<long> miscounts{0};
  std::atomic<long> regions{0};
  std::vector<std::thread> slots;
  for (int t = 0; t < slot_threads; ++t) {
    slots.emplace_back([&, t] {
      std::mt19937 rng(1234 + t);
      std::uniform_int_distribution<int> size(1, 4000), stripes(1, 64), pause_us(0, 1000), busy_for(1, 8);
      std::vector<std::atomic<int>> hits(4000);
      std::unique_ptr<framewire::SlotBusyScope> busy;
      int busy_left = 0;
      for (int r = 0; r < regions_per_thread; ++r) {
        if (busy_left-- <= 0) {  // toggle being a busy slot for a random stretch of regions
          busy = busy ? nullptr : std::make_unique<framewire::SlotBusyScope>();
          busy_left = busy_for(rng);
        }
        const int n = size(rng);
        for (int i = 0; i < n; ++i) hits[i].store(0, std::memory_order_relaxed);
        cv::parallel_for_(cv::Range(0, n), CountBody(&hits), stripes(rng));
        for (int i = 0; i < n; ++i)
          if (hits[i].load(std::memory_order_relaxed) != 1) miscounts.fetch_add(1);
        regions.fetch_add(1);
        // Mostly back to back; sometimes a pause long enough (over the backend's 2 ms calm rule, with
        // every thread idle) that helpers are lent again.
        if (const int us = pause_us(rng); us > 900) std::this_thread::sleep_for(std::chrono::microseconds(3 * us));
      }
    });
  }
  for (auto& t : slots) t.join();
  done = true;
  watchdog.join();
  const framewire::ParallelStats stats = framewire::CurrentParallelStats();
  std::printf("{\"regions\":%ld,\"miscounts\":%ld,\"backend_regions\":%llu,\"helped_regions\":%llu}\n", regions.load(),
              miscounts.load(), static_cast<unsigned long long>(stats.regions),
              static_cast<unsigned long long>(stats.helped_regions));
  return miscounts.load() == 0 ? 0 : 1;
}
