// Component sub-layer; see component_sublayer.h.
#include "gateway/tcap/component_sublayer.h"

namespace ussdgw::dialogue {

ComponentSublayer::TimerClass ComponentSublayer::add_timer_class(std::chrono::milliseconds d) {
  classes_.push_back(Class{d, {}});
  classes_.back().queue.grow_to(state_.size() * kMaxPendingInvokes);
  return static_cast<TimerClass>(classes_.size() - 1);
}

void ComponentSublayer::grow_to(std::uint32_t slots) {
  if (slots <= state_.size()) return;
  state_.grow_to(slots);
  for (auto& c : classes_) c.queue.grow_to(slots * kMaxPendingInvokes);
}

void ComponentSublayer::open(std::uint32_t slot, std::optional<tcap::InvokeId> peer_invoke) {
  close(slot);
  State& s = state_[slot];
  s = State{};
  if (peer_invoke) {
    s.peer_invoke = peer_invoke->value;
    s.has_peer_invoke = true;
  }
}

void ComponentSublayer::close(std::uint32_t slot) {
  State& s = state_[slot];
  for (std::uint32_t k = 0; k < kMaxPendingInvokes; ++k)
    if (s.pending[k].used) stop(slot, k);
  s.n_rejects = 0;
}

void ComponentSublayer::stop(std::uint32_t slot, std::uint32_t k) {
  Pending& p = state_[slot].pending[k];
  classes_[p.timer_class].queue.remove(node(slot, k));
  p.used = false;
}

std::optional<std::uint32_t> ComponentSublayer::find(std::uint32_t slot, tcap::InvokeId id) const {
  const State& s = state_[slot];
  for (std::uint32_t k = 0; k < kMaxPendingInvokes; ++k)
    if (s.pending[k].used && s.pending[k].invoke_id == id.value) return k;
  return std::nullopt;
}

std::optional<tcap::InvokeId> ComponentSublayer::new_invoke_id(std::uint32_t slot) {
  State& s = state_[slot];
  std::uint32_t outstanding = 0;
  for (const auto& p : s.pending) outstanding += p.used ? 1 : 0;
  if (outstanding == kMaxPendingInvokes) return std::nullopt;
  for (;;) {
    std::int8_t id = s.next_invoke;
    s.next_invoke = static_cast<std::int8_t>(id == 127 ? 1 : id + 1);
    bool taken = s.has_peer_invoke && id == s.peer_invoke;
    for (const auto& p : s.pending) taken = taken || (p.used && p.invoke_id == id);
    if (!taken) return tcap::InvokeId{id};
  }
}

ComponentSublayer::Time ComponentSublayer::start_invoke(std::uint32_t slot, tcap::InvokeId id, TimerClass c, Time now) {
  State& s = state_[slot];
  std::uint32_t k = 0;
  while (k < kMaxPendingInvokes && s.pending[k].used) ++k;
  // new_invoke_id() said there is room; nothing else takes it in between.
  Pending& p = s.pending[k];
  p.used = true;
  p.invoke_id = id.value;
  p.timer_class = c;
  Time deadline = now + classes_[c].duration;
  classes_[c].queue.push(node(slot, k), deadline);
  return deadline;
}

bool ComponentSublayer::answer(std::uint32_t slot, tcap::InvokeId id, bool last) {
  auto k = find(slot, id);
  if (!k) return false;
  if (last) stop(slot, *k);
  return true;
}

void ComponentSublayer::rejected(std::uint32_t slot, tcap::InvokeId id) {
  if (auto k = find(slot, id)) stop(slot, *k);
}

void ComponentSublayer::queue_reject(std::uint32_t slot, const tcap::Reject& r) {
  State& s = state_[slot];
  if (s.n_rejects < kMaxQueuedRejects) s.rejects[s.n_rejects++] = r;
}

std::span<const tcap::Component> ComponentSublayer::take(std::uint32_t slot, const tcap::Component* extra) {
  State& s = state_[slot];
  std::size_t n = 0;
  for (std::uint32_t k = 0; k < s.n_rejects; ++k) out_[n++] = tcap::Component{s.rejects[k], {}};
  s.n_rejects = 0;
  if (extra) out_[n++] = *extra;
  return {out_.data(), n};
}

std::optional<ComponentSublayer::Time> ComponentSublayer::next_deadline() const {
  std::optional<Time> t;
  for (const auto& c : classes_)
    if (auto f = c.queue.front()) {
      Time d = c.queue.deadline(*f);
      if (!t || d < *t) t = d;
    }
  return t;
}

std::optional<std::uint32_t> ComponentSublayer::pop_expired(Time now) {
  for (auto& c : classes_)
    if (auto n = c.queue.pop_due(now)) {
      std::uint32_t slot = *n / kMaxPendingInvokes;
      state_[slot].pending[*n % kMaxPendingInvokes].used = false;
      return slot;
    }
  return std::nullopt;
}

}  // namespace ussdgw::dialogue
