// A real osmo-stp as a child process, for the demo, the benchmarks and the
// integration tests: writes its config into a fresh temp dir, picks free
// loopback port for IPA and a loopback address of its own for the VTY,
// starts/kills/restarts the process and waits until it listens.
//
// osmo-stp 1.6 ignores the port in `line vty / bind ADDR PORT` and always
// listens on ADDR:4239, so two osmo-stp on 127.0.0.1 (two test runs, a test
// beside the demo, or an operator's own osmo-stp) collide with "Error binding
// VTY port". Each StpProcess therefore binds its VTY to an address of
// 127.0.0.0/8 (all of it is loopback on Linux) whose port 4239 is free. Describe the IPA application servers (one per
// client endpoint) and go.
//
// IPA carries no MTP routing label (RECIPES.md), so each AS names the one
// destination its messages go to ("point-code override dpc") and osmo-stp
// finds a client's AS by the client's IPA unit name: an endpoint named N
// (libosmo-sigtran simple client) must have an AS "asp-clnt-N" here.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/ussdgw/expected.h"
#include "tools/support/child_process.h"
#include "common/ussdgw/ids.h"

namespace ussdgw::ss7 {

class StpProcess {
 public:
  struct As {
    std::string client_name;     // endpoint name; the AS is "asp-clnt-<client_name>"
    PointCode pc;                // the client's own point code (routing key)
    PointCode deliver_to;        // where its messages go (point-code override dpc)
  };
  struct Options {
    std::vector<As> ases;
    PointCode stp_pc{3};
    std::string log_level = "notice";  // osmo-stp's own log, kept in dir()/osmo-stp.log
  };

  // A gateway "gw" (PC 0.0.2) and a network simulator "msc" (PC 0.0.1), each
  // routed to the other: the set-up of config/osmo-stp.example.cfg.
  static Options gateway_and_msc() {
    Options o;
    o.ases = {{"msc", PointCode{1}, PointCode{2}}, {"gw", PointCode{2}, PointCode{1}}};
    return o;
  }

  explicit StpProcess(Options o) : opt_(std::move(o)) {
    char tmpl[] = "/tmp/ussdgw-stp-XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    dir_ = tmpl;
    ipa_port_ = free_port();
    vty_address_ = free_vty_address();
    std::ofstream(dir_ / "osmo-stp.cfg") << config_text();
  }
  ~StpProcess() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  StpProcess(const StpProcess&) = delete;
  StpProcess& operator=(const StpProcess&) = delete;

  [[nodiscard]] std::string config_text() const {
    std::ostringstream c;
    c << "log stderr\n"
         " logging filter all 1\n"
         " logging color 0\n"
         " logging print category 1\n"
         " logging level set-all "
      << opt_.log_level
      << "\n"
         "line vty\n"
         " no login\n"
         " bind "
      << vty_address_
      << " "
      << kVtyPort
      << "\n"
         "cs7 instance 0\n"
         " point-code "
      << ussdgw::to_string(opt_.stp_pc)
      << "\n"
         " listen ipa "
      << ipa_port_
      << "\n"
         "  local-ip 127.0.0.1\n"
         "  accept-asp-connections dynamic-permitted\n";
    for (const auto& a : opt_.ases) {
      c << " as asp-clnt-" << a.client_name << " ipa\n"
        << "  routing-key 0 " << ussdgw::to_string(a.pc) << "\n"
        << "  point-code override dpc " << ussdgw::to_string(a.deliver_to) << "\n";
    }
    c << " route-table system\n";
    for (const auto& a : opt_.ases)
      c << "  update route " << ussdgw::to_string(a.pc) << " 7.255.7 linkset asp-clnt-" << a.client_name << "\n";
    return c.str();
  }

