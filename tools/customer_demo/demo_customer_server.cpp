#include "tools/customer_demo/demo_customer_server.h"

#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <openssl/ssl.h>

#include "relay/signature.h"
#include "ussd/service/step_codec.h"

namespace ussdgw::customer_demo {

using relay::verify_request_signature;
using ussd::encode_step_answer;
using ussd::MapErrorName;
using ussd::parse_step_request;
using ussd::ReceivedStep;
using ussd::StepAction;
using ussd::StepAnswer;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

auto use_awaitable_ec(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }
// Beast 1.74 speaks boost::string_view.
std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }
// Per-process memory for the demo: forget everything past this many sessions.
constexpr std::size_t kMaxRemembered = 10'000;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Response json_response(const Request& req, http::status status, std::string body) {
  Response res{status, req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::server, "ussdgw-demo-customer");
  res.body() = std::move(body);
  return res;
}

}  // namespace

class DemoServerImpl : public std::enable_shared_from_this<DemoServerImpl> {
 public:
  DemoServerImpl(asio::io_context& ioc, DemoServerConfig cfg) : ioc_(ioc), cfg_(std::move(cfg)), acceptor_(ioc) {}

  std::optional<std::string> open();
  void drop_connections();
  void stop();

  asio::io_context& ioc_;
  DemoServerConfig cfg_;
  tcp::acceptor acceptor_;
  std::unique_ptr<ssl::context> tls_;
  std::uint16_t port_ = 0;
  DemoBehaviour behaviour_ = DemoBehaviour::Menu;
  std::chrono::milliseconds delay_{0};
  StepAnswer fixed_{StepAction::Reply, "OK", std::nullopt};
  unsigned http_status_ = 500;
  DemoServerStats stats_;
  std::optional<DemoRequestSeen> last_;

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(tcp::socket sock);
  template <class Stream>
  asio::awaitable<void> serve(Stream& stream, tcp::socket& sock, const std::string& sni);
  asio::awaitable<std::optional<Response>> respond(const Request& req, tcp::socket& sock);
  asio::awaitable<bool> pause_unless_peer_leaves(tcp::socket& sock, std::chrono::milliseconds d);
  std::optional<Response> check_signature(const Request& req);

  // Open connections, so stop() can close them.
  std::unordered_map<std::uint64_t, tcp::socket*> live_;
  std::uint64_t next_id_ = 0;
  DemoMenu menu_;
  std::unordered_map<std::string, StepAnswer> by_key_;         // Idempotency-Key -> answer given
  bool stopped_ = false;
};

