// TCAP dialogue layer: the dialogue state machine (Q.771 §3.2, Q.774 §3.2.2
// state tables) and the TC-user interface. See dialogue_layer.h for the
// contract; the sub-layers it drives are in transaction_table.h,
// component_sublayer.h and ac_negotiation.h.
//
// Per dialogue state, chosen for 20k dialogues/s with < 2 KiB per open
// dialogue, lives in arrays indexed by the transaction table's slot (the
// table's own, the component sub-layer's, the dialogue states below); none
// is allocated per dialogue once warmed up. One real timer is armed for the
// earliest idle or invoke deadline; it is not re-armed per message (a removed
// head makes it fire early once, find nothing due and re-arm). Encoding goes
// through one fixed buffer; the only allocation per sent message is the
// std::vector the ss7::Unitdata interface requires.
#include "gateway/tcap/dialogue_layer.h"

#include <array>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "gateway/codec/map_names.h"
#include "gateway/tcap/ac_negotiation.h"
#include "gateway/tcap/component_sublayer.h"
#include "gateway/tcap/deadline_queue.h"
#include "gateway/tcap/refusal.h"
#include "gateway/tcap/transaction_table.h"
#include "ussdgw/log.h"

namespace ussdgw::dialogue {

const char* to_string(AbortReason r) {
  switch (r) {
    case AbortReason::NetworkPAbort: return "network P-Abort";
    case AbortReason::NetworkUAbort: return "network U-Abort";
    case AbortReason::IdleTimeout: return "idle timeout";
    case AbortReason::InvokeTimeout: return "invoke timeout";
    case AbortReason::Undeliverable: return "undeliverable";
    case AbortReason::Shutdown: return "shutdown";
    case AbortReason::ProtocolError: return "protocol error";
  }
  return "?";
}

namespace {

constexpr std::string_view kModule = "tcap";
// Largest TCAP message we build. A UDT carries < 255 octets, XUDT/LUDT more;
// a USSD answer is about 200.
constexpr std::size_t kEncodeBuffer = 2048;

enum class State : std::uint8_t {
  Free,
  InitReceived,  // BEGIN accepted, no answer yet: the first answer carries the AARE (Q.771 §3.2.2)
  Active,        // answered with a CONTINUE
  Closing,       // an END from the network is being delivered: requests refused
};

// Dialogue-level state of one slot.
struct Dialogue {
  ss7::Address remote;  // the BEGIN's calling party: `called` of our replies
  ss7::Address local;   // the BEGIN's called party: `calling` of our replies
  tcap::TransactionId remote_tid;
  State state = State::Free;
  std::uint8_t reg = 0;  // index into Impl::regs_
};

// `dlg=0x0000abcd tid=0a0b0c0d`: our tid (0 when no dialogue is open) and the
// peer's, in hex (printed from octets, so nothing a peer sent is copied raw).
std::string context(LocalTid dlg, const tcap::TransactionId* remote) {
  char tid[9] = "-";
  if (remote && remote->size() > 0) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::size_t n = 0;
    for (auto o : remote->bytes()) {
      tid[n++] = kHex[o >> 4];
      tid[n++] = kHex[o & 15];
    }
    tid[n] = 0;
  }
  char out[40];
  std::snprintf(out, sizeof out, "dlg=0x%08x tid=%s", dlg.value, tid);
  return out;
}

// Why a message reaches the unknown-dialogue path.
enum class Stray : std::uint8_t {
  Message,                // well formed
  BadTransactionPortion,  // decoded as far as its dtid
  BadDialoguePortion,     // transaction portion fine, dialogue portion not
};

// One BEGIN refusal: the reason (refusal.h) and what the answer needs.
struct BeginRefusal {
  Refusal reason;
  Bytes named_ac{};                             // AareRefusal
  const tcap::Component* component = nullptr;   // EndWithComponent
  const AcRegistration* reg = nullptr;          // EndWithComponent: the AC of the AARE
  const char* detail = nullptr;                 // the decoder's text, if any
};

}  // namespace

struct DialogueLayer::Impl {
  Impl(Clock& clock, Config c, Sender s)
      : clock_(clock),
        cfg_(c),
        send_(std::move(s)),
        table_(TableConfig{c.max_dialogues, c.tid_quarantine, c.instance}),
        timer_(clock.make_timer()),
        shutdown_timer_(clock.make_timer()),
        done_timer_(clock.make_timer()) {
    invoke_class_ = components_.add_timer_class(cfg_.invoke_timeout);
  }

  using Time = Clock::SteadyTime;

  // ------------------------------------------------------------ slots

