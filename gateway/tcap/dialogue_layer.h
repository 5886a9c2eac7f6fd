// The TCAP dialogue layer of the gateway (ITU-T Q.771 §3.2 dialogue handling,
// Q.774 §3.2 transaction and component sub-layers; MAP's use of it: TS 29.002
// §12, §17.4): the dialogue state machine and the TC-user interface.
//
// Sits between the SS7 endpoint (SCCP N-UNITDATA, gateway/ss7) and the TC
// users (the USSD service, later the SMS router). It owns the state of every
// open dialogue, aborts in both directions and the bound on open dialogues,
// and is cut along Q.774's own seams:
//   transaction_table.h   local transaction ids (LocalTid), their reuse rules
//   component_sublayer.h  invoke ids, invoke timers per class, queued Rejects
//   ac_negotiation.h      MAP AC/version check, AARE accepted / refusals
//   refusal.h             why a BEGIN is refused and what is answered
// TC users see decoded messages and answer through the request functions
// below; they never see SCCP addresses, and know a dialogue by its LocalTid.
//
// Threading: everything runs on the thread of the Clock's event loop (the one
// the endpoint delivers unitdata on). No locks. Time comes from the Clock
// (ussdgw/clock.h): AsioClock in production, ManualClock in tests.
//
// Only the responding side is implemented, as USSD pull needs: the network
// opens every dialogue with a BEGIN. The initiating side (SMS delivery:
// TC-BEGIN with an AARQ, invoke timers per operation class, AC version
// fallback) fits the same table, component sub-layer and AC negotiation.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "gateway/codec/map_dialogue.h"
#include "gateway/codec/map_errors.h"
#include "gateway/codec/tcap.h"
#include "gateway/ss7/types.h"
#include "ussdgw/clock.h"
#include "ussdgw/ids.h"
#include "ussdgw/tbcd.h"

