// Where USSD session records go: the narrow interface the USSD session layer
// writes through, so the embedded SQLite store (sqlite_session_store.h) can be
// replaced by a server database when several gateways share one
// (docs/storage.md, "Swapping the backend"). Column meanings and spec
// references are in storage/schema/001_ussd_sessions.sql.
//
// Writes are fire-and-forget on purpose: session records are audit data. An
// implementation may queue them and write them in batches; flush() writes
// what is queued. Queries see what has been flushed.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ussdgw/clock.h"
#include "ussdgw/expected.h"
#include "ussdgw/ids.h"
#include "ussdgw/tbcd.h"

namespace ussdgw::storage {

// Wall-clock time of a record (ussdgw::Clock::wall_now()); stored as
// milliseconds since the Unix epoch.
using TimePoint = Clock::WallTime;

// Identifiers are the project's own (ussdgw/ids.h): SessionId (allocated by
// the store, increasing, never reused), CustomerId (config customers[].id)
// and TransactionId (TCAP OCTET STRING SIZE(1..4), Q.773 §4.2, octets as on
// the wire, so a 3-octet id stays 3 octets).

// How a session ended (ussd_session.outcome).
enum class SessionOutcome : std::uint8_t {
  Completed,
  Released,
  AbortedByNetwork,
  Timeout,
  Fallback,
  Refused,
  Busy,
  // Closed at start-up: the session was open when an earlier run of this
  // gateway instance stopped without recording its end (crash, kill -9).
  Interrupted,
  // The final answer (END) or the prompt (CONTINUE) could not be handed to
  // the SS7 link (link down, queue full): nothing left for the network.
  NotSent,
};
inline constexpr std::size_t kSessionOutcomeCount = 9;

// What the gateway did towards the network in one step (ussd_step.action).
enum class StepAction : std::uint8_t { Reply, Prompt, Release, Fallback };

// How the customer call of one step went (ussd_step.outcome): the relay's
// failure kinds plus Answered and NotRelayed.
enum class StepOutcome : std::uint8_t {
  Answered,
  Timeout,
  ConnectFailed,
  TlsFailed,
  ConnectionLost,
  HttpStatus,
  BadResponse,
  QueueFull,
  Cancelled,
  NotRelayed,
};

// The spellings stored in the database, and back (nullopt when unknown).
std::string_view to_string(SessionOutcome o);
std::string_view to_string(StepAction a);
std::string_view to_string(StepOutcome o);
std::optional<SessionOutcome> session_outcome_from_string(std::string_view s);
std::optional<StepAction> step_action_from_string(std::string_view s);
std::optional<StepOutcome> step_outcome_from_string(std::string_view s);

// What is known when a TC-BEGIN with processUnstructuredSS-Request arrives.
struct SessionStart {
  std::optional<CustomerId> customer;  // absent when no route matched
  std::optional<Imsi> imsi;
  std::optional<Msisdn> msisdn;
  std::string service_code;  // the USSD string of step 1, UTF-8
  Digits calling_gt;
  Digits called_gt;
  TransactionId tcap_otid;                 // the network's otid
  std::optional<TransactionId> tcap_dtid;  // the gateway's own transaction id, if it allocated one
  TimePoint started_at;
  friend bool operator==(const SessionStart&, const SessionStart&) = default;
};

// One finished step: written once, when the gateway has answered the network.
struct StepRecord {
  std::uint32_t step = 1;
  std::string request_text;  // UTF-8
  std::uint8_t dcs = 0x0f;
  std::optional<std::string> response_text;  // UTF-8; absent when no text was sent
  std::optional<StepAction> action;          // absent when nothing was sent
  std::optional<std::uint8_t> map_error;     // TS 29.002 §17.6.6 local error code
  std::optional<std::chrono::milliseconds> customer_latency;
  StepOutcome outcome = StepOutcome::Answered;
  TimePoint started_at;
  TimePoint ended_at;
  friend bool operator==(const StepRecord&, const StepRecord&) = default;
};

// A stored session as read back.
struct SessionRecord {
  SessionId id;
  SessionStart start;
  std::optional<TimePoint> ended_at;
  std::optional<SessionOutcome> outcome;  // absent while open
  std::uint32_t steps = 0;
};

// Sessions started in [from, to): the default covers everything.
struct TimeWindow {
  TimePoint from = TimePoint::min();
  TimePoint to = TimePoint::max();
};

struct OutcomeCounts {
  std::array<std::uint64_t, kSessionOutcomeCount> ended{};  // indexed by SessionOutcome
  std::uint64_t open = 0;                                   // no outcome recorded (yet)
  [[nodiscard]] std::uint64_t operator[](SessionOutcome o) const { return ended[static_cast<std::size_t>(o)]; }
  [[nodiscard]] std::uint64_t total() const;
};

// What one flush() did. Records that fail (e.g. a step for an unknown
// session) are counted and skipped; they do not cost the rest of the batch.
// A runtime failure of the store (disk full, I/O error, a database that
// went away): reported, never thrown (common/ussdgw/expected.h). The text is
// for the log: the backend's message and what it was doing.
struct StoreError {
  std::string what;
};

struct FlushReport {
  std::size_t written = 0;
  std::size_t failed = 0;
  std::string first_error;  // for the log: SQLite's message and the SQL
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // Writes never throw and never block on I/O in a batching store: records
  // are queued; what fails to be written is counted and logged by the store
  // (log module "store"), since audit records must not take a dialogue down.

  // Records a new session and returns its number.
  virtual SessionId begin_session(const SessionStart& start) = 0;
  // Records one finished step of a session begun on this store.
  virtual void record_step(SessionId session, const StepRecord& step) = 0;
  // Records how and when the session ended. A session is ended once.
  virtual void end_session(SessionId session, SessionOutcome outcome, TimePoint ended_at) = 0;

  // Writes every queued record (one transaction). Thread-safe; meant to run
  // off the event loop. Immediate stores return an empty report.
  virtual FlushReport flush() = 0;
  // Records queued and not yet flushed.
  [[nodiscard]] virtual std::size_t pending() const = 0;

  // Retention: deletes sessions (with their steps) that started before
  // `cutoff`, whether ended or not. Returns the number of sessions deleted.
  // Meant to run off the event loop. Failures are logged and returned.
  virtual Expected<std::uint64_t, StoreError> purge_older_than(TimePoint cutoff) = 0;
  // The same with the cutoff the store's clock and its configured retention
  // give (wall_now() - retention): what a housekeeping thread calls.
  virtual Expected<std::uint64_t, StoreError> purge_expired() = 0;

  // Queries for tests and operator tools; they read flushed data only. The
  // running gateway never reads, so these are outside the runtime error
  // policy: a backend failure here throws (storage::StorageError).
  virtual std::optional<SessionRecord> get_session(SessionId id) = 0;
  virtual std::vector<StepRecord> list_steps(SessionId id) = 0;  // ordered by step
  virtual OutcomeCounts count_sessions_by_outcome(TimeWindow window = {}) = 0;
};

}  // namespace ussdgw::storage
