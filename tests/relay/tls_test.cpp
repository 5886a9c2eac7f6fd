// TLS on top of the tunnel: the client trusts only the customer's pinned CA.
// Two throw-away CAs are made with the openssl CLI at test time; nothing is
// checked in.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "relay_fixture.h"

using namespace relay_test;
namespace fs = std::filesystem;

namespace {

// A CA and a server certificate it signed, for customer.example and 127.0.0.1.
struct TestPki {
  fs::path ca_cert, leaf_cert, leaf_key;
};

bool sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

TestPki make_pki(const fs::path& dir, const std::string& name) {
  const fs::path ca_key = dir / (name + "-ca.key"), ca_cert = dir / (name + "-ca.crt");
  const fs::path key = dir / (name + "-leaf.key"), csr = dir / (name + "-leaf.csr"), cert = dir / (name + "-leaf.crt");
  const fs::path ext = dir / (name + "-leaf.ext");
  std::ofstream(ext) << "subjectAltName=DNS:customer.example,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n";
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ";
  REQUIRE(sh("openssl req -x509" + ec + "-keyout " + ca_key.string() + " -out " + ca_cert.string() +
             " -subj '/CN=" + name + " test CA' -days 2"));
  REQUIRE(sh("openssl req" + ec + "-keyout " + key.string() + " -out " + csr.string() + " -subj /CN=customer.example"));
  REQUIRE(sh("openssl x509 -req -in " + csr.string() + " -CA " + ca_cert.string() + " -CAkey " + ca_key.string() +
             " -CAcreateserial -out " + cert.string() + " -days 2 -extfile " + ext.string()));
  return {ca_cert, cert, key};
}

struct PkiDir {
  PkiDir() {
    dir = fs::temp_directory_path() / ("ussdgw-relay-tls-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    ours = make_pki(dir, "customer");
    other = make_pki(dir, "stranger");
  }
  ~PkiDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path dir;
  TestPki ours, other;
};

std::unique_ptr<DemoCustomerServer> tls_server(asio::io_context& ioc, const TestPki& pki) {
  DemoServerConfig cfg;
  cfg.tls_cert_file = pki.leaf_cert.string();
  cfg.tls_key_file = pki.leaf_key.string();
  auto s = start_server(ioc, cfg);
  s->set_behaviour(DemoBehaviour::AnswerAtOnce);
  return s;
}

}  // namespace

TEST_CASE("https with the pinned CA: verified, SNI sent, answered") {
  PkiDir pki;
  asio::io_context ioc;
  auto server = tls_server(ioc, pki.ours);
  auto client = make_client(ioc, server->url(), [&](CustomerClientConfig& c) {
    c.tls_ca_file = pki.ours.ca_cert.string();
    c.tls_server_name = "customer.example";  // URL is the tunnel address, the cert names the host
  });
  run_story(ioc, [&]() -> asio::awaitable<void> {
    CallResult r = co_await client->call(sample_step("tls-1", 1, "*100#"), 5s);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().reason));
    CHECK(r->text == "OK");
    CallResult again = co_await client->call(sample_step("tls-1", 2, "1"), 5s);
    CHECK(again.ok());
  });
  CHECK(server->last_request()->sni == "customer.example");
  CHECK(server->stats().connections_accepted == 1);  // TLS connection kept alive
}

TEST_CASE("https by IP address: the certificate's IP SAN is checked, no SNI") {
  PkiDir pki;
  asio::io_context ioc;
  auto server = tls_server(ioc, pki.ours);
  auto client = make_client(ioc, server->url(), [&](CustomerClientConfig& c) { c.tls_ca_file = pki.ours.ca_cert.string(); });
  run_story(ioc, [&]() -> asio::awaitable<void> {
    CallResult r = co_await client->call(sample_step("tls-2", 1, "*100#"), 5s);
    CHECK_MESSAGE(r.ok(), (r.ok() ? "" : r.error().reason));
  });
  CHECK(server->last_request()->sni.empty());
}

TEST_CASE("a server certificate from another CA is refused") {
  PkiDir pki;
  asio::io_context ioc;
  auto server = tls_server(ioc, pki.other);
  auto client = make_client(ioc, server->url(), [&](CustomerClientConfig& c) {
    c.tls_ca_file = pki.ours.ca_cert.string();
    c.tls_server_name = "customer.example";
  });
  run_story(ioc, [&]() -> asio::awaitable<void> {
    CallResult r = co_await client->call(sample_step("tls-3", 1, "*100#"), 5s);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == FailureKind::TlsFailed);
    CHECK(r.error().reason.find("certificate verify failed") != std::string::npos);
  });
  CHECK(server->stats().requests == 0);
  CHECK(client->stats().open_connections == 0);
}

TEST_CASE("a certificate for another name is refused even from the pinned CA") {
  PkiDir pki;
  asio::io_context ioc;
  auto server = tls_server(ioc, pki.ours);
  auto client = make_client(ioc, server->url(), [&](CustomerClientConfig& c) {
    c.tls_ca_file = pki.ours.ca_cert.string();
    c.tls_server_name = "other.example";
  });
  run_story(ioc, [&]() -> asio::awaitable<void> {
    CallResult r = co_await client->call(sample_step("tls-4", 1, "*100#"), 5s);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == FailureKind::TlsFailed);
  });
  CHECK(server->stats().requests == 0);
}
