#include "relay/http/customer_client.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <openssl/ssl.h>

#include "relay/http/customer_url.h"
#include "relay/http/signature.h"
#include "relay/http/step_codec.h"

namespace ussdgw::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace detail {

namespace {

// A valid answer is a few hundred octets; anything near these limits is a
// misbehaving customer, and reading it would only delay the failure.
constexpr std::uint64_t kMaxResponseBody = 16 * 1024;
constexpr std::uint32_t kMaxResponseHeader = 8 * 1024;

auto use_awaitable_ec(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }
// Beast 1.74 speaks boost::string_view.
std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

RelayFailure failure(FailureKind kind, std::string reason, int status = 0) {
  return RelayFailure{kind, status, std::move(reason)};
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// The peer went away between requests: what a reused keep-alive connection
// shows when the customer closed it just as we picked it up.
bool is_disconnect(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated;
}

}  // namespace

// One TCP (or TLS over TCP) connection to the customer. The object is also the
// pool slot: it counts against max_connections from the moment a call may
// open it until the pool gives the slot up, even while its socket is closed.
class Connection {
 public:
  Connection(asio::io_context& ioc, ssl::context* tls) : ioc_(ioc), tls_ctx_(tls), plain_(ioc), idle_timer(ioc) {
    reset();
  }

  tcp::socket& socket() { return tls_ ? tls_->next_layer() : plain_; }
  bool is_open() { return socket().is_open(); }
  ssl::stream<tcp::socket>* tls() { return tls_.get(); }

  // Pending operations complete with operation_aborted. No TLS close_notify:
  // the connection is being dropped, not politely ended.
  void close() {
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }
  // Closed and ready to connect again; a TLS stream cannot be reused.
  void reset() {
    close();
    if (tls_ctx_) tls_ = std::make_unique<ssl::stream<tcp::socket>>(ioc_, *tls_ctx_);
    buffer.clear();
    used = false;
  }

  template <class Message>
  asio::awaitable<void> write(const Message& m, error_code& ec) {
    if (tls_) co_await http::async_write(*tls_, m, use_awaitable_ec(ec));
    else co_await http::async_write(plain_, m, use_awaitable_ec(ec));
  }
  template <class Parser>
  asio::awaitable<void> read(Parser& p, error_code& ec) {
    if (tls_) co_await http::async_read(*tls_, buffer, p, use_awaitable_ec(ec));
    else co_await http::async_read(plain_, buffer, p, use_awaitable_ec(ec));
  }

 private:
  asio::io_context& ioc_;
  ssl::context* tls_ctx_;
  tcp::socket plain_;
  std::unique_ptr<ssl::stream<tcp::socket>> tls_;

 public:
  beast::flat_buffer buffer;
  asio::steady_timer idle_timer;
  std::uint64_t idle_epoch = 0;  // bumped on entering and leaving the idle list
  bool used = false;             // has carried an exchange since it was connected
};

// One relay call, from start() until its coroutine has given its connection back.
struct Call {
  explicit Call(asio::io_context& ioc) : deadline(ioc), wake(ioc), resolver(ioc) {}

  std::weak_ptr<ClientImpl> owner;
  http::request<http::string_body> request;
  StepCallback done;
  asio::steady_timer deadline;
  asio::steady_timer wake;           // parks the coroutine while it waits in the queue
  tcp::resolver resolver;
  std::shared_ptr<Connection> conn;  // in use, so abort() can close it
  std::shared_ptr<Connection> granted;  // handed over by release() while queued
  bool queued = false;
  bool completed = false;  // the caller has been (or is about to be) told the outcome
};

// What one request/response exchange on a connection ended with.
struct Exchange {
  CallResult result = RelayFailure{};
  bool reusable = false;  // the response was complete and keep-alive
  bool stale = false;     // a reused connection died before answering: retry on a fresh one
};

class ClientImpl : public std::enable_shared_from_this<ClientImpl> {
 public:
  ClientImpl(asio::io_context& ioc, CustomerClientConfig cfg, CustomerUrl url, std::unique_ptr<ssl::context> tls)
      : ioc_(ioc), cfg_(std::move(cfg)), url_(std::move(url)), tls_(std::move(tls)) {
    server_name_ = cfg_.tls_server_name.empty() ? url_.host : cfg_.tls_server_name;
  }