  Dialogue& dlg(std::uint32_t slot) { return dialogues_[slot]; }
  // The slot of a dialogue that may still take requests.
  std::optional<std::uint32_t> open_slot(LocalTid id) {
    auto s = table_.find(id);
    if (s && dlg(*s).state == State::Closing) return std::nullopt;
    return s;
  }
  // The slot of a dialogue a dtid from the wire names and that still takes messages.
  std::optional<std::uint32_t> receiving_slot(const tcap::TransactionId& dtid) {
    auto s = table_.find(dtid);
    if (s && dlg(*s).state == State::Closing) return std::nullopt;
    return s;
  }

  std::optional<TransactionTable::Entry> allocate(Time now) {
    auto e = table_.allocate(now);
    if (!e) return e;
    const std::uint32_t n = table_.slots();
    dialogues_.grow_to(n);
    idle_.grow_to(n);
    components_.grow_to(n);
    return e;
  }

  // Frees a dialogue: timers stopped, queued Rejects dropped, tid retired.
  void release(std::uint32_t slot, Time now) {
    idle_.remove(slot);
    components_.close(slot);
    dlg(slot).state = State::Free;
    table_.release(slot, now);
    if (shutting_down_ && table_.open() == 0) finish_shutdown();
  }

  void note(LocalTid id, const tcap::TransactionId* remote, std::string_view what, std::string_view cause) {
    log::notice(kModule, context(id, remote), what, cause);
  }
  void note(std::uint32_t slot, std::string_view what, std::string_view cause) {
    note(table_.tid(slot), &dlg(slot).remote_tid, what, cause);
  }

  // ------------------------------------------------------------ timers

  // Restarts the idle timer: something happened in the dialogue.
  void touch(std::uint32_t slot, Time now) {
    Time deadline = now + cfg_.idle_timeout;
    idle_.push(slot, deadline);
    arm(deadline);
  }

  void arm(Time t) {
    if (t >= armed_for_) return;
    armed_for_ = t;
    // The timer belongs to this object: the Clock never runs its callback
    // after it is destroyed (ussdgw/clock.h).
    timer_->arm(t, [this] { on_timer(); });
  }

  void on_timer() {
    armed_for_ = Time::max();
    const Time now = clock_.now();
    // Heads are re-read every round: callbacks may end other dialogues.
    while (auto slot = idle_.pop_due(now)) idle_timeout(*slot, now);
    while (auto slot = components_.pop_expired(now)) invoke_timeout(*slot, now);
    if (auto f = idle_.front()) arm(idle_.deadline(*f));
    if (auto t = components_.next_deadline()) arm(*t);
  }

  void abort_locally(std::uint32_t slot, AbortInfo why, Time now) {
    LocalTid id = table_.tid(slot);
    TcUser* user = regs_[dlg(slot).reg].user;
    release(slot, now);
    user->on_abort(id, why);
  }

  void idle_timeout(std::uint32_t slot, Time now) {
    ++stats_.idle_timeouts;
    note(slot, "Aborting dialogue", "idle timeout");
    // Nothing happened for too long: an abnormal dialogue from the MAP
    // provider's point of view (TS 29.002 §7.3.5 MAP-P-ABORT).
    send_abrt(slot, map::make_provider_abort(map::ProviderAbortReason::AbnormalDialogue));
    abort_locally(slot, AbortInfo{AbortReason::IdleTimeout, {}, {}}, now);
  }

  void invoke_timeout(std::uint32_t slot, Time now) {
    ++stats_.invoke_timeouts;
    note(slot, "Aborting dialogue", "no answer to our invoke in time");
    // The operation failed for lack of a response; the layer aborts on the
    // user's behalf (MAP-U-ABORT, user specific reason, TS 29.002 §7.3.4).
    send_abrt(slot, map::make_user_abort(map::UserAbortChoice::UserSpecificReason));
    abort_locally(slot, AbortInfo{AbortReason::InvokeTimeout, {}, {}}, now);
  }

  // ------------------------------------------------------------ sending

  enum class SendResult { Ok, EncodeFailed, SendFailed };

  SendResult send_message(const ss7::Address& to, const ss7::Address& from, const tcap::Message& m,
                          std::span<const tcap::Component> comps = {}) {
    auto enc = tcap::encode_message(buf_, m, comps);
    if (!enc) return SendResult::EncodeFailed;
    ss7::Unitdata u{to, from, std::vector<std::uint8_t>(enc->begin(), enc->end())};
    if (!send_(std::move(u))) {
      ++stats_.send_failures;
      return SendResult::SendFailed;
    }
    return SendResult::Ok;
  }

