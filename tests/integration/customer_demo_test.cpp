// `ussdgw customer-demo` as an operator runs it: the shared secret from a
// file or the environment (not only the command line, where `ps` shows it).
// The shipped binary is started; a signed call from the relay client tells
// whether it took the secret (200) or not (401).
#include <stdlib.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "harness.h"
#include "relay/customer_client.h"
#include "ussd/service/step_codec.h"
#include "ussdgw/asio_clock.h"

using namespace ussdgw;
using namespace ussdgw::e2e;

namespace {

constexpr const char* kFileSecret = "file-secret-7";

// A scratch directory of its own, removed afterwards.
struct Scratch {
  fs::path dir;
  Scratch() {
    std::string tmpl = (fs::temp_directory_path() / "ussdgw-demo-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// Starts the demo with `args`, waits for the URL it prints, and returns the
// HTTP status of one step signed with `secret` (0 when it did not start).
int status_of_signed_call(const Scratch& s, std::vector<std::string> args, const std::string& secret) {
  std::vector<std::string> all{ussdgw_binary(), "customer-demo", "--port", "0", "--behaviour", "answer"};
  all.insert(all.end(), args.begin(), args.end());
  Child demo(all, s.dir / "demo.out", s.dir / "demo.err");
  REQUIRE(demo.started());
  std::string url;
  for (int i = 0; i < 500 && url.empty(); ++i) {
    auto out = demo.out();
    if (auto nl = out.find('\n'); nl != std::string::npos) url = out.substr(0, nl);
    else std::this_thread::sleep_for(10ms);
  }
  if (url.empty()) {
    MESSAGE("customer-demo printed no URL; stderr: " << demo.err());
    demo.signal(SIGTERM);
    demo.wait();
    return 0;
  }
  boost::asio::io_context io;
  AsioClock clock(io);
  relay::CustomerClientConfig cfg;
  cfg.customer = CustomerId{"demo"};
  cfg.url = url;
  cfg.secret = secret;
  auto client = relay::CustomerClient::create(io, clock, cfg);
  REQUIRE(client.ok());
  ussd::StepRequest step;
  step.session = SessionId{1};
  step.service_code = step.text = "*100#";
  step.received_at = std::chrono::system_clock::now();
  int status = -1;
  client.value()->send(ussd::encode_step_request(step, "gw-"), 5s, [&](relay::ReplyResult r) {
    status = r ? r->http_status : r.error().http_status;
  });
  // The bound is a sanity limit, not a timing assertion.
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (status == -1 && std::chrono::steady_clock::now() < until) io.run_one_for(50ms);
  client.value().reset();
  demo.signal(SIGTERM);
  demo.wait();
  return status;
}

}  // namespace

TEST_CASE("customer-demo reads its secret from --secret-file, one trailing newline dropped") {
  Scratch s;
  std::ofstream(s.dir / "secret") << kFileSecret << "\n";
  CHECK(status_of_signed_call(s, {"--secret-file", (s.dir / "secret").string()}, kFileSecret) == 200);
  CHECK(status_of_signed_call(s, {"--secret-file", (s.dir / "secret").string()}, "another") == 401);
}

TEST_CASE("customer-demo reads its secret from USSDGW_CUSTOMER_SECRET") {
  Scratch s;
  REQUIRE(setenv("USSDGW_CUSTOMER_SECRET", kFileSecret, 1) == 0);
  const int with_env = status_of_signed_call(s, {}, kFileSecret);
  unsetenv("USSDGW_CUSTOMER_SECRET");
  CHECK(with_env == 200);
}

TEST_CASE("customer-demo refuses to start without a secret, or with a missing secret file") {
  Scratch s;
  unsetenv("USSDGW_CUSTOMER_SECRET");
  Child none({ussdgw_binary(), "customer-demo", "--port", "0"}, s.dir / "a.out", s.dir / "a.err");
  CHECK(none.wait() == 2);
  CHECK(none.err().find("a secret is required") != std::string::npos);
  Child missing({ussdgw_binary(), "customer-demo", "--secret-file", (s.dir / "nope").string()}, s.dir / "b.out",
                s.dir / "b.err");
  CHECK(missing.wait() == 2);
  CHECK(missing.err().find("--secret-file: cannot read") != std::string::npos);
}
