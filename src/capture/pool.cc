#include "capture/pool.h"

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

namespace salus::capture {

struct CapturePool::State {
  std::string tessdata;
  size_t max_queued = 0;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void(OcrEngine*)>> queue;  // guarded by mu
  bool stopping = false;                              // guarded by mu
  std::vector<std::thread> threads;

  void Work() {
    std::unique_ptr<OcrEngine> engine;
    bool tried = false;
    for (;;) {
      std::function<void(OcrEngine*)> job;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;
        job = std::move(queue.front());
        queue.pop_front();
      }
      if (!tried) {
        tried = true;
        if (auto e = OcrEngine::Create(tessdata)) engine = std::move(*e);
      }
      job(engine.get());
    }
  }
};

CapturePool::CapturePool(std::unique_ptr<State> state) : state_(std::move(state)) {}

Result<std::unique_ptr<CapturePool>> CapturePool::Create(int workers, size_t max_queued,
                                                         std::string tessdata) {
  std::error_code ec;
  if (tessdata.empty() || !std::filesystem::exists(std::filesystem::path(tessdata) / "eng.traineddata", ec))
    return std::unexpected(Error::Internal(
        "Tesseract's English model (eng.traineddata) was not found; install tesseract-ocr-eng or set TESSDATA_PREFIX"));
  auto state = std::make_unique<State>();
  state->tessdata = std::move(tessdata);
  state->max_queued = max_queued;
  State* s = state.get();
  for (int i = 0; i < std::max(1, workers); ++i) s->threads.emplace_back([s] { s->Work(); });
  return std::unique_ptr<CapturePool>(new CapturePool(std::move(state)));
}

CapturePool::~CapturePool() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
  }
  state_->cv.notify_all();
  for (auto& t : state_->threads) t.join();
}

bool CapturePool::Submit(std::function<void(OcrEngine*)> job) {
  {
    std::lock_guard lock(state_->mu);
    if (state_->queue.size() >= state_->max_queued) return false;
    state_->queue.push_back(std::move(job));
  }
  state_->cv.notify_one();
  return true;
}

int CapturePool::workers() const { return static_cast<int>(state_->threads.size()); }

}  // namespace salus::capture
