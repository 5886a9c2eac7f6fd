// The meeting point of the SS7 thread and the Asio side (DESIGN.md: "they
// meet through a queue and a wake-up fd, never through shared objects").
// Two mutex-protected queues, each with an eventfd that is written only on
// the empty -> non-empty transition, so a burst of 20k messages costs one
// wake-up per batch, not one per message. The consumer always reads the
// eventfd BEFORE taking the queue: an item pushed after the take re-signals.
// Internal to gateway/ss7.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>

#include "gateway/ss7/types.h"

namespace ussdgw::ss7::detail {

struct AtomicCounters {
  std::atomic<std::uint64_t> rx_unitdata{0}, rx_notice{0}, rx_gt_routed_accepted{0}, rx_reassembled{0},
      rx_reassembly_failed{0}, tx_xudts{0};
  std::atomic<std::uint64_t> tx_unitdata{0}, tx_dropped_link_down{0}, tx_dropped_queue_full{0},
      tx_dropped_invalid{0};
  std::atomic<std::uint64_t> link_up_events{0}, link_down_events{0};
};

struct Bridge {
  explicit Bridge(std::size_t max_outbound);
  ~Bridge();
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  // Any thread -> SS7 thread. False when the queue is full.
  bool push_outbound(Unitdata&& u);
  std::deque<Unitdata> take_outbound();
  // SS7 thread -> Asio side.
  void push_inbound(Event&& e);
  std::deque<Event> take_inbound();

  static void signal(int fd);
  static void consume(int fd);

  const std::size_t max_outbound;
  int outbound_fd = -1;  // eventfd, watched by the SS7 thread (osmo_fd)
  int inbound_fd = -1;   // eventfd, watched by Asio (through a dup)
  std::mutex out_mu;
  std::deque<Unitdata> out_q;
  std::atomic<std::uint64_t> out_depth{0};
  std::mutex in_mu;
  std::deque<Event> in_q;
  std::atomic<std::uint64_t> in_depth{0};
  AtomicCounters ctr;
  std::atomic<bool> link_up{false};
};

}  // namespace ussdgw::ss7::detail
