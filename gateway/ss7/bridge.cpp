#include "gateway/ss7/bridge.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace ussdgw::ss7::detail {

Bridge::Bridge(std::size_t max_out) : max_outbound(max_out) {
  outbound_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  inbound_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (outbound_fd < 0 || inbound_fd < 0) {
    if (outbound_fd >= 0) ::close(outbound_fd);
    if (inbound_fd >= 0) ::close(inbound_fd);
    throw std::runtime_error("ss7 bridge: eventfd failed");
  }
}

Bridge::~Bridge() {
  ::close(outbound_fd);
  ::close(inbound_fd);
}

void Bridge::signal(int fd) {
  std::uint64_t one = 1;
  // An eventfd write only fails when the counter would overflow, which
  // cannot happen with one write per empty->non-empty transition.
  while (::write(fd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

void Bridge::consume(int fd) {
  std::uint64_t n;
  while (::read(fd, &n, sizeof n) < 0 && errno == EINTR) {
  }
}

bool Bridge::push_outbound(Unitdata&& u) {
  bool was_empty;
  {
    std::lock_guard lk(out_mu);
    if (out_q.size() >= max_outbound) return false;
    was_empty = out_q.empty();
    out_q.push_back(std::move(u));
    out_depth.store(out_q.size(), std::memory_order_relaxed);
  }
  if (was_empty) signal(outbound_fd);
  return true;
}

std::deque<Unitdata> Bridge::take_outbound() {
  std::deque<Unitdata> batch;
  std::lock_guard lk(out_mu);
  batch.swap(out_q);
  out_depth.store(0, std::memory_order_relaxed);
  return batch;
}

void Bridge::push_inbound(Event&& e) {
  bool was_empty;
  {
    std::lock_guard lk(in_mu);
    was_empty = in_q.empty();
    in_q.push_back(std::move(e));
    in_depth.store(in_q.size(), std::memory_order_relaxed);
  }
  if (was_empty) signal(inbound_fd);
}

std::deque<Event> Bridge::take_inbound() {
  std::deque<Event> batch;
  std::lock_guard lk(in_mu);
  batch.swap(in_q);
  in_depth.store(0, std::memory_order_relaxed);
  return batch;
}

}  // namespace ussdgw::ss7::detail
