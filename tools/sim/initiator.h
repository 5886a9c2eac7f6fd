// The initiating side of a MAP USSD pull dialogue, as an MSC/VLR plays it
// towards the gateway (DESIGN.md flow 1; TS 29.002 §12.1, §15.3 "process
// unstructured SS request"; TCAP per Q.774 §3.2 as the dialogue initiator).
//
// The engine is transport-free: it writes TCAP messages through a TcapSender
// and is fed what comes back with on_tcap(). Time is passed in by the caller
// (now), so tests drive it with a manual clock and the runners with a
// steady_timer. It runs on one thread and allocates nothing per dialogue:
// dialogues live in a fixed table sized at construction, BEGINs are
// pre-encoded per PreparedDialogue with only the otid patched, answers are
// pre-encoded USSD-Res values.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ussdgw/result.h"
#include "common/ussdgw/tbcd.h"
#include "gateway/codec/tcap.h"

namespace ussdgw::sim {

using Clock = std::chrono::steady_clock;

// What the MAP-OPEN originationReference carries (TS 29.002 §7.3.1 table
// 7.3/1 and §15.3: for processUnstructuredSS-Request the MSC/VLR puts the
// subscriber's MSISDN there, some networks the VLR number).
enum class OrigRef : std::uint8_t { kMsisdn, kVlr, kNone };

// Deliberate misbehaviour, to see how the gateway copes.
enum class Action : std::uint8_t {
  kNone,
  // A BEGIN whose component portion claims more octets than the message
  // holds: a badly formatted transaction portion (Q.774 §3.2.1.2), to which
  // the gateway should answer with a P-Abort to our otid.
  kMalformed,
  // The BEGIN invokes an operation networkUnstructuredSsContext does not
  // have (local code 127): the gateway should reject it (Q.774 §3.2.2.3,
  // invoke problem unrecognizedOperation) or abort.
  kUnknownOperation,
  // The whole BEGIN cut inside its dialogue portion (or inside its component
  // portion), the outer length left as it was: what a truncating transport
  // delivers. The otid is intact, so the gateway should answer with a P-Abort
  // badlyFormattedTransactionPortion to it (Q.774 §3.2.1.2, issue 7 #1).
  kTruncatedDialogue,
  kTruncatedComponents,
  // The BEGIN with an unassigned message type tag ([APPLICATION 10], 0x6a)
  // and its otid intact: the gateway should answer with a P-Abort
  // unrecognizedMessageType to it.
  kUnknownMessageType,
};

// One dialogue to play. Plain values; turned into bytes once by prepare().
struct DialogueSpec {
  Imsi imsi;                     // MAP-OPEN destinationReference (E.212)
  std::optional<Msisdn> msisdn;  // USSD-Arg msisdn [0] and, with kMsisdn, originationReference
  OrigRef orig_ref = OrigRef::kMsisdn;
  Digits vlr_number;             // originationReference with kVlr (E.164)
  std::string dial;              // the USSD string of processUnstructuredSS-Request
  // Answers to successive unstructuredSS-Request prompts; when they run out,
  // `answer_all` (if set) answers every further prompt.
  std::vector<std::string> answers;
  std::optional<std::string> answer_all;
  // > 0: on the N-th CONTINUE from the gateway send TC-U-ABORT instead of
  // answering (a subscriber who walks away; TS 29.002 §15.3 release).
  int abort_after = 0;
  Action action = Action::kNone;
  // networkUnstructuredSsContext version offered in the AARQ; only v2 exists
  // (TS 29.002 §17.3.3), so 3 provokes the AC-not-supported refusal.
  std::uint8_t ac_version = 2;
  // How long we wait for each answer of the gateway.
  std::chrono::milliseconds timeout{10000};
  // > 0: the BEGIN goes out as this many XUDT segments (Q.714 §4.1.1.2),
  // as a real SMSC sends a long MT-ForwardSM; 0: one UDT.
  std::uint8_t xudt_segments = 0;
};

// A DialogueSpec with its wire parts encoded once.
struct PreparedDialogue {
  DialogueSpec spec;
  std::vector<std::uint8_t> begin;       // the whole BEGIN, otid = 0
  std::size_t otid_offset = 0;           // where the 4 otid octets sit in `begin`
  std::vector<std::vector<std::uint8_t>> answer_res;  // USSD-Res TLV per spec.answers[i]
  std::optional<std::vector<std::uint8_t>> answer_all_res;
};
// Errors: a text that does not fit a USSD-String, bad digits.
Result<PreparedDialogue> prepare(DialogueSpec spec);

// Transport boundary (outbound): one TCAP message; the bytes are only valid
// during the call. False when the transport refused it.
class TcapSender {
 public:
  virtual ~TcapSender() = default;
  virtual bool send_tcap(Bytes tcap) = 0;
  // The same message as `segments` XUDT segments; transports that cannot
  // segment send it whole.
  virtual bool send_tcap_segmented(Bytes tcap, std::uint8_t segments) {
    (void)segments;
    return send_tcap(tcap);
  }
};

enum class OutcomeKind : std::uint8_t {
  kEnd,         // END with returnResultLast(processUnstructuredSS-Request): the final text
  kMapError,    // returnError: a MAP error (TS 29.002 §17.6.6)
  kReject,      // a TCAP Reject component (Q.773 §4.2.2.1)
  kAbort,       // TC-P-ABORT / TC-U-ABORT from the gateway, AC refusal, or an SCCP return
  kTimeout,     // no answer within the spec's timeout
  kLocalAbort,  // we sent TC-U-ABORT (abort_after)
  kProtocol,    // an answer we cannot use (END without result, unknown invoke, bad bytes)
  kSendFailed,  // the transport refused one of our messages
};
const char* to_string(OutcomeKind k);

struct Outcome {
  OutcomeKind kind = OutcomeKind::kProtocol;
  // kEnd: the final text (when text decoding is on); otherwise a readable
  // description ("ussd-Busy(72)", "p-abort badlyFormattedTransactionPortion").
  std::string text;
  std::int64_t map_error = -1;  // kMapError: the local error code
  Clock::duration latency{};    // BEGIN sent -> outcome
  int steps = 0;                // messages received from the gateway
};

// Identifies a dialogue towards the observer: our otid and the caller's tag.
struct DialogueRef {
  std::uint32_t otid = 0;
  std::uint64_t tag = 0;
};

enum class PromptKind : std::uint8_t { kRequest /* op 60 */, kNotify /* op 61 */ };

// Inbound notifications of the engine (all called from inside start(),
// on_tcap(), on_returned() or expire()).
class InitiatorObserver {
 public:
  virtual ~InitiatorObserver() = default;
  // The BEGIN (text = dialled string) or an answer (text = answer) left.
  virtual void on_sent(const DialogueRef&, std::string_view /*text*/) {}
  // The gateway asked (unstructuredSS-Request) or told (unstructuredSS-Notify).
  virtual void on_prompt(const DialogueRef&, PromptKind, std::string_view /*text*/) {}
  // A message from the gateway arrived, `waited` after our last message.
  virtual void on_step(const DialogueRef&, Clock::duration /*waited*/) {}
  virtual void on_finished(const DialogueRef&, const Outcome&) = 0;
};

struct InitiatorConfig {
  std::size_t max_dialogues = 1024;  // table size (rounded up to a power of two)
  // Decode prompt and final texts for the observer; the load generator turns
  // it off since it only answers and times.
  bool decode_text = true;
};

class Initiator {
 public:
  Initiator(InitiatorConfig cfg, TcapSender& sender, InitiatorObserver& observer);