  CallHandle start(const StepRequest& req, std::chrono::milliseconds deadline, StepCallback done);
  void abort(const std::shared_ptr<Call>& call, RelayFailure why);
  void stop();
  CustomerClientStats stats() const {
    return {open_, idle_.size(), waiters_.size(), active_.size(), opened_total_, stale_retries_};
  }
  const CustomerClientConfig& config() const { return cfg_; }

 private:
  // Gives the connection (or only its slot) back when the call's coroutine
  // leaves run(), on every path including exceptions.
  struct Lease {
    ClientImpl* pool;
    std::shared_ptr<Connection> conn;
    bool reusable = false;
    ~Lease() {
      if (conn) pool->release(std::move(conn), reusable);
    }
  };

  asio::awaitable<void> run(std::shared_ptr<Call> call);
  asio::awaitable<std::shared_ptr<Connection>> acquire(const std::shared_ptr<Call>& call);
  asio::awaitable<std::optional<RelayFailure>> connect(Call& call, Connection& conn);
  asio::awaitable<Exchange> exchange(Call& call, Connection& conn);
  void complete(Call& call, CallResult result);
  void release(std::shared_ptr<Connection> conn, bool reusable);
  void park(std::shared_ptr<Connection> conn);
  void leave_idle(Connection& conn);
  void drop_idle(const std::shared_ptr<Connection>& conn, std::uint64_t epoch);

  asio::io_context& ioc_;
  CustomerClientConfig cfg_;
  CustomerUrl url_;
  std::unique_ptr<ssl::context> tls_;
  std::string server_name_;

  std::size_t open_ = 0;  // connection slots in use: idle + busy + connecting
  std::uint64_t opened_total_ = 0;
  std::uint64_t stale_retries_ = 0;
  std::vector<std::shared_ptr<Connection>> idle_;  // most recently used at the back
  std::deque<std::shared_ptr<Call>> waiters_;
  std::unordered_map<Call*, std::weak_ptr<Call>> active_;
  bool stopped_ = false;
};

CallHandle ClientImpl::start(const StepRequest& req, std::chrono::milliseconds deadline, StepCallback done) {
  auto call = std::make_shared<Call>(ioc_);
  call->owner = weak_from_this();
  call->done = std::move(done);

  // Signed once: a retry on a fresh connection resends the very same octets.
  std::string body = encode_step_request(req);
  std::string timestamp = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  auto& r = call->request;
  r.method(http::verb::post);
  r.target(url_.target);
  r.version(11);
  r.set(http::field::host, url_.host_header());
  r.set(http::field::user_agent, "ussdgw-relay/1");
  r.set(http::field::content_type, "application/json");
  r.set(http::field::accept, "application/json");
  r.set("Idempotency-Key", idempotency_key(req.session, req.step));
  r.set("X-Ussdgw-Timestamp", timestamp);
  r.set("X-Ussdgw-Signature", sign_request(cfg_.secret, timestamp, body));
  r.keep_alive(true);
  r.body() = std::move(body);
  r.prepare_payload();

  if (stopped_) {
    complete(*call, failure(FailureKind::Cancelled, "client is shut down"));
    return CallHandle(call);
  }
  active_.emplace(call.get(), call);
  call->deadline.expires_after(deadline);
  call->deadline.async_wait([weak = std::weak_ptr<Call>(call), deadline](error_code ec) {
    if (ec) return;  // cancelled: the call completed first
    auto c = weak.lock();
    if (!c) return;
    if (auto owner = c->owner.lock())
      owner->abort(c, failure(FailureKind::Timeout, "no answer within " + std::to_string(deadline.count()) + " ms"));
  });
  asio::co_spawn(ioc_, run(call), [weak_self = weak_from_this(), call](std::exception_ptr e) {
    if (!e) return;
    // Nothing in run() should throw (errors travel as error_code); if it did
    // anyway (bad_alloc), the caller must still hear about its call.
    std::string what = "internal error";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what += std::string(": ") + ex.what();
    } catch (...) {
    }
    // The lease gave the connection back while unwinding; it may already
    // serve another call, so forget it instead of closing it.
    call->conn.reset();
    if (auto self = weak_self.lock()) self->abort(call, failure(FailureKind::ConnectionLost, what));
  });
  return CallHandle(call);
}

// One relay call, top to bottom: get a connection, (re)connect if needed,
// send, wait for the answer, give the connection back. The deadline and the
// cancel handle act from outside through abort(), which closes whatever this
// coroutine is waiting on; every co_await is therefore followed by a check
// of call->completed.
asio::awaitable<void> ClientImpl::run(std::shared_ptr<Call> call) {
  auto self = shared_from_this();
  struct Unregister {
    ClientImpl* pool;
    Call* call;
    ~Unregister() { pool->active_.erase(call); }
  } unregister{this, call.get()};

  auto acquired = co_await acquire(call);
  Lease lease{this, std::move(acquired)};
  if (!lease.conn) co_return;  // completed while waiting: queue full, deadline or cancel
  call->conn = lease.conn;

  // A kept-alive connection may have been closed by the customer just as it
  // was reused. The request is idempotent (Idempotency-Key), so that earns
  // exactly one more try on a fresh connection, inside the same deadline.
  Exchange x;
  for (int attempt = 0;; ++attempt) {
    if (!lease.conn->is_open()) {
      if (auto failed = co_await connect(*call, *lease.conn)) {
        x.result = std::move(*failed);
        break;
      }
    }
    x = co_await exchange(*call, *lease.conn);
    if (!x.stale || attempt > 0 || call->completed) break;
    ++stale_retries_;
    lease.conn->reset();
  }
  call->conn.reset();
  lease.reusable = x.reusable && !call->completed;
  if (x.stale) x.result = failure(FailureKind::ConnectionLost, "customer closed the connection without answering");
  complete(*call, std::move(x.result));
}

asio::awaitable<std::shared_ptr<Connection>> ClientImpl::acquire(const std::shared_ptr<Call>& call) {
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    leave_idle(*conn);
    co_return conn;
  }
  if (open_ < cfg_.max_connections) {
    ++open_;
    co_return std::make_shared<Connection>(ioc_, tls_.get());
  }
  if (waiters_.size() >= cfg_.max_queue) {
    complete(*call, failure(FailureKind::QueueFull, "all " + std::to_string(cfg_.max_connections) +
                                                        " connections busy and " + std::to_string(cfg_.max_queue) +
                                                        " calls already waiting"));
    co_return nullptr;
  }
  call->queued = true;
  waiters_.push_back(call);
  call->wake.expires_at(asio::steady_timer::time_point::max());
  error_code ec;
  co_await call->wake.async_wait(use_awaitable_ec(ec));  // ends by release() or abort() cancelling it
  auto conn = std::move(call->granted);
  if (call->completed) {
    // Aborted after release() had already handed us a connection: pass it on.
    if (conn) release(std::move(conn), true);
    co_return nullptr;
  }
  co_return conn;
}

