#include "gateway/ss7/loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "gateway/ss7/osmo.h"
#include "ussdgw/log.h"

namespace ussdgw::ss7::detail {
namespace {

// Logging setup is process-global in libosmocore: done once, and only the
// stderr target's level is adjusted afterwards.
void* g_log_ctx = nullptr;
// No application categories: only the library ones (DLSS7, DLSCCP, ...).
const struct log_info kLogInfo = {};

int to_osmo_level(OsmoLogLevel l) {
  switch (l) {
    case OsmoLogLevel::kDebug: return LOGL_DEBUG;
    case OsmoLogLevel::kInfo: return LOGL_INFO;
    case OsmoLogLevel::kNotice: return LOGL_NOTICE;
    case OsmoLogLevel::kError: return LOGL_ERROR;
    case OsmoLogLevel::kFatal: return LOGL_FATAL;
  }
  return LOGL_ERROR;
}

// libosmocore's own log lines go into the process's one logger
// (ussdgw/log.h): module "ss7", context "lib=<category>", the text quoted
// (it can carry what a peer sent: addresses, hex dumps) and rate-limited as
// one kind of line. Called on the SS7 thread; the logger is thread-safe.
void osmo_log_output(struct log_target*, unsigned int level, const char* text) {
  std::string_view t(text);
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.remove_suffix(1);
  // "DLSS7 <000c> file.c:12 message": the category is the first word.
  std::string_view category = t.substr(0, t.find(' '));
  if (category.size() < t.size()) t.remove_prefix(category.size() + 1);
  log::Level l = level >= LOGL_ERROR ? log::Level::Error
                 : level >= LOGL_NOTICE ? log::Level::Notice
                 : level >= LOGL_INFO ? log::Level::Info
                                      : log::Level::Debug;
  log::write(l, "ss7", "lib=" + log::quote(category, 16), "libosmo says", log::quote(t, 300));
}

struct log_target* g_target = nullptr;

void init_osmo_globals(OsmoLogLevel level) {
  if (!osmo_log_info) {
    // Someone else (the process) may have set up libosmocore logging
    // already; only then do we leave it alone.
    g_log_ctx = talloc_named_const(nullptr, 0, "ussdgw-ss7-log");
    osmo_init_logging2(g_log_ctx, &kLogInfo);
    // One log format per process: libosmocore's stderr target is silenced
    // and its lines go through ussdgw::log instead.
    // (A filter cannot silence a target in libosmocore 1.7: without a
    // filter_fn every target passes; so the stderr target is taken out.)
    if (osmo_stderr_target) log_del_target(osmo_stderr_target);
    g_target = log_target_create();
    if (g_target) {
      g_target->output = &osmo_log_output;
      log_set_all_filter(g_target, 1);
      log_set_use_color(g_target, 0);
      log_set_print_category(g_target, 1);
      log_set_print_level(g_target, 0);  // the logger prints the level
      log_set_print_category_hex(g_target, 0);
      log_add_target(g_target);
    }
  }
  if (g_target) log_set_log_level(g_target, to_osmo_level(level));
  // Idempotent (guards itself), registers the ASP/AS FSMs.
  osmo_ss7_init();
}

std::mutex g_mu;
std::weak_ptr<Loop> g_loop;

}  // namespace

std::shared_ptr<Loop> Loop::acquire(OsmoLogLevel level) {
  std::lock_guard lk(g_mu);
  if (auto l = g_loop.lock()) return l;
  std::shared_ptr<Loop> l(new Loop(level));
  g_loop = l;
  return l;
}

Loop::Loop(OsmoLogLevel level) {
  cmd_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (cmd_fd_ < 0) throw std::runtime_error("ss7 loop: eventfd failed");
  thread_ = std::thread([this, level] { thread_main(level); });
  std::unique_lock lk(mu_);
  cv_.wait(lk, [this] { return started_; });
}

Loop::~Loop() {
  run_sync([this] { quit_ = true; });
  thread_.join();
  ::close(cmd_fd_);
}

void Loop::run_sync(const std::function<void()>& fn) {
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
  {
    std::lock_guard lk(mu_);
    cmds_.emplace_back([&] {
      fn();
      std::lock_guard dl(done_mu);
      done = true;
      done_cv.notify_one();
    });
  }
  std::uint64_t one = 1;
  if (::write(cmd_fd_, &one, sizeof one) != sizeof one) std::abort();  // eventfd write cannot fail short
  std::unique_lock dl(done_mu);
  done_cv.wait(dl, [&] { return done; });
}

int Loop::on_command_fd(struct osmo_fd* ofd, unsigned int) {
  auto* self = static_cast<Loop*>(ofd->data);
  std::uint64_t n = 0;
  // Read first, then take the queue: a command queued after the read
  // re-signals the eventfd (see Endpoint for the same ordering argument).
  [[maybe_unused]] auto r = ::read(self->cmd_fd_, &n, sizeof n);
  self->run_commands();
  return 0;
}

void Loop::run_commands() {
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard lk(mu_);
    batch.swap(cmds_);
  }
  for (auto& c : batch) c();
}

void Loop::thread_main(OsmoLogLevel level) {
  // libosmocore 1.7 keeps the select state, timers and talloc contexts in
  // thread-local storage initialised only for the main thread by a library
  // constructor; a new thread has to set up its own.
  osmo_ctx_init("ussdgw-ss7");
  osmo_select_init();
  init_osmo_globals(level);

  struct osmo_fd cmd_ofd = {};
  osmo_fd_setup(&cmd_ofd, cmd_fd_, OSMO_FD_READ, &Loop::on_command_fd, this, 0);
  osmo_fd_register(&cmd_ofd);
  {
    std::lock_guard lk(mu_);
    started_ = true;
  }
  cv_.notify_all();

  while (!quit_) osmo_select_main_ctx(0);

  osmo_fd_unregister(&cmd_ofd);
  talloc_free(osmo_ctx);
  osmo_ctx = nullptr;
}

}  // namespace ussdgw::ss7::detail