  // Starts osmo-stp and waits until its IPA port accepts connections. Fails
  // fast: when osmo-stp cannot be spawned, exits during start-up (a bad
  // config, its VTY address taken) or does not listen within `timeout`
  // (then it is killed), the error says which, followed by its log.
  Expected<Ok, std::string> start(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    if (proc_) return Ok{};
    std::string cfg = (dir_ / "osmo-stp.cfg").string();
    std::string log = (dir_ / "osmo-stp.log").string();
    // One log across restarts: appended, stdout and stderr together.
    proc_ = std::make_unique<process::ChildProcess>(std::vector<std::string>{"osmo-stp", "-c", cfg}, log, log,
                                                    process::SpawnOptions{true, true});
    if (!proc_->started()) return failed("osmo-stp could not be spawned (not on PATH?)");
    auto deadline = std::chrono::steady_clock::now() + timeout;
    // Ready means: the IPA port accepts connections and this osmo-stp's own
    // VTY greets on its address. The IPA port alone is not enough: osmo-stp
    // opens it while reading its config and only then binds the VTY, and
    // exits if that fails; and a port picked free a moment ago may since
    // have been taken by another process on the host.
    while (std::chrono::steady_clock::now() < deadline) {
      if (!proc_->running()) return failed("osmo-stp exited during start-up");
      if (port_open(ipa_port_) && vty_greets()) return Ok{};
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return failed("osmo-stp did not listen on IPA port " + std::to_string(ipa_port_) + " within " +
                  std::to_string(timeout.count()) + " ms");
  }

  // SIGKILL, like a crash: peers see their TCP connection reset.
  void stop() { proc_.reset(); }

  Expected<Ok, std::string> restart() {
    stop();
    return start();
  }

  [[nodiscard]] bool running() const { return proc_ != nullptr; }
  [[nodiscard]] std::uint16_t ipa_port() const { return ipa_port_; }
  // The VTY listens on vty_address():kVtyPort (telnet).
  static constexpr std::uint16_t kVtyPort = 4239;
  [[nodiscard]] const std::string& vty_address() const { return vty_address_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] std::string log() const {
    std::ifstream f(dir_ / "osmo-stp.log");
    return {std::istreambuf_iterator<char>(f), {}};
  }

  // A loopback TCP port that was free a moment ago (the kernel's pick).
  static std::uint16_t free_port() {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = ipv4(INADDR_LOOPBACK, 0);
    socklen_t len = sizeof a;
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      std::abort();
    ::close(s);
    return ntohs(a.sin_port);
  }

  // An address in 127.0.0.0/8, other than 127.0.0.1, whose port 4239 could
  // be bound a moment ago. Random rather than sequential so that concurrent
  // test processes rarely try the same one; the bind check catches the rest.
  static std::string free_vty_address() {
    std::random_device rd;
    std::mt19937 gen(rd());
    std::uniform_int_distribution<int> octet(1, 254);
    for (int attempt = 0; attempt < 64; ++attempt) {
      std::uint32_t addr = (127u << 24) | (static_cast<std::uint32_t>(octet(gen)) << 16) |
                           (static_cast<std::uint32_t>(octet(gen)) << 8) | static_cast<std::uint32_t>(octet(gen));
      int s = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a = ipv4(addr, kVtyPort);
      bool ok = ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ::close(s);
      if (ok) {
        char text[INET_ADDRSTRLEN];
        ::inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
        return text;
      }
    }
    std::abort();  // 64 busy random loopback addresses: the host is misconfigured
  }

  // True when a telnet connection to vty_address():kVtyPort gets the
  // OsmoSTP VTY banner within 200 ms (a foreign listener says nothing).
  [[nodiscard]] bool vty_greets() const {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) return false;
    timeval tv{0, 200'000};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a = ipv4(0, kVtyPort);
    ::inet_pton(AF_INET, vty_address_.c_str(), &a.sin_addr);
    std::string got;
    if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      char buf[256];
      for (int i = 0; i < 4 && got.find("OsmoSTP") == std::string::npos; ++i) {
        ssize_t n = ::recv(s, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<std::size_t>(n));
      }
    }
    ::close(s);
    return got.find("OsmoSTP") != std::string::npos;
  }

  static bool port_open(std::uint16_t port) {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = ipv4(INADDR_LOOPBACK, port);
    bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    return ok;
  }

 private:
  Expected<Ok, std::string> failed(const std::string& what) {
    proc_.reset();  // kills it if it still runs
    return what + " (VTY " + vty_address_ + ":" + std::to_string(kVtyPort) + ", IPA 127.0.0.1:" +
           std::to_string(ipa_port_) + "); " + (dir_ / "osmo-stp.log").string() + ":\n" + log();
  }

  // An IPv4 socket address from a host-order address and port.
  static sockaddr_in ipv4(std::uint32_t host_order_addr, std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(host_order_addr);
    a.sin_port = htons(port);
    return a;
  }

  Options opt_;
  std::filesystem::path dir_;
  std::uint16_t ipa_port_ = 0;
  std::string vty_address_;
  std::unique_ptr<process::ChildProcess> proc_;
};

}  // namespace ussdgw::ss7
