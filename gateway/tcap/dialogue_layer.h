// The TCAP dialogue layer of the gateway (ITU-T Q.771 §3.2 dialogue handling,
// Q.774 §3.2 transaction sub-layer; MAP's use of it: TS 29.002 §12, §17.4).
//
// Sits between the SS7 endpoint (SCCP N-UNITDATA, gateway/ss7) and the TC
// users (the USSD service, later the SMS router). It owns the transaction ids
// it allocates, the state of every open dialogue, application-context
// negotiation, invoke and idle timers, aborts in both directions, Rejects for
// malformed or unknown components and the bound on open dialogues. TC users
// see decoded messages and answer through the request functions below; they
// never see transaction ids or SCCP addresses.
//
// Threading: everything runs on one Boost.Asio io_context thread (the one the
// endpoint delivers unitdata on). No locks.
//
// Only the responding side is needed for USSD pull: the network opens every
// dialogue with a BEGIN. Initiating dialogues (network-initiated USSD, SMS
// delivery to the SIM) is a later extension of this interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "gateway/codec/map_dialogue.h"
#include "gateway/codec/tcap.h"
#include "gateway/ss7/types.h"
#include "ussdgw/tbcd.h"

namespace boost::asio {
class io_context;
}

namespace ussdgw::dialogue {

using Clock = std::chrono::steady_clock;

// Our local transaction id (the otid we send, the dtid the network sends
// back). Unique among open dialogues; reused only after a quarantine.
struct DialogueId {
  std::uint32_t value = 0;
  friend bool operator==(DialogueId, DialogueId) = default;
};

// What the layer knows about a dialogue when it delivers it to a TC user.
struct DialogueInfo {
  DialogueId id;
  tcap::TransactionId remote_tid;      // the network's otid
  ber::OidString ac;                   // dotted AC, "" for MAP v1 (no dialogue portion)
  std::uint8_t ac_version = 0;         // last arc of a MAP AC (TS 29.002 §17.3.3)
  // MAP-OpenInfo (TS 29.002 §7.3.1): destinationReference / originationReference,
  // read with map::read_reference (raw-IMSI quirk handled). Empty when absent.
  Digits destination_reference;
  Digits origination_reference;
  ss7::Address remote;  // the BEGIN's calling party
  ss7::Address local;   // the BEGIN's called party
  Clock::time_point opened_at{};
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
// layer's io_context thread. Spans inside `msg` and `comp` point into the
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
  virtual void on_component(DialogueId id, const tcap::Component& comp, bool end) = 0;
  // The dialogue is gone without a normal end (no request may follow).
  virtual void on_abort(DialogueId id, const AbortInfo& why) = 0;
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
};

// The component the layer answers a BEGIN's first invoke with when the
// dialogue bound (Config::max_dialogues) is reached. It always goes in an END
// with AARE accepted; no dialogue is opened and the TC user sees nothing.
struct BusyAnswer {
  enum class Kind : std::uint8_t {
    Error,   // ReturnError(error)                     (TS 29.002 §17.6.6, e.g. 72 ussd-Busy)
    Result,  // ReturnResultLast(op, parameter)        (e.g. USSD-Res with a "try later" text)
    Reject,  // Reject, invoke problem `problem`       (Q.773 §3.2.2, e.g. an operation not served)
  };
  Kind kind = Kind::Error;
  std::int64_t error = 72;
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
  // END with AARE accepted and this MAP error for the first invoke (e.g. 72
  // ussd-Busy, TS 29.002 §17.6.6).
  std::int64_t busy_error = 72;
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
  std::uint64_t unknown_tid = 0;           // CONTINUE/END/ABORT for no dialogue
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
// * Malformed transaction portion: P-Abort with the decoder's cause to the
//   otid, if readable; a dialogue named by a readable dtid ends with
//   on_abort(ProtocolError). CONTINUE for an unknown dtid: P-Abort
//   unrecognizedTransactionID; END/ABORT for one: discarded.
// * Idle timeout: ABRT + MAP-ProviderAbortInfo abnormalDialogue; invoke
//   timeout: ABRT + MAP-UserAbortInfo userSpecificReason; shutdown grace over:
//   ABRT + MAP-UserAbortInfo resourceUnavailable(longTermResourceLimitation).
class DialogueLayer {
 public:
  // `send` hands one unitdata to the SS7 endpoint (ss7::Endpoint::send);
  // returns false when it was dropped at once.
  using Sender = std::function<bool(ss7::Unitdata&&)>;

  DialogueLayer(boost::asio::io_context& io, Config cfg, Sender send);
  ~DialogueLayer();
  DialogueLayer(const DialogueLayer&) = delete;
  DialogueLayer& operator=(const DialogueLayer&) = delete;

  void register_user(const AcRegistration& reg);

  // From the SS7 endpoint (same thread).
  void on_unitdata(ss7::Unitdata&& u);
  void on_notice(ss7::Notice&& n);

  // ---- TC user requests (TC-CONTINUE / TC-END / TC-U-ABORT with components)
  // The first answer of a dialogue carries the AARE (accepted) (Q.771 §3.2.2).
  // Each returns false when the dialogue no longer exists or the message could
  // not be encoded/sent; the dialogue is then gone.

  // CONTINUE with one Invoke (op 60 unstructuredSS-Request for a prompt); its
  // invoke timer starts (Config::invoke_timeout).
  bool continue_invoke(DialogueId id, tcap::OpCode op, std::span<const std::uint8_t> parameter);
  // END with ReturnResultLast for the BEGIN's invoke (op and parameter TLV).
  bool end_result(DialogueId id, tcap::InvokeId invoke, tcap::OpCode op, std::span<const std::uint8_t> parameter);
  // END with ReturnError.
  bool end_error(DialogueId id, tcap::InvokeId invoke, std::int64_t map_error,
                 std::optional<std::span<const std::uint8_t>> parameter = std::nullopt);
  // END with a Reject of the network's invoke `invoke` (TC-U-REJECT, Q.771
  // §3.1.2.3; Q.774 §3.2.2.3: the Reject goes with the next END; Q.773
  // §3.2.2 problem codes). For a BEGIN's invoke the TC user cannot serve:
  // an operation it does not know (ProblemType::Invoke, unrecognizedOperation)
  // or a parameter it cannot decode (mistypedParameter). `code` is the
  // problem value of `type` (tcap::InvokeProblem, ReturnResultProblem, ...).
  bool end_reject(DialogueId id, tcap::InvokeId invoke, tcap::ProblemType type, std::uint8_t code);
  bool end_reject(DialogueId id, tcap::InvokeId invoke, tcap::InvokeProblem problem) {
    return end_reject(id, invoke, tcap::ProblemType::Invoke, static_cast<std::uint8_t>(problem));
  }
  // ABORT with ABRT + MAP-UserAbortInfo (TS 29.002 §7.3.4).
  bool u_abort(DialogueId id, map::UserAbortChoice choice, std::uint8_t reason = 0);

  // Stop taking BEGINs (they get a P-Abort resourceLimitation), give open
  // dialogues Config::shutdown_grace, then U-Abort what is left and call
  // `done`.
  void shutdown(std::function<void()> done);

  [[nodiscard]] Stats stats() const;
  // Bytes of state the layer keeps for one dialogue (one slot of its table).
  [[nodiscard]] static std::size_t state_bytes_per_dialogue();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ussdgw::dialogue
