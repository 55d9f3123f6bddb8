#include "parallel_backend.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include <pthread.h>

#include <opencv2/core.hpp>
#include <opencv2/core/parallel/parallel_backend.hpp>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "errors.h"

namespace framewire {
namespace {

// Slot threads computing a frame right now, across every engine in the process.
std::atomic<int> busy_slots{0};
// The cores the installed backend shares (0 until installed; set once, before
// it is installed), and when the slot threads last filled them all
// (steady_clock nanoseconds).
std::atomic<int> backend_cores{0};
std::atomic<int64_t> last_all_busy_ns{0};

// Under overload a slot is idle only for the moment its next frame takes to
// arrive; a helper lent in that moment would find both slots computing again
// and make three threads on two cores. Lend only once the cores have not all
// been busy for this long.
constexpr std::chrono::milliseconds kCalmFor{2};

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// 0 on every thread but the backend's helpers (1..n): OpenCV's getThreadNum().
thread_local int helper_index = 0;

// How long an idle helper keeps polling for the next region before it sleeps,
// and how long a caller polls for its helpers to leave before it sleeps. A
// frame is dozens of regions (about one per layer) a few microseconds apart;
// waking a sleeping thread costs more than that.
//
// What the helper's poll costs: it only runs while some core has no slot
// thread on it, and it occupies that core for at most kSpinFor after each
// region. The JS thread (or anything else) that wakes meanwhile has to
// preempt it: Linux usually does so at once, as the poller has just run, but
// the event loop can be held up to the scheduler's wakeup granularity (about
// a millisecond) in the worst case, and the poll's CPU time is real. Under
// load no core is free, so nobody polls.
constexpr std::chrono::microseconds kSpinFor{100};

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// One parallel_for call: its stripes, claimed a chunk at a time by the caller
// and by whichever helpers joined. Lives on the caller's stack.
struct Region {
  int tasks;
  int chunk;  // stripes per claim
  cv::parallel::ParallelForAPI::FN_parallel_for_body_cb_t body;
  void* data;
  int seats = 0;                // helpers that may still join (guarded by the backend's mutex)
  std::atomic<int> next{0};     // first unclaimed stripe
  std::atomic<int> joined{0};   // helpers inside Work() (changed under the backend's mutex); the caller waits for 0

  // OpenCV's parallel_for_cb catches a stripe's exceptions and rethrows them
  // on the caller after the region (ctx.finalize), so `body` does not throw.
  void Work() {
    for (int i; (i = next.fetch_add(chunk, std::memory_order_relaxed)) < tasks;) body(i, std::min(i + chunk, tasks), data);
  }
};

// A region may come with thousands of tiny stripes (nstripes defaults to the
// range length); claiming them one by one would bounce the counter's cache
// line between cores thousands of times. Eight claims per thread keep the
// load balanced when a helper joins late. (On the shipped models, whose
// regions have few stripes, chunking measured neutral: bench/RESULTS.md.)
int ChunkFor(int tasks, int threads) { return std::max(1, tasks / (8 * std::max(threads, 1))); }

class CoreSharingParallelFor : public cv::parallel::ParallelForAPI {
 public:
  CoreSharingParallelFor() = default;

  ~CoreSharingParallelFor() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : helpers_) t.join();
  }

