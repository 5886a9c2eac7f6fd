#include "storage/batch_flusher.h"

namespace ussdgw::storage {

BatchFlusher::BatchFlusher(SessionStore& store, std::chrono::milliseconds interval,
                           std::function<void(const FlushReport&)> on_report)
    : store_(store), interval_(interval), on_report_(std::move(on_report)), thread_([this] { run(); }) {}

BatchFlusher::~BatchFlusher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void BatchFlusher::notify() {
  {
    std::lock_guard lock(mutex_);
    requested_ = true;
  }
  wake_.notify_one();
}

void BatchFlusher::run() {
  for (;;) {
    bool last;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, interval_, [this] { return requested_ || stopping_; });
      requested_ = false;
      last = stopping_;
    }
    FlushReport report;
    try {
      report = store_.flush();
    } catch (const std::exception& e) {
      // flush() reports record failures itself; this is e.g. out of memory.
      report.first_error = e.what();
    }
    if (on_report_ && (report.written || report.failed || !report.first_error.empty())) on_report_(report);
    if (last) return;
  }
}

}  // namespace ussdgw::storage
