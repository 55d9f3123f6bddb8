// An OpenCV parallel_for_ backend that shares the machine's cores with the
// engine's slot threads instead of stacking a second thread pool on them.
//
// Why: OpenCV runs only one parallel_for_ region at a time in the whole
// process (a global "nested" flag in parallel.cpp; a region that starts while
// another runs, on any thread, runs serially on its caller). With 2 slots x 2
// threads on 2 cores under OpenCV's TBB backend, slot A's region ran on A plus
// a TBB worker while slot B worked serially: three busy threads on two cores,
// and A waited for a stripe held by a descheduled thread. In the C++ loop 2x2
// gave up 7% of throughput to 2x1 (bench/RESULTS.md).
//
// This backend lends a region helper threads only for cores that no slot
// thread is using. A lone stream's frame gets every core (1x2 behaviour);
// under load each slot runs its regions on its own thread (2x1 behaviour).
// After the slots last filled every core, helpers wait 2 ms before they are
// lent again: under overload a slot is idle only between two frames.
// Stripes are claimed in small chunks from a shared counter, so a helper that
// wakes late never holds a region up: the caller takes the rest itself.
// No N-API here: the addon and the C++ benchmark loop both use it.
#pragma once

#include <cstdint>
#include <memory>

namespace framewire {

enum class ParallelBackend {
  kOpenCv,     // OpenCV's built-in backend (TBB in Debian's build)
  kFramewire,  // the core-sharing backend declared here
};

const char* ParallelBackendName(ParallelBackend backend);

// Makes `backend` OpenCV's parallel_for_ backend for the whole process. The
// first call decides; a later call asking for a different backend throws
// EngineError(kInternal), because OpenCV's backend cannot be swapped
// safely while another engine may be computing. Thread-safe.
void UseParallelBackend(ParallelBackend backend);

// The backend OpenCV's parallel loops run on now: kOpenCv until an engine installs kFramewire.
ParallelBackend CurrentParallelBackend();

// What the core-sharing backend did so far (zeros when it is not installed).
struct ParallelStats {
  uint64_t regions = 0;          // parallel_for_ regions it ran
  uint64_t offered_regions = 0;  // regions that offered helpers seats: a core was free (and had been for 2 ms)
  uint64_t helped_regions = 0;   // regions at least one helper thread joined in time (depends on scheduling)
};
ParallelStats CurrentParallelStats();

// Held by a slot thread for as long as it computes one frame: the backend
// lends helpers only for cores not counted here.
class SlotBusyScope {
 public:
  SlotBusyScope();
  ~SlotBusyScope();
  SlotBusyScope(const SlotBusyScope&) = delete;
  SlotBusyScope& operator=(const SlotBusyScope&) = delete;
};

}  // namespace framewire