  // ABORT with an ABRT (abort-source dialogue-service-user) carrying a MAP
  // user or provider abort PDU (TS 29.002 §7.3.4, §7.3.5; Q.773 §4.2.3).
  SendResult send_abrt(const ss7::Address& to, const ss7::Address& from, const tcap::TransactionId& dtid,
                       const map::DialoguePdu& pdu) {
    auto ui = map::encode_user_information(ui_buf_, pdu);
    std::optional<Bytes> info;
    if (ui) info = *ui;
    ++stats_.u_aborts_sent;
    return send_message(to, from, tcap::make_u_abort(dtid, tcap::make_abrt(tcap::AbortSource::ServiceUser, info)));
  }
  SendResult send_abrt(std::uint32_t slot, const map::DialoguePdu& pdu) {
    const Dialogue& d = dlg(slot);
    return send_abrt(d.remote, d.local, d.remote_tid, pdu);
  }

  void send_p_abort(const ss7::Address& to, const ss7::Address& from, const tcap::TransactionId& dtid,
                    tcap::PAbortCause cause) {
    ++stats_.p_aborts_sent;
    send_message(to, from, tcap::make_p_abort(dtid, cause));
  }

  // AARE accepted naming the registered AC, for the first answer (Q.771 §3.2.2.2).
  std::optional<tcap::DialoguePortion> first_answer_portion(const Dialogue& d, AcOid& ac) {
    if (d.state != State::InitReceived) return std::nullopt;
    ac = registered_ac(regs_[d.reg]);
    return aare_accepted(ac);
  }

  // Components to send: queued Rejects first, then `extra`.
  std::span<const tcap::Component> components(std::uint32_t slot, const tcap::Component* extra) {
    stats_.rejects_sent += components_.queued_rejects(slot);
    return components_.take(slot, extra);
  }

  // A request could not be sent. The dialogue is gone (contract); when the
  // failure was ours (encoding), the network still gets an abort so that it
  // does not wait for its own timer.
  bool fail_request(std::uint32_t slot, SendResult r, std::string_view what) {
    if (r == SendResult::EncodeFailed) {
      note(slot, what, "message could not be encoded; aborting the dialogue");
      send_abrt(slot, map::make_provider_abort(map::ProviderAbortReason::AbnormalDialogue));
    } else {
      note(slot, what, "the SS7 endpoint refused the message; dialogue dropped");
    }
    release(slot, clock_.now());
    return false;
  }

  // ------------------------------------------------------------ TC-user requests

  bool continue_invoke(LocalTid id, tcap::OpCode op, std::span<const std::uint8_t> parameter) {
    auto slot = open_slot(id);
    if (!slot) return false;
    Dialogue& d = dlg(*slot);
    auto iid = components_.new_invoke_id(*slot);
    if (!iid) {
      note(*slot, "Aborting dialogue", "too many invokes awaiting an answer");
      send_abrt(*slot, map::make_user_abort(map::UserAbortChoice::UserResourceLimitation));
      release(*slot, clock_.now());
      return false;
    }
    std::optional<Bytes> param;
    if (!parameter.empty()) param = Bytes(parameter);
    tcap::Component inv{tcap::Invoke{*iid, std::nullopt, op, param}, {}};
    AcOid ac{};
    auto m = tcap::make_continue(id.wire(), d.remote_tid, first_answer_portion(d, ac));
    auto r = send_message(d.remote, d.local, m, components(*slot, &inv));
    if (r != SendResult::Ok) return fail_request(*slot, r, "Sending CONTINUE with invoke");
    d.state = State::Active;
    const Time now = clock_.now();
    arm(components_.start_invoke(*slot, *iid, invoke_class_, now));
    touch(*slot, now);
    return true;
  }

  bool end_with(LocalTid id, const tcap::Component& c, std::string_view what) {
    auto slot = open_slot(id);
    if (!slot) return false;
    Dialogue& d = dlg(*slot);
    AcOid ac{};
    auto m = tcap::make_end(d.remote_tid, first_answer_portion(d, ac));
    auto r = send_message(d.remote, d.local, m, components(*slot, &c));
    if (r != SendResult::Ok) return fail_request(*slot, r, what);
    release(*slot, clock_.now());
    return true;
  }

  bool u_abort(LocalTid id, map::UserAbortChoice choice, std::uint8_t reason) {
    auto slot = open_slot(id);
    if (!slot) return false;
    // Q.774 §3.2.2.1: a TC-U-ABORT for a reason other than AC negotiation
    // carries an ABRT, also before the dialogue was confirmed.
    auto r = send_abrt(*slot, map::make_user_abort(choice, reason));
    if (r == SendResult::SendFailed) note(*slot, "Sending U-Abort", "the SS7 endpoint refused the message");
    release(*slot, clock_.now());
    return r == SendResult::Ok;
  }

  // ------------------------------------------------------------ receiving

