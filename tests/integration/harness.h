// End-to-end harness: a real osmo-stp, the real `ussdgw run` and `ussdgw sim`
// processes, and the demo customer server over real HTTP on loopback. Only the
// customer server runs inside the test process (so a test can make it slow,
// garbage-spewing or absent); everything else is the shipped binary.
#pragma once

#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "tools/support/child_process.h"
#include "tools/support/stp_process.h"
#include "tools/customer_demo/demo_customer_server.h"

namespace ussdgw::e2e {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline std::string ussdgw_binary() { return std::string(USSDGW_BINARY_DIR) + "/app/ussdgw"; }

inline std::string read_file(const fs::path& p) {
  std::ifstream f(p);
  return {std::istreambuf_iterator<char>(f), {}};
}

// A child process with stdout and stderr in files, readable by the test.
class Child {
 public:
  Child(std::vector<std::string> args, const fs::path& out, const fs::path& err)
      : proc_(std::move(args), out.string(), err.string()), out_(out), err_(err) {}
  [[nodiscard]] bool started() const { return proc_.started(); }
  void signal(int sig) const { proc_.signal(sig); }
  // Exit code, 128 + signal, or ChildProcess::kTimedOut (the child is killed then).
  int wait(std::chrono::milliseconds timeout = 60s) { return proc_.wait(timeout); }
  [[nodiscard]] std::string out() const { return read_file(out_); }
  [[nodiscard]] std::string err() const { return read_file(err_); }
  // Waits until stderr contains `needle`.
  bool wait_for_err(const std::string& needle, std::chrono::milliseconds timeout = 10s) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (err().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  process::ChildProcess proc_;
  fs::path out_, err_;
};

// The demo customer server on its own event-loop thread.
class Customer {
 public:
  explicit Customer(std::string secret) : guard_(io_.get_executor()) {
    customer_demo::DemoServerConfig c;
    c.secret = std::move(secret);
    auto s = customer_demo::DemoCustomerServer::start(io_, c);
    if (s) server_ = std::move(s).value();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Customer() {
    on_loop([this] { server_.reset(); });
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  [[nodiscard]] bool ok() const { return server_ != nullptr; }
  [[nodiscard]] std::uint16_t port() { return on_loop([this] { return server_->port(); }); }
  [[nodiscard]] std::optional<customer_demo::DemoRequestSeen> last_request() {
    return on_loop([this] { return server_->last_request(); });
  }
  void behave(customer_demo::DemoBehaviour b) {
    on_loop([&] { server_->set_behaviour(b); });
  }
  void delay(std::chrono::milliseconds d) {
    on_loop([&] { server_->set_delay(d); });
  }
  void answer(ussd::StepAnswer a) {
    on_loop([&] { server_->set_answer(a); server_->set_behaviour(customer_demo::DemoBehaviour::Fixed); });
  }
  void stop_listening() {
    on_loop([this] { server_.reset(); });
  }
  std::uint64_t requests() { return on_loop([this] { return server_ ? server_->stats().requests.load() : 0; }); }

 private:
  template <class F>
  auto on_loop(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return fut.get();
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::unique_ptr<customer_demo::DemoCustomerServer> server_;
  std::thread thread_;
};

struct GatewayOptions {
  std::string customer_url;
  std::string step_deadline = "800ms";
  std::uint32_t max_dialogues = 1000;
  std::string idle_timeout = "20s";
  std::string invoke_timeout = "10s";
  std::string extra_customer_yaml;  // appended to the customer entry
  std::string extra_top_yaml;       // top-level sections put before ss7 (e.g. instance)
};

inline constexpr const char* kSecret = "integration-secret-0123456789";
inline constexpr const char* kGatewayGt = "447700900123";

// osmo-stp + customer server + `ussdgw run`, ready for `ussdgw sim` runs.
class Network {
 public:
  explicit Network(const std::string& name, GatewayOptions opt = {})
      : stp_(ss7::StpProcess::gateway_and_msc()), customer_(kSecret) {
    dir_ = stp_.dir();
    name_ = name;
    if (opt.customer_url.empty())
      opt.customer_url = "http://127.0.0.1:" + std::to_string(customer_.port()) + "/ussd";
    opt_ = opt;
  }

  // False, with error() saying why (and the osmo-stp log or the gateway's
  // stderr), as soon as a part cannot come up.
  bool start() {
    if (auto s = stp_.start(); !s) return fail(s.error());
    if (!customer_.ok()) return fail("the demo customer server did not start");
    std::ofstream(dir_ / "gw.yaml") << config_text();
    gateway_ = std::make_unique<Child>(std::vector<std::string>{ussdgw_binary(), "run", "--config", (dir_ / "gw.yaml").string()},
                                       dir_ / "gw.out", dir_ / "gw.err");
    if (!gateway_->started()) return fail("ussdgw run could not be spawned: " + ussdgw_binary());
    if (!gateway_->wait_for_err("ss7 NOTICE -: Link up", 15s))
      return fail("the gateway's link did not come up within 15 s; its stderr:\n" + gateway_->err() +
                  "\nosmo-stp log:\n" + stp_.log());
    return true;
  }
  [[nodiscard]] const std::string& error() const { return error_; }

  [[nodiscard]] std::string config_text() const {
    std::ostringstream c;
    c << opt_.extra_top_yaml << "ss7:\n"
         "  mode: ipa-client\n"
         "  remote: {host: 127.0.0.1, port: "
      << stp_.ipa_port()
      << "}\n"
         "  point_code: 0.0.2\n"
         "  next_hop_point_code: 0.0.3\n"
         "  asp_name: gw\n"
         "  global_title: \""
      << kGatewayGt
      << "\"\n"
         "tcap:\n"
         "  max_dialogues: "
      << opt_.max_dialogues << "\n  dialogue_idle_timeout: " << opt_.idle_timeout
      << "\n  invoke_timeout: " << opt_.invoke_timeout
      << "\n  shutdown_grace: 2s\n"
         "ussd:\n"
         "  step_deadline: 5s\n"
         "  default_customer: acme\n"
         "customers:\n"
         "  - id: acme\n"
         "    url: "
      << opt_.customer_url << "\n    secret: " << kSecret << "\n    step_deadline: " << opt_.step_deadline
      << "\n    fallback: {text: \"Service unavailable, try later\"}\n"
      << opt_.extra_customer_yaml
      << "storage:\n"
         "  path: "
      << (dir_ / "ussdgw.db").string() << "\n  flush_interval: 10ms\n";
    return c.str();
  }

  // Runs `ussdgw sim` with a script (text) and extra arguments; returns the exit code.
  int sim_script(const std::string& script, std::string* out = nullptr, std::vector<std::string> extra = {}) {
    auto path = dir_ / ("script" + std::to_string(++runs_) + ".txt");
    std::ofstream(path) << script;
    std::vector<std::string> args{ussdgw_binary(), "sim", "--stp", "127.0.0.1:" + std::to_string(stp_.ipa_port()), "--gw-gt",
                                  kGatewayGt,      "--script", path.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    Child sim(args, dir_ / ("sim" + std::to_string(runs_) + ".out"), dir_ / ("sim" + std::to_string(runs_) + ".err"));
    int rc = sim.wait(60s);
    if (out) *out = sim.out() + sim.err();
    return rc;
  }

  // Runs `ussdgw sim --load ...`; returns the exit code and the JSON report in `out`.
  int sim(std::vector<std::string> args, std::string* out = nullptr) {
    std::vector<std::string> all{ussdgw_binary(), "sim", "--stp", "127.0.0.1:" + std::to_string(stp_.ipa_port()), "--gw-gt", kGatewayGt};
    all.insert(all.end(), args.begin(), args.end());
    ++runs_;
    Child sim(all, dir_ / ("sim" + std::to_string(runs_) + ".out"), dir_ / ("sim" + std::to_string(runs_) + ".err"));
    int rc = sim.wait(120s);
    if (out) *out = sim.out() + sim.err();
    return rc;
  }

  // SIGTERM the gateway and wait for its graceful exit.
  int stop_gateway() {
    if (!gateway_) return -1;
    gateway_->signal(SIGTERM);
    return gateway_->wait(20s);
  }

  // Runs an SQL query on the session database with the sqlite3 CLI.
  std::string sql(const std::string& q) const {
    auto out = dir_ / "sql.out";
    Child c({"/usr/bin/sqlite3", "-batch", (dir_ / "ussdgw.db").string(), q}, out, dir_ / "sql.err");
    c.wait(10s);
    auto s = read_file(out);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }

  ss7::StpProcess& stp() { return stp_; }
  Customer& customer() { return customer_; }
  Child& gateway() { return *gateway_; }
  [[nodiscard]] const fs::path& dir() const { return dir_; }

 private:
  ss7::StpProcess stp_;
  Customer customer_;
  GatewayOptions opt_;
  fs::path dir_;
  std::string name_;
  std::unique_ptr<Child> gateway_;
  int runs_ = 0;
  std::string error_;
  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }
};

// dumpcap on the loopback, filtered to the STP's IPA port: every message
// between the gateway, osmo-stp and the simulator lands in `file`, to be
// decoded (tshark, `ussdgw decode`) once the story is over.
class Capture {
 public:
  // Captures `net`'s IPA link into net.dir() / file_name (dumpcap's own
  // output beside it).
  Capture(Network& net, const std::string& file_name)
      : file_(net.dir() / file_name),
        port_(net.stp().ipa_port()),
        dump_({"/usr/bin/dumpcap", "-i", "lo", "-f", "tcp port " + std::to_string(port_), "-w", file_.string()},
              net.dir() / "dumpcap.out", net.dir() / "dumpcap.err") {}
  // True once dumpcap says it is capturing (packets before that are lost).
  bool wait_started() const { return dump_.wait_for_err("Capturing on", 10s); }
  // Lets the last packets reach the capture, then ends dumpcap: its exit code.
  int stop() {
    std::this_thread::sleep_for(300ms);
    dump_.signal(SIGINT);
    return dump_.wait(10s);
  }
  [[nodiscard]] const fs::path& file() const { return file_; }
  [[nodiscard]] std::uint16_t port() const { return port_; }

  // The `tcap` objects `ussdgw decode --pcap` finds in the capture, in order
  // (its output in decode.jsonl, its stderr in decode.err beside the file);
  // `rc` gets the decoder's exit code.
  [[nodiscard]] std::vector<nlohmann::json> decoded_tcap(int* rc = nullptr) const {
    auto out = file_.parent_path() / "decode.jsonl";
    Child d({ussdgw_binary(), "decode", "--pcap", file_.string(), "--ipa-port", std::to_string(port_)}, out,
            file_.parent_path() / "decode.err");
    const int code = d.wait(60s);
    if (rc) *rc = code;
    std::vector<nlohmann::json> v;
    std::istringstream in(read_file(out));
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("tcap")) v.push_back(j["tcap"]);
    }
    return v;
  }

 private:
  fs::path file_;
  std::uint16_t port_;
  Child dump_;
};

// Polls the session database until `query` answers `want`: the gateway
// writes its records in batches (storage.flush_interval), so a record shows
// up a little after the dialogue ended.
inline bool wait_sql(Network& net, const std::string& query, const std::string& want,
                     std::chrono::seconds bound = std::chrono::seconds(10)) {
  auto until = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < until) {
    if (net.sql(query) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace ussdgw::e2e
