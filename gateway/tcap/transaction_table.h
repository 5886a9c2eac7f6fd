// The transaction sub-layer's table of local transaction ids (Q.774
// §3.2.1.1: a transaction id is allocated at TC-BEGIN, by either side, and
// freed when the transaction ends). Independent of the side that opened the
// transaction: a responder allocates on an incoming BEGIN, an initiator
// before it sends one.
//
// A LocalTid (ussdgw/ids.h) is, from the top bit down:
//   instance (4 bits) | generation | slot index (index_bits)
// so that a lookup is an index and one compare, a stale tid never matches a
// reused slot, and a tid never is 0. The instance number lets several
// gateways share one service address: a message whose dtid names another
// instance is that instance's (see DialogueLayer's unknown-dialogue path).
//
// A tid is not handed out again while a late message could still arrive for
// the transaction it named: a freed slot waits at the back of a FIFO for
// `quarantine` before it is reused (while the table can grow), and every
// reuse of a slot bumps its generation, so the tid value itself recurs only
// after 2^generation_bits reuses of that slot.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "gateway/tcap/deadline_queue.h"
#include "ussdgw/ids.h"

namespace ussdgw::dialogue {

struct TableConfig {
  std::uint32_t max_open = 20000;
  std::chrono::milliseconds quarantine{2000};
  std::uint8_t instance = 0;  // 0..15, LocalTid::kInstanceBits
};

class TransactionTable {
 public:
  using Time = std::chrono::steady_clock::time_point;
  explicit TransactionTable(TableConfig cfg);

  struct Entry {
    std::uint32_t slot = 0;
    LocalTid tid;
  };
  // A new transaction; nullopt when every slot is in use.
  std::optional<Entry> allocate(Time now);
  // Ends the transaction in `slot`; its tid is unknown from now on.
  void release(std::uint32_t slot, Time now);

  // The slot of an open transaction, or nullopt (unknown, stale, freed, or
  // another instance's tid).
  [[nodiscard]] std::optional<std::uint32_t> find(LocalTid tid) const;
  // Same for a dtid from the wire: ours are always 4 octets.
  [[nodiscard]] std::optional<std::uint32_t> find(const TransactionId& dtid) const;
  [[nodiscard]] LocalTid tid(std::uint32_t slot) const { return LocalTid{meta_[slot].tid}; }

  [[nodiscard]] std::uint8_t instance() const { return instance_; }
  // True when `tid` carries this table's instance number.
  [[nodiscard]] bool ours(LocalTid tid) const { return tid.instance() == instance_; }
  [[nodiscard]] std::uint32_t open() const { return open_; }
  // Slots allocated so far (open + free); per-slot arrays of the sub-layers grow to this.
  [[nodiscard]] std::uint32_t slots() const { return meta_.size(); }
  static constexpr std::size_t kBytesPerSlot = 16 + sizeof(Time);

 private:
  struct Meta {
    Time freed_at{};
    std::uint32_t tid = 0;  // full LocalTid value while in use
    std::uint32_t generation = 0;
    std::uint32_t next_free = kNil;
    bool used = false;
  };
  static_assert(sizeof(Meta) <= kBytesPerSlot);

  TableConfig cfg_;
  ChunkedArray<Meta> meta_;
  std::uint32_t capacity_ = 0, index_bits_ = 0, gen_mask_ = 0, open_ = 0;
  std::uint8_t instance_ = 0;
  std::uint32_t free_head_ = kNil, free_tail_ = kNil;
};

}  // namespace ussdgw::dialogue