  void on_unitdata(ss7::Unitdata&& u) {
    tcap::MessageError why;
    auto m = tcap::decode_message(Bytes(u.data.data(), u.data.size()), &why);
    if (!m) {
      on_malformed(u, why, m.error());
      return;
    }
    switch (m->type) {
      case tcap::MessageType::Begin: on_begin(u, *m); break;
      case tcap::MessageType::Continue: on_continue(u, *m); break;
      case tcap::MessageType::End: on_end(u, *m); break;
      case tcap::MessageType::Abort: on_network_abort(u, *m); break;
      case tcap::MessageType::Unidirectional:
        note(LocalTid{}, nullptr, "Discarding Unidirectional", "no TC user for unidirectional dialogues");
        break;
    }
  }

  // THE path of every message whose dtid names no open dialogue of this
  // instance: unknown, closed, of a stale generation, or allocated by
  // another instance sharing the service address. Forwarding to the owner
  // goes here: when LocalTid{dtid.value()}.instance() != table_.instance(),
  // hand the unitdata to that instance instead of answering it.
  // Until then, Q.774 §3.2.1.2 (transaction state table): a CONTINUE is
  // answered with a P-Abort unrecognizedTransactionID to its otid; an END or
  // ABORT is discarded; a message with a broken transaction portion gets the
  // decoder's P-Abort cause, if it has an otid; one with a broken dialogue
  // portion is discarded.
  void on_unknown_dialogue(const ss7::Unitdata& u, std::optional<tcap::MessageType> type,
                           const tcap::TransactionId& dtid, const std::optional<tcap::TransactionId>& otid, Stray why,
                           tcap::PAbortCause cause = tcap::PAbortCause::UnrecognizedTransactionId,
                           std::string_view detail = {}) {
    const LocalTid named{dtid.size() == 4 ? dtid.value() : 0};
    const tcap::TransactionId* remote = otid ? &*otid : nullptr;
    switch (why) {
      case Stray::BadTransactionPortion:
        note(named, remote, "Malformed transaction portion", detail);
        if (otid) send_p_abort(u.calling, u.called, *otid, cause);
        return;
      case Stray::BadDialoguePortion:
        ++stats_.unknown_tid;
        note(named, remote, "Discarding message with a bad dialogue portion", detail);
        return;
      case Stray::Message: break;
    }
    ++stats_.unknown_tid;
    if (type == tcap::MessageType::Continue && otid) {
      note(named, remote, "P-Aborting CONTINUE", "unrecognized transaction id");
      send_p_abort(u.calling, u.called, *otid, tcap::PAbortCause::UnrecognizedTransactionId);
    } else if (type == tcap::MessageType::End) {
      note(named, nullptr, "Discarding END", "unrecognized transaction id");
    } else {
      log::debug(kModule, context(named, nullptr), "Discarding ABORT", "unrecognized transaction id");
    }
  }

  // Q.774 §3.2.1.2: a message whose transaction portion cannot be decoded is
  // answered with a P-Abort to its otid when one can be derived (the decoder
  // derives it from a truncated message and from one of an unknown message
  // type too; otherwise the message is discarded); a dialogue its dtid names
  // is terminated locally. A broken dialogue portion is a dialogue-level
  // error (Q.774 §3.2.2.2): the answer is an ABORT with an ABRT,
  // abort-source dialogue-service-provider.
  void on_malformed(const ss7::Unitdata& u, const tcap::MessageError& why, const Error& err) {
    const Time now = clock_.now();
    // kNil: no dialogue (a plain index, not an optional: GCC 12 -O2 warns
    // falsely about optionals here, bug 80635).
    const std::uint32_t slot = why.dtid ? table_.find(*why.dtid).value_or(kNil) : kNil;
    const tcap::TransactionId* remote = why.otid ? &*why.otid : nullptr;
    if (why.where == tcap::MessageError::Where::DialoguePortion) {
      if (why.type == tcap::MessageType::Begin && why.otid) {
        ++stats_.begins;
        refuse(u, *why.otid, BeginRefusal{Refusal::BadDialoguePortion, {}, nullptr, nullptr, err.what});
        return;
      }
      if (slot == kNil) {
        if (why.dtid) {
          on_unknown_dialogue(u, why.type, *why.dtid, why.otid, Stray::BadDialoguePortion, why.cause, err.what);
        } else {
          ++stats_.unknown_tid;
          note(LocalTid{}, remote, "Discarding message with a bad dialogue portion", err.what);
        }
        return;
      }
      note(slot, "Aborting dialogue: bad dialogue portion", err.what);
      if (why.type == tcap::MessageType::Continue) {
        ++stats_.p_aborts_sent;
        const Dialogue& d = dlg(slot);
        send_message(d.remote, d.local,
                     tcap::make_u_abort(d.remote_tid, tcap::make_abrt(tcap::AbortSource::ServiceProvider)));
      }
      auto reason = why.type == tcap::MessageType::Abort ? AbortReason::NetworkUAbort : AbortReason::ProtocolError;
      abort_locally(slot, AbortInfo{reason, {}, {}}, now);
      return;
    }
    if (slot == kNil && why.dtid) {
      on_unknown_dialogue(u, why.type, *why.dtid, why.otid, Stray::BadTransactionPortion, why.cause, err.what);
      return;
    }
    note(slot != kNil ? table_.tid(slot) : LocalTid{}, remote, "Malformed transaction portion", err.what);
    if (why.otid) send_p_abort(u.calling, u.called, *why.otid, why.cause);  // else: discarded, no one to answer
    if (slot != kNil) abort_locally(slot, AbortInfo{AbortReason::ProtocolError, why.cause, {}}, now);
  }