namespace ussdgw::dialogue {

// A dialogue is known by its local transaction id (the otid we send, the
// dtid the network sends back; ussdgw/ids.h). Unique among open dialogues and
// not reused while a late message could arrive (transaction_table.h).

// What the layer knows about a dialogue when it delivers it to a TC user.
struct DialogueInfo {
  LocalTid id;
  tcap::TransactionId remote_tid;      // the network's otid
  ber::OidString ac;                   // dotted AC, "" for MAP v1 (no dialogue portion)
  std::uint8_t ac_version = 0;         // last arc of a MAP AC (TS 29.002 §17.3.3)
  // MAP-OpenInfo (TS 29.002 §7.3.1): destinationReference / originationReference,
  // read with map::read_reference (raw-IMSI quirk handled). Empty when absent.
  Digits destination_reference;
  Digits origination_reference;
  ss7::Address remote;  // the BEGIN's calling party
  ss7::Address local;   // the BEGIN's called party
  Clock::SteadyTime opened_at{};
};

// Why a dialogue ended without a normal END (reported to the TC user).
enum class AbortReason : std::uint8_t {
  NetworkPAbort,   // TC-P-ABORT from the network (cause in AbortInfo)
  NetworkUAbort,   // TC-U-ABORT from the network (MAP user/provider abort)
  IdleTimeout,     // nothing happened for tcap.dialogue_idle_timeout: we aborted
  InvokeTimeout,   // our invoke got no answer in time: we aborted
  Undeliverable,   // the network returned our message (UDTS / N-NOTICE)
  Shutdown,        // gateway stopping and the TC user did not end it in time
  ProtocolError,   // the network's message was malformed / in the wrong state
};
const char* to_string(AbortReason r);

struct AbortInfo {
  AbortReason reason = AbortReason::ProtocolError;
  std::optional<tcap::PAbortCause> p_abort_cause;
  std::optional<map::DialoguePdu> map_pdu;  // user abort details, when decodable (spans invalid after the call)
};

// Implemented by a TC user (the USSD service). Every call happens on the
// layer's event-loop thread. Spans inside `msg` and `comp` point into the
// received message and are valid only during the call.
class TcUser {
 public:
  virtual ~TcUser() = default;
  // A BEGIN with an accepted AC. The user answers (now or later) with
  // continue_invoke(), end_result(), end_error(), end_reject() or u_abort(). `invoke` is the
  // BEGIN's first Invoke (components after it are passed to on_component).
  virtual void on_begin(const DialogueInfo& d, const tcap::Invoke& invoke) = 0;
  // A component of a CONTINUE or END from the network: a ReturnResult for our
  // invoke (e.g. the subscriber's answer to a prompt), a ReturnError, a Reject
  // or a further Invoke. `end` = it came in an END (the dialogue is over: no
  // request may follow, they return false).
  // The layer has already checked invoke ids: a ReturnResult/ReturnError
  // reaching the user answers one of our pending invokes (others are
  // Rejected by the layer, Q.774 §3.2.2.3); a malformed component is
  // Rejected by the layer and never delivered.
  virtual void on_component(LocalTid id, const tcap::Component& comp, bool end) = 0;
  // The dialogue is gone without a normal end (no request may follow).
  virtual void on_abort(LocalTid id, const AbortInfo& why) = 0;
};

struct Config {
  std::uint32_t max_dialogues = 20000;      // past it: busy answer at once
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds invoke_timeout{30000};
  // Graceful stop: how long shutdown() lets TC users finish open dialogues
  // before it aborts them.
  std::chrono::milliseconds shutdown_grace{5000};
  // A freed local tid's slot is not taken again before this much time has
  // passed while spare slots exist (late messages for a closed dialogue must
  // not hit a new one). The tid *value* never recurs soon in any case: every
  // reuse of a slot bumps a generation held in the tid's high bits.
  std::chrono::milliseconds tid_quarantine{2000};
  // This gateway's number among instances sharing one service address
  // (0..15, the top bits of every LocalTid it allocates).
  std::uint8_t instance = 0;
};

// The component the layer answers a BEGIN's first invoke with when the
// dialogue bound (Config::max_dialogues) is reached. It always goes in an END
// with AARE accepted; no dialogue is opened and the TC user sees nothing.
struct BusyAnswer {
  enum class Kind : std::uint8_t {
    Error,   // ReturnError(error)                     (TS 29.002 §17.6.6, e.g. ussd-Busy)
    Result,  // ReturnResultLast(op, parameter)        (e.g. USSD-Res with a "try later" text)
    Reject,  // Reject, invoke problem `problem`       (Q.773 §3.2.2, e.g. an operation not served)
  };
  Kind kind = Kind::Error;
  map::MapError error = map::MapError::UssdBusy;
  tcap::OpCode op{};
  // The result's parameter TLV (empty: no result SEQUENCE). Memory of the TC
  // user; it only has to stay valid until the callback's caller returns
  // (the layer encodes the END before it does).
  std::span<const std::uint8_t> parameter;
  tcap::InvokeProblem problem = tcap::InvokeProblem::UnrecognizedOperation;
};

// Registration of a TC user for one application context family.
struct AcRegistration {
  std::uint8_t ac = 19;        // MAP ac-Id (19 = networkUnstructuredSsContext)
  std::uint8_t version = 2;    // the one version accepted; others are refused
                               // with an ABRT/AARE naming it (TS 29.002 §12.1)
  // Answer when the dialogue bound is reached and `busy_answer` is empty:
  // END with AARE accepted and this MAP error for the first invoke (e.g.
  // ussd-Busy, TS 29.002 §17.6.6).
  map::MapError busy_error = map::MapError::UssdBusy;
  TcUser* user = nullptr;
  // Optional: chooses the busy answer per first invoke (e.g. a text for the
  // operation the user serves, a Reject for others). Called on the layer's
  // thread while the BEGIN is handled; it must not call the layer.
  std::function<BusyAnswer(const tcap::Invoke&)> busy_answer;
};

struct Stats {
  std::uint64_t begins = 0, continues_in = 0, ends_in = 0, aborts_in = 0;
  std::uint64_t begins_busy = 0;           // refused: bound reached
  std::uint64_t ac_refused = 0;            // ABRT with AARE (AC not supported)
  std::uint64_t p_aborts_sent = 0, u_aborts_sent = 0, rejects_sent = 0;
  std::uint64_t idle_timeouts = 0, invoke_timeouts = 0;
  std::uint64_t unknown_tid = 0;           // CONTINUE/END/ABORT for no open dialogue of ours
  std::uint64_t send_failures = 0;         // endpoint refused the message
  std::uint64_t undeliverable = 0;         // dialogues lost to a UDTS (on_notice)
  std::size_t open = 0;
  std::size_t slots = 0;                   // per-dialogue state blocks allocated (open + free)
};

// What the layer answers on its own, without asking a TC user:
// * BEGIN with an AC version other than the registered one: ABORT with AARE
//   reject-permanent naming the registered version; unknown AC: the same,
//   naming the AC received (TS 29.002 §12.1). No dialogue portion (MAP v1):
//   ABORT without a dialogue portion (a v1 peer cannot read an AARE).
// * BEGIN with no components: ABORT, ABRT + MAP-ProviderAbortInfo
//   abnormalDialogue. First component malformed or a ReturnResult/Error:
//   END with AARE accepted and a Reject.
// * Bound reached: END with AARE accepted + the registration's busy answer
//   (AcRegistration::busy_answer, else ReturnError(busy_error)).
// * Malformed transaction portion (truncated, unknown message type, ...):
//   P-Abort with the decoder's cause (badlyFormattedTransactionPortion,
//   unrecognizedMessageType, ...) to the otid, when one can be derived
//   (Q.774 §3.2.1.2), else discarded; a dialogue named by a derivable dtid
//   ends with on_abort(ProtocolError). CONTINUE for an unknown dtid: P-Abort
//   unrecognizedTransactionID; END/ABORT for one: discarded.
// The BEGIN refusals are listed with their answers in refusal.h.
// * Idle timeout: ABRT + MAP-ProviderAbortInfo abnormalDialogue; invoke
//   timeout: ABRT + MAP-UserAbortInfo userSpecificReason; shutdown grace over:
//   ABRT + MAP-UserAbortInfo resourceUnavailable(longTermResourceLimitation).
class DialogueLayer {
 public:
  // `send` hands one unitdata to the SS7 endpoint (ss7::Endpoint::send);
  // returns false when it was dropped at once.
  using Sender = std::function<bool(ss7::Unitdata&&)>;

