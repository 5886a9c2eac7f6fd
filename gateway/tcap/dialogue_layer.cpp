// TCAP dialogue layer, responder side (Q.771 §3.2, Q.774 §3.2.1 transaction
// and §3.2.2 component/dialogue state tables; MAP rules of TS 29.002 §12.1,
// §7.3.4). See dialogue_layer.h for the contract.
//
// Data layout, chosen for 20k dialogues/s with < 2 KiB per open dialogue:
// * Slot table. Every dialogue lives in a fixed-size Slot inside chunks of
//   kChunk slots that are never freed or moved until the layer is destroyed
//   (no allocation per dialogue once warmed up). The local tid carries the
//   slot index in its low bits and a per-slot generation in its high bits, so
//   a lookup is an index and one compare, and a stale tid never matches a
//   reused slot.
// * Free slots form a FIFO: a freed slot goes to the back and is taken again
//   only after Config::tid_quarantine (while the table may still grow).
// * Timers. Idle and invoke timeouts are constant per layer, so deadlines are
//   ordered by the time they were set: an intrusive list per kind, appended at
//   the tail, is already sorted. One steady_timer is armed for the earliest
//   head; it is not re-armed per message (a removed head makes it fire early
//   once, find nothing due and re-arm).
// * Encoding goes through one fixed buffer; the only allocation per sent
//   message is the std::vector the ss7::Unitdata interface requires.
#include "gateway/tcap/dialogue_layer.h"

#include <algorithm>
#include <array>
#include <bit>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <utility>
#include <vector>

#include "gateway/codec/map_names.h"

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

constexpr std::uint32_t kNil = 0xffffffffu;
constexpr std::uint32_t kChunk = 256;
// Invokes of ours awaiting an answer in one dialogue. USSD has at most one
// (an unstructuredSS-Request prompt); a few more cost 24 bytes each.
constexpr std::uint32_t kMaxPending = 4;
// Rejects waiting to be sent with the next message of a dialogue (Q.774
// §3.2.2.3: the component sub-layer sends them with the next TC-CONTINUE/END).
constexpr std::uint32_t kMaxRejects = 4;
// Largest TCAP message we build. A UDT carries < 255 octets, XUDT/LUDT more;
// a USSD answer is about 200.
constexpr std::size_t kEncodeBuffer = 2048;

enum class State : std::uint8_t {
  Free,
  InitReceived,  // BEGIN accepted, no answer yet: the first answer carries the AARE (Q.771 §3.2.2)
  Active,        // answered with a CONTINUE
  Closing,       // an END from the network is being delivered: requests refused
};

struct Pending {
  Clock::time_point deadline{};
  std::uint32_t prev = kNil, next = kNil;  // invoke-timer list, node = slot * kMaxPending + k
  std::int8_t invoke_id = 0;
  bool used = false;
};

struct Slot {
  ss7::Address remote;  // the BEGIN's calling party: `called` of our replies
  ss7::Address local;   // the BEGIN's called party: `calling` of our replies
  tcap::TransactionId remote_tid;
  Clock::time_point idle_deadline{};  // also the freed-at time while Free
  std::uint32_t tid = 0;              // full local tid while in use
  std::uint32_t generation = 0;
  std::uint32_t idle_prev = kNil, idle_next = kNil;  // idle list; free FIFO uses idle_next
  std::array<Pending, kMaxPending> pending{};
  std::array<tcap::Reject, kMaxRejects> rejects{};
  State state = State::Free;
  std::uint8_t reg = 0;  // index into Impl::regs_
  std::uint8_t n_rejects = 0;
  std::int8_t network_invoke = 0;  // the BEGIN's invoke id: ours stay distinct from it
  std::int8_t next_invoke = 1;
};

struct List {
  std::uint32_t head = kNil, tail = kNil;
  [[nodiscard]] bool empty() const { return head == kNil; }
};

void log_line(std::uint32_t dlg, const tcap::TransactionId* remote, const char* what, const char* cause) {
  char tid[9] = "-";
  if (remote && remote->size() > 0) {
    static constexpr char kHex[] = "0123456789abcdef";
    auto b = remote->bytes();
    std::size_t n = 0;
    for (auto o : b) {
      tid[n++] = kHex[o >> 4];
      tid[n++] = kHex[o & 15];
    }
    tid[n] = 0;
  }
  std::fprintf(stderr, "dlg=0x%08x tid=%s: %s. Cause: %s\n", dlg, tid, what, cause);
}

}  // namespace

struct DialogueLayer::Impl {
  Impl(boost::asio::io_context& io, Config c, Sender s)
      : io_(io), cfg_(c), send_(std::move(s)), timer_(io), shutdown_timer_(io) {
    // Room for max_dialogues open plus as many in quarantine; at least one chunk.
    std::uint64_t cap = std::max<std::uint64_t>(2ull * cfg_.max_dialogues + kChunk, kChunk);
    cap = std::min<std::uint64_t>(cap, 1u << 24);  // keeps >= 8 bits of generation
    index_bits_ = static_cast<std::uint32_t>(std::bit_width(cap - 1));
    capacity_ = static_cast<std::uint32_t>(cap);
    gen_mask_ = (1u << (32 - index_bits_)) - 1;
  }

