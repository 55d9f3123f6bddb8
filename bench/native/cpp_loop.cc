// The limit: the same decode + inference work as the addon (it calls the same
// native/core Engine), in a plain C++ loop with no Node.js, no N-API and no
// event loop. Submitter threads pull frames in a closed loop.
//
//   cpp_loop SPEC_FILE PIPELINE_ID FRAMES_DIR FRAME_COUNT [queue|direct] [SUBMITTERS]
//
// SUBMITTERS (queue mode) defaults to 2 x slots, the frames the server keeps in
// the engine; 1 measures a lone stream's latency.
//
// By default the loop threads hand frames to the engine's slot threads, the
// fastest way this engine runs: measured on faces at 2x1, 95-104 fps through
// the slot threads that loaded and warmed the models against 82-84 fps with
// "direct" (each loop thread running its slot's models itself).
//
// SPEC_FILE is written by bench/native/spec-file.ts from the same
// NativeEngineSpec the server builds. Prints one JSON line.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "../../native/core/engine.h"
#include "../../native/core/errors.h"
#include "../../native/core/spec_file.h"
#include "bench_util.h"

using framewire::Engine;
using framewire::EngineSpec;

int main(int argc, char** argv) {
  if (argc < 5 || argc > 7) {
    std::cerr << "usage: cpp_loop SPEC_FILE PIPELINE_ID FRAMES_DIR FRAME_COUNT [queue|direct] [SUBMITTERS]\n";
    return 2;
  }
  // Default: each thread hands its frames to the engine's slot threads
  // (Engine::Run), which loaded and warmed the models. "direct": each thread
  // runs its own slot's models itself (Engine::RunOnSlot).
  const bool direct = argc >= 6 && std::string(argv[5]) == "direct";
  const EngineSpec spec = framewire::ReadSpecFile(argv[1]);
  const std::string pipeline_id = argv[2];
  const size_t total = std::stoul(argv[4]);
  const std::vector<std::vector<uint8_t>> frames = bench::ReadFrames(argv[3]);

  size_t pipeline = 0;
  while (pipeline < spec.pipelines.size() && spec.pipelines[pipeline].id != pipeline_id) ++pipeline;
  if (pipeline == spec.pipelines.size() || frames.empty()) {
    std::cerr << "no pipeline " << pipeline_id << " or no frames\n";
    return 2;
  }
  Engine engine(spec);
  engine.Load();

  // Queue mode keeps as many frames in the engine as the server does (one
  // running and one staged per slot), so the slot threads never wait for work.
  const int submitters = direct ? spec.slots : argc == 7 ? std::stoi(argv[6]) : 2 * spec.slots;
  std::atomic<size_t> next{0};
  std::vector<std::vector<double>> latencies(submitters);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < submitters; ++w) {
    workers.emplace_back([&, w] {
      for (size_t i; (i = next.fetch_add(1)) < total;) {
        const auto& frame = frames[i % frames.size()];
        const auto t0 = std::chrono::steady_clock::now();
        if (direct) engine.RunOnSlot(w, pipeline, frame.data(), frame.size());
        else engine.Run(pipeline, frame.data(), frame.size());
        latencies[w].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
    });
  }
  for (auto& t : workers) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::cout << "{\"frames\":" << all.size() << ",\"fps\":" << all.size() / seconds << ",\"p50_ms\":" << bench::Percentile(all, 0.5)
            << ",\"p99_ms\":" << bench::Percentile(all, 0.99) << "}" << std::endl;
  return 0;
}