  // Timers are made on `clock` (it must outlive the layer).
  DialogueLayer(Clock& clock, Config cfg, Sender send);
  ~DialogueLayer();
  DialogueLayer(const DialogueLayer&) = delete;
  DialogueLayer& operator=(const DialogueLayer&) = delete;

  void register_user(const AcRegistration& reg);

  // From the SS7 endpoint (same thread).
  void on_unitdata(ss7::Unitdata&& u);
  void on_notice(ss7::Notice&& n);

  // ---- TC user requests (TC-CONTINUE / TC-END / TC-U-ABORT with components)
  // The first answer of a dialogue carries the AARE (accepted) (Q.771 §3.2.2).
  // Each returns false when the message was not handed on: the dialogue no
  // longer exists, the message could not be encoded, or the Sender returned
  // false; the dialogue is then gone. True means the Sender took it.

  // CONTINUE with one Invoke (op 60 unstructuredSS-Request for a prompt); its
  // invoke timer starts (Config::invoke_timeout).
  bool continue_invoke(LocalTid id, tcap::OpCode op, std::span<const std::uint8_t> parameter);
  // END with ReturnResultLast for the BEGIN's invoke (op and parameter TLV).
  bool end_result(LocalTid id, tcap::InvokeId invoke, tcap::OpCode op, std::span<const std::uint8_t> parameter);
  // END with ReturnError `error` (TS 29.002 §17.6.6) and its parameter TLV.
  bool end_error(LocalTid id, tcap::InvokeId invoke, map::MapError error,
                 std::optional<std::span<const std::uint8_t>> parameter = std::nullopt);
  // END with a Reject of the network's invoke `invoke` (TC-U-REJECT, Q.771
  // §3.1.2.3; Q.774 §3.2.2.3: the Reject goes with the next END; Q.773
  // §3.2.2 problem codes). For a BEGIN's invoke the TC user cannot serve:
  // an operation it does not know (ProblemType::Invoke, unrecognizedOperation)
  // or a parameter it cannot decode (mistypedParameter). `code` is the
  // problem value of `type` (tcap::InvokeProblem, ReturnResultProblem, ...).
  bool end_reject(LocalTid id, tcap::InvokeId invoke, tcap::ProblemType type, std::uint8_t code);
  bool end_reject(LocalTid id, tcap::InvokeId invoke, tcap::InvokeProblem problem) {
    return end_reject(id, invoke, tcap::ProblemType::Invoke, static_cast<std::uint8_t>(problem));
  }
  // ABORT with ABRT + MAP-UserAbortInfo (TS 29.002 §7.3.4).
  bool u_abort(LocalTid id, map::UserAbortChoice choice, std::uint8_t reason = 0);

  // Stop taking BEGINs (they get a P-Abort resourceLimitation), give open
  // dialogues Config::shutdown_grace, then U-Abort what is left and call
  // `done`. `done` always runs from a Clock timer, never from inside a call
  // of the layer, so it may destroy the layer.
  void shutdown(std::function<void()> done);

  [[nodiscard]] Stats stats() const;
  // Bytes of state the layer keeps for one dialogue (one slot of its table).
  [[nodiscard]] static std::size_t state_bytes_per_dialogue();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ussdgw::dialogue
