// Stress of the engine's concurrency (native/core/engine.cc) for ThreadSanitizer (`npm run test:tsan`):
// the job queue, the idle-slot stack and its wake-ups, the slot threads, the sinks, and the core-sharing
// parallel backend under real inference with the real models.
//
//   engine_stress SPEC_FILE SUBMITTERS FRAMES_PER_SUBMITTER JPEG...
//
// SUBMITTERS threads each submit FRAMES_PER_SUBMITTER jobs to one engine, cycling through the pipelines and
// the given JPEG files plus one frame that is not a JPEG (an invalid_frame answer), in bursts of 1-4 with
// random pauses, so slots go idle, are woken from the idle stack, or find the queue already emptied by
// another slot. Then a burst is submitted and the engine destroyed at once: every queued job must still be
// answered. Every job must be answered exactly once, with ok or invalid_frame. Prints one JSON line; exits 1
// on a miscount.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../../native/core/engine.h"
#include "../../native/core/spec_file.h"

namespace {

// Counts answers; a job answered twice or a wrong code shows in the totals.
class CountingSink final : public framewire::FrameSink {
 public:
  void FrameDone(framewire::FrameJob* job) override {
    if (job->ok) ok.fetch_add(1);
    else if (job->error_code == framewire::ErrorCode::kInvalidFrame) invalid.fetch_add(1);
    else other.fetch_add(1);
    std::lock_guard<std::mutex> lock(mutex_);
    ++answered_;
  }
  long answered() {
    std::lock_guard<std::mutex> lock(mutex_);
    return answered_;
  }
  std::atomic<long> ok{0}, invalid{0}, other{0};

 private:
  std::mutex mutex_;
  long answered_ = 0;
};

std::vector<uint8_t> ReadFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: engine_stress SPEC_FILE SUBMITTERS FRAMES_PER_SUBMITTER JPEG...\n");
    return 2;
  }
  const framewire::EngineSpec spec = framewire::ReadSpecFile(argv[1]);
  const int submitters = std::stoi(argv[2]);
  const int per_submitter = std::stoi(argv[3]);
  std::vector<std::vector<uint8_t>> frames;
  for (int i = 4; i < argc; ++i) frames.push_back(ReadFile(argv[i]));
  const std::string not_jpeg = "not a jpeg";
  frames.emplace_back(not_jpeg.begin(), not_jpeg.end());
  const size_t pipelines = spec.pipelines.size();

  CountingSink sink;
  long submitted = 0;
  // Declared before the engine, so they outlive it: a job belongs to the engine from Submit to FrameDone.
  std::vector<std::vector<framewire::FrameJob>> jobs(submitters, std::vector<framewire::FrameJob>(per_submitter));
  std::vector<framewire::FrameJob> last(8);
  {
    framewire::Engine engine(spec);
    engine.Load();
    std::vector<std::thread> threads;
    for (int s = 0; s < submitters; ++s) {
      threads.emplace_back([&, s] {
        std::mt19937 rng(77 + s);
        std::uniform_int_distribution<int> burst(1, 4), pause_us(0, 3000);
        for (int i = 0; i < per_submitter;) {
          for (int b = burst(rng); b > 0 && i < per_submitter; --b, ++i) {
            framewire::FrameJob& job = jobs[s][i];
            const auto& frame = frames[(s + i) % frames.size()];
            job.pipeline_index = (s * 7 + i) % pipelines;
            job.data = frame.data();
            job.size = frame.size();
            engine.Submit(&job, &sink);
          }
          std::this_thread::sleep_for(std::chrono::microseconds(pause_us(rng)));
        }
      });
    }
    for (auto& t : threads) t.join();
    submitted = static_cast<long>(submitters) * per_submitter;
    // A last burst, then the engine is destroyed with jobs still queued: its slots answer them all first.
    for (size_t i = 0; i < last.size(); ++i) {
      last[i].pipeline_index = i % pipelines;
      last[i].data = frames[i % frames.size()].data();
      last[i].size = frames[i % frames.size()].size();
      engine.Submit(&last[i], &sink);
    }
    submitted += static_cast<long>(last.size());
  }  // ~Engine joins the slot threads
  const long answered = sink.answered();
  std::printf("{\"submitted\":%ld,\"answered\":%ld,\"ok\":%ld,\"invalid_frame\":%ld,\"other\":%ld}\n", submitted, answered,
              sink.ok.load(), sink.invalid.load(), sink.other.load());
  return answered == submitted && sink.other.load() == 0 && sink.ok.load() > 0 && sink.invalid.load() > 0 ? 0 : 1;
}
