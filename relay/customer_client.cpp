#include "relay/customer_client.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <vector>

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/intrusive/list.hpp>
#include <boost/intrusive/set.hpp>
#include <openssl/ssl.h>

#include "relay/customer_url.h"
#include "relay/http_response.h"
#include "relay/signature.h"
#include "ussdgw/log.h"

namespace ussdgw::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace bi = boost::intrusive;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using SteadyTime = Clock::SteadyTime;

namespace detail {

namespace {

auto use_awaitable_ec(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

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

template <class Int>
void append_number(std::string& out, Int v) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
  out.append(digits, static_cast<std::size_t>(end - digits));
}

}  // namespace

struct Call;

// One TCP (or TLS over TCP) connection to the customer. The object is also the
// pool slot: it counts against max_connections from the moment a call may
// open it until the pool gives the slot up, even while its socket is closed.
// Everything a call needs to run (timer, buffers, response storage) lives
// here and is reused by every call the connection carries.
class Connection {
 public:
  Connection(asio::io_context& ioc, Clock& clock, ssl::context* tls)
      : ioc_(ioc), tls_ctx_(tls), plain_(ioc), timer(clock.make_timer()) {
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

  template <class Buffers>
  asio::awaitable<void> write(const Buffers& b, error_code& ec) {
    if (tls_) co_await asio::async_write(*tls_, b, use_awaitable_ec(ec));
    else co_await asio::async_write(plain_, b, use_awaitable_ec(ec));
  }
  asio::awaitable<void> read(ResponseParser& p, error_code& ec) {
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
  // The deadline of the call being served, or the idle timeout while parked.
  std::unique_ptr<Timer> timer;
  std::string head;  // the per-call header lines of the current request
  Response response;
  std::shared_ptr<Call> call;    // being served, so abort() and stop() can reach it
  std::uint64_t idle_epoch = 0;  // bumped on entering and leaving the idle list
  bool used = false;             // has carried an exchange since it was connected
};

// One relay call. While it waits for a connection it holds only what the
// request needs (the encoded body and its key), the callback and the
// deadline; the queue's ordering hooks are intrusive, so queueing allocates
// nothing. Timers, buffers and the coroutine belong to the connection.
struct Call final : PendingCall {
  void cancel() override;

  std::weak_ptr<ClientImpl> owner;
  std::string body;  // JSON, encoded once; signed when the call starts on a connection
  std::string key;   // Idempotency-Key
  ReplyCallback done;
  SteadyTime deadline;
  std::chrono::milliseconds budget{0};  // the deadline as given, for the failure reason
  Connection* conn = nullptr;           // serving it, so abort() can close it
  std::shared_ptr<Call> queued_ref;     // the queue's ownership while it waits
  bi::list_member_hook<> fifo_hook;
  bi::set_member_hook<> deadline_hook;
  bool completed = false;  // the caller has been (or is about to be) told the outcome
  bool queued() const { return queued_ref != nullptr; }
};

namespace {
struct EarlierDeadline {
  bool operator()(const Call& a, const Call& b) const { return a.deadline < b.deadline; }
};
using Fifo = bi::list<Call, bi::member_hook<Call, bi::list_member_hook<>, &Call::fifo_hook>,
                      bi::constant_time_size<true>>;
using ByDeadline = bi::multiset<Call, bi::member_hook<Call, bi::set_member_hook<>, &Call::deadline_hook>,
                                bi::compare<EarlierDeadline>>;
}  // namespace

// What one request/response exchange on a connection ended with.
struct Exchange {
  ReplyResult result = RelayFailure{};
  bool reusable = false;  // the response was complete and keep-alive
  bool stale = false;     // a reused connection died before answering: retry on a fresh one
};

class ClientImpl : public std::enable_shared_from_this<ClientImpl> {
 public:
  ClientImpl(asio::io_context& ioc, Clock& clock, CustomerClientConfig cfg, CustomerUrl url,
             std::unique_ptr<ssl::context> tls)
      : ioc_(ioc),
        clock_(clock),
        cfg_(std::move(cfg)),
        url_(std::move(url)),
        tls_(std::move(tls)),
        signer_(cfg_.secret),
        port_(std::to_string(url_.port)),
        queue_timer_(clock.make_timer()) {
    server_name_ = cfg_.tls_server_name.empty() ? url_.host : cfg_.tls_server_name;
    // The constant part of every request, in the order Beast used to write it.
    prefix_ = "POST " + url_.target + " HTTP/1.1\r\nHost: " + url_.host_header() +
              "\r\nUser-Agent: ussdgw-relay/1\r\nContent-Type: application/json\r\nAccept: application/json\r\n";
    error_code ec;
    auto literal = asio::ip::make_address(url_.host, ec);
    if (!ec) {
      // Tunnel addresses are IP literals: no resolver round trip for them, ever.
      literal_ = true;
      endpoints_ = std::make_shared<const std::vector<tcp::endpoint>>(1, tcp::endpoint(literal, url_.port));
    }
    busy_.reserve(cfg_.max_connections);
  }

  CallHandle start(CustomerRequest req, std::chrono::milliseconds deadline, ReplyCallback done);
  void abort(Call& call, RelayFailure why);
  void stop();
  CustomerClientStats stats() const {
    std::size_t serving = 0;
    for (const Connection* c : busy_)
      if (c->call) ++serving;
    return {open_,          idle_.size(),   waiters_.size(), waiters_.size() + serving,
            opened_total_, stale_retries_, resolutions_};
  }
  const CustomerClientConfig& config() const { return cfg_; }

 private:
  // Gives the connection (or only its slot) back when the serving coroutine
  // ends, on every path including exceptions.
  struct Worker {
    ClientImpl* pool;
    std::shared_ptr<Connection> conn;
    ~Worker() { pool->worker_done(std::move(conn)); }
  };

  void spawn(std::shared_ptr<Connection> conn, std::shared_ptr<Call> call);
  asio::awaitable<void> serve(std::shared_ptr<Connection> conn, std::shared_ptr<Call> call);
  asio::awaitable<bool> run(Connection& conn, Call& call);
  asio::awaitable<std::optional<RelayFailure>> connect(Call& call, Connection& conn);
  asio::awaitable<Exchange> exchange(Call& call, Connection& conn);
  void write_head(Connection& conn, const Call& call);
  void arm_deadline(Connection& conn);
  void complete(Call& call, ReplyResult result);
  static RelayFailure timeout(const Call& call);

  void enqueue(std::shared_ptr<Call> call);
  std::shared_ptr<Call> unqueue(Call& call);
  std::shared_ptr<Call> next_waiter();
  void arm_queue_timer(SteadyTime at);
  void expire_queued();

  void worker_done(std::shared_ptr<Connection> conn);
  void park(std::shared_ptr<Connection> conn);
  void leave_idle(Connection& conn);
  void drop_idle(const std::shared_ptr<Connection>& conn, std::uint64_t epoch);

  asio::io_context& ioc_;
  Clock& clock_;
  CustomerClientConfig cfg_;
  CustomerUrl url_;
  std::unique_ptr<ssl::context> tls_;
  RequestSigner signer_;
  std::string server_name_;
  std::string prefix_;  // request line and the constant header fields
  std::string port_;
  bool literal_ = false;
  // Where the customer is: set at construction for an IP literal, else by the
  // first connect; dropped after a connect failure so the next one resolves
  // again. Shared so a connect in progress keeps its copy.
  std::shared_ptr<const std::vector<tcp::endpoint>> endpoints_;

  std::size_t open_ = 0;  // connection slots in use: idle + busy + connecting
  std::uint64_t opened_total_ = 0;
  std::uint64_t stale_retries_ = 0;
  std::uint64_t resolutions_ = 0;
  std::vector<std::shared_ptr<Connection>> idle_;  // most recently used at the back
  std::vector<Connection*> busy_;                  // slots with a serving coroutine
  Fifo waiters_;                                   // served in arrival order
  ByDeadline by_deadline_;                         // the same calls, earliest deadline first
  std::unique_ptr<Timer> queue_timer_;             // fires at the earliest queued deadline
  SteadyTime queue_timer_at_ = SteadyTime::max();
  bool stopped_ = false;
};

CallHandle ClientImpl::start(CustomerRequest req, std::chrono::milliseconds deadline, ReplyCallback done) {
  auto tell = [this](ReplyCallback& cb, RelayFailure f) {
    // Always through the event loop: the caller is inside start().
    if (cb) asio::post(ioc_, [cb = std::move(cb), r = ReplyResult(std::move(f))]() mutable { cb(std::move(r)); });
  };
  if (stopped_) {
    tell(done, failure(FailureKind::Cancelled, "client is shut down"));
    return CallHandle();
  }
  std::shared_ptr<Connection> conn;
  if (!idle_.empty()) {
    conn = std::move(idle_.back());
    idle_.pop_back();
    leave_idle(*conn);
  } else if (open_ < cfg_.max_connections) {
    ++open_;
    conn = std::make_shared<Connection>(ioc_, clock_, tls_.get());
  } else if (waiters_.size() >= cfg_.max_queue) {
    tell(done, failure(FailureKind::QueueFull, "all " + std::to_string(cfg_.max_connections) +
                                                   " connections busy and " + std::to_string(cfg_.max_queue) +
                                                   " calls already waiting"));
    return CallHandle();
  }

  auto call = std::make_shared<Call>();
  call->owner = weak_from_this();
  call->done = std::move(done);
  call->body = std::move(req.body);
  call->key = std::move(req.idempotency_key);
  call->deadline = clock_.now() + deadline;
  call->budget = deadline;
  CallHandle handle{std::weak_ptr<PendingCall>(call)};
  if (conn) spawn(std::move(conn), std::move(call));
  else enqueue(std::move(call));
  return handle;
}

void ClientImpl::spawn(std::shared_ptr<Connection> conn, std::shared_ptr<Call> call) {
  busy_.push_back(conn.get());
  conn->call = std::move(call);
  // Nothing in serve() should throw (errors travel as error_code); if it did
  // anyway (bad_alloc), Worker fails the call being served and frees the slot.
  asio::co_spawn(ioc_, serve(std::move(conn), nullptr), [](const std::exception_ptr&) {});
}

// A connection's working life: serve the call it was started for, then the
// queued ones in arrival order, until the queue is empty; then park the
// connection (or give up the slot). The deadline and the cancel handle act
// from outside through abort(), which closes whatever the coroutine waits on;
// every co_await is therefore followed by a check of call.completed.
asio::awaitable<void> ClientImpl::serve(std::shared_ptr<Connection> conn, std::shared_ptr<Call> call) {
  auto self = shared_from_this();
  Worker worker{this, conn};
  call = conn->call;  // set by spawn()
  while (call) {
    if (!call->completed) {
      conn->call = call;
      call->conn = conn.get();
      arm_deadline(*conn);
      const bool reusable = co_await run(*conn, *call);
      conn->timer->cancel();
      call->conn = nullptr;
      if (!reusable) conn->reset();
    }
    conn->call.reset();
    call = stopped_ ? nullptr : next_waiter();
  }
}

// One call on its connection: (re)connect if needed, send, wait for the
// answer. Completes the call; says whether the connection can carry another.
asio::awaitable<bool> ClientImpl::run(Connection& conn, Call& call) {
  // Signed once: a retry on a fresh connection resends the very same octets.
  write_head(conn, call);
  // A kept-alive connection may have been closed by the customer just as it
  // was reused. The request is idempotent (Idempotency-Key), so that earns
  // exactly one more try on a fresh connection, inside the same deadline.
  Exchange x;
  for (int attempt = 0;; ++attempt) {
    if (!conn.is_open()) {
      auto failed = co_await connect(call, conn);
      if (failed) {
        x.result = std::move(*failed);
        break;
      }
    }
    x = co_await exchange(call, conn);
    // Retry only what is safe: the request never reached a customer that
    // was still there (a stale keep-alive connection), and only once.
    if (!x.stale || attempt > 0 || call.completed) break;
    ++stale_retries_;
    conn.reset();
  }
  const bool reusable = x.reusable && !call.completed;
  if (x.stale) x.result = failure(FailureKind::ConnectionLost, "customer closed the connection without answering");
  complete(call, std::move(x.result));
  co_return reusable;
}

void ClientImpl::write_head(Connection& conn, const Call& call) {
  char ts[24];
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(clock_.wall_now().time_since_epoch()).count();
  auto [ts_end, ts_ec] = std::to_chars(ts, ts + sizeof ts, secs);
  const std::string_view timestamp(ts, static_cast<std::size_t>(ts_end - ts));
  std::string& h = conn.head;
  h.clear();
  h += "Idempotency-Key: ";
  h += call.key;
  h += "\r\nX-Ussdgw-Timestamp: ";
  h += timestamp;
  h += "\r\nX-Ussdgw-Signature: ";
  signer_.append_signature(h, timestamp, call.body);
  h += "\r\nContent-Length: ";
  append_number(h, call.body.size());
  h += "\r\n\r\n";
}

void ClientImpl::arm_deadline(Connection& conn) {
  // Cancelled when the call finishes first. The timer belongs to the
  // connection, so its callback never runs after the connection is gone, and
  // the connection serves this call until the timer is cancelled: a plain
  // pointer is enough (and keeps the callback allocation-free).
  conn.timer->arm(conn.call->deadline, [c = &conn] {
    std::shared_ptr<Call> served = c->call;
    if (!served || served->completed) return;
    if (auto owner = served->owner.lock()) owner->abort(*served, timeout(*served));
  });
}

RelayFailure ClientImpl::timeout(const Call& call) {
  return failure(FailureKind::Timeout, "no answer within " + std::to_string(call.budget.count()) + " ms");
}

asio::awaitable<std::optional<RelayFailure>> ClientImpl::connect(Call& call, Connection& conn) {
  static const RelayFailure kAborted = failure(FailureKind::Cancelled, "aborted");
  ++opened_total_;
  error_code ec;
  auto endpoints = endpoints_;
  if (!endpoints) {
    ++resolutions_;
    tcp::resolver resolver(ioc_);
    auto results = co_await resolver.async_resolve(url_.host, port_, use_awaitable_ec(ec));
    if (call.completed) co_return kAborted;
    if (ec) co_return failure(FailureKind::ConnectFailed, "resolving " + url_.host + ": " + ec.message());
    auto list = std::make_shared<std::vector<tcp::endpoint>>();
    for (const auto& entry : results) list->push_back(entry.endpoint());
    endpoints = std::move(list);
    endpoints_ = endpoints;
  }

  // The tunnel check goes here (issue: customer reachability through its
  // IPsec tunnel): before any connect, ask whether the customer's tunnel is
  // up and fail at once with ConnectFailed ("tunnel down") instead of
  // waiting for a connect that cannot succeed.
  std::string tried;
  ec = asio::error::host_not_found;
  for (const auto& ep : *endpoints) {
    conn.close();
    co_await conn.socket().async_connect(ep, use_awaitable_ec(ec));
    if (call.completed) co_return kAborted;
    if (!ec) break;
    tried += (tried.empty() ? "" : ", ") + ep.address().to_string() + ":" + std::to_string(ep.port()) + " (" +
             ec.message() + ")";
  }
  if (ec) {
    conn.close();
    // The name may point elsewhere by now: look it up again next time.
    if (!literal_ && endpoints_ == endpoints) endpoints_.reset();
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
  // Request line and constant fields (per client), this call's fields (per
  // connection buffer), body (the call's): one gathered write, no copies.
  const std::array<asio::const_buffer, 3> request{asio::buffer(prefix_), asio::buffer(conn.head),
                                                  asio::buffer(call.body)};
  co_await conn.write(request, ec);
  if (call.completed) co_return x;
  if (ec) {
    if (reused) x.stale = true;
    else x.result = failure(FailureKind::ConnectionLost, "sending request: " + ec.message());
    co_return x;
  }

  // Interim responses (1xx, RFC 9110 §15.2, e.g. 100 Continue) are not the
  // answer: read on until the final one, within the same deadline.
  bool got_some = false;
  for (int interim = 0;; ++interim) {
    ResponseParser parser(conn.response);
    co_await conn.read(parser, ec);
    if (call.completed) co_return x;
    got_some = got_some || parser.got_some();
    if (ec) {
      if (reused && !got_some && is_disconnect(ec)) x.stale = true;
      else x.result = read_failure(ec);
      co_return x;
    }
    if (!is_interim(conn.response)) {
      x.reusable = parser.keep_alive();
      break;
    }
    if (interim + 1 >= kMaxInterimResponses) {
      x.result = failure(FailureKind::BadResponse,
                         "more than " + std::to_string(kMaxInterimResponses) + " interim responses", conn.response.status);
      co_return x;
    }
  }
  x.result = classify_response(conn.response);
  co_return x;
}

void ClientImpl::complete(Call& call, ReplyResult result) {
  if (call.completed) return;
  call.completed = true;
  if (!call.done) return;
  // Always through the event loop: the caller may be inside cancel() or
  // start() and must not be re-entered.
  asio::post(ioc_, [done = std::move(call.done), r = std::move(result)]() mutable { done(std::move(r)); });
}

void ClientImpl::abort(Call& call, RelayFailure why) {
  if (call.completed) return;
  complete(call, std::move(why));
  // Keeps the call alive until the end of this function when the queue held
  // its last reference.
  std::shared_ptr<Call> queued;
  if (call.queued()) queued = unqueue(call);
  // The serving coroutine wakes up with operation_aborted and carries on
  // with the next call; the socket is closed now, not when it gets there.
  if (call.conn) call.conn->close();
}

void ClientImpl::enqueue(std::shared_ptr<Call> call) {
  Call& c = *call;
  c.queued_ref = std::move(call);
  waiters_.push_back(c);
  by_deadline_.insert(c);
  if (c.deadline < queue_timer_at_) arm_queue_timer(c.deadline);
}

std::shared_ptr<Call> ClientImpl::unqueue(Call& call) {
  waiters_.erase(waiters_.iterator_to(call));
  by_deadline_.erase(by_deadline_.iterator_to(call));
  return std::move(call.queued_ref);
}

// The first waiter whose deadline has not passed; the ones that have are
// failed on the way (the queue timer may not have run yet).
std::shared_ptr<Call> ClientImpl::next_waiter() {
  while (!waiters_.empty()) {
    auto call = unqueue(waiters_.front());
    if (call->deadline > clock_.now()) return call;
    complete(*call, timeout(*call));
  }
  return nullptr;
}

// One timer for the whole queue, set to the earliest deadline in it. When the
// call it was set for leaves the queue early the timer is left alone: it
// fires, finds nothing due and moves on to the next deadline.
void ClientImpl::arm_queue_timer(SteadyTime at) {
  queue_timer_at_ = at;
  // Re-arming replaces an earlier deadline; stop() cancels. The timer is
  // ours, so the callback never runs after we are gone.
  queue_timer_->arm(at, [this] { expire_queued(); });
}

void ClientImpl::expire_queued() {
  queue_timer_at_ = SteadyTime::max();
  const auto now = clock_.now();
  while (!by_deadline_.empty() && by_deadline_.begin()->deadline <= now) {
    auto call = unqueue(*by_deadline_.begin());
    complete(*call, timeout(*call));
  }
  if (!by_deadline_.empty() && !stopped_) arm_queue_timer(by_deadline_.begin()->deadline);
}

// The serving coroutine has ended (queue empty, shut down, or an exception):
// park the connection or give its slot up.
void ClientImpl::worker_done(std::shared_ptr<Connection> conn) {
  if (auto call = std::move(conn->call)) {
    // Only on an exception out of serve(): the caller must still hear about its call.
    call->conn = nullptr;
    if (!call->completed) {
      conn->reset();
      complete(*call, failure(FailureKind::ConnectionLost, "internal error"));
    }
  }
  busy_.erase(std::find(busy_.begin(), busy_.end(), conn.get()));
  if (stopped_) {
    conn->close();
    --open_;
    return;
  }
  // Normally the queue is empty here; after an exception it may not be.
  if (auto next = next_waiter()) {
    spawn(std::move(conn), std::move(next));
    return;
  }
  if (conn->is_open()) park(std::move(conn));
  else --open_;
}

void ClientImpl::park(std::shared_ptr<Connection> conn) {
  const std::uint64_t epoch = ++conn->idle_epoch;
  idle_.push_back(conn);
  std::weak_ptr<ClientImpl> weak = weak_from_this();
  // Cancelled when a call takes the connection, or at shut down; the timer
  // is the connection's and the idle list ours, so plain pointers do.
  conn->timer->arm(clock_.now() + cfg_.idle_timeout, [this, c = conn.get()] {
    auto it = std::find_if(idle_.begin(), idle_.end(), [c](const auto& p) { return p.get() == c; });
    if (it == idle_.end()) return;
    std::shared_ptr<Connection> conn = *it;  // drop_idle erases the list's copy
    drop_idle(conn, conn->idle_epoch);
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
  conn.timer->cancel();
  error_code ignored;
  conn.socket().cancel(ignored);  // ends the readability watch
}

void ClientImpl::drop_idle(const std::shared_ptr<Connection>& conn, std::uint64_t epoch) {
  if (conn->idle_epoch != epoch) return;  // taken (and maybe parked again) since
  auto it = std::find(idle_.begin(), idle_.end(), conn);
  if (it == idle_.end()) return;
  idle_.erase(it);
  leave_idle(*conn);
  conn->reset();
  // A closed connection is still a slot: a waiting call may take it.
  if (auto next = next_waiter()) spawn(conn, std::move(next));
  else --open_;
}

void ClientImpl::stop() {
  if (stopped_) return;
  std::vector<std::shared_ptr<Call>> calls;
  for (Call& c : waiters_) calls.push_back(c.queued_ref);
  for (Connection* conn : busy_)
    if (conn->call) calls.push_back(conn->call);
  for (auto& c : calls) abort(*c, failure(FailureKind::Cancelled, "client shut down"));
  stopped_ = true;
  queue_timer_->cancel();
  for (auto& conn : idle_) {
    leave_idle(*conn);
    conn->close();
  }
  open_ -= idle_.size();
  idle_.clear();
}

void Call::cancel() {
  if (auto o = owner.lock()) o->abort(*this, RelayFailure{FailureKind::Cancelled, 0, "cancelled by caller"});
}

}  // namespace detail

CustomerClient::CustomerClient(std::shared_ptr<detail::ClientImpl> impl) : impl_(std::move(impl)) {}

CustomerClient::~CustomerClient() { impl_->stop(); }

Expected<std::unique_ptr<CustomerClient>, std::string> CustomerClient::create(asio::io_context& ioc, Clock& clock,
                                                                             CustomerClientConfig config) {
  auto url = parse_customer_url(config.url);
  if (!url) return "url '" + log::mask_url(config.url) + "': " + url.error();
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
  auto impl =
      std::make_shared<detail::ClientImpl>(ioc, clock, std::move(config), std::move(url.value()), std::move(tls));
  return std::unique_ptr<CustomerClient>(new CustomerClient(std::move(impl)));
}

CallHandle CustomerClient::send(CustomerRequest request, std::chrono::milliseconds deadline, ReplyCallback done) {
  return impl_->start(std::move(request), deadline, std::move(done));
}

const CustomerId& CustomerClient::customer() const { return impl_->config().customer; }

asio::awaitable<ReplyResult> CustomerClient::call(CustomerRequest request, std::chrono::milliseconds deadline,
                                                  CallHandle* handle) {
  // The initiation is a named local capturing only trivially destructible
  // values: g++ 12 destroys some temporaries of a co_await expression twice,
  // which a captured shared_ptr does not survive.
  auto keep_alive = impl_;
  detail::ClientImpl* impl = keep_alive.get();
  CustomerRequest* req = &request;
  auto initiation = [impl, req, deadline, handle](auto handler) {
    // ReplyCallback is a std::function and needs a copyable target; the
    // coroutine's handler is move-only.
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    CallHandle h = impl->start(std::move(*req), deadline, [shared](ReplyResult r) { (*shared)(std::move(r)); });
    if (handle) *handle = h;
  };
  ReplyResult result =
      co_await asio::async_initiate<decltype(asio::use_awaitable), void(ReplyResult)>(initiation, asio::use_awaitable);
  co_return result;
}

CustomerClientStats CustomerClient::stats() const { return impl_->stats(); }
const CustomerClientConfig& CustomerClient::config() const { return impl_->config(); }

}  // namespace ussdgw::relay