  // TC-BEGIN indication (Q.771 §3.2.2.2): shutdown, dialogue portion (AC and
  // MAP-OPEN), first component, bound on open dialogues; then a dialogue.
  // Every refusal goes through refuse() with a reason from refusal.h.
  void on_begin(const ss7::Unitdata& u, const tcap::Message& m) {
    ++stats_.begins;
    const tcap::TransactionId& otid = *m.otid;
    if (shutting_down_) return refuse(u, otid, BeginRefusal{Refusal::ShuttingDown});

    AcOid named{};
    auto ac = accept_aarq(m.dialogue, regs_, named);
    if (!ac) return refuse(u, otid, BeginRefusal{ac.error().reason, ac.error().named_ac, nullptr, nullptr, ac.error().detail});
    const AcRegistration& reg = regs_[ac->registration];

    // The first component must be an Invoke: every registered service starts
    // with one and TcUser::on_begin needs it. A BEGIN without components is
    // legal TCAP (MAP uses it for TCAP segmentation, S10 #6) but refused as
    // an abnormal dialogue. Otherwise Q.774 §3.2.2.3: the component is
    // rejected; with no invoke there is nothing to continue, so the Reject
    // goes in an END with the AARE (accepted at TCAP level, then closed).
    auto reader = m.components();
    if (reader.at_end()) return refuse(u, otid, BeginRefusal{Refusal::NoComponents});
    auto first = reader.next();
    if (!first || !first->invoke()) {
      std::optional<tcap::Reject> rj = reject_for(first, reader);
      if (!rj) return refuse(u, otid, BeginRefusal{Refusal::FirstComponentReject});
      tcap::Component c{*rj, {}};
      return refuse(u, otid, BeginRefusal{Refusal::FirstComponentNotInvoke, {}, &c, &reg,
                                          first ? nullptr : first.error().what});
    }
    const tcap::Invoke& invoke = *first->invoke();

    // Bound on open dialogues: the registration's busy answer, never a new dialogue.
    if (table_.open() >= cfg_.max_dialogues) {
      BusyAnswer a;
      a.error = reg.busy_error;
      if (reg.busy_answer) a = reg.busy_answer(invoke);
      tcap::Component c = busy_component(a, invoke.invoke_id);  // spans into `a`, alive until sent
      return refuse(u, otid, BeginRefusal{Refusal::Busy, {}, &c, &reg});
    }

    const Time now = clock_.now();
    auto e = allocate(now);
    if (!e) return refuse(u, otid, BeginRefusal{Refusal::NoTransactionId});
    Dialogue& d = dlg(e->slot);
    d.state = State::InitReceived;
    d.reg = static_cast<std::uint8_t>(ac->registration);
    d.remote = u.calling;
    d.local = u.called;
    d.remote_tid = otid;
    components_.open(e->slot, invoke.invoke_id);
    touch(e->slot, now);

    DialogueInfo info;
    info.id = e->tid;
    info.remote_tid = otid;
    info.ac = m.dialogue->ac_dotted();
    info.ac_version = ac->version;
    info.destination_reference = ac->destination_reference;
    info.origination_reference = ac->origination_reference;
    info.remote = u.calling;
    info.local = u.called;
    info.opened_at = now;
    reg.user->on_begin(info, invoke);
    deliver(e->tid, reader, false);
  }