  // Sends the BEGIN of a new dialogue. nullopt when the table is full; a
  // send the transport refuses is reported through on_finished (kSendFailed)
  // and also gives nullopt. `d` must outlive the dialogue.
  std::optional<std::uint32_t> start(const PreparedDialogue& d, std::uint64_t tag, Clock::time_point now);

  // A TCAP message from the gateway (N-UNITDATA.indication).
  void on_tcap(Bytes tcap, Clock::time_point now);
  // One of our messages came back (N-NOTICE / UDTS, Q.713 §3.12 cause).
  void on_returned(Bytes our_tcap, std::uint32_t cause, Clock::time_point now);
  // Fires the timeouts that are due.
  void expire(Clock::time_point now);
  // When expire() has something to do next.
  [[nodiscard]] std::optional<Clock::time_point> next_deadline();

  [[nodiscard]] std::size_t active() const { return active_; }
  [[nodiscard]] std::size_t capacity() const { return slots_.size(); }
  // Messages that matched no dialogue (late answers after a timeout, ...).
  [[nodiscard]] std::uint64_t unmatched() const { return unmatched_; }

 private:
  struct Slot {
    const PreparedDialogue* d = nullptr;
    std::uint64_t tag = 0;
    std::uint32_t otid = 0;
    std::uint32_t generation = 0;
    std::uint32_t seq = 0;  // bumped per message sent; stale timer entries are skipped
    tcap::TransactionId remote;
    bool have_remote = false;
    bool busy = false;
    int steps = 0;
    int continues = 0;
    std::size_t prompts = 0;  // unstructuredSS-Request prompts answered so far
    Clock::time_point started{}, last_sent{};
  };
  struct TimerEntry {
    Clock::time_point deadline;
    std::uint32_t otid;
    std::uint32_t seq;
  };

  Slot* lookup(std::uint32_t otid);
  Slot* lookup(const std::optional<tcap::TransactionId>& tid);
  void arm(Slot& s, Clock::time_point now);
  void finish(Slot& s, Outcome o, Clock::time_point now);
  void handle_end_or_continue(Slot& s, const tcap::Message& m, Clock::time_point now);
  bool send_u_abort(Slot& s);
  std::string describe_abort(const tcap::Message& m) const;

  InitiatorConfig cfg_;
  TcapSender& sender_;
  InitiatorObserver& observer_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::vector<TimerEntry> timers_;  // min-heap on deadline
  std::uint32_t index_bits_ = 0;
  std::size_t active_ = 0;
  std::uint64_t unmatched_ = 0;
  std::vector<std::uint8_t> scratch_;  // reused for BEGIN copies and answers
  std::array<std::uint8_t, 64> user_abort_ui_{};  // MAP-UserAbortInfo, encoded once
  std::size_t user_abort_ui_len_ = 0;
};

}  // namespace ussdgw::sim
