#include "gateway/ss7/endpoint.h"

#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>

#include "gateway/ss7/addressing.h"
#include "gateway/ss7/bridge.h"
#include "gateway/ss7/loop.h"
#include "gateway/ss7/stack.h"

namespace ussdgw::ss7 {
namespace detail {

// Asio side of the inbound queue: waits on (a dup of) the inbound eventfd,
// then drains the whole queue and dispatches it on the io_context.
class InboxReader : public std::enable_shared_from_this<InboxReader> {
 public:
  InboxReader(boost::asio::io_context& io, std::shared_ptr<Bridge> bridge, Endpoint::Handlers handlers)
      : sd_(io), bridge_(std::move(bridge)), handlers_(std::move(handlers)) {
    int fd = ::dup(bridge_->inbound_fd);
    if (fd < 0) throw std::runtime_error("ss7 endpoint: dup failed");
    sd_.assign(fd);
  }
  void arm() {
    sd_.async_read_some(boost::asio::buffer(buf_),
                        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                          self->on_ready(ec);
                        });
  }
  void close() {
    closed_ = true;
    boost::system::error_code ec;
    sd_.close(ec);
  }

 private:
  void on_ready(const boost::system::error_code& ec) {
    if (ec || closed_) return;
    // The eventfd was read by async_read_some; only now take the queue.
    auto batch = bridge_->take_inbound();
    for (auto& ev : batch) {
      if (closed_) return;  // stop() from inside a handler
      dispatch(std::move(ev));
    }
    if (!closed_) arm();
  }
  void dispatch(Event&& ev) {
    if (auto* u = std::get_if<Unitdata>(&ev)) {
      if (handlers_.on_unitdata) handlers_.on_unitdata(std::move(*u));
    } else if (auto* n = std::get_if<Notice>(&ev)) {
      if (handlers_.on_notice) handlers_.on_notice(std::move(*n));
    } else if (auto* l = std::get_if<LinkEvent>(&ev)) {
      if (handlers_.on_link) handlers_.on_link(*l);
    }
  }

  boost::asio::posix::stream_descriptor sd_;
  std::shared_ptr<Bridge> bridge_;
  Endpoint::Handlers handlers_;
  std::array<std::uint8_t, 8> buf_{};
  bool closed_ = false;  // touched on the io_context thread (or with it stopped)
};

}  // namespace detail

Endpoint::Endpoint(boost::asio::io_context& io, EndpointConfig cfg, Handlers handlers)
    : io_(io), cfg_(std::move(cfg)), handlers_(std::move(handlers)) {}

Endpoint::~Endpoint() { stop(); }

Expected<Ok, std::string> Endpoint::start() {
  if (loop_) return std::string("endpoint already started");
  // `ussdgw run` has checked the config with the keys and lines (app/config_check.h).
  if (auto v = validate(cfg_); !v.ok()) return v.error().key + ": " + v.error().reason;

  bridge_ = std::make_shared<detail::Bridge>(cfg_.max_outbound_queue);
  reader_ = std::make_shared<detail::InboxReader>(io_, bridge_, handlers_);
  loop_ = detail::Loop::acquire(cfg_.osmo_log_level);

  const char* error = nullptr;
  loop_->run_sync([&] {
    stack_ = detail::Stack::create(cfg_, bridge_, loop_->next_instance_id(), &error);
  });
  if (!stack_) {
    reader_->close();
    reader_.reset();
    bridge_.reset();
    loop_.reset();
    return std::string(error ? error : "stack creation failed");
  }
  reader_->arm();
  return Ok{};
}

void Endpoint::stop() {
  if (!loop_) return;
  // First silence the producer (the SS7 thread), then the consumer.
  loop_->run_sync([this] { stack_.reset(); });
  reader_->close();
  reader_.reset();
  loop_.reset();  // joins the SS7 thread when we were its last user
  // bridge_ stays (counters remain readable); its fds close with it.
}

bool Endpoint::send(Unitdata u) {
  auto bridge = bridge_;
  if (!bridge || !loop_) return false;
  if (complete_outbound(u, cfg_) != nullptr) {
    bridge->ctr.tx_dropped_invalid.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (!bridge->push_outbound(std::move(u))) {
    bridge->ctr.tx_dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

Counters Endpoint::counters() const {
  Counters c;
  if (!bridge_) return c;
  auto& a = bridge_->ctr;
  auto ld = [](const std::atomic<std::uint64_t>& x) { return x.load(std::memory_order_relaxed); };
  c.rx_unitdata = ld(a.rx_unitdata);
  c.rx_notice = ld(a.rx_notice);
  c.rx_gt_routed_accepted = ld(a.rx_gt_routed_accepted);
  c.rx_reassembled = ld(a.rx_reassembled);
  c.rx_reassembly_failed = ld(a.rx_reassembly_failed);
  c.tx_xudts = ld(a.tx_xudts);
  c.tx_unitdata = ld(a.tx_unitdata);
  c.tx_dropped_link_down = ld(a.tx_dropped_link_down);
  c.tx_dropped_queue_full = ld(a.tx_dropped_queue_full);
  c.tx_dropped_invalid = ld(a.tx_dropped_invalid);
  c.tx_dropped = c.tx_dropped_link_down + c.tx_dropped_queue_full + c.tx_dropped_invalid;
  c.link_up_events = ld(a.link_up_events);
  c.link_down_events = ld(a.link_down_events);
  c.outbound_queue_depth = ld(bridge_->out_depth);
  c.inbound_queue_depth = ld(bridge_->in_depth);
  return c;
}

bool Endpoint::link_up() const { return bridge_ && bridge_->link_up.load(); }

}  // namespace ussdgw::ss7
