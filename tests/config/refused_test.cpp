// Every config the issue tracker found accepted by `ussdgw run --check` and
// then failing at start-up (without a line, or without a key), or doing
// harm: each is refused by the check, naming the file, the line and the key
// (issue 7 items 5, 6, 9; docs/config.md).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "config_helpers.h"

using config_test::problem;

namespace {

const std::string kSs7 = "ss7:\n  global_title: \"447700900123\"\n";  // lines 1-2: the smallest valid config

// Lines 3-6 (7 on: `extra`): one customer with this URL.
std::string customer(const std::string& url, const std::string& extra = "") {
  return kSs7 + "customers:\n  - id: acme\n    url: " + url + "\n    secret: 0123456789abcdef\n" + extra;
}

struct Refused {
  const char* what;      // the case, for the failure message
  std::string yaml;
  std::string expected;  // substring of the error: "gw.yaml:LINE: KEY: reason..."
};

const std::string kLongName(45, 'g');

std::vector<Refused> refused() {
  return {
      // --- issue 7 item 5: ss7::validate's rules, which only `run` applied, without the key's line
      {"routing context over IPA", kSs7 + "  routing_context: 5\n", "gw.yaml:3: ss7.routing_context: must be 0 over IPA"},
      {"ipa-server without a port (the default)", kSs7 + "  mode: ipa-server\n",
       "gw.yaml:1: ss7.local.port: required in ipa-server mode"},
      {"ipa-server on port 0", kSs7 + "  mode: ipa-server\n  local: {host: 127.0.0.1, port: 0}\n",
       "gw.yaml:4: ss7.local.port: required in ipa-server mode"},
      {"a subsystem twice", kSs7 + "  ssn: [147, 147]\n", "gw.yaml:3: ss7.ssn[1]: subsystem 147 is listed twice"},
      {"a subsystem twice, one per line", kSs7 + "  ssn:\n    - 147\n    - 8\n    - 147\n",
       "gw.yaml:6: ss7.ssn[2]: subsystem 147 is listed twice"},
      {"SCCP management's subsystem", kSs7 + "  ssn: [1]\n", "gw.yaml:3: ss7.ssn[0]: 0 (unknown) and 1 (SCCP management"},
      {"a 45-character ASP name", kSs7 + "  asp_name: " + kLongName + "\n",
       "gw.yaml:3: ss7.asp_name: must be 1 to 24 characters"},
      {"an empty peer name", kSs7 + "  mode: ipa-server\n  local: {host: 127.0.0.1, port: 5000}\n  peer_name: \"\"\n",
       "gw.yaml:5: ss7.peer_name: required in ipa-server mode"},
      {"an outbound queue of 0", kSs7 + "  max_outbound_queue: 0\n", "gw.yaml:3: ss7.max_outbound_queue: must be at least 1"},
      {"a reassembly timeout of 0", kSs7 + "  reassembly:\n    timeout: 0s\n", "gw.yaml:4: ss7.reassembly.timeout: must be above 0"},
      {"a reassembly bound below two segments", kSs7 + "  reassembly:\n    max_bytes: 100\n",
       "gw.yaml:4: ss7.reassembly.max_bytes: must be at least 512"},
      {"no partial message allowed", kSs7 + "  reassembly:\n    max_messages: 0\n",
       "gw.yaml:4: ss7.reassembly.max_messages: must be at least 1"},
      {"a misspelt reassembly key", kSs7 + "  reassembly:\n    timout: 5s\n", "gw.yaml:4: ss7.reassembly.timout"},
      {"a local address that is no address", kSs7 + "  local: {host: 999.1.2.3}\n",
       "gw.yaml:3: ss7.local.host: must be an IPv4 or IPv6 address, not '999.1.2.3'"},
      {"a remote host name", kSs7 + "  remote:\n    host: stp.example\n",
       "gw.yaml:4: ss7.remote.host: must be an IPv4 or IPv6 address, not 'stp.example'"},
      {"a reconnect interval below the second", kSs7 + "  reconnect_interval: 1500ms\n",
       "gw.yaml:3: ss7.reconnect_interval: must be a whole number of seconds"},
      // --- issue 7 items 5 and 9: the customer URL, checked by the relay's parser
      {"a URL without a host", customer("\"http://\""), "gw.yaml:5: customers[0].url: must be http://host[:port][/path] or https://...: host missing"},
      {"a port of 99999", customer("http://10.0.0.1:99999/ussd"), "gw.yaml:5: customers[0].url: must be http://host[:port][/path] or https://...: bad port '99999'"},
      {"credentials in the URL", customer("http://user:s3cret@10.0.0.1/ussd"), "gw.yaml:5: customers[0].url: must be http://host[:port][/path] or https://...: credentials in the URL (user info before '@') are not allowed"},
      {"https without a CA", customer("https://10.0.0.1/ussd"), "gw.yaml:5: customers[0].url: is https://, so tls.ca_file is required"},
      {"tls with an http URL", customer("http://10.0.0.1/ussd", "    tls: {ca_file: /etc/hostname}\n"),
       "gw.yaml:7: customers[0].tls: is set, but the url is http://"},
      {"a CA file that does not exist", customer("https://10.0.0.1/ussd", "    tls:\n      ca_file: /nonexistent/ca.pem\n"),
       "gw.yaml:8: customers[0].tls.ca_file: '/nonexistent/ca.pem' cannot be read: No such file or directory"},
      {"a CA file that holds no certificate",
       customer("https://10.0.0.1/ussd", "    tls: {ca_file: " + std::string(USSDGW_SOURCE_DIR) + "/config/ussdgw.example.yaml}\n"),
       "gw.yaml:7: customers[0].tls.ca_file: '" + std::string(USSDGW_SOURCE_DIR) + "/config/ussdgw.example.yaml' holds no usable CA"},
      // --- issue 7 item 5: the database
      {"a database in a directory that does not exist", kSs7 + "storage:\n  path: /nonexistent-ussdgw/gw.db\n",
       "gw.yaml:4: storage.path: the directory '/nonexistent-ussdgw' does not exist"},
      {"a database path that is a directory", kSs7 + "storage:\n  path: /tmp\n", "gw.yaml:4: storage.path: '/tmp' is a directory"},
      {"an empty database path", kSs7 + "storage:\n  path: \"\"\n", "gw.yaml:4: storage.path: must name a file"},
      // --- issue 7 item 6: harmful values
      {"an idle timeout of 0", kSs7 + "tcap:\n  dialogue_idle_timeout: 0s\n", "gw.yaml:4: tcap.dialogue_idle_timeout: must be above 0"},
      {"an invoke timeout of 0", kSs7 + "tcap:\n  invoke_timeout: 0ms\n", "gw.yaml:4: tcap.invoke_timeout: must be above 0"},
      {"no pending records", kSs7 + "storage:\n  max_pending: 0\n", "gw.yaml:4: storage.max_pending: must be at least 1"},
      {"batches of no records", kSs7 + "storage:\n  batch_records: 0\n", "gw.yaml:4: storage.batch_records: must be at least 1"},
      {"a step deadline of 0", kSs7 + "ussd:\n  step_deadline: 0s\n", "gw.yaml:4: ussd.step_deadline: must be above 0"},
      {"a customer step deadline of 0", customer("http://10.0.0.1/ussd", "    step_deadline: 0s\n"),
       "gw.yaml:7: customers[0].step_deadline: must be above 0"},
      // --- issue 7 item 6: what yaml-cpp keeps silently (the first)
      {"a key twice", kSs7 + "  global_title: \"447700900999\"\n", "gw.yaml:3: ss7.global_title: duplicate key (first at line 2)"},
      {"a section twice", kSs7 + "ss7:\n  point_code: 0.0.5\n", "gw.yaml:3: ss7: duplicate key (first at line 1)"},
      {"a customer's key twice", customer("http://10.0.0.1/ussd", "    url: http://10.0.0.2/ussd\n"),
       "gw.yaml:7: customers[0].url: duplicate key (first at line 5)"},
      {"a route twice",
       customer("http://10.0.0.1/ussd",
                "routes:\n  - {service_code: \"*100\", customer: acme}\n  - {imsi_prefix: \"234\", customer: acme}\n"
                "  - {customer: acme, service_code: \"*100\"}\n"),
       "gw.yaml:10: routes[2]: same service_code and imsi_prefix as routes[0]"},
      {"a second document", kSs7 + "---\nss7: {global_title: \"1\"}\n", "gw.yaml:4: (syntax): a second YAML document"},
      {"a list for a document", "- ss7\n", "gw.yaml:1: (document): must be a mapping"},
      // yaml-cpp 0.7's LoadAll loops forever, allocating, on these (fuzz_config).
      {"a stray comma", kSs7 + ",\n", "gw.yaml:3: (syntax): end of map not found"},
      {"a stray comma and colons", ",::", "gw.yaml:1: (syntax): not YAML that can be read"},
      // --- the log section
      {"an unknown log level", kSs7 + "log:\n  level: loud\n", "gw.yaml:4: log.level: must be debug, info, notice or error, not 'loud'"},
      {"a rate-limit interval of 0", kSs7 + "log:\n  rate_limit:\n    interval: 0s\n",
       "gw.yaml:5: log.rate_limit.interval: must be at least 1s"},
      {"a rate-limit interval below the second", kSs7 + "log:\n  rate_limit: {interval: 500ms}\n",
       "gw.yaml:4: log.rate_limit.interval: must be a whole number of seconds"},
      {"a misspelt rate-limit key", kSs7 + "log:\n  rate_limit: {bursts: 5}\n", "gw.yaml:4: log.rate_limit.bursts: unknown key"},
  };
}

}  // namespace

