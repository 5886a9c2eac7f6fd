// The two initiating modes of `ussdgw sim` on one Boost.Asio thread:
// ScriptRunner plays scripted dialogues one after the other and prints a
// transcript; LoadGenerator opens dialogues at a target rate. Both talk to
// the network only through a TcapSender and are fed the gateway's messages
// by the caller (the CLI wires them to an ss7::Endpoint; tests to fakes).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <functional>
#include <optional>
#include <vector>

#include "tools/sim/initiator.h"
#include "tools/sim/script.h"
#include "tools/sim/stats.h"

namespace ussdgw::sim {

class ScriptRunner final : public InitiatorObserver {
 public:
  // `out` receives the transcript (stdout in the CLI).
  ScriptRunner(boost::asio::io_context& io, TcapSender& sender, Script script, std::FILE* out);
  // Encodes every dialogue (errors name the dialogue), then plays them in
  // order; `done` runs on the io thread after the last one.
  Status start(std::function<void()> done);

  void on_tcap(Bytes tcap) { initiator_.on_tcap(tcap, Clock::now()); }
  void on_returned(Bytes tcap, std::uint32_t cause) { initiator_.on_returned(tcap, cause, Clock::now()); }

  [[nodiscard]] std::size_t passed() const { return passed_; }
  [[nodiscard]] std::size_t failed() const { return failed_; }
  [[nodiscard]] const std::vector<DialogueResult>& results() const { return results_; }

  void on_sent(const DialogueRef&, std::string_view text) override;
  void on_prompt(const DialogueRef&, PromptKind, std::string_view text) override;
  void on_finished(const DialogueRef&, const Outcome& o) override;

 private:
  void next();
  void tick();

  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  Script script_;
  std::FILE* out_;
  Initiator initiator_;
  std::vector<PreparedDialogue> prepared_;
  std::vector<DialogueResult> results_;
  std::size_t current_ = 0;
  std::size_t passed_ = 0, failed_ = 0;
  bool running_ = false;
  std::function<void()> done_;
};

struct LoadOptions {
  double rate = 1000;             // dialogues/s
  std::size_t concurrency = 1000; // dialogues open at once
  std::chrono::milliseconds duration{10000};
  DialogueSpec spec;              // dial, imsi, msisdn, timeout; answer_all answers prompts
  // How long to wait for open dialogues after the duration (default: the
  // dialogue timeout plus one second).
  std::optional<std::chrono::milliseconds> drain;
};

class LoadGenerator final : public InitiatorObserver {
 public:
  LoadGenerator(boost::asio::io_context& io, TcapSender& sender, LoadOptions opt);
  Status start(std::function<void()> done);
  void stop();  // ends generation now and drains

  void on_tcap(Bytes tcap) { initiator_.on_tcap(tcap, Clock::now()); }
  void on_returned(Bytes tcap, std::uint32_t cause) { initiator_.on_returned(tcap, cause, Clock::now()); }

  [[nodiscard]] const LoadReport& report() const { return report_; }

  void on_prompt(const DialogueRef&, PromptKind, std::string_view) override { ++report_.prompts_answered; }
  void on_step(const DialogueRef&, Clock::duration waited) override { report_.step_us.record(waited); }
  void on_finished(const DialogueRef&, const Outcome& o) override;

 private:
  void tick();
  void finish();

  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  LoadOptions opt_;
  std::optional<PreparedDialogue> prepared_;
  Initiator initiator_;
  LoadReport report_;
  Clock::time_point t_start_{}, t_gen_end_{}, t_last_tick_{}, t_first_{}, t_last_outcome_{};
  double tokens_ = 0;
  bool generating_ = false, running_ = false;
  double cpu_thread_start_ = 0, cpu_process_start_ = 0;
  std::function<void()> done_;
};

// CPU seconds used so far by the calling thread / the whole process.
double thread_cpu_seconds();
double process_cpu_seconds();

}  // namespace ussdgw::sim