  // The one refusal path of a BEGIN: the answer of refusal.h's row for the
  // reason, to the BEGIN's otid; no dialogue is opened, the TC user sees nothing.
  void refuse(const ss7::Unitdata& u, const tcap::TransactionId& otid, const BeginRefusal& c) {
    const RefusalRow& r = row(c.reason);
    const ss7::Address& to = u.calling;
    const ss7::Address& from = u.called;
    if (r.ac_refusal) ++stats_.ac_refused;
    if (c.reason == Refusal::Busy) ++stats_.begins_busy;  // not logged: counted (a log line per BEGIN under overload)
    else note(LocalTid{}, &otid, "Refusing BEGIN", c.detail ? std::string(r.cause) + ": " + c.detail : r.cause);
    switch (r.answer) {
      case RefusalAnswer::PAbort: send_p_abort(to, from, otid, r.p_abort); break;
      case RefusalAnswer::BareUAbort:
        // Not a P-Abort: the transaction portion was fine (Q.773 Abort with no cause).
        ++stats_.u_aborts_sent;
        send_message(to, from, tcap::make_u_abort(otid));
        break;
      case RefusalAnswer::ProviderAbrt:
        ++stats_.p_aborts_sent;
        send_message(to, from, tcap::make_u_abort(otid, tcap::make_abrt(tcap::AbortSource::ServiceProvider)));
        break;
      case RefusalAnswer::AareRefusal:
        send_message(to, from,
                     tcap::make_u_abort(otid, tcap::make_aare(c.named_ac, tcap::AssociateResult::RejectPermanent,
                                                              r.source, r.diagnostic)));
        break;
      case RefusalAnswer::MapProviderAbort: send_abrt(to, from, otid, map::make_provider_abort(r.map_reason)); break;
      case RefusalAnswer::EndWithComponent: {
        AcOid ac = registered_ac(*c.reg);
        if (c.component->reject()) ++stats_.rejects_sent;
        send_message(to, from, tcap::make_end(otid, aare_accepted(ac)), std::span<const tcap::Component>(c.component, 1));
        break;
      }
    }
  }

  // The Reject for a first component that is not an Invoke; nullopt for a
  // Reject (a Reject is never answered with a Reject, Q.774 §3.2.2.3).
  static std::optional<tcap::Reject> reject_for(const Result<tcap::Component>& first, const tcap::ComponentReader& reader) {
    if (!first) return reader.last_problem().to_reject();
    if (auto* rr = first->return_result())
      return tcap::Reject{rr->invoke_id, tcap::ProblemType::ReturnResult,
                          static_cast<std::uint8_t>(tcap::ReturnResultProblem::UnrecognizedInvokeId)};
    if (auto* re = first->return_error())
      return tcap::Reject{re->invoke_id, tcap::ProblemType::ReturnError,
                          static_cast<std::uint8_t>(tcap::ReturnErrorProblem::UnrecognizedInvokeId)};
    return std::nullopt;
  }

  // The component of a busy answer; its spans point into `a` (encode before it goes).
  static tcap::Component busy_component(const BusyAnswer& a, tcap::InvokeId invoke) {
    switch (a.kind) {
      case BusyAnswer::Kind::Result: {
        tcap::ReturnResult rr{invoke, true, std::nullopt, std::nullopt};
        if (!a.parameter.empty()) {
          rr.op = a.op;
          rr.parameter = Bytes(a.parameter);
        }
        return tcap::Component{rr, {}};
      }
      case BusyAnswer::Kind::Reject:
        return tcap::Component{
            tcap::Reject{invoke, tcap::ProblemType::Invoke, static_cast<std::uint8_t>(a.problem)}, {}};
      case BusyAnswer::Kind::Error: break;
    }
    return tcap::Component{
        tcap::ReturnError{invoke, tcap::ErrorCode::make_local(static_cast<std::int64_t>(a.error)), std::nullopt}, {}};
  }

  // Component handling of Q.774 §3.2.2.3 for a CONTINUE/END (and the rest of
  // a BEGIN): answers are checked against our outstanding invokes (which
  // stops their timers), malformed components become Rejects; the rest goes
  // to the TC user. Stops when the user ends the dialogue.
  void deliver(LocalTid tid, tcap::ComponentReader& reader, bool end) {
    while (!reader.at_end()) {
      auto slot = table_.find(tid);
      if (!slot) return;
      auto c = reader.next();
      if (!c) {
        note(*slot, end ? "Dropping malformed component in END" : "Rejecting malformed component", c.error().what);
        if (!end) components_.queue_reject(*slot, reader.last_problem().to_reject());
        continue;
      }
      std::optional<tcap::InvokeId> answers;
      bool last = true;
      tcap::ProblemType ptype = tcap::ProblemType::ReturnResult;
      if (auto* rr = c->return_result()) {
        answers = rr->invoke_id;
        last = rr->last;
      } else if (auto* re = c->return_error()) {
        answers = re->invoke_id;
        ptype = tcap::ProblemType::ReturnError;
      } else if (auto* rj = c->reject()) {
        if (rj->invoke_id) components_.rejected(*slot, *rj->invoke_id);
      }
      if (answers && !components_.answer(*slot, *answers, last)) {
        note(*slot, "Rejecting answer", "unrecognized invoke id");
        // returnResult/returnError problem unrecognizedInvokeID (both code 0).
        if (!end) components_.queue_reject(*slot, tcap::Reject{answers, ptype, 0});
        continue;
      }
      regs_[dlg(*slot).reg].user->on_component(tid, *c, end);
    }
    // Rejects of an active dialogue go out now in a CONTINUE; before the
    // first answer they wait for it (sending now would confirm the dialogue).
    auto slot = table_.find(tid);
    if (!slot || end || components_.queued_rejects(*slot) == 0 || dlg(*slot).state != State::Active) return;
    Dialogue& d = dlg(*slot);
    auto m = tcap::make_continue(tid.wire(), d.remote_tid);
    auto r = send_message(d.remote, d.local, m, components(*slot, nullptr));
    if (r != SendResult::Ok) {
      TcUser* user = regs_[d.reg].user;
      fail_request(*slot, r, "Sending Reject");
      user->on_abort(tid, AbortInfo{AbortReason::ProtocolError, {}, {}});
    }
  }

