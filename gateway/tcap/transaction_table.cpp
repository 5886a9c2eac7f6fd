// Local transaction ids; see transaction_table.h.
#include "gateway/tcap/transaction_table.h"

#include <algorithm>
#include <bit>

namespace ussdgw::dialogue {

namespace {
constexpr std::uint32_t kLowBits = LocalTid::kInstanceShift;  // slot + generation
constexpr std::uint32_t kMaxSlots = 1u << 20;                  // keeps >= 8 bits of generation
constexpr std::uint32_t kMinSlots = 256;
}  // namespace

TransactionTable::TransactionTable(TableConfig cfg) : cfg_(cfg) {
  instance_ = static_cast<std::uint8_t>(cfg_.instance & ((1u << LocalTid::kInstanceBits) - 1));
  // Room for max_open open plus as many in quarantine.
  std::uint64_t cap = std::max<std::uint64_t>(2ull * cfg_.max_open + kMinSlots, kMinSlots);
  cap = std::min<std::uint64_t>(cap, kMaxSlots);
  index_bits_ = static_cast<std::uint32_t>(std::bit_width(cap - 1));
  capacity_ = static_cast<std::uint32_t>(cap);
  gen_mask_ = (1u << (kLowBits - index_bits_)) - 1;
}

std::optional<TransactionTable::Entry> TransactionTable::allocate(Time now) {
  std::uint32_t i = kNil;
  if (free_head_ != kNil) {
    Meta& h = meta_[free_head_];
    // FIFO head = the longest freed. Taken once out of quarantine, or when
    // the table cannot grow (the generation still changes the tid value).
    if (now - h.freed_at >= cfg_.quarantine || meta_.size() >= capacity_) {
      i = free_head_;
      free_head_ = h.next_free;
      if (free_head_ == kNil) free_tail_ = kNil;
    }
  }
  if (i == kNil) {
    if (meta_.size() >= capacity_) return std::nullopt;
    i = meta_.size();
    meta_.grow_to(i + 1);
  }
  Meta& m = meta_[i];
  m.generation = (m.generation + 1) & gen_mask_;
  if (m.generation == 0) m.generation = 1;  // never a tid of 0 (with instance 0)
  m.tid = (std::uint32_t{instance_} << LocalTid::kInstanceShift) | (m.generation << index_bits_) | i;
  m.used = true;
  m.next_free = kNil;
  ++open_;
  return Entry{i, LocalTid{m.tid}};
}

void TransactionTable::release(std::uint32_t slot, Time now) {
  Meta& m = meta_[slot];
  if (!m.used) return;
  m.used = false;
  m.freed_at = now;
  m.next_free = kNil;
  if (free_tail_ == kNil) free_head_ = slot;
  else meta_[free_tail_].next_free = slot;
  free_tail_ = slot;
  --open_;
}

std::optional<std::uint32_t> TransactionTable::find(LocalTid tid) const {
  std::uint32_t i = tid.value & ((1u << index_bits_) - 1);
  if (i >= meta_.size()) return std::nullopt;
  const Meta& m = meta_[i];
  if (!m.used || m.tid != tid.value) return std::nullopt;
  return i;
}

std::optional<std::uint32_t> TransactionTable::find(const TransactionId& dtid) const {
  return dtid.size() == 4 ? find(LocalTid{dtid.value()}) : std::nullopt;
}

}  // namespace ussdgw::dialogue