  // ------------------------------------------------------------ slot table

  Slot& slot(std::uint32_t i) { return chunks_[i / kChunk][i % kChunk]; }
  [[nodiscard]] std::uint32_t index_of(std::uint32_t tid) const { return tid & ((1u << index_bits_) - 1); }

  // The dialogue a local tid names, or nullptr (unknown, stale or free).
  Slot* find(std::uint32_t tid) {
    std::uint32_t i = index_of(tid);
    if (i >= size_) return nullptr;
    Slot& s = slot(i);
    if (s.state == State::Free || s.tid != tid) return nullptr;
    return &s;
  }
  Slot* find(const tcap::TransactionId& dtid) {
    // We only ever send 4-octet otids, so other sizes are not ours.
    return dtid.size() == 4 ? find(dtid.value()) : nullptr;
  }
  // A dialogue that may still take requests.
  Slot* find_open(DialogueId id) {
    Slot* s = find(id.value);
    return s && s->state != State::Closing ? s : nullptr;
  }

  std::uint32_t allocate(Clock::time_point now) {
    std::uint32_t i = kNil;
    if (free_.head != kNil) {
      Slot& h = slot(free_.head);
      // FIFO head = the longest freed. Take it once out of quarantine, or when
      // the table cannot grow (the generation still changes the tid value).
      if (now - h.idle_deadline >= cfg_.tid_quarantine || size_ >= capacity_) {
        i = free_.head;
        free_.head = h.idle_next;
        if (free_.head == kNil) free_.tail = kNil;
      }
    }
    if (i == kNil) {
      if (size_ >= capacity_) return kNil;
      if (size_ % kChunk == 0) chunks_.push_back(std::make_unique<Slot[]>(kChunk));
      i = size_++;
    }
    Slot& s = slot(i);
    s.generation = (s.generation + 1) & gen_mask_;
    if (s.generation == 0) s.generation = 1;  // never a tid of 0
    s.tid = (s.generation << index_bits_) | i;
    s.idle_prev = s.idle_next = kNil;
    s.n_rejects = 0;
    s.next_invoke = 1;
    for (auto& p : s.pending) p.used = false;
    ++stats_.open;
    return i;
  }

  // Frees a dialogue: timers stopped, slot to the back of the free FIFO.
  void release(Slot& s, Clock::time_point now) {
    std::uint32_t i = index_of(s.tid);
    unlink_idle(i);
    for (std::uint32_t k = 0; k < kMaxPending; ++k)
      if (s.pending[k].used) unlink_invoke(i * kMaxPending + k);
    s.state = State::Free;
    s.idle_deadline = now;  // freed-at, for the quarantine
    s.idle_next = kNil;
    if (free_.tail == kNil) free_.head = i;
    else slot(free_.tail).idle_next = i;
    free_.tail = i;
    --stats_.open;
    if (shutting_down_ && stats_.open == 0) finish_shutdown();
  }

  // ------------------------------------------------------------ timer lists

  void unlink_idle(std::uint32_t i) {
    Slot& s = slot(i);
    if (s.idle_prev == kNil && idle_.head != i) return;  // not linked
    if (s.idle_prev != kNil) slot(s.idle_prev).idle_next = s.idle_next;
    else idle_.head = s.idle_next;
    if (s.idle_next != kNil) slot(s.idle_next).idle_prev = s.idle_prev;
    else idle_.tail = s.idle_prev;
    s.idle_prev = s.idle_next = kNil;
  }
  // Restarts the idle timer: something happened in the dialogue.
  void touch(std::uint32_t i, Clock::time_point now) {
    unlink_idle(i);
    Slot& s = slot(i);
    s.idle_deadline = now + cfg_.idle_timeout;
    s.idle_prev = idle_.tail;
    if (idle_.tail != kNil) slot(idle_.tail).idle_next = i;
    else idle_.head = i;
    idle_.tail = i;
    arm(s.idle_deadline);
  }

  Pending& pend(std::uint32_t node) { return slot(node / kMaxPending).pending[node % kMaxPending]; }
  void unlink_invoke(std::uint32_t node) {
    Pending& p = pend(node);
    if (p.prev != kNil) pend(p.prev).next = p.next;
    else invokes_.head = p.next;
    if (p.next != kNil) pend(p.next).prev = p.prev;
    else invokes_.tail = p.prev;
    p.prev = p.next = kNil;
    p.used = false;
  }
  void link_invoke(std::uint32_t node, Clock::time_point deadline) {
    Pending& p = pend(node);
    p.used = true;
    p.deadline = deadline;
    p.next = kNil;
    p.prev = invokes_.tail;
    if (invokes_.tail != kNil) pend(invokes_.tail).next = node;
    else invokes_.head = node;
    invokes_.tail = node;
    arm(deadline);
  }

