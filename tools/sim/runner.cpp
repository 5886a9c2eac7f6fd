#include "tools/sim/runner.h"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cmath>

namespace ussdgw::sim {

using namespace std::chrono_literals;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double process_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

// ------------------------------------------------------------------ script

ScriptRunner::ScriptRunner(boost::asio::io_context& io, TcapSender& sender, Script script, std::FILE* out)
    : io_(io),
      timer_(io),
      script_(std::move(script)),
      out_(out),
      initiator_(InitiatorConfig{16, true}, sender, *this) {}

Status ScriptRunner::start(std::function<void()> done) {
  done_ = std::move(done);
  for (const auto& d : script_.dialogues) {
    auto p = prepare(d.spec);
    if (!p) {
      static thread_local std::string why;
      why = "dialogue '" + d.name + "' (line " + std::to_string(d.line) + "): " + p.error().what;
      return Error{why.c_str()};
    }
    prepared_.push_back(std::move(*p));
  }
  results_.resize(script_.dialogues.size());
  running_ = true;
  current_ = 0;
  boost::asio::post(io_, [this] { next(); });
  tick();
  return Ok{};
}

void ScriptRunner::next() {
  if (current_ >= prepared_.size()) {
    running_ = false;
    timer_.cancel();
    std::fprintf(out_, "\n%zu/%zu dialogues passed\n", passed_, prepared_.size());
    std::fflush(out_);
    if (done_) done_();
    return;
  }
  const ScriptDialogue& d = script_.dialogues[current_];
  std::fprintf(out_, "\n=== [%zu] %s (imsi %s", current_ + 1, d.name.c_str(), d.spec.imsi.digits.str().c_str());
  if (d.spec.msisdn) std::fprintf(out_, ", msisdn %s", d.spec.msisdn->digits.str().c_str());
  if (d.spec.ac_version != 2) std::fprintf(out_, ", AC v%u", unsigned{d.spec.ac_version});
  if (d.spec.action == Action::kMalformed) std::fprintf(out_, ", malformed BEGIN");
  if (d.spec.action == Action::kUnknownOperation) std::fprintf(out_, ", unknown operation");
  if (d.spec.action == Action::kTruncatedDialogue) std::fprintf(out_, ", BEGIN truncated in its dialogue portion");
  if (d.spec.action == Action::kTruncatedComponents) std::fprintf(out_, ", BEGIN truncated in its component portion");
  if (d.spec.action == Action::kUnknownMessageType) std::fprintf(out_, ", unknown message type");
  std::fprintf(out_, ")\n");
  // A refused BEGIN is reported through on_finished, which moves on.
  (void)initiator_.start(prepared_[current_], current_, Clock::now());
}

void ScriptRunner::tick() {
  if (!running_) return;
  initiator_.expire(Clock::now());
  timer_.expires_after(10ms);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void ScriptRunner::on_sent(const DialogueRef&, std::string_view text) {
  std::fprintf(out_, ">>> %.*s\n", static_cast<int>(text.size()), text.data());
}

void ScriptRunner::on_prompt(const DialogueRef& ref, PromptKind kind, std::string_view text) {
  std::fprintf(out_, "<<< [%s] %.*s\n", kind == PromptKind::kRequest ? "prompt" : "notify", static_cast<int>(text.size()),
               text.data());
  if (kind == PromptKind::kRequest && ref.tag < results_.size()) results_[ref.tag].prompts.emplace_back(text);
}

void ScriptRunner::on_finished(const DialogueRef& ref, const Outcome& o) {
  switch (o.kind) {
    case OutcomeKind::kEnd: std::fprintf(out_, "<<< [end] %s\n", o.text.c_str()); break;
    case OutcomeKind::kMapError: std::fprintf(out_, "<<< [error] %s\n", o.text.c_str()); break;
    case OutcomeKind::kReject: std::fprintf(out_, "<<< [reject] %s\n", o.text.c_str()); break;
    case OutcomeKind::kAbort: std::fprintf(out_, "<<< [abort] %s\n", o.text.c_str()); break;
    case OutcomeKind::kTimeout: std::fprintf(out_, "!!! [timeout] %s\n", o.text.c_str()); break;
    case OutcomeKind::kLocalAbort: std::fprintf(out_, ">>> [u-abort] %s\n", o.text.c_str()); break;
    case OutcomeKind::kProtocol: std::fprintf(out_, "!!! [protocol] %s\n", o.text.c_str()); break;
    case OutcomeKind::kSendFailed: std::fprintf(out_, "!!! [send-failed] %s\n", o.text.c_str()); break;
  }
  if (ref.tag < results_.size()) {
    DialogueResult& r = results_[ref.tag];
    r.outcome = o;
    auto failures = check(script_.dialogues[ref.tag].expect, r);
    double ms = std::chrono::duration<double, std::milli>(o.latency).count();
    if (failures.empty()) {
      ++passed_;
      std::fprintf(out_, "PASS (%d answer(s) from the gateway, %.1f ms)\n", o.steps, ms);
    } else {
      ++failed_;
      for (const auto& f : failures) std::fprintf(out_, "FAIL: %s\n", f.c_str());
    }
  }
  std::fflush(out_);
  ++current_;
  // Not from inside the engine's call stack: the next BEGIN goes out from a
  // fresh handler.
  boost::asio::post(io_, [this] { next(); });
}

// ------------------------------------------------------------------ load

LoadGenerator::LoadGenerator(boost::asio::io_context& io, TcapSender& sender, LoadOptions opt)
    : io_(io),
      timer_(io),
      opt_(std::move(opt)),
      initiator_(InitiatorConfig{std::max<std::size_t>(opt_.concurrency, 1), false}, sender, *this) {}

Status LoadGenerator::start(std::function<void()> done) {
  done_ = std::move(done);
  if (!opt_.spec.answer_all) opt_.spec.answer_all = "1";
  auto p = prepare(opt_.spec);
  if (!p) return p.error();
  prepared_ = std::move(*p);
  report_.target_rate = opt_.rate;
  report_.concurrency = opt_.concurrency;
  report_.duration_s = std::chrono::duration<double>(opt_.duration).count();
  cpu_thread_start_ = thread_cpu_seconds();
  cpu_process_start_ = process_cpu_seconds();
  t_start_ = t_last_tick_ = Clock::now();
  t_gen_end_ = t_start_ + opt_.duration;
  generating_ = running_ = true;
  tick();
  return Ok{};
}

void LoadGenerator::stop() {
  if (generating_) {
    generating_ = false;
    t_gen_end_ = Clock::now();
  }
}

void LoadGenerator::tick() {
  if (!running_) return;
  auto now = Clock::now();
  initiator_.expire(now);
  if (generating_ && now >= t_gen_end_) generating_ = false;
  if (generating_) {
    // Token bucket: `rate` tokens per second, at most 50 ms worth banked so
    // a late tick catches up without an unbounded burst. One BEGIN per token,
    // sent as one batch (the endpoint wakes its SS7 thread once per batch).
    double dt = std::chrono::duration<double>(now - t_last_tick_).count();
    tokens_ = std::min(tokens_ + opt_.rate * dt, std::max(1.0, opt_.rate * 0.05));
    bool blocked = false;
    while (tokens_ >= 1) {
      if (initiator_.active() >= opt_.concurrency) {
        blocked = true;
        break;
      }
      tokens_ -= 1;
      if (report_.started == 0) t_first_ = now;
      ++report_.started;
      initiator_.start(*prepared_, 0, now);
    }
    if (blocked) ++report_.not_started_full;
  }
  t_last_tick_ = now;
  if (!generating_) {
    auto drain = opt_.drain.value_or(std::chrono::duration_cast<std::chrono::milliseconds>(opt_.spec.timeout) + 1s);
    if (initiator_.active() == 0 || now > t_gen_end_ + drain) {
      finish();
      return;
    }
  }
  timer_.expires_after(1ms);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void LoadGenerator::on_finished(const DialogueRef&, const Outcome& o) {
  t_last_outcome_ = Clock::now();
  switch (o.kind) {
    case OutcomeKind::kEnd:
      ++report_.completed;
      report_.dialogue_us.record(o.latency);
      break;
    case OutcomeKind::kTimeout: ++report_.failed_timeout; break;
    case OutcomeKind::kAbort: ++report_.failed_abort; break;
    case OutcomeKind::kMapError: ++report_.failed_error; break;
    default: ++report_.failed_other; break;
  }
}

void LoadGenerator::finish() {
  running_ = false;
  timer_.cancel();
  report_.unmatched = initiator_.unmatched();
  if (report_.started > 0) {
    auto end = std::max(t_last_outcome_, t_first_);
    report_.elapsed_s = std::chrono::duration<double>(end - t_first_).count();
    report_.achieved_rate = report_.elapsed_s > 0 ? static_cast<double>(report_.completed) / report_.elapsed_s : 0;
  }
  report_.cpu_sim_thread_s = thread_cpu_seconds() - cpu_thread_start_;
  report_.cpu_process_s = process_cpu_seconds() - cpu_process_start_;
  if (done_) done_();
}

}  // namespace ussdgw::sim
