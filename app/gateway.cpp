#include "app/gateway.h"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "app/wiring.h"
#include "gateway/ss7/endpoint.h"
#include "storage/batch_flusher.h"
#include "storage/sqlite_session_store.h"
#include "ussdgw/asio_clock.h"
#include "ussdgw/log.h"

namespace ussdgw::gateway {
namespace {

using Clock = std::chrono::steady_clock;

ss7::OsmoLogLevel log_level(const std::string& s) {
  if (s == "debug") return ss7::OsmoLogLevel::kDebug;
  if (s == "info") return ss7::OsmoLogLevel::kInfo;
  if (s == "notice") return ss7::OsmoLogLevel::kNotice;
  if (s == "fatal") return ss7::OsmoLogLevel::kFatal;
  return ss7::OsmoLogLevel::kError;
}

}  // namespace

ss7::EndpointConfig endpoint_config(const config::Ss7& c) {
  ss7::EndpointConfig e;
  switch (c.mode) {
    case config::Ss7Mode::IpaClient: e.transport = ss7::Transport::kIpaClient; break;
    case config::Ss7Mode::M3uaClient: e.transport = ss7::Transport::kM3uaClient; break;
    case config::Ss7Mode::IpaServer: e.transport = ss7::Transport::kIpaServer; break;
  }
  e.name = c.asp_name;
  e.remote_host = c.remote.host;
  e.remote_port = c.remote.port;
  e.local_host = c.local.host;
  e.local_port = c.local.port;
  e.own_pc = c.point_code;
  if (c.next_hop_point_code) e.next_hop_pc = *c.next_hop_point_code;
  e.routing_context = c.routing_context;
  e.own_gt.digits.assign(c.global_title);
  e.ssns.clear();
  for (auto s : c.ssns) e.ssns.push_back(ss7::Ssn{s});
  e.reply_routing = c.reply_routing == "gt" ? ss7::ReplyRouting::kGtViaNextHop : ss7::ReplyRouting::kSsnWithNextHopPc;
  e.calling_includes_pc = c.calling_includes_pc;
  e.accept_gt_routed_to_local = c.accept_gt_routed_to_local;
  e.local_gt_prefixes = c.local_gt_prefixes;
  e.peer_name = c.peer_name;
  e.peer_pc = c.peer_point_code;
  e.reconnect_interval = std::chrono::duration_cast<std::chrono::seconds>(c.reconnect_interval);
  e.max_outbound_queue = c.max_outbound_queue;
  e.osmo_log_level = log_level(c.osmo_log_level);
  e.reassembly.timeout = c.reassembly_timeout;
  e.reassembly.max_held_bytes = c.reassembly_max_bytes;
  e.reassembly.max_partials = c.reassembly_max_messages;
  return e;
}

dialogue::Config dialogue_config(const config::Config& c) {
  const config::Tcap& t = c.tcap;
  dialogue::Config d;
  d.max_dialogues = t.max_dialogues;
  d.idle_timeout = t.dialogue_idle_timeout;
  d.invoke_timeout = t.invoke_timeout;
  d.shutdown_grace = t.shutdown_grace;
  d.tid_quarantine = t.tid_quarantine;
  d.instance = c.instance.number;
  return d;
}

storage::SqliteStoreOptions store_options(const config::Config& c) {
  storage::SqliteStoreOptions so;
  so.path = c.storage.path;
  so.batch_records = c.storage.batch_records;
  so.max_pending = c.storage.max_pending;
  so.retention = c.storage.retention;
  so.instance = c.instance.name;
  return so;
}

ussd::ServiceConfig ussd_config(const config::Config& c) {
  ussd::ServiceConfig s;
  s.ussd.step_deadline = c.ussd.step_deadline;
  s.ussd.busy_text = c.ussd.busy_text;
  s.ussd.default_customer = c.ussd.default_customer;
  s.ussd.no_route_error = c.ussd.no_route_error;
  for (const config::Customer& cu : c.customers) {
    ussd::CustomerConfig u;
    u.id = cu.id;
    u.step_deadline = cu.step_deadline;
    u.fallback.text = cu.fallback.text;
    u.fallback.map_error = cu.fallback.map_error;
    relay::CustomerClientConfig& ch = u.channel;
    ch.customer = CustomerId{cu.id};
    ch.url = cu.url;
    ch.secret = cu.secret;
    ch.max_connections = cu.max_connections;
    ch.max_queue = cu.max_queue;
    ch.idle_timeout = cu.idle_timeout;
    if (cu.tls) {
      ch.tls_ca_file = cu.tls->ca_file;
      ch.tls_server_name = cu.tls->server_name;
    }
    s.customers.push_back(std::move(u));
  }
  for (const config::Route& r : c.routes) s.routes.push_back(ussd::RouteConfig{r.customer, r.service_code, r.imsi_prefix});
  return s;
}

namespace {


// Deletes records past the retention period on its own thread, so a large
// purge never stalls the event loop (the store serialises database access).
class Housekeeper {
 public:
  // The store logs what it purged and any failure (module "store").
  Housekeeper(storage::SessionStore& store, std::chrono::milliseconds every)
      : thread_([this, &store, every] {
          std::unique_lock lock(m_);
          while (!stop_) {
            (void)store.purge_expired();
            cv_.wait_for(lock, every, [this] { return stop_; });
          }
        }) {}
  ~Housekeeper() {
    {
      std::lock_guard lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

struct Gateway::Impl {
  boost::asio::io_context& io;
  AsioClock clock;  // the time of the layer, the service and the relay
  config::Config cfg;
  std::unique_ptr<storage::SqliteSessionStore> store;
  std::unique_ptr<storage::BatchFlusher> flusher;
  std::unique_ptr<Housekeeper> housekeeper;
  std::unique_ptr<ss7::Endpoint> endpoint;
  std::unique_ptr<dialogue::DialogueLayer> layer;
  std::unique_ptr<ussd::Service> service;
  bool stopping = false;

  Impl(boost::asio::io_context& i, const config::Config& c) : io(i), clock(i), cfg(c) {}
};

Expected<std::unique_ptr<Gateway>, std::string> Gateway::create(boost::asio::io_context& io,
                                                                       const config::Config& cfg) {
  auto impl = std::make_unique<Impl>(io, cfg);
  try {
    impl->store = std::make_unique<storage::SqliteSessionStore>(store_options(cfg));
  } catch (const std::exception& e) {
    return std::string("storage.path: ") + cfg.storage.path + ": " + e.what();
  }
  // The store logs records it could not write itself (module "store").
  impl->flusher = std::make_unique<storage::BatchFlusher>(*impl->store, cfg.storage.flush_interval);
  // A burst of `storage.batch_records` records is written at once rather
  // than after the flush interval (notify() only wakes the flusher thread).
  impl->store->set_batch_ready_callback([f = impl->flusher.get()] { f->notify(); });
  impl->housekeeper = std::make_unique<Housekeeper>(*impl->store, cfg.storage.purge_interval);

  Impl* raw = impl.get();
  impl->layer = std::make_unique<dialogue::DialogueLayer>(
      impl->clock, dialogue_config(cfg), [raw](ss7::Unitdata&& u) {
        // With the link down the endpoint would queue the message and drop
        // it on the SS7 thread (tx_dropped), and the layer would believe it
        // sent: refuse it here, so the USSD service records not_sent. (The
        // link can still go down between this check and the write; that
        // window is the endpoint queue's depth.)
        if (!raw->endpoint->link_up()) return false;
        return raw->endpoint->send(std::move(u));
      });

  auto ecfg = endpoint_config(cfg.ss7);
  ss7::Endpoint::Handlers h;
  h.on_unitdata = [raw](ss7::Unitdata&& u) { raw->layer->on_unitdata(std::move(u)); };
  h.on_notice = [raw](ss7::Notice&& n) { raw->layer->on_notice(std::move(n)); };
  h.on_link = [](const ss7::LinkEvent& e) {
    if (e.up)
      log::notice("ss7", "-", "Link up");
    else
      log::error("ss7", "-", "Link down", "answers are refused and recorded not_sent until it is back");
  };
  impl->endpoint = std::make_unique<ss7::Endpoint>(io, ecfg, std::move(h));

  // Session ids go to customers as Idempotency-Keys: with an instance name
  // they carry it, so instances that do not share a database (whose session
  // numbers would repeat) never send a customer the same key.
  ussd::ServiceOptions so;
  if (!cfg.instance.name.empty()) so.session_prefix = cfg.instance.name + "-";
  auto svc = ussd::Service::create(io, impl->clock, ussd_config(cfg), *impl->layer, *impl->store, std::move(so));
  if (!svc) return svc.error();
  impl->service = std::move(svc).value();
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() {
  if (!impl_) return;
  // Order: nothing may reach the service after it is gone, and the store
  // outlives everyone who writes to it.
  if (impl_->endpoint) impl_->endpoint->stop();
  impl_->service.reset();
  impl_->layer.reset();
  impl_->endpoint.reset();
  impl_->housekeeper.reset();
  if (impl_->store) impl_->store->set_batch_ready_callback({});  // before the flusher it names goes
  impl_->flusher.reset();  // final flush
  impl_->store.reset();
}

Expected<bool, std::string> Gateway::start() {
  auto st = impl_->endpoint->start();
  if (!st.ok()) return "ss7: " + st.error();
  return true;
}

void Gateway::shutdown(std::function<void()> done) {
  if (impl_->stopping) return;
  impl_->stopping = true;
  Impl* raw = impl_.get();
  impl_->service->shutdown([raw, done = std::move(done)]() mutable {
    // The last answers may still sit in the endpoint's queue to the SS7
    // thread: stopping now would discard them. Wait until it is empty (or
    // the link is down, when nothing can leave anyway), at most 1 s.
    auto timer = std::make_shared<boost::asio::steady_timer>(raw->io);
    auto give_up = Clock::now() + std::chrono::seconds(1);
    auto step = std::make_shared<std::function<void()>>();
    *step = [raw, timer, give_up, step, done = std::move(done)]() mutable {
      auto c = raw->endpoint->counters();
      if (c.outbound_queue_depth > 0 && raw->endpoint->link_up() && Clock::now() < give_up) {
        timer->expires_after(std::chrono::milliseconds(5));
        timer->async_wait([step](const boost::system::error_code&) { (*step)(); });
        return;
      }
      // Give the SS7 thread a moment to write what it took off the queue.
      timer->expires_after(std::chrono::milliseconds(50));
      timer->async_wait([raw, step, done = std::move(done)](const boost::system::error_code&) mutable {
        raw->endpoint->stop();
        raw->store->flush();
        *step = nullptr;  // breaks the self-reference
        if (done) done();
      });
    };
    (*step)();
  });
}

GatewayStats Gateway::stats() const {
  GatewayStats s;
  s.ss7 = impl_->endpoint->counters();
  s.tcap = impl_->layer->stats();
  s.ussd = impl_->service->stats();
  s.link_up = impl_->endpoint->link_up();
  return s;
}

std::string to_string(const GatewayStats& s) {
  std::ostringstream o;
  o << "link=" << (s.link_up ? "up" : "down") << " rx=" << s.ss7.rx_unitdata << " tx=" << s.ss7.tx_unitdata
    << " tx_dropped=" << s.ss7.tx_dropped << " begins=" << s.tcap.begins << " busy=" << s.tcap.begins_busy
    << " open=" << s.tcap.open << " ac_refused=" << s.tcap.ac_refused << " aborts_in=" << s.tcap.aborts_in
    << " timeouts=" << (s.tcap.idle_timeouts + s.tcap.invoke_timeouts) << " steps=" << s.ussd.steps
    << " replies=" << s.ussd.replies << " prompts=" << s.ussd.prompts << " fallbacks=" << s.ussd.fallbacks
    << " refused=" << s.ussd.refused << " aborted=" << s.ussd.aborted << " not_sent=" << s.ussd.not_sent;
  return o.str();
}

}  // namespace ussdgw::gateway