  void arm(Clock::time_point t) {
    if (t >= armed_for_) return;
    armed_for_ = t;
    timer_.expires_at(t);
    timer_.async_wait([this, alive = std::weak_ptr<char>(alive_)](const boost::system::error_code& ec) {
      if (ec == boost::asio::error::operation_aborted) return;  // re-armed or destroyed
      if (!alive.lock()) return;
      on_timer();
    });
  }

  void on_timer() {
    armed_for_ = Clock::time_point::max();
    auto now = Clock::now();
    // Heads are re-read every round: callbacks may end other dialogues.
    while (!idle_.empty() && slot(idle_.head).idle_deadline <= now) idle_timeout(idle_.head, now);
    while (!invokes_.empty() && pend(invokes_.head).deadline <= now) invoke_timeout(invokes_.head, now);
    if (!idle_.empty()) arm(slot(idle_.head).idle_deadline);
    if (!invokes_.empty()) arm(pend(invokes_.head).deadline);
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
  SendResult send_abrt(Slot& s, const map::DialoguePdu& pdu) {
    return send_abrt(s.remote, s.local, s.remote_tid, pdu);
  }

  void send_p_abort(const ss7::Address& to, const ss7::Address& from, const tcap::TransactionId& dtid,
                    tcap::PAbortCause cause) {
    ++stats_.p_aborts_sent;
    send_message(to, from, tcap::make_p_abort(dtid, cause));
  }

  // AARE accepted naming the registered AC, for the first answer (Q.771 §3.2.2.2).
  std::optional<tcap::DialoguePortion> first_answer_portion(const Slot& s, std::array<std::uint8_t, 7>& ac) {
    if (s.state != State::InitReceived) return std::nullopt;
    const auto& r = regs_[s.reg];
    ac = map::ac_oid(r.ac, r.version);
    return tcap::make_aare(ac, tcap::AssociateResult::Accepted, tcap::DiagnosticSource::ServiceUser,
                           static_cast<std::uint8_t>(tcap::UserDiagnostic::Null));
  }

  // Components to send: buffered Rejects first, then `extra`.
  std::span<const tcap::Component> components(Slot& s, const tcap::Component* extra) {
    std::size_t n = 0;
    for (std::uint32_t k = 0; k < s.n_rejects; ++k) comp_buf_[n++] = tcap::Component{s.rejects[k], {}};
    stats_.rejects_sent += s.n_rejects;
    if (extra) comp_buf_[n++] = *extra;
    return {comp_buf_.data(), n};
  }

  // A request could not be sent. The dialogue is gone (contract); when the
  // failure was ours (encoding), the network still gets an abort so that it
  // does not wait for its own timer.
  bool fail_request(Slot& s, SendResult r, const char* what) {
    std::uint32_t tid = s.tid;
    if (r == SendResult::EncodeFailed) {
      log_line(tid, &s.remote_tid, what, "message could not be encoded; aborting the dialogue");
      send_abrt(s, map::make_provider_abort(map::ProviderAbortReason::AbnormalDialogue));
    } else {
      log_line(tid, &s.remote_tid, what, "the SS7 endpoint refused the message; dialogue dropped");
    }
    release(s, Clock::now());
    return false;
  }

  // ------------------------------------------------------------ requests

  bool continue_invoke(DialogueId id, tcap::OpCode op, std::span<const std::uint8_t> parameter) {
    Slot* s = find_open(id);
    if (!s) return false;
    std::uint32_t i = index_of(s->tid);
    std::uint32_t k = 0;
    while (k < kMaxPending && s->pending[k].used) ++k;
    if (k == kMaxPending) {
      log_line(s->tid, &s->remote_tid, "Aborting dialogue", "too many invokes awaiting an answer");
      send_abrt(*s, map::make_user_abort(map::UserAbortChoice::UserResourceLimitation));
      release(*s, Clock::now());
      return false;
    }
    // Our invoke ids: 1..127, distinct from the network's BEGIN invoke and
    // from our own pending ones (Q.774 §3.2.2.1: one id per outstanding invoke).
    std::int8_t iid = 0;
    for (;;) {
      iid = s->next_invoke;
      s->next_invoke = static_cast<std::int8_t>(iid == 127 ? 1 : iid + 1);
      bool taken = iid == s->network_invoke;
      for (const auto& p : s->pending) taken = taken || (p.used && p.invoke_id == iid);
      if (!taken) break;
    }
    std::optional<Bytes> param;
    if (!parameter.empty()) param = Bytes(parameter);
    tcap::Component inv{tcap::Invoke{tcap::InvokeId{iid}, std::nullopt, op, param}, {}};
    std::array<std::uint8_t, 7> ac{};
    auto m = tcap::make_continue(tcap::TransactionId::from_u32(s->tid), s->remote_tid, first_answer_portion(*s, ac));
    auto r = send_message(s->remote, s->local, m, components(*s, &inv));
    if (r != SendResult::Ok) return fail_request(*s, r, "Sending CONTINUE with invoke");
    s->state = State::Active;
    s->n_rejects = 0;
    s->pending[k].invoke_id = iid;
    auto now = Clock::now();
    link_invoke(i * kMaxPending + k, now + cfg_.invoke_timeout);
    touch(i, now);
    return true;
  }

  bool end_with(DialogueId id, const tcap::Component& c, const char* what) {
    Slot* s = find_open(id);
    if (!s) return false;
    std::array<std::uint8_t, 7> ac{};
    auto m = tcap::make_end(s->remote_tid, first_answer_portion(*s, ac));
    auto r = send_message(s->remote, s->local, m, components(*s, &c));
    if (r != SendResult::Ok) return fail_request(*s, r, what);
    release(*s, Clock::now());
    return true;
  }

  bool u_abort(DialogueId id, map::UserAbortChoice choice, std::uint8_t reason) {
    Slot* s = find_open(id);
    if (!s) return false;
    // Q.774 §3.2.2.1: a TC-U-ABORT for a reason other than AC negotiation
    // carries an ABRT, also before the dialogue was confirmed.
    auto r = send_abrt(*s, map::make_user_abort(choice, reason));
    release(*s, Clock::now());
    return r == SendResult::Ok;
  }

  // ------------------------------------------------------------ timeouts

  void abort_locally(Slot& s, AbortInfo why, Clock::time_point now) {
    DialogueId id{s.tid};
    TcUser* user = regs_[s.reg].user;
    release(s, now);
    user->on_abort(id, why);
  }

  void idle_timeout(std::uint32_t i, Clock::time_point now) {
    Slot& s = slot(i);
    ++stats_.idle_timeouts;
    log_line(s.tid, &s.remote_tid, "Aborting dialogue", "idle timeout");
    // Nothing happened for too long: an abnormal dialogue from the MAP
    // provider's point of view (TS 29.002 §7.3.5 MAP-P-ABORT).
    send_abrt(s, map::make_provider_abort(map::ProviderAbortReason::AbnormalDialogue));
    abort_locally(s, AbortInfo{AbortReason::IdleTimeout, {}, {}}, now);
  }

  void invoke_timeout(std::uint32_t node, Clock::time_point now) {
    Slot& s = slot(node / kMaxPending);
    ++stats_.invoke_timeouts;
    log_line(s.tid, &s.remote_tid, "Aborting dialogue", "no answer to our invoke in time");
    // The operation failed for lack of a response; the layer aborts on the
    // user's behalf (MAP-U-ABORT, user specific reason, TS 29.002 §7.3.4).
    send_abrt(s, map::make_user_abort(map::UserAbortChoice::UserSpecificReason));
    abort_locally(s, AbortInfo{AbortReason::InvokeTimeout, {}, {}}, now);
  }

  // ------------------------------------------------------------ receiving

  void on_unitdata(ss7::Unitdata&& u) {
    Bytes bytes(u.data.data(), u.data.size());
    tcap::MessageError why;
    auto m = tcap::decode_message(bytes, &why);
    if (!m) {
      on_malformed(u, why, m.error());
      return;
    }
    switch (m->type) {
      case tcap::MessageType::Begin: on_begin(u, *m); break;
      case tcap::MessageType::Continue: on_continue(u, *m); break;
      case tcap::MessageType::End: on_end(*m); break;
      case tcap::MessageType::Abort: on_network_abort(*m); break;
      case tcap::MessageType::Unidirectional:
        log_line(0, nullptr, "Discarding Unidirectional", "no TC user for unidirectional dialogues");
        break;
    }
  }

  // Q.774 §3.2.1.2: a message whose transaction portion cannot be decoded is
  // answered with a P-Abort to its otid when one was readable (otherwise it
  // is discarded); a dialogue its dtid names is terminated locally.
  // A broken dialogue portion is a dialogue-level error (Q.774 §3.2.2.2):
  // the answer is an ABORT with an ABRT, abort-source dialogue-service-provider.
  void on_malformed(const ss7::Unitdata& u, const tcap::MessageError& why, const Error& err) {
    auto now = Clock::now();
    Slot* s = why.dtid ? find(*why.dtid) : nullptr;
    if (why.where == tcap::MessageError::Where::DialoguePortion) {
      if (why.type == tcap::MessageType::Begin && why.otid) {
        ++stats_.begins;
        ++stats_.p_aborts_sent;
        log_line(0, &*why.otid, "Refusing BEGIN with a provider ABRT", err.what);
        send_message(u.calling, u.called,
                     tcap::make_u_abort(*why.otid, tcap::make_abrt(tcap::AbortSource::ServiceProvider)));
        return;
      }
      if (!s) {
        ++stats_.unknown_tid;
        log_line(0, why.otid ? &*why.otid : nullptr, "Discarding message with a bad dialogue portion", err.what);
        return;
      }
      log_line(s->tid, &s->remote_tid, "Aborting dialogue: bad dialogue portion", err.what);
      if (why.type == tcap::MessageType::Continue) {
        ++stats_.p_aborts_sent;
        send_message(s->remote, s->local,
                     tcap::make_u_abort(s->remote_tid, tcap::make_abrt(tcap::AbortSource::ServiceProvider)));
      }
      auto reason = why.type == tcap::MessageType::Abort ? AbortReason::NetworkUAbort : AbortReason::ProtocolError;
      abort_locally(*s, AbortInfo{reason, {}, {}}, now);
      return;
    }
    log_line(s ? s->tid : 0, why.otid ? &*why.otid : nullptr, "Malformed transaction portion", err.what);
    if (why.otid) send_p_abort(u.calling, u.called, *why.otid, why.cause);
    if (s) abort_locally(*s, AbortInfo{AbortReason::ProtocolError, why.cause, {}}, now);
  }

  const AcRegistration* find_reg(std::uint8_t ac, std::uint8_t* index) const {
    for (std::size_t k = 0; k < regs_.size(); ++k)
      if (regs_[k].ac == ac) {
        if (index) *index = static_cast<std::uint8_t>(k);
        return &regs_[k];
      }
    return nullptr;
  }

  void on_begin(const ss7::Unitdata& u, const tcap::Message& m) {
    ++stats_.begins;
    const tcap::TransactionId& otid = *m.otid;
    const ss7::Address& to = u.calling;
    const ss7::Address& from = u.called;
    if (shutting_down_) {
      send_p_abort(to, from, otid, tcap::PAbortCause::ResourceLimitation);
      return;
    }

    // ---- application context (TS 29.002 §12.1, Q.774 §3.2.2.2)
    if (!m.dialogue) {
      // No dialogue portion = MAP v1 (TS 29.002 §12.1). Every registration is
      // v2 or later, and a v1 peer cannot read an AARE, so the refusal is a
      // TC-U-ABORT without a dialogue portion (Q.773 Abort with no cause).
      // Not a P-Abort: the transaction portion was fine.
      ++stats_.ac_refused;
      ++stats_.u_aborts_sent;
      log_line(0, &otid, "Refusing BEGIN", "no dialogue portion (MAP v1) and no v1 context is registered");
      send_message(to, from, tcap::make_u_abort(otid));
      return;
    }
    const tcap::DialoguePortion& dp = *m.dialogue;
    if (dp.type != tcap::DialoguePduType::Aarq) {
      ++stats_.p_aborts_sent;
      log_line(0, &otid, "Refusing BEGIN with a provider ABRT", "dialogue portion is not an AARQ");
      send_message(to, from, tcap::make_u_abort(otid, tcap::make_abrt(tcap::AbortSource::ServiceProvider)));
      return;
    }
    if (!dp.has_version1()) {
      // Q.774 §3.2.2.2: no common protocol version: AARE reject-permanent,
      // dialogue-service-provider no-common-dialogue-portion.
      ++stats_.ac_refused;
      log_line(0, &otid, "Refusing BEGIN", "protocol-version without version1");
      send_message(to, from,
                   tcap::make_u_abort(otid, tcap::make_aare(dp.application_context, tcap::AssociateResult::RejectPermanent,
                                                            tcap::DiagnosticSource::ServiceProvider,
                                                            static_cast<std::uint8_t>(
                                                                tcap::ProviderDiagnostic::NoCommonDialoguePortion))));
      return;
    }
    auto acid = map::parse_ac(dp.application_context);
    std::uint8_t reg_index = 0;
    const AcRegistration* reg = acid ? find_reg(acid->ac, &reg_index) : nullptr;
    if (!reg || acid->version != reg->version) {
      // TS 29.002 §12.1: the responder refuses with TC-U-ABORT carrying an
      // AARE reject-permanent, dialogue-service-user
      // application-context-name-not-supported; the AC name it returns is
      // the version it supports of the same AC family (the initiator falls
      // back to it, vector S10 #4), or the received name when it supports
      // nothing of that family.
      std::array<std::uint8_t, 7> supported{};
      Bytes named = dp.application_context;
      if (reg) {
        supported = map::ac_oid(reg->ac, reg->version);
        named = supported;
      }
      ++stats_.ac_refused;
      log_line(0, &otid, "Refusing BEGIN", reg ? "AC version not supported" : "AC not supported");
      send_message(to, from,
                   tcap::make_u_abort(otid, tcap::make_aare(named, tcap::AssociateResult::RejectPermanent,
                                                            tcap::DiagnosticSource::ServiceUser,
                                                            static_cast<std::uint8_t>(tcap::UserDiagnostic::AcNotSupported))));
      return;
    }

    // ---- MAP-OPEN (TS 29.002 §7.3.1): references, raw-IMSI quirk handled.
    Digits dest_ref, orig_ref;
    if (dp.user_information) {
      auto pdu = map::decode_user_information(*dp.user_information);
      if (!pdu || pdu->type != map::DialoguePduType::Open) {
        // TS 29.002 §7.3.5: a MAP dialogue PDU that cannot be used is a
        // provider abort with reason invalidPDU.
        log_line(0, &otid, "Refusing BEGIN", pdu ? "user information is not a map-open" : pdu.error().what);
        send_abrt(to, from, otid, map::make_provider_abort(map::ProviderAbortReason::InvalidPdu));
        return;
      }
      if (pdu->destination_reference) dest_ref = map::read_reference(*pdu->destination_reference).best_digits();
      if (pdu->origination_reference) orig_ref = map::read_reference(*pdu->origination_reference).best_digits();
    }

    // ---- the first Invoke
    auto reader = m.components();
    if (reader.at_end()) {
      // A BEGIN without components is legal TCAP (MAP uses it for TCAP
      // segmentation, S10 #6), but every registered service starts with an
      // invoke and TcUser::on_begin needs one: refuse as an abnormal dialogue.
      log_line(0, &otid, "Refusing BEGIN", "no component to act on");
      send_abrt(to, from, otid, map::make_provider_abort(map::ProviderAbortReason::AbnormalDialogue));
      return;
    }
    auto first = reader.next();
    if (!first || !first->invoke()) {
      // Q.774 §3.2.2.3: the component is rejected; with no invoke there is
      // nothing to continue, so the Reject goes in an END with the AARE
      // (dialogue accepted at TCAP level, then closed).
      std::optional<tcap::Reject> rj;
      if (!first) rj = reader.last_problem().to_reject();
      else if (auto* rr = first->return_result())
        rj = tcap::Reject{rr->invoke_id, tcap::ProblemType::ReturnResult,
                          static_cast<std::uint8_t>(tcap::ReturnResultProblem::UnrecognizedInvokeId)};
      else if (auto* re = first->return_error())
        rj = tcap::Reject{re->invoke_id, tcap::ProblemType::ReturnError,
                          static_cast<std::uint8_t>(tcap::ReturnErrorProblem::UnrecognizedInvokeId)};
      if (!rj) {  // a Reject is never answered with a Reject (Q.774 §3.2.2.3)
        log_line(0, &otid, "Refusing BEGIN", "first component is a Reject");
        send_abrt(to, from, otid, map::make_provider_abort(map::ProviderAbortReason::AbnormalDialogue));
        return;
      }
      log_line(0, &otid, "Rejecting BEGIN's first component", first ? "not an invoke" : first.error().what);
      auto ac = map::ac_oid(reg->ac, reg->version);
      tcap::Component c{*rj, {}};
      ++stats_.rejects_sent;
      send_message(to, from, tcap::make_end(otid, accepted(ac)), std::span<const tcap::Component>(&c, 1));
      return;
    }
    const tcap::Invoke& invoke = *first->invoke();

    // ---- bound on open dialogues: busy answer, never a new dialogue
    if (stats_.open >= cfg_.max_dialogues) {
      ++stats_.begins_busy;
      auto ac = map::ac_oid(reg->ac, reg->version);
      BusyAnswer a;
      a.error = reg->busy_error;
      if (reg->busy_answer) a = reg->busy_answer(invoke);
      tcap::Component c = busy_component(a, invoke.invoke_id);
      if (c.reject()) ++stats_.rejects_sent;
      send_message(to, from, tcap::make_end(otid, accepted(ac)), std::span<const tcap::Component>(&c, 1));
      return;
    }

    auto now = Clock::now();
    std::uint32_t i = allocate(now);
    if (i == kNil) {  // cannot happen while capacity >= max_dialogues; kept as a guard
      send_p_abort(to, from, otid, tcap::PAbortCause::ResourceLimitation);
      return;
    }
    Slot& s = slot(i);
    s.state = State::InitReceived;
    s.reg = reg_index;
    s.remote = u.calling;
    s.local = u.called;
    s.remote_tid = otid;
    s.network_invoke = invoke.invoke_id.value;
    touch(i, now);

    DialogueInfo info;
    info.id = DialogueId{s.tid};
    info.remote_tid = otid;
    info.ac = dp.ac_dotted();
    info.ac_version = acid->version;
    info.destination_reference = dest_ref;
    info.origination_reference = orig_ref;
    info.remote = u.calling;
    info.local = u.called;
    info.opened_at = now;
    std::uint32_t tid = s.tid;
    reg->user->on_begin(info, invoke);
    deliver(tid, reader, false);
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
    return tcap::Component{tcap::ReturnError{invoke, tcap::ErrorCode::make_local(a.error), std::nullopt}, {}};
  }

  static tcap::DialoguePortion accepted(const std::array<std::uint8_t, 7>& ac) {
    return tcap::make_aare(ac, tcap::AssociateResult::Accepted, tcap::DiagnosticSource::ServiceUser,
                           static_cast<std::uint8_t>(tcap::UserDiagnostic::Null));
  }

  void queue_reject(Slot& s, const tcap::Reject& r) {
    if (s.n_rejects < kMaxRejects) s.rejects[s.n_rejects++] = r;
  }

  // Component handling of Q.774 §3.2.2.3 for a CONTINUE/END (and the rest of
  // a BEGIN): invoke ids are checked against our pending invokes, answers
  // stop their timers, malformed components become Rejects; the rest goes to
  // the TC user. Stops when the user ends the dialogue.
  void deliver(std::uint32_t tid, tcap::ComponentReader& reader, bool end) {
    while (!reader.at_end()) {
      Slot* s = find(tid);
      if (!s) return;
      auto c = reader.next();
      if (!c) {
        log_line(tid, &s->remote_tid, end ? "Dropping malformed component in END" : "Rejecting malformed component",
                 c.error().what);
        if (!end) queue_reject(*s, reader.last_problem().to_reject());
        continue;
      }
      std::optional<tcap::InvokeId> answers;
      bool final_answer = true;
      tcap::ProblemType ptype = tcap::ProblemType::ReturnResult;
      if (auto* rr = c->return_result()) {
        answers = rr->invoke_id;
        final_answer = rr->last;
      } else if (auto* re = c->return_error()) {
        answers = re->invoke_id;
        ptype = tcap::ProblemType::ReturnError;
      } else if (auto* rj = c->reject()) {
        // A Reject of one of our invokes ends that invoke (Q.774 §3.2.2.3).
        if (rj->invoke_id) stop_invoke(*s, *rj->invoke_id);
      }
      if (answers) {
        std::uint32_t k = pending_index(*s, *answers);
        if (k == kMaxPending) {
          log_line(tid, &s->remote_tid, "Rejecting answer", "unrecognized invoke id");
          // returnResult/returnError problem unrecognizedInvokeID (both code 0).
          if (!end) queue_reject(*s, tcap::Reject{answers, ptype, 0});
          continue;
        }
        if (final_answer) unlink_invoke(index_of(tid) * kMaxPending + k);
      }
      regs_[s->reg].user->on_component(DialogueId{tid}, *c, end);
    }
    // Rejects of an active dialogue go out now in a CONTINUE; before the
    // first answer they wait for it (sending now would confirm the dialogue).
    Slot* s = find(tid);
    if (s && !end && s->n_rejects > 0 && s->state == State::Active) {
      auto m = tcap::make_continue(tcap::TransactionId::from_u32(s->tid), s->remote_tid);
      auto r = send_message(s->remote, s->local, m, components(*s, nullptr));
      s->n_rejects = 0;
      if (r != SendResult::Ok) {
        TcUser* user = regs_[s->reg].user;
        fail_request(*s, r, "Sending Reject");
        user->on_abort(DialogueId{tid}, AbortInfo{AbortReason::ProtocolError, {}, {}});
      }
    }
  }

  std::uint32_t pending_index(const Slot& s, tcap::InvokeId id) const {
    for (std::uint32_t k = 0; k < kMaxPending; ++k)
      if (s.pending[k].used && s.pending[k].invoke_id == id.value) return k;
    return kMaxPending;
  }
  void stop_invoke(Slot& s, tcap::InvokeId id) {
    std::uint32_t k = pending_index(s, id);
    if (k != kMaxPending) unlink_invoke(index_of(s.tid) * kMaxPending + k);
  }

  void on_continue(const ss7::Unitdata& u, const tcap::Message& m) {
    ++stats_.continues_in;
    Slot* s = find(*m.dtid);
    if (!s || s->state == State::Closing) {
      // Q.774 §3.2.1.2 (transaction state table): a CONTINUE for no
      // transaction is answered with a P-Abort unrecognizedTransactionID.
      ++stats_.unknown_tid;
      log_line(m.dtid->value(), &*m.otid, "P-Aborting CONTINUE", "unrecognized transaction id");
      send_p_abort(u.calling, u.called, *m.otid, tcap::PAbortCause::UnrecognizedTransactionId);
      return;
    }
    touch(index_of(s->tid), Clock::now());
    auto reader = m.components();
    deliver(s->tid, reader, false);
  }

  void on_end(const tcap::Message& m) {
    ++stats_.ends_in;
    Slot* s = find(*m.dtid);
    if (!s || s->state == State::Closing) {
      ++stats_.unknown_tid;  // Q.774: an END for no transaction is discarded
      log_line(m.dtid->value(), nullptr, "Discarding END", "unrecognized transaction id");
      return;
    }
    std::uint32_t tid = s->tid;
    s->state = State::Closing;
    auto reader = m.components();
    deliver(tid, reader, true);
    if (Slot* again = find(tid)) release(*again, Clock::now());
  }

  void on_network_abort(const tcap::Message& m) {
    ++stats_.aborts_in;
    Slot* s = find(*m.dtid);
    if (!s || s->state == State::Closing) {
      ++stats_.unknown_tid;  // Q.774: an ABORT for no transaction is discarded
      return;
    }
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
    abort_locally(*s, info, Clock::now());
  }

  void on_notice(ss7::Notice&& n) {
    // The returned data is the TCAP message we sent; its otid is our tid
    // (only a BEGIN or CONTINUE of ours has one, and an END/ABORT of ours
    // belongs to a dialogue that is already gone).
    auto m = tcap::decode_message(Bytes(n.data.data(), n.data.size()));
    Slot* s = m && m->otid ? find(*m->otid) : nullptr;
    if (!s || s->state == State::Closing) {
      log_line(0, nullptr, "Ignoring N-NOTICE", "returned message names no open dialogue");
      return;
    }
    ++stats_.undeliverable;
    char cause[48];
    std::snprintf(cause, sizeof cause, "message returned, SCCP return cause %u", n.cause);
    log_line(s->tid, &s->remote_tid, "Dropping dialogue", cause);
    abort_locally(*s, AbortInfo{AbortReason::Undeliverable, {}, {}}, Clock::now());
  }

  // ------------------------------------------------------------ shutdown

  void shutdown(std::function<void()> done) {
    shutting_down_ = true;
    done_ = std::move(done);
    if (stats_.open == 0) {
      finish_shutdown();
      return;
    }
    shutdown_timer_.expires_after(cfg_.shutdown_grace);
    shutdown_timer_.async_wait([this, alive = std::weak_ptr<char>(alive_)](const boost::system::error_code& ec) {
      if (ec == boost::asio::error::operation_aborted || !alive.lock()) return;
      auto now = Clock::now();
      // Every open dialogue is on the idle list.
      while (!idle_.empty()) {
        Slot& s = slot(idle_.head);
        log_line(s.tid, &s.remote_tid, "Aborting dialogue", "shutdown grace period over");
        send_abrt(s, map::make_user_abort(map::UserAbortChoice::ResourceUnavailable, 1 /* longTermResourceLimitation */));
        abort_locally(s, AbortInfo{AbortReason::Shutdown, {}, {}}, now);
      }
      finish_shutdown();
    });
  }

  void finish_shutdown() {
    if (!done_) return;
    shutdown_timer_.cancel();
    // Posted: `done` may destroy the layer, which must not happen under our feet.
    boost::asio::post(io_, std::move(done_));
    done_ = nullptr;
  }

  boost::asio::io_context& io_;
  Config cfg_;
  Sender send_;
  Stats stats_;
  std::vector<AcRegistration> regs_;

  std::vector<std::unique_ptr<Slot[]>> chunks_;
  std::uint32_t size_ = 0, capacity_ = 0, index_bits_ = 0, gen_mask_ = 0;
  List free_, idle_, invokes_;

  boost::asio::steady_timer timer_;
  Clock::time_point armed_for_ = Clock::time_point::max();
  boost::asio::steady_timer shutdown_timer_;
  bool shutting_down_ = false;
  std::function<void()> done_;
  std::shared_ptr<char> alive_ = std::make_shared<char>(0);

  std::array<std::uint8_t, kEncodeBuffer> buf_{};
  std::array<std::uint8_t, 96> ui_buf_{};
  std::array<tcap::Component, kMaxRejects + 1> comp_buf_{};
};

// ------------------------------------------------------------ public face

DialogueLayer::DialogueLayer(boost::asio::io_context& io, Config cfg, Sender send)
    : impl_(std::make_unique<Impl>(io, cfg, std::move(send))) {}
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

bool DialogueLayer::continue_invoke(DialogueId id, tcap::OpCode op, std::span<const std::uint8_t> parameter) {
  return impl_->continue_invoke(id, op, parameter);
}

bool DialogueLayer::end_result(DialogueId id, tcap::InvokeId invoke, tcap::OpCode op,
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

bool DialogueLayer::end_error(DialogueId id, tcap::InvokeId invoke, std::int64_t map_error,
                              std::optional<std::span<const std::uint8_t>> parameter) {
  tcap::ReturnError re{invoke, tcap::ErrorCode::make_local(map_error), std::nullopt};
  if (parameter && !parameter->empty()) re.parameter = Bytes(*parameter);
  return impl_->end_with(id, tcap::Component{re, {}}, "Sending END with error");
}

bool DialogueLayer::end_reject(DialogueId id, tcap::InvokeId invoke, tcap::ProblemType type, std::uint8_t code) {
  tcap::Reject rj{invoke, type, code};
  bool ok = impl_->end_with(id, tcap::Component{rj, {}}, "Sending END with Reject");
  if (ok) ++impl_->stats_.rejects_sent;
  return ok;
}

bool DialogueLayer::u_abort(DialogueId id, map::UserAbortChoice choice, std::uint8_t reason) {
  return impl_->u_abort(id, choice, reason);
}

void DialogueLayer::shutdown(std::function<void()> done) { impl_->shutdown(std::move(done)); }

Stats DialogueLayer::stats() const {
  Stats s = impl_->stats_;
  s.slots = impl_->size_;
  return s;
}

std::size_t DialogueLayer::state_bytes_per_dialogue() { return sizeof(Slot); }
// The per-dialogue budget (docs/ussd-service.md "Memory"): the slot plus the
// service's session record (< 512 octets, Service::state_bytes_per_session)
// stay under 2 KiB; bench/load_bench.sh measures the real figure with heap.
static_assert(sizeof(Slot) < 2048 - 512, "a dialogue slot outgrew the 2 KiB per-dialogue budget");

}  // namespace ussdgw::dialogue
