// A bounded pool of capture workers. Each worker thread owns one OcrEngine (Tesseract engines
// are single-threaded), created on the worker's first job so that start-up stays fast.
// Thread-safe: Submit may be called from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "capture/ocr.h"
#include "core/result.h"

namespace salus::capture {

class CapturePool {
 public:
  // `workers` threads, at most `max_queued` jobs waiting. Fails when Tesseract's trained data
  // is missing from `tessdata` (FindTessdata()).
  static Result<std::unique_ptr<CapturePool>> Create(int workers, size_t max_queued,
                                                     std::string tessdata);
  // Jobs still queued are run before the workers stop.
  ~CapturePool();

  // Queues `job`; it runs on a worker with that worker's engine, or with nullptr when the engine
  // could not be created. Returns false (and drops the job) when the queue is full.
  bool Submit(std::function<void(OcrEngine*)> job);

  int workers() const;

 private:
  struct State;
  explicit CapturePool(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace salus::capture
