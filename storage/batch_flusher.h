// Runs SessionStore::flush() on its own thread: every `interval`, and at once
// when notify() is called (wire it to the store's batch-ready callback). The
// event loop thread then only ever queues records; disk writes, fsyncs and
// WAL checkpoints happen here. For a gateway built on Asio, posting flush()
// to a worker from a steady_timer is equivalent; this class is the version
// without Asio for tools, benchmarks and tests.
//
// Lifetimes: the store outlives the flusher, and a batch-ready callback that
// calls notify() is cleared before the flusher is destroyed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "storage/session_store.h"

namespace ussdgw::storage {

class BatchFlusher {
 public:
  // `on_report` runs on the flusher thread after each flush that did
  // something (to log failures and count records); it may be empty.
  BatchFlusher(SessionStore& store, std::chrono::milliseconds interval,
               std::function<void(const FlushReport&)> on_report = {});
  // Stops the thread after one last flush, so nothing queued before the
  // destructor ran is left behind.
  ~BatchFlusher();
  BatchFlusher(const BatchFlusher&) = delete;
  BatchFlusher& operator=(const BatchFlusher&) = delete;

  // Asks for a flush now; returns at once.
  void notify();

 private:
  void run();

  SessionStore& store_;
  std::chrono::milliseconds interval_;
  std::function<void(const FlushReport&)> on_report_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once every other member is ready
};

}  // namespace ussdgw::storage