asio::awaitable<std::optional<RelayFailure>> ClientImpl::connect(Call& call, Connection& conn) {
  static const RelayFailure kAborted = failure(FailureKind::Cancelled, "aborted");
  ++opened_total_;
  error_code ec;
  std::vector<tcp::endpoint> endpoints;
  auto literal = asio::ip::make_address(url_.host, ec);
  if (!ec) {
    // Tunnel addresses are IP literals: no resolver round trip for them.
    endpoints.emplace_back(literal, url_.port);
  } else {
    auto results =
        co_await call.resolver.async_resolve(url_.host, std::to_string(url_.port), use_awaitable_ec(ec));
    if (call.completed) co_return kAborted;
    if (ec) co_return failure(FailureKind::ConnectFailed, "resolving " + url_.host + ": " + ec.message());
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }

  std::string tried;
  ec = asio::error::host_not_found;
  for (const auto& ep : endpoints) {
    conn.close();
    co_await conn.socket().async_connect(ep, use_awaitable_ec(ec));
    if (call.completed) co_return kAborted;
    if (!ec) break;
    tried += (tried.empty() ? "" : ", ") + ep.address().to_string() + ":" + std::to_string(ep.port()) + " (" +
             ec.message() + ")";
  }
  if (ec) {
    conn.close();
    co_return failure(FailureKind::ConnectFailed, "connecting to " + tried);
  }
  error_code ignored;
  conn.socket().set_option(tcp::no_delay(true), ignored);  // small requests: do not wait for Nagle

  if (auto* tls = conn.tls()) {
    // SNI carries host names only, never an IP literal (RFC 6066 §3).
    if (!is_ip_literal(server_name_)) SSL_set_tlsext_host_name(tls->native_handle(), server_name_.c_str());
    tls->set_verify_callback(ssl::host_name_verification(server_name_));
    co_await tls->async_handshake(ssl::stream_base::client, use_awaitable_ec(ec));
    if (call.completed) co_return kAborted;
    if (ec) {
      conn.close();
      co_return failure(FailureKind::TlsFailed, "TLS handshake with " + server_name_ + ": " + ec.message());
    }
  }
  co_return std::nullopt;
}