TEST_CASE("the smallest config is valid, so every case below fails for its own reason") {
  CHECK(problem(kSs7) == "");
  CHECK(problem(customer("http://10.0.0.1:8080/ussd")) == "");
}

TEST_CASE("every config found accepted is refused with its file, line and key") {
  for (const auto& r : refused()) {
    CAPTURE(r.what);
    CAPTURE(r.yaml);
    std::string got = problem(r.yaml);
    CHECK_MESSAGE(got.find(r.expected) != std::string::npos, "got: " << got << "\nexpected: " << r.expected);
  }
}

TEST_CASE("an error about a URL never repeats it: it may hold a password") {
  std::string got = problem(customer("http://user:s3cret@10.0.0.1/ussd"));
  CHECK(got != "");
  CHECK(got.find("s3cret") == std::string::npos);
}

TEST_CASE("what the mode allows is not refused") {
  CHECK(problem(kSs7 + "  mode: m3ua-client\n  routing_context: 5\n") == "");
  CHECK(problem(kSs7 + "  mode: ipa-server\n  local: {host: \"::1\", port: 5000}\n  peer_name: sim\n") == "");
  CHECK(problem(kSs7 + "  ssn: [147, 8]\n  asp_name: " + std::string(24, 'g') + "\n") == "");
  CHECK(problem(kSs7 + "tcap: {dialogue_idle_timeout: 1ms, invoke_timeout: 1ms}\nstorage: {max_pending: 1}\n") == "");
  CHECK(problem(customer("http://10.0.0.1/ussd", "routes:\n  - {service_code: \"*100\", customer: acme}\n"
                                                  "  - {service_code: \"*100\", imsi_prefix: \"234\", customer: acme}\n")) ==
        "");
}

TEST_CASE("https with a readable CA passes") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("ussdgw-config-ca-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  const fs::path key = dir / "ca.key", cert = dir / "ca.crt";
  const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + key.string() +
                          " -out " + cert.string() + " -subj '/CN=config test CA' -days 1 >/dev/null 2>&1";
  REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "the openssl command makes the test CA");
  CHECK(problem(customer("https://10.0.0.1/ussd", "    tls: {ca_file: " + cert.string() + "}\n")) == "");
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST_CASE("a key that happens to be named like the loader's yaml-cpp net is an ordinary unknown key") {
  // fuzz_config found a file with a top-level key "(yaml)": the fuzzer took
  // the refusal for the net that catches yaml-cpp surprises.
  auto r = ussdgw::config::load_string("ss7:\n  global_title: \"447700900123\"\n(yaml): 1\n", "gw.yaml");
  REQUIRE_FALSE(r.ok());
  CHECK_FALSE(r.error().unexpected);
  CHECK_MESSAGE(r.error().what().rfind("gw.yaml:3: (yaml): ", 0) == 0, r.error().what());
}
