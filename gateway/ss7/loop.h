// The SS7 thread (DESIGN.md: one thread runs the osmocom select loop and owns
// every libosmo object). libosmocore keeps process-global state that is not
// thread-safe (the osmo_ss7 instance list, FSM instance lists, rate counter
// groups, logging), so all endpoints of a process share ONE loop thread
// instead of each running its own: two endpoints in one process (a gateway
// and a network simulator in a test) would otherwise race on those globals.
// Internal to gateway/ss7.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "gateway/ss7/config.h"

struct osmo_fd;  // libosmocore select.h

namespace ussdgw::ss7::detail {

class Loop {
 public:
  // The process-wide loop, started on first use and stopped (thread joined)
  // when the last holder releases it.
  static std::shared_ptr<Loop> acquire(OsmoLogLevel level);

  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;
  ~Loop();

  // Runs fn on the SS7 thread and waits for it to return. Must not be called
  // from the SS7 thread itself.
  void run_sync(const std::function<void()>& fn);

  // A fresh osmo_ss7 instance id for one endpoint (ids are process-global in
  // libosmo-sigtran).
  std::uint32_t next_instance_id() { return next_id_++; }

 private:
  explicit Loop(OsmoLogLevel level);
  void thread_main(OsmoLogLevel level);
  static int on_command_fd(struct osmo_fd* ofd, unsigned int what);
  void run_commands();

  std::thread thread_;
  int cmd_fd_ = -1;  // eventfd: "commands are waiting"
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> cmds_;
  bool quit_ = false;     // read on the SS7 thread only
  bool started_ = false;  // guarded by mu_
  std::uint32_t next_id_ = 1;  // touched on the SS7 thread only
};

}  // namespace ussdgw::ss7::detail
