// The component sub-layer of the dialogue layer (Q.774 §3.2.2; Q.771 §2.3):
// invoke ids, the invoke state machines with their timers, and the Rejects
// waiting for the next message of a transaction. Per transaction state is
// kept in arrays indexed by the transaction table's slot.
//
// Neither side is assumed: invoke ids are allocated for whoever invokes
// (a responder's prompt, an initiator's first operation), and invoke timers
// come in classes, one duration each (Q.771 §2.3.1.3: the TC user gives the
// timer per operation; e.g. USSD prompts, and later MT-ForwardSM), each a
// sorted FIFO (deadline_queue.h).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "gateway/codec/tcap.h"
#include "gateway/tcap/deadline_queue.h"

namespace ussdgw::dialogue {

// Invokes of ours awaiting an answer in one transaction. USSD has at most one
// (an unstructuredSS-Request prompt); a few more cost little.
inline constexpr std::uint32_t kMaxPendingInvokes = 4;
// Rejects waiting for the next TC-CONTINUE/END (Q.774 §3.2.2.3).
inline constexpr std::uint32_t kMaxQueuedRejects = 4;

class ComponentSublayer {
 public:
  using Time = std::chrono::steady_clock::time_point;
  using TimerClass = std::uint8_t;

  // Adds an invoke timer class of duration `d`; returns its number.
  TimerClass add_timer_class(std::chrono::milliseconds d);
  // Grows the per-slot arrays to the transaction table's size.
  void grow_to(std::uint32_t slots);

  // A transaction starts in `slot`. `peer_invoke`: an invoke id of the peer
  // still open in it (the BEGIN's invoke), which ours must not take.
  void open(std::uint32_t slot, std::optional<tcap::InvokeId> peer_invoke);
  // It ends: its invoke timers stop and queued Rejects are dropped.
  void close(std::uint32_t slot);

  // An invoke id for a new invoke of ours: 1..127, distinct from the peer's
  // and from our outstanding ones (Q.774 §3.2.2.1); nullopt when
  // kMaxPendingInvokes are outstanding.
  std::optional<tcap::InvokeId> new_invoke_id(std::uint32_t slot);
  // Our invoke `id` left: its timer of class `c` runs from `now`. Returns
  // the deadline, for the owner's real timer. `id` must come from new_invoke_id().
  Time start_invoke(std::uint32_t slot, tcap::InvokeId id, TimerClass c, Time now);

  // A ReturnResult/ReturnError from the peer for `id`: false when it answers
  // no outstanding invoke of ours (the caller Rejects it, Q.774 §3.2.2.3);
  // the invoke ends with its last answer.
  bool answer(std::uint32_t slot, tcap::InvokeId id, bool last);
  // A Reject of our invoke `id` ends it (Q.774 §3.2.2.3).
  void rejected(std::uint32_t slot, tcap::InvokeId id);

  void queue_reject(std::uint32_t slot, const tcap::Reject& r);
  [[nodiscard]] std::uint32_t queued_rejects(std::uint32_t slot) const { return state_[slot].n_rejects; }
  // The components of the next message: the queued Rejects (now dequeued),
  // then `extra`. Valid until the next call.
  std::span<const tcap::Component> take(std::uint32_t slot, const tcap::Component* extra);

  // The earliest invoke deadline of all classes, or nullopt.
  [[nodiscard]] std::optional<Time> next_deadline() const;
  // A slot whose invoke timer fell due at `now` (that invoke is removed), or nullopt.
  std::optional<std::uint32_t> pop_expired(Time now);

  // State kept per transaction slot with `timer_classes` classes (the
  // queues' links included).
  [[nodiscard]] static constexpr std::size_t bytes_per_slot(std::size_t timer_classes);

 private:
  struct Pending {
    std::int8_t invoke_id = 0;
    TimerClass timer_class = 0;
    bool used = false;
  };
  struct State {
    std::array<Pending, kMaxPendingInvokes> pending{};
    std::array<tcap::Reject, kMaxQueuedRejects> rejects{};
    std::uint8_t n_rejects = 0;
    std::int8_t peer_invoke = 0;
    bool has_peer_invoke = false;
    std::int8_t next_invoke = 1;
  };
  struct Class {
    std::chrono::milliseconds duration{};
    DeadlineQueue queue;  // node = slot * kMaxPendingInvokes + k
  };
  static std::uint32_t node(std::uint32_t slot, std::uint32_t k) { return slot * kMaxPendingInvokes + k; }
  std::optional<std::uint32_t> find(std::uint32_t slot, tcap::InvokeId id) const;
  void stop(std::uint32_t slot, std::uint32_t k);

  ChunkedArray<State> state_;
  std::vector<Class> classes_;
  std::array<tcap::Component, kMaxQueuedRejects + 1> out_{};
};

constexpr std::size_t ComponentSublayer::bytes_per_slot(std::size_t timer_classes) {
  return sizeof(State) + timer_classes * kMaxPendingInvokes * DeadlineQueue::kBytesPerNode;
}

}  // namespace ussdgw::dialogue