std::optional<std::string> DemoServerImpl::open() {
  error_code ec;
  auto address = asio::ip::make_address(cfg_.bind_address, ec);
  if (ec) return "bind_address '" + cfg_.bind_address + "': " + ec.message();
  if (!cfg_.tls_cert_file.empty() || !cfg_.tls_key_file.empty()) {
    tls_ = std::make_unique<ssl::context>(ssl::context::tls_server);
    tls_->use_certificate_chain_file(cfg_.tls_cert_file, ec);
    if (ec) return "tls_cert_file '" + cfg_.tls_cert_file + "': " + ec.message();
    tls_->use_private_key_file(cfg_.tls_key_file, ssl::context::pem, ec);
    if (ec) return "tls_key_file '" + cfg_.tls_key_file + "': " + ec.message();
  }
  tcp::endpoint ep(address, cfg_.port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "listening on " + cfg_.bind_address + ":" + std::to_string(cfg_.port) + ": " + ec.message();
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(ioc_, accept_loop(), asio::detached);
  return std::nullopt;
}

void DemoServerImpl::drop_connections() {
  error_code ignored;
  for (auto& [id, sock] : live_) {
    sock->shutdown(tcp::socket::shutdown_both, ignored);
    sock->close(ignored);
  }
}

void DemoServerImpl::stop() {
  if (stopped_) return;
  stopped_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  drop_connections();
}

asio::awaitable<void> DemoServerImpl::accept_loop() {
  auto self = shared_from_this();
  while (!stopped_) {
    error_code ec;
    tcp::socket sock = co_await acceptor_.async_accept(use_awaitable_ec(ec));
    if (ec == asio::error::operation_aborted || stopped_) break;
    if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
    ++stats_.connections_accepted;
    asio::co_spawn(ioc_, session(std::move(sock)), asio::detached);
  }
}

asio::awaitable<void> DemoServerImpl::session(tcp::socket sock) {
  auto self = shared_from_this();
  const std::uint64_t id = next_id_++;
  const std::size_t open = ++stats_.open_connections;
  std::size_t high = stats_.max_open_connections.load();
  while (open > high && !stats_.max_open_connections.compare_exchange_weak(high, open)) {
  }
  struct Unregister {
    DemoServerImpl* s;
    std::uint64_t id;
    ~Unregister() {
      s->live_.erase(id);
      --s->stats_.open_connections;
    }
  } unregister{this, id};

  if (!tls_) {
    live_[id] = &sock;
    const std::string no_sni;
    co_await serve(sock, sock, no_sni);
    co_return;
  }
  ssl::stream<tcp::socket> stream(std::move(sock), *tls_);
  live_[id] = &stream.next_layer();
  error_code ec;
  co_await stream.async_handshake(ssl::stream_base::server, use_awaitable_ec(ec));
  if (ec) {
    stream.next_layer().close(ec);
    co_return;
  }
  const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
  // A named local, not a temporary in the co_await expression (g++ 12 bug).
  const std::string sni = name ? name : "";
  co_await serve(stream, stream.next_layer(), sni);
}

template <class Stream>
asio::awaitable<void> DemoServerImpl::serve(Stream& stream, tcp::socket& sock, const std::string& sni) {
  beast::flat_buffer buffer;
  // The read timeout: a request (header and body) must be complete within
  // cfg_.read_timeout of the connection opening or the previous answer, else
  // the connection is closed, so half-sent requests and silent connections
  // hold nothing for long. `reading` tells a late timer handler that this
  // connection is gone.
  asio::steady_timer read_timer(ioc_);
  auto reading = std::make_shared<bool>(true);
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    error_code ec;
    read_timer.expires_after(cfg_.read_timeout);
    read_timer.async_wait([alive = std::weak_ptr<bool>(reading), &sock](error_code tec) {
      if (tec || alive.expired()) return;
      error_code ignored;
      sock.shutdown(tcp::socket::shutdown_both, ignored);
      sock.close(ignored);
    });
    co_await http::async_read(stream, buffer, parser, use_awaitable_ec(ec));
    read_timer.cancel();
    if (ec) break;
    Request req = parser.release();
    ++stats_.requests;
    last_ = DemoRequestSeen{std::string(req.target()),
                            std::string(req[http::field::host]),
                            std::string(req[http::field::content_type]),
                            std::string(req["Idempotency-Key"]),
                            std::string(req["X-Ussdgw-Timestamp"]),
                            std::string(req["X-Ussdgw-Signature"]),
                            req.body(),
                            sni};
    std::optional<Response> res = co_await respond(req, sock);
    if (!res || stopped_) break;
    res->keep_alive(req.keep_alive());
    res->prepare_payload();
    if (res->result_int() / 100 == 2) ++stats_.answers;
    co_await http::async_write(stream, *res, use_awaitable_ec(ec));
    if (ec || !res->keep_alive()) break;
  }
  error_code ignored;
  sock.shutdown(tcp::socket::shutdown_both, ignored);
  sock.close(ignored);
}

std::optional<Response> DemoServerImpl::check_signature(const Request& req) {
  std::string_view ts = sv(req["X-Ussdgw-Timestamp"]);
  std::string_view sig = sv(req["X-Ussdgw-Signature"]);
  long long when = 0;
  bool ts_ok = !ts.empty() && ts.size() < 19;
  for (char c : ts) {
    if (c < '0' || c > '9') ts_ok = false;
    else when = when * 10 + (c - '0');
  }
  const long long now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const long long skew = now > when ? now - when : when - now;
  if (ts_ok && skew <= cfg_.max_clock_skew.count() && verify_request_signature(cfg_.secret, ts, req.body(), sig))
    return std::nullopt;
  ++stats_.bad_signatures;
  return json_response(req, http::status::unauthorized, R"({"error":"bad signature"})");
}

asio::awaitable<std::optional<Response>> DemoServerImpl::respond(const Request& req, tcp::socket& sock) {
  if (req.method() != http::verb::post)
    co_return json_response(req, http::status::method_not_allowed, R"({"error":"POST only"})");
  if (cfg_.verify_signatures) {
    if (auto refused = check_signature(req)) co_return refused;
  }
  if (delay_.count() > 0) {
    if (!co_await pause_unless_peer_leaves(sock, delay_)) co_return std::nullopt;
  }
  switch (behaviour_) {
    case DemoBehaviour::HttpError:
      co_return json_response(req, static_cast<http::status>(http_status_), R"({"error":"scripted failure"})");
    case DemoBehaviour::Garbage:
      co_return json_response(req, http::status::ok, "<html>this is not JSON");
    case DemoBehaviour::WrongSchema:
      co_return json_response(req, http::status::ok, R"({"action":"dance","text":"x"})");
    case DemoBehaviour::CloseWithoutAnswer:
      co_return std::nullopt;
    case DemoBehaviour::AnswerAtOnce:
      co_return json_response(req, http::status::ok, R"({"action":"reply","text":"OK"})");
    case DemoBehaviour::Fixed:
      co_return json_response(req, http::status::ok, encode_step_answer(fixed_));
    case DemoBehaviour::Menu:
      break;
  }
  auto step = parse_step_request(req.body());
  if (!step) co_return json_response(req, http::status::bad_request, R"({"error":"bad request body"})");
  // Idempotency: a retried step gets the same answer and does not advance the menu.
  std::string key(req["Idempotency-Key"]);
  if (auto it = by_key_.find(key); !key.empty() && it != by_key_.end())
    co_return json_response(req, http::status::ok, encode_step_answer(it->second));
  StepAnswer answer = menu_.answer(step.value());
  if (by_key_.size() >= kMaxRemembered) by_key_.clear();
  if (!key.empty()) by_key_[key] = answer;
  co_return json_response(req, http::status::ok, encode_step_answer(answer));
}

