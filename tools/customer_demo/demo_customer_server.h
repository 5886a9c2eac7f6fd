// A small customer provisioning server speaking docs/customer-api.md, for the
// demo, integration tests and benchmarks. It verifies every request's
// signature (401 when wrong), answers a scripted menu, and can be told to
// misbehave (slow, garbage, wrong schema, HTTP errors, hang up) so the relay's
// failure paths are exercised over real sockets.
//
// Threading: runs on the io_context it is given; call its methods on that
// thread. The counters in stats() are atomic and may be read from elsewhere.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <unordered_map>

#include "ussd/service/step.h"
#include "ussd/service/step_codec.h"
#include "ussdgw/expected.h"

namespace boost::asio {
class io_context;
}

namespace ussdgw::customer_demo {

struct DemoServerConfig {
  std::string secret;  // the customer's copy of the HMAC key
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port, see DemoCustomerServer::port()
  // Both set: serve HTTPS with this certificate chain and key (PEM files).
  std::string tls_cert_file;
  std::string tls_key_file;
  // Requests whose X-Ussdgw-Timestamp is further than this from the server's
  // clock are refused like a bad signature: a captured request cannot be replayed later.
  std::chrono::seconds max_clock_skew{300};
  bool verify_signatures = true;
  // A request's header and body must arrive within this long (counted from
  // the connection opening or the previous answer); then the connection is
  // closed. Also closes kept-alive connections idle that long.
  std::chrono::milliseconds read_timeout{20'000};
};

enum class DemoBehaviour : std::uint8_t {
  Menu,                // the scripted menu below
  AnswerAtOnce,        // {"action":"reply","text":"OK"} to everything (benchmarks)
  Garbage,             // 200, application/json, a body that is not JSON
  WrongSchema,         // 200, valid JSON that breaks the schema
  HttpError,           // the status set by set_http_status() (500 by default)
  CloseWithoutAnswer,  // read the request, then hang up
  Fixed,               // the answer given to set_answer(), to every step
};

// The scripted menu (Menu behaviour), keyed by session id:
//   step 1 "*100#"  -> prompt "1. Balance 2. Profile"
//   then    "1"     -> reply  "Your balance is 42"
//           "2"     -> reply  "Profile: demo customer"
//           other   -> prompt "Invalid choice. 1. Balance 2. Profile"
//   step 1, any other string -> release with unexpectedDataValue
// A repeated Idempotency-Key gets the answer it got the first time.
inline constexpr const char* kDemoMenuPrompt = "1. Balance 2. Profile";

// The scripted menu above as a pure object (no I/O): the server's Menu
// behaviour, and the fake customers of the service's unit tests.
class DemoMenu {
 public:
  ussd::StepAnswer answer(const ussd::ReceivedStep& step);

 private:
  std::unordered_map<std::string, bool> in_menu_;  // session id -> menu shown
};

struct DemoServerStats {
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> bad_signatures{0};
  std::atomic<std::uint64_t> answers{0};  // 2xx responses written
  std::atomic<std::size_t> open_connections{0};
  std::atomic<std::size_t> max_open_connections{0};  // high-water mark
};

// What the last request looked like on the wire, for tests.
struct DemoRequestSeen {
  std::string target;
  std::string host;
  std::string content_type;
  std::string idempotency_key;
  std::string timestamp;
  std::string signature;
  std::string body;
  std::string sni;  // TLS server name the client sent, empty without TLS
};

class DemoServerImpl;

class DemoCustomerServer {
 public:
  // Binds and starts accepting at once; the error names what failed.
  static Expected<std::unique_ptr<DemoCustomerServer>, std::string> start(boost::asio::io_context& ioc,
                                                                          DemoServerConfig config);
  ~DemoCustomerServer();  // stop()
  DemoCustomerServer(const DemoCustomerServer&) = delete;
  DemoCustomerServer& operator=(const DemoCustomerServer&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  // "http://127.0.0.1:<port>/ussd" (https with TLS).
  [[nodiscard]] std::string url() const;

  void set_behaviour(DemoBehaviour b);
  // Think time before every answer. A client that hangs up meanwhile is
  // noticed at once and its connection closed.
  void set_delay(std::chrono::milliseconds d);
  // The answer of the Fixed behaviour (e.g. a long or non-GSM text, a release).
  void set_answer(ussd::StepAnswer a);
  void set_http_status(unsigned status);

  [[nodiscard]] const DemoServerStats& stats() const;
  [[nodiscard]] std::optional<DemoRequestSeen> last_request() const;

  // Closes every open connection but keeps listening, as a customer's load
  // balancer does when it restarts: the client's kept-alive connections die.
  void drop_connections();
  // Closes the listener and every open connection.
  void stop();

 private:
  explicit DemoCustomerServer(std::shared_ptr<DemoServerImpl> impl);
  std::shared_ptr<DemoServerImpl> impl_;
};

}  // namespace ussdgw::customer_demo