  void on_continue(const ss7::Unitdata& u, const tcap::Message& m) {
    ++stats_.continues_in;
    auto slot = receiving_slot(*m.dtid);
    if (!slot) return on_unknown_dialogue(u, m.type, *m.dtid, m.otid, Stray::Message);
    touch(*slot, clock_.now());
    auto reader = m.components();
    deliver(table_.tid(*slot), reader, false);
  }

  void on_end(const ss7::Unitdata& u, const tcap::Message& m) {
    ++stats_.ends_in;
    auto slot = receiving_slot(*m.dtid);
    if (!slot) return on_unknown_dialogue(u, m.type, *m.dtid, m.otid, Stray::Message);
    LocalTid tid = table_.tid(*slot);
    dlg(*slot).state = State::Closing;
    auto reader = m.components();
    deliver(tid, reader, true);
    if (auto again = table_.find(tid)) release(*again, clock_.now());
  }

  void on_network_abort(const ss7::Unitdata& u, const tcap::Message& m) {
    ++stats_.aborts_in;
    auto slot = receiving_slot(*m.dtid);
    if (!slot) return on_unknown_dialogue(u, m.type, *m.dtid, m.otid, Stray::Message);
    AbortInfo info;
    if (m.p_abort_cause) {
      info.reason = AbortReason::NetworkPAbort;
      info.p_abort_cause = m.p_abort_cause;
    } else {
      info.reason = AbortReason::NetworkUAbort;
      if (m.dialogue && m.dialogue->user_information) {
        auto pdu = map::decode_user_information(*m.dialogue->user_information);
        if (pdu) info.map_pdu = *pdu;
      }
    }
    abort_locally(*slot, info, clock_.now());
  }

  void on_notice(ss7::Notice&& n) {
    // The returned data is the TCAP message we sent; its otid is our tid
    // (only a BEGIN or CONTINUE of ours has one, and an END/ABORT of ours
    // belongs to a dialogue that is already gone).
    auto m = tcap::decode_message(Bytes(n.data.data(), n.data.size()));
    auto slot = m && m->otid ? receiving_slot(*m->otid) : std::nullopt;
    if (!slot) {
      note(LocalTid{}, nullptr, "Ignoring N-NOTICE", "returned message names no open dialogue");
      return;
    }
    ++stats_.undeliverable;
    note(*slot, "Dropping dialogue", "message returned, SCCP return cause " + std::to_string(n.cause));
    abort_locally(*slot, AbortInfo{AbortReason::Undeliverable, {}, {}}, clock_.now());
  }

  // ------------------------------------------------------------ shutdown

  void shutdown(std::function<void()> done) {
    shutting_down_ = true;
    done_ = std::move(done);
    if (table_.open() == 0) {
      finish_shutdown();
      return;
    }
    shutdown_timer_->arm(clock_.now() + cfg_.shutdown_grace, [this] { grace_over(); });
  }

  void grace_over() {
    const Time now = clock_.now();
    // Every open dialogue is on the idle queue.
    while (auto f = idle_.front()) {
      note(*f, "Aborting dialogue", "shutdown grace period over");
      send_abrt(*f, map::make_user_abort(map::UserAbortChoice::ResourceUnavailable, 1 /* longTermResourceLimitation */));
      abort_locally(*f, AbortInfo{AbortReason::Shutdown, {}, {}}, now);
    }
    finish_shutdown();
  }