// Waits d; returns false when the client hung up meanwhile. A client that
// gave up closes its end: answering would be pointless, and sitting on the
// half-closed socket for the rest of the delay is a CLOSE_WAIT on our side.
asio::awaitable<bool> DemoServerImpl::pause_unless_peer_leaves(tcp::socket& sock, std::chrono::milliseconds d) {
  struct Watch {
    explicit Watch(asio::io_context& ioc) : timer(ioc) {}
    asio::steady_timer timer;
    bool peer_left = false;
  };
  // Shared: the readability handler may still be queued after we return.
  auto watch = std::make_shared<Watch>(ioc_);
  watch->timer.expires_after(d);
  // HTTP/1.1 clients send nothing while waiting for an answer, so readable
  // means FIN or RST; aborted means stop() closed the socket. Either way the
  // answer has nobody to go to. (After a normal wake-up the late handler
  // changes nothing we still read.)
  sock.async_wait(tcp::socket::wait_read, [watch](error_code) {
    watch->peer_left = true;
    watch->timer.cancel();
  });
  error_code ec;
  co_await watch->timer.async_wait(use_awaitable_ec(ec));
  error_code ignored;
  sock.cancel(ignored);
  co_return !watch->peer_left && !stopped_;
}

StepAnswer DemoMenu::answer(const ReceivedStep& received) {
  const ussd::StepRequest& step = received.request;
  if (in_menu_.size() >= kMaxRemembered) in_menu_.clear();
  auto it = in_menu_.find(received.session_id);
  if (it == in_menu_.end()) {
    if (step.text != "*100#") return StepAnswer{StepAction::Release, "", MapErrorName::UnexpectedDataValue};
    in_menu_[received.session_id] = true;
    return StepAnswer{StepAction::Prompt, kDemoMenuPrompt, std::nullopt};
  }
  if (step.text == "1") {
    in_menu_.erase(it);
    return StepAnswer{StepAction::Reply, "Your balance is 42", std::nullopt};
  }
  if (step.text == "2") {
    in_menu_.erase(it);
    return StepAnswer{StepAction::Reply, "Profile: demo customer", std::nullopt};
  }
  return StepAnswer{StepAction::Prompt, std::string("Invalid choice. ") + kDemoMenuPrompt, std::nullopt};
}

DemoCustomerServer::DemoCustomerServer(std::shared_ptr<DemoServerImpl> impl) : impl_(std::move(impl)) {}
DemoCustomerServer::~DemoCustomerServer() { impl_->stop(); }

Expected<std::unique_ptr<DemoCustomerServer>, std::string> DemoCustomerServer::start(asio::io_context& ioc,
                                                                                     DemoServerConfig config) {
  if (config.verify_signatures && config.secret.empty()) return std::string("secret: must not be empty");
  auto impl = std::make_shared<DemoServerImpl>(ioc, std::move(config));
  if (auto err = impl->open()) return *err;
  return std::unique_ptr<DemoCustomerServer>(new DemoCustomerServer(std::move(impl)));
}

std::uint16_t DemoCustomerServer::port() const { return impl_->port_; }
std::string DemoCustomerServer::url() const {
  std::string host = impl_->cfg_.bind_address.find(':') != std::string::npos ? "[" + impl_->cfg_.bind_address + "]"
                                                                             : impl_->cfg_.bind_address;
  return std::string(impl_->tls_ ? "https://" : "http://") + host + ":" + std::to_string(impl_->port_) + "/ussd";
}
void DemoCustomerServer::set_behaviour(DemoBehaviour b) { impl_->behaviour_ = b; }
void DemoCustomerServer::set_delay(std::chrono::milliseconds d) { impl_->delay_ = d; }
void DemoCustomerServer::set_answer(StepAnswer a) { impl_->fixed_ = std::move(a); }
void DemoCustomerServer::set_http_status(unsigned status) { impl_->http_status_ = status; }
const DemoServerStats& DemoCustomerServer::stats() const { return impl_->stats_; }
std::optional<DemoRequestSeen> DemoCustomerServer::last_request() const { return impl_->last_; }
void DemoCustomerServer::drop_connections() { impl_->drop_connections(); }
void DemoCustomerServer::stop() { impl_->stop(); }

}  // namespace ussdgw::customer_demo
