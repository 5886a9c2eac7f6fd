#include "storage/session_store.h"

#include <numeric>

namespace ussdgw::storage {

namespace {

// One table per enum, in enum order: the spellings are the schema's CHECK lists.
constexpr std::array<std::string_view, kSessionOutcomeCount> kSessionOutcomes{
    "completed", "released", "aborted_by_network", "timeout", "fallback", "refused", "busy", "interrupted", "not_sent"};
constexpr std::array<std::string_view, 4> kStepActions{"reply", "prompt", "release", "fallback"};
constexpr std::array<std::string_view, 10> kStepOutcomes{
    "answered",        "timeout",      "connect_failed", "tls_failed", "connection_lost",
    "http_status",     "bad_response", "queue_full",     "cancelled",  "not_relayed"};

template <class E, std::size_t N>
std::optional<E> lookup(const std::array<std::string_view, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

}  // namespace

std::string_view to_string(SessionOutcome o) { return kSessionOutcomes.at(static_cast<std::size_t>(o)); }
std::string_view to_string(StepAction a) { return kStepActions.at(static_cast<std::size_t>(a)); }
std::string_view to_string(StepOutcome o) { return kStepOutcomes.at(static_cast<std::size_t>(o)); }

std::optional<SessionOutcome> session_outcome_from_string(std::string_view s) {
  return lookup<SessionOutcome>(kSessionOutcomes, s);
}
std::optional<StepAction> step_action_from_string(std::string_view s) { return lookup<StepAction>(kStepActions, s); }
std::optional<StepOutcome> step_outcome_from_string(std::string_view s) {
  return lookup<StepOutcome>(kStepOutcomes, s);
}

std::uint64_t OutcomeCounts::total() const {
  return std::accumulate(ended.begin(), ended.end(), open);
}

}  // namespace ussdgw::storage