  void parallel_for(int tasks, FN_parallel_for_body_cb_t body, void* data) override {
    Region region{tasks, ChunkFor(tasks, threads_.load(std::memory_order_relaxed)), body, data};
    // Cores no slot thread is using; the caller counts as busy even when it
    // is not a slot thread (a warm-up, another OpenCV user in the process).
    const int free_cores = backend_cores.load(std::memory_order_relaxed) - std::max(busy_slots.load(std::memory_order_relaxed), 1);
    int seats = std::min({threads_.load(std::memory_order_relaxed) - 1, free_cores, tasks - 1});
    if (seats > 0 && NowNs() - last_all_busy_ns.load(std::memory_order_relaxed) < std::chrono::nanoseconds(kCalmFor).count()) seats = 0;
    bool shared = false;
    if (seats > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (current_ == nullptr) {  // OpenCV runs one region at a time; if not, this one runs alone
        region.seats = seats;
        current_ = &region;
        generation_.fetch_add(1, std::memory_order_release);
        shared = true;
      }
    }
    regions_.fetch_add(1, std::memory_order_relaxed);
    if (shared) {
      offered_regions_.fetch_add(1, std::memory_order_relaxed);
      wake_.notify_all();
    }
    region.Work();
    if (!shared) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      current_ = nullptr;  // no helper can join from here on
      if (region.joined.load(std::memory_order_relaxed) == 0 && region.seats == seats) return;  // nobody came
    }
    helped_regions_.fetch_add(1, std::memory_order_relaxed);
    // Helpers that joined may still be inside their last stripe: poll briefly
    // (they usually are about to finish), then sleep until the last one leaves.
    // A helper preempted mid-stripe must not cost us a spinning core.
    const auto spin_until = std::chrono::steady_clock::now() + kSpinFor;
    while (region.joined.load(std::memory_order_acquire) != 0 && std::chrono::steady_clock::now() < spin_until) CpuRelax();
    std::unique_lock<std::mutex> lock(mutex_);
    left_.wait(lock, [&] { return region.joined.load(std::memory_order_relaxed) == 0; });
  }

  uint64_t regions() const { return regions_.load(std::memory_order_relaxed); }
  uint64_t offered_regions() const { return offered_regions_.load(std::memory_order_relaxed); }
  uint64_t helped_regions() const { return helped_regions_.load(std::memory_order_relaxed); }

  int getThreadNum() const override { return helper_index; }

  int getNumThreads() const override { return threads_.load(std::memory_order_relaxed); }

  // Grows the helper pool to threads - 1; never shrinks it (extra helpers
  // just never get a seat), so a change cannot race a running region.
  int setNumThreads(int threads) override {
    if (threads <= 0) threads = backend_cores.load(std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mutex_);
    threads_.store(threads, std::memory_order_relaxed);
    while (static_cast<int>(helpers_.size()) < threads - 1) {
      const int index = static_cast<int>(helpers_.size()) + 1;
      helpers_.emplace_back(&CoreSharingParallelFor::HelperLoop, this, index);
    }
    return threads;
  }

  const char* getName() const override { return "framewire"; }

 private:
  void HelperLoop(int index) {
    pthread_setname_np(pthread_self(), ("fw-helper-" + std::to_string(index)).c_str());  // see Engine::SlotLoop
    helper_index = index;
    uint64_t seen = generation_.load(std::memory_order_acquire);
    for (;;) {
      // Poll for at most kSpinFor while some core has no slot thread on it, then sleep. The poll is not free:
      // its CPU time is real, and a JS thread waking meanwhile must preempt it (see kSpinFor).
      const auto spin_until = std::chrono::steady_clock::now() + kSpinFor;
      while (generation_.load(std::memory_order_acquire) == seen &&
             busy_slots.load(std::memory_order_relaxed) < backend_cores.load(std::memory_order_relaxed) &&
             std::chrono::steady_clock::now() < spin_until) {
        for (int i = 0; i < 64; ++i) CpuRelax();
      }
      Region* region = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_.load(std::memory_order_relaxed) != seen; });
        if (stopping_) return;
        seen = generation_.load(std::memory_order_relaxed);
        if (current_ != nullptr && current_->seats > 0) {
          region = current_;
          --region->seats;
          region->joined.fetch_add(1, std::memory_order_relaxed);
        }
      }
      if (region == nullptr) continue;  // no seat left, or the region already ended
      region->Work();
      std::lock_guard<std::mutex> lock(mutex_);
      // Last touch of `region`: its caller may return as soon as this reads 0.
      if (region->joined.fetch_sub(1, std::memory_order_release) == 1) left_.notify_all();
    }
  }

  std::atomic<int> threads_{1};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable left_;  // a region's last helper left it
  std::vector<std::thread> helpers_;
  std::atomic<uint64_t> regions_{0};         // parallel_for calls
  std::atomic<uint64_t> offered_regions_{0}; // ... that offered helpers seats (a core was free and calm)
  std::atomic<uint64_t> helped_regions_{0};  // ... that at least one helper joined
  Region* current_ = nullptr;  // the region lending seats; guarded by mutex_
  std::atomic<uint64_t> generation_{0};  // bumped (under mutex_) when a region opens
  bool stopping_ = false;
};

std::mutex install_mutex;
std::shared_ptr<CoreSharingParallelFor> installed_core_sharing;  // kept to read its counters
bool installed = false;
ParallelBackend installed_backend = ParallelBackend::kOpenCv;

}  // namespace

const char* ParallelBackendName(ParallelBackend backend) {
  return backend == ParallelBackend::kFramewire ? "framewire" : "opencv";
}

void UseParallelBackend(ParallelBackend backend) {
  std::lock_guard<std::mutex> lock(install_mutex);
  if (installed) {
    if (backend != installed_backend)
      throw EngineError(ErrorCode::kInternal,
                        std::string("OpenCV's parallel backend is process-wide and already set to ") +
                            ParallelBackendName(installed_backend) + ", not " + ParallelBackendName(backend));
    return;
  }
  if (backend == ParallelBackend::kFramewire) {
    // cv::getNumberOfCPUs honours cgroup quotas and the affinity mask (and is at least 1).
    backend_cores = cv::getNumberOfCPUs();
    installed_core_sharing = std::make_shared<CoreSharingParallelFor>();
    cv::parallel::setParallelForBackend(installed_core_sharing);
  }
  installed = true;
  installed_backend = backend;
}

ParallelStats CurrentParallelStats() {
  std::lock_guard<std::mutex> lock(install_mutex);
  if (!installed_core_sharing) return {};
  return {installed_core_sharing->regions(), installed_core_sharing->offered_regions(), installed_core_sharing->helped_regions()};
}

ParallelBackend CurrentParallelBackend() {
  std::lock_guard<std::mutex> lock(install_mutex);
  return installed_backend;
}

SlotBusyScope::SlotBusyScope() {
  const int cores = backend_cores.load(std::memory_order_relaxed);
  if (busy_slots.fetch_add(1, std::memory_order_relaxed) + 1 >= cores && cores > 0)
    last_all_busy_ns.store(NowNs(), std::memory_order_relaxed);
}

SlotBusyScope::~SlotBusyScope() {
  const int cores = backend_cores.load(std::memory_order_relaxed);
  if (busy_slots.fetch_sub(1, std::memory_order_relaxed) >= cores && cores > 0)
    last_all_busy_ns.store(NowNs(), std::memory_order_relaxed);  // the end of a stretch with every core busy
}

}  // namespace framewire