asio::awaitable<Exchange> ClientImpl::exchange(Call& call, Connection& conn) {
  const bool reused = conn.used;
  conn.used = true;
  Exchange x;
  error_code ec;
  co_await conn.write(call.request, ec);
  if (call.completed) co_return x;
  if (ec) {
    if (reused) x.stale = true;
    else x.result = failure(FailureKind::ConnectionLost, "sending request: " + ec.message());
    co_return x;
  }

  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  parser.header_limit(kMaxResponseHeader);
  co_await conn.read(parser, ec);
  if (call.completed) co_return x;
  if (ec) {
    const bool http_syntax = ec.category() == http::make_error_code(http::error::bad_version).category() &&
                             ec != http::error::end_of_stream && ec != http::error::partial_message;
    if (reused && !parser.got_some() && is_disconnect(ec)) x.stale = true;
    else if (http_syntax) x.result = failure(FailureKind::BadResponse, "malformed HTTP response: " + ec.message());
    else x.result = failure(FailureKind::ConnectionLost, "reading response: " + ec.message());
    co_return x;
  }

  auto& res = parser.get();
  x.reusable = res.keep_alive();
  const int status = static_cast<int>(res.result_int());
  if (status < 200 || status > 299) {
    x.result = failure(FailureKind::HttpStatus,
                       "customer answered HTTP " + std::to_string(status) + " " + std::string(res.reason()), status);
    co_return x;
  }
  auto answer = parse_step_answer(sv(res[http::field::content_type]), res.body());
  if (!answer) {
    x.result = failure(FailureKind::BadResponse, answer.error(), status);
    co_return x;
  }
  x.result = std::move(answer.value());
  co_return x;
}

void ClientImpl::complete(Call& call, CallResult result) {
  if (call.completed) return;
  call.completed = true;
  call.deadline.cancel();
  if (!call.done) return;
  // Always through the event loop: the caller may be inside cancel() or
  // start() and must not be re-entered.
  asio::post(ioc_, [done = std::move(call.done), r = std::move(result)]() mutable { done(std::move(r)); });
}

void ClientImpl::abort(const std::shared_ptr<Call>& call, RelayFailure why) {
  if (call->completed) return;
  complete(*call, std::move(why));
  if (call->queued) {
    waiters_.erase(std::find(waiters_.begin(), waiters_.end(), call));
    call->queued = false;
    call->wake.cancel();
  }
  call->resolver.cancel();
  // The coroutine wakes up with operation_aborted and returns the slot; the
  // socket is closed now, not when it gets there.
  if (call->conn) call->conn->close();
}

void ClientImpl::release(std::shared_ptr<Connection> conn, bool reusable) {
  if (stopped_) {
    conn->close();
    --open_;
    return;
  }
  if (!reusable) conn->reset();
  // A waiting call takes the connection, or when it is closed just its slot,
  // directly: queued calls are served in arrival order and never overtaken.
  if (!waiters_.empty()) {
    auto next = std::move(waiters_.front());
    waiters_.pop_front();
    next->queued = false;
    next->granted = std::move(conn);
    next->wake.cancel();
    return;
  }
  if (conn->is_open()) park(std::move(conn));
  else --open_;
}

void ClientImpl::park(std::shared_ptr<Connection> conn) {
  const std::uint64_t epoch = ++conn->idle_epoch;
  idle_.push_back(conn);
  std::weak_ptr<ClientImpl> weak = weak_from_this();
  conn->idle_timer.expires_after(cfg_.idle_timeout);
  conn->idle_timer.async_wait([weak, conn, epoch](error_code ec) {
    if (ec) return;  // cancelled: taken by a call, or shut down
    if (auto self = weak.lock()) self->drop_idle(conn, epoch);
  });
  // Notice at once when the customer closes an idle connection: an unread FIN
  // would leave the socket in CLOSE_WAIT until the next call tripped over it.
  // Any readable event on an idle HTTP/1.1 connection means it is unusable.
  conn->socket().async_wait(tcp::socket::wait_read, [weak, conn, epoch](error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    if (auto self = weak.lock()) self->drop_idle(conn, epoch);
  });
}

