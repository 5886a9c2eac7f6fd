// Storage and timer bookkeeping shared by the sub-layers of the dialogue
// layer: an array whose elements never move, and a FIFO of deadlines.
//
// Every timer kind of the layer has one constant duration (the idle timeout;
// the invoke timeout of one operation class), so deadlines appended at the
// tail are already in order: a FIFO with O(1) removal is a sorted timer
// queue, and the owner arms one real timer for the earliest head of all its
// queues. No allocation per dialogue once the arrays have grown.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace ussdgw::dialogue {

inline constexpr std::uint32_t kNil = 0xffffffffu;

// Elements live in chunks of kChunk that are never freed or moved until the
// array is destroyed, so references and indices stay valid while it grows.
template <class T, std::uint32_t kChunk = 256>
class ChunkedArray {
 public:
  T& operator[](std::uint32_t i) { return chunks_[i / kChunk][i % kChunk]; }
  const T& operator[](std::uint32_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  [[nodiscard]] std::uint32_t size() const { return size_; }
  void grow_to(std::uint32_t n) {
    while (size_ < n) {
      if (size_ % kChunk == 0) chunks_.push_back(std::make_unique<T[]>(kChunk));
      ++size_;
    }
  }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  std::uint32_t size_ = 0;
};

// A FIFO of nodes (0..n-1) with a deadline each, removable in O(1).
class DeadlineQueue {
 public:
  using Time = std::chrono::steady_clock::time_point;
  struct Link {
    Time deadline{};
    std::uint32_t prev = kNil, next = kNil;
    bool linked = false;
  };

  void grow_to(std::uint32_t nodes) { links_.grow_to(nodes); }
  [[nodiscard]] bool empty() const { return head_ == kNil; }
  [[nodiscard]] std::optional<std::uint32_t> front() const {
    return head_ == kNil ? std::nullopt : std::optional<std::uint32_t>(head_);
  }
  [[nodiscard]] Time deadline(std::uint32_t node) const { return links_[node].deadline; }
  [[nodiscard]] bool linked(std::uint32_t node) const { return links_[node].linked; }

  // Appends `node` (removing it first if linked); `deadline` must not be
  // earlier than the tail's (constant duration per queue).
  void push(std::uint32_t node, Time deadline) {
    remove(node);
    Link& l = links_[node];
    l.deadline = deadline;
    l.linked = true;
    l.prev = tail_;
    l.next = kNil;
    if (tail_ != kNil) links_[tail_].next = node;
    else head_ = node;
    tail_ = node;
  }
  void remove(std::uint32_t node) {
    Link& l = links_[node];
    if (!l.linked) return;
    if (l.prev != kNil) links_[l.prev].next = l.next;
    else head_ = l.next;
    if (l.next != kNil) links_[l.next].prev = l.prev;
    else tail_ = l.prev;
    l = Link{};
  }
  // The head if it is due at `now`, removed from the queue.
  std::optional<std::uint32_t> pop_due(Time now) {
    if (head_ == kNil || links_[head_].deadline > now) return std::nullopt;
    std::uint32_t n = head_;
    remove(n);
    return n;
  }
  static constexpr std::size_t kBytesPerNode = sizeof(Link);

 private:
  ChunkedArray<Link> links_;
  std::uint32_t head_ = kNil, tail_ = kNil;
};

}  // namespace ussdgw::dialogue
