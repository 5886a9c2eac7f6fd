// The osmo-stp child process helper (tools/support/stp_process.h) itself:
// two of them side by side (two demos, or a test run beside a demo) each get
// a VTY address of their own and both accept IPA connections; a start that
// cannot succeed fails at once, with osmo-stp's log in the error.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "stp_fixture.h"

using ussdgw::test::StpFixture;
using namespace std::chrono_literals;

namespace {

bool tcp_open(const std::string& host, std::uint16_t port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

}  // namespace

TEST_CASE("two osmo-stp side by side both listen: VTY on addresses of their own, IPA on ports of their own") {
  StpFixture a(StpFixture::gateway_and_msc());
  StpFixture b(StpFixture::gateway_and_msc());
  auto sa = a.start();
  REQUIRE_MESSAGE(sa.ok(), sa.error());
  auto sb = b.start();
  REQUIRE_MESSAGE(sb.ok(), sb.error());
  CHECK(a.vty_address() != b.vty_address());
  CHECK(a.ipa_port() != b.ipa_port());
  CHECK(tcp_open("127.0.0.1", a.ipa_port()));
  CHECK(tcp_open("127.0.0.1", b.ipa_port()));
  CHECK(tcp_open(a.vty_address(), StpFixture::kVtyPort));
  CHECK(tcp_open(b.vty_address(), StpFixture::kVtyPort));
  CHECK(a.log().find("Error binding VTY port") == std::string::npos);
  CHECK(b.log().find("Error binding VTY port") == std::string::npos);
}

TEST_CASE("when osmo-stp cannot bind its VTY, start fails at once and says why with its log") {
  StpFixture stp(StpFixture::gateway_and_msc());
  // Take the VTY address this osmo-stp was given.
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(StpFixture::kVtyPort);
  ::inet_pton(AF_INET, stp.vty_address().c_str(), &a.sin_addr);
  REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(s, 1) == 0);

  auto t0 = std::chrono::steady_clock::now();
  auto st = stp.start(20s);
  auto took = std::chrono::steady_clock::now() - t0;
  ::close(s);
  REQUIRE_FALSE(st.ok());
  CHECK(took < 10s);  // not the 20 s timeout: osmo-stp's exit is noticed
  CHECK(st.error().find("osmo-stp exited during start-up") != std::string::npos);
  CHECK(st.error().find("Error binding VTY port") != std::string::npos);
  CHECK_FALSE(stp.running());
}