void ClientImpl::leave_idle(Connection& conn) {
  ++conn.idle_epoch;
  conn.idle_timer.cancel();
  error_code ignored;
  conn.socket().cancel(ignored);  // ends the readability watch
}

void ClientImpl::drop_idle(const std::shared_ptr<Connection>& conn, std::uint64_t epoch) {
  if (conn->idle_epoch != epoch) return;  // taken (and maybe parked again) since
  auto it = std::find(idle_.begin(), idle_.end(), conn);
  if (it == idle_.end()) return;
  idle_.erase(it);
  leave_idle(*conn);
  release(conn, false);
}

void ClientImpl::stop() {
  if (stopped_) return;
  std::vector<std::shared_ptr<Call>> calls;
  for (auto& [ptr, weak] : active_)
    if (auto c = weak.lock()) calls.push_back(std::move(c));
  for (auto& c : calls) abort(c, failure(FailureKind::Cancelled, "client shut down"));
  stopped_ = true;
  for (auto& conn : idle_) {
    leave_idle(*conn);
    conn->close();
  }
  open_ -= idle_.size();
  idle_.clear();
}

}  // namespace detail

void CallHandle::cancel() const {
  auto call = call_.lock();
  if (!call) return;
  if (auto owner = call->owner.lock()) owner->abort(call, RelayFailure{FailureKind::Cancelled, 0, "cancelled by caller"});
}

CustomerClient::CustomerClient(std::shared_ptr<detail::ClientImpl> impl) : impl_(std::move(impl)) {}

CustomerClient::~CustomerClient() { impl_->stop(); }

Expected<std::unique_ptr<CustomerClient>, std::string> CustomerClient::create(asio::io_context& ioc,
                                                                             CustomerClientConfig config) {
  auto url = parse_customer_url(config.url);
  if (!url) return "url '" + config.url + "': " + url.error();
  if (config.secret.empty()) return std::string("secret: must not be empty (requests are always signed)");
  if (config.max_connections == 0) return std::string("max_connections: must be at least 1");
  if (config.idle_timeout.count() <= 0) return std::string("idle_timeout: must be positive");

  std::unique_ptr<ssl::context> tls;
  if (url->tls) {
    if (config.tls_ca_file.empty()) return std::string("tls_ca_file: required for an https url");
    tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    tls->set_verify_mode(ssl::verify_peer);
    // Only this file: the system trust store is never loaded, so a certificate
    // from any other CA fails verification.
    error_code ec;
    tls->load_verify_file(config.tls_ca_file, ec);
    if (ec) return "tls_ca_file '" + config.tls_ca_file + "': " + ec.message();
  } else if (!config.tls_ca_file.empty() || !config.tls_server_name.empty()) {
    return std::string("tls_ca_file/tls_server_name: set, but the url is not https");
  }
  auto impl = std::make_shared<detail::ClientImpl>(ioc, std::move(config), std::move(url.value()), std::move(tls));
  return std::unique_ptr<CustomerClient>(new CustomerClient(std::move(impl)));
}

CallHandle CustomerClient::start(const StepRequest& request, std::chrono::milliseconds deadline, StepCallback done) {
  return impl_->start(request, deadline, std::move(done));
}

asio::awaitable<CallResult> CustomerClient::call(StepRequest request, std::chrono::milliseconds deadline,
                                                 CallHandle* handle) {
  // The initiation is a named local capturing only trivially destructible
  // values: g++ 12 destroys some temporaries of a co_await expression twice,
  // which a captured shared_ptr does not survive.
  auto keep_alive = impl_;
  detail::ClientImpl* impl = keep_alive.get();
  const StepRequest* req = &request;
  auto initiation = [impl, req, deadline, handle](auto handler) {
    // StepCallback is a std::function and needs a copyable target; the
    // coroutine's handler is move-only.
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    CallHandle h = impl->start(*req, deadline, [shared](CallResult r) { (*shared)(std::move(r)); });
    if (handle) *handle = h;
  };
  CallResult result =
      co_await asio::async_initiate<decltype(asio::use_awaitable), void(CallResult)>(initiation, asio::use_awaitable);
  co_return result;
}

CustomerClientStats CustomerClient::stats() const { return impl_->stats(); }
const CustomerClientConfig& CustomerClient::config() const { return impl_->config(); }

}  // namespace ussdgw::relay