  void finish_shutdown() {
    if (!done_) return;
    shutdown_timer_->cancel();
    // From a timer, not from here: `done` may destroy the layer, which must
    // not happen under our feet. The callback owns `done`; the Clock runs it
    // without touching the timer afterwards.
    done_timer_->arm(clock_.now(), [done = std::move(done_)] { done(); });
    done_ = nullptr;
  }

  Clock& clock_;
  Config cfg_;
  Sender send_;
  Stats stats_;
  std::vector<AcRegistration> regs_;

  TransactionTable table_;
  ComponentSublayer components_;
  ComponentSublayer::TimerClass invoke_class_ = 0;
  ChunkedArray<Dialogue> dialogues_;
  DeadlineQueue idle_;  // node = slot

  std::unique_ptr<Timer> timer_;
  Time armed_for_ = Time::max();
  std::unique_ptr<Timer> shutdown_timer_;
  std::unique_ptr<Timer> done_timer_;
  bool shutting_down_ = false;
  std::function<void()> done_;

  std::array<std::uint8_t, kEncodeBuffer> buf_{};
  std::array<std::uint8_t, 96> ui_buf_{};
};

// ------------------------------------------------------------ public face

DialogueLayer::DialogueLayer(Clock& clock, Config cfg, Sender send)
    : impl_(std::make_unique<Impl>(clock, cfg, std::move(send))) {}
DialogueLayer::~DialogueLayer() = default;

void DialogueLayer::register_user(const AcRegistration& reg) {
  for (auto& r : impl_->regs_)
    if (r.ac == reg.ac) {
      r = reg;
      return;
    }
  impl_->regs_.push_back(reg);
}

void DialogueLayer::on_unitdata(ss7::Unitdata&& u) { impl_->on_unitdata(std::move(u)); }
void DialogueLayer::on_notice(ss7::Notice&& n) { impl_->on_notice(std::move(n)); }

bool DialogueLayer::continue_invoke(LocalTid id, tcap::OpCode op, std::span<const std::uint8_t> parameter) {
  return impl_->continue_invoke(id, op, parameter);
}

bool DialogueLayer::end_result(LocalTid id, tcap::InvokeId invoke, tcap::OpCode op,
                               std::span<const std::uint8_t> parameter) {
  // Without a parameter the result SEQUENCE is left out altogether (Q.773
  // §4.2.2: result { opCode, result } is one optional element; vector S10 #9).
  tcap::ReturnResult rr{invoke, true, std::nullopt, std::nullopt};
  if (!parameter.empty()) {
    rr.op = op;
    rr.parameter = Bytes(parameter);
  }
  return impl_->end_with(id, tcap::Component{rr, {}}, "Sending END with result");
}

bool DialogueLayer::end_error(LocalTid id, tcap::InvokeId invoke, map::MapError error,
                              std::optional<std::span<const std::uint8_t>> parameter) {
  tcap::ReturnError re{invoke, tcap::ErrorCode::make_local(static_cast<std::int64_t>(error)), std::nullopt};
  if (parameter && !parameter->empty()) re.parameter = Bytes(*parameter);
  return impl_->end_with(id, tcap::Component{re, {}}, "Sending END with error");
}

bool DialogueLayer::end_reject(LocalTid id, tcap::InvokeId invoke, tcap::ProblemType type, std::uint8_t code) {
  tcap::Reject rj{invoke, type, code};
  bool ok = impl_->end_with(id, tcap::Component{rj, {}}, "Sending END with Reject");
  if (ok) ++impl_->stats_.rejects_sent;
  return ok;
}

bool DialogueLayer::u_abort(LocalTid id, map::UserAbortChoice choice, std::uint8_t reason) {
  return impl_->u_abort(id, choice, reason);
}

void DialogueLayer::shutdown(std::function<void()> done) { impl_->shutdown(std::move(done)); }

Stats DialogueLayer::stats() const {
  Stats s = impl_->stats_;
  s.open = impl_->table_.open();
  s.slots = impl_->table_.slots();
  return s;
}

std::size_t DialogueLayer::state_bytes_per_dialogue() {
  return TransactionTable::kBytesPerSlot + sizeof(Dialogue) + DeadlineQueue::kBytesPerNode +
         ComponentSublayer::bytes_per_slot(1);
}
// The per-dialogue budget (docs/ussd-service.md "Memory"): the layer's share
// plus the service's session record (< 512 octets) stay under 2 KiB;
// bench/load_bench.sh measures the real figure, heap included.
static_assert(TransactionTable::kBytesPerSlot + sizeof(Dialogue) + DeadlineQueue::kBytesPerNode +
                      ComponentSublayer::bytes_per_slot(1) <
                  2048 - 512,
              "a dialogue's state outgrew the 2 KiB per-dialogue budget");

}  // namespace ussdgw::dialogue
