// Initiator-side USSD dialogue engine; see initiator.h.
#include "tools/sim/initiator.h"

#include <algorithm>
#include <bit>
#include <functional>

#include "gateway/codec/map_dialogue.h"
#include "gateway/codec/map_names.h"
#include "ussd/codec/ussd_ops.h"
#include "ussd/codec/ussd_text.h"

namespace ussdgw::sim {
namespace {

constexpr std::int64_t kOpPussr = 59;  // processUnstructuredSS-Request, TS 29.002 §17.6.4
constexpr std::int64_t kOpUssr = 60;   // unstructuredSS-Request
constexpr std::int64_t kOpUssn = 61;   // unstructuredSS-Notify
constexpr std::int64_t kOpUnknown = 127;  // not assigned in TS 29.002 §17.5

// TCAP has room for a 4-octet TID; one bit pattern per (generation, slot).
constexpr std::size_t kMaxTable = std::size_t{1} << 22;

bool later(const auto& a, const auto& b) { return a.deadline > b.deadline; }

Result<std::vector<std::uint8_t>> encode_res(std::string_view text) {
  std::array<std::uint8_t, ussd::kMaxUssdStringOctets> str{};
  auto enc = ussd::encode_text(text, str);
  if (!enc) return enc.error();
  ussd::UssdRes res{enc->dcs, Bytes(str.data(), enc->octets)};
  std::array<std::uint8_t, 200> out{};
  auto n = ussd::encode_ussd_res(res, out);
  if (!n) return n.error();
  return std::vector<std::uint8_t>(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n));
}

void put_u32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// The deliberate damage of Action::kTruncated* / kUnknownMessageType to a
// well-formed BEGIN whose otid sits at its head.
Status misshape(Action a, std::vector<std::uint8_t>& begin) {
  if (a == Action::kUnknownMessageType) {
    begin[0] = 0x6a;  // [APPLICATION 10]: no TCAP message type (Q.773 §4.2.1)
    return Ok{};
  }
  if (a != Action::kTruncatedDialogue && a != Action::kTruncatedComponents) return Ok{};
  auto m = tcap::decode_message(Bytes(begin.data(), begin.size()));
  if (!m || !m->component_portion) return Error{"BEGIN: cannot find its portions"};
  // Contents of the component portion; the dialogue portion ends 2 octets before.
  const auto comps = static_cast<std::size_t>(m->component_portion->data() - begin.data());
  std::size_t keep = comps + 3;  // inside the first component
  if (a == Action::kTruncatedDialogue) {
    // The otid TLV ends where the dialogue portion starts; keep 6 octets of it.
    const std::size_t hdr = 2 + ((begin[1] & 0x80) ? (begin[1] & 0x7f) : 0);
    keep = hdr + 6 + 6;
  }
  if (keep >= begin.size()) return Error{"BEGIN: too short to truncate"};
  begin.resize(keep);
  return Ok{};
}

}  // namespace

const char* to_string(OutcomeKind k) {
  switch (k) {
    case OutcomeKind::kEnd: return "end";
    case OutcomeKind::kMapError: return "error";
    case OutcomeKind::kReject: return "reject";
    case OutcomeKind::kAbort: return "abort";
    case OutcomeKind::kTimeout: return "timeout";
    case OutcomeKind::kLocalAbort: return "local-abort";
    case OutcomeKind::kProtocol: return "protocol";
    case OutcomeKind::kSendFailed: return "send-failed";
  }
  return "?";
}

Result<PreparedDialogue> prepare(DialogueSpec spec) {
  PreparedDialogue p;

  if (spec.action == Action::kMalformed) {
    // 62 L 48 04 <otid> 6c 10 a1 03 02 01 01: the component portion claims 16
    // octets where 5 follow, so the TLV structure of the transaction portion
    // is broken (Q.774 §3.2.1.2: badlyFormattedTransactionPortion).
    p.begin = {0x62, 0x0d, 0x48, 0x04, 0, 0, 0, 0, 0x6c, 0x10, 0xa1, 0x03, 0x02, 0x01, 0x01};
    p.otid_offset = 4;
  } else {
    // MAP-OPEN (TS 29.002 §7.3.1): destinationReference = IMSI as an E.212
    // AddressString, originationReference = MSISDN or VLR number (E.164).
    std::array<std::uint8_t, 24> dest{}, orig{};
    std::size_t dl = encode_address_string(AddressString::international(spec.imsi.digits.view(), Npi::E212),
                                           dest.data(), dest.size());
    if (dl == 0) return Error{"imsi: not a digit string that fits an AddressString"};
    std::optional<Bytes> orig_ref;
    const Digits* od = nullptr;
    if (spec.orig_ref == OrigRef::kMsisdn && spec.msisdn) od = &spec.msisdn->digits;
    if (spec.orig_ref == OrigRef::kVlr && !spec.vlr_number.empty()) od = &spec.vlr_number;
    if (od) {
      std::size_t ol = encode_address_string(AddressString::international(od->view(), Npi::E164), orig.data(),
                                             orig.size());
      if (ol == 0) return Error{"originationReference: bad digits"};
      orig_ref = Bytes(orig.data(), ol);
    }
    std::array<std::uint8_t, 128> ui{};
    auto uir = map::encode_user_information(ui, map::make_open(Bytes(dest.data(), dl), orig_ref));
    if (!uir) return uir.error();
    auto ac = map::ac_oid(map::ac::kNetworkUnstructuredSs, spec.ac_version);
    auto begin = tcap::make_begin(tcap::TransactionId::from_u32(0), tcap::make_aarq(Bytes(ac), *uir));

    // USSD-Arg (TS 29.002 §17.7.4): DCS + string, msisdn [0].
    std::array<std::uint8_t, ussd::kMaxUssdStringOctets> str{};
    auto enc = ussd::encode_text(spec.dial, str);
    if (!enc) return Error{"dial: text does not fit a USSD-String"};
    ussd::UssdArg arg;
    arg.dcs = enc->dcs;
    arg.string = Bytes(str.data(), enc->octets);
    arg.msisdn = spec.msisdn;
    std::array<std::uint8_t, 200> argbuf{};
    auto an = ussd::encode_ussd_arg(arg, argbuf);
    if (!an) return an.error();

    tcap::Component c;
    c.body = tcap::Invoke{tcap::InvokeId{1}, std::nullopt,
                          tcap::OpCode::make_local(spec.action == Action::kUnknownOperation ? kOpUnknown : kOpPussr),
                          Bytes(argbuf.data(), *an)};
    std::array<std::uint8_t, 512> out{};
    auto msg = tcap::encode_message(out, begin, std::span(&c, 1));
    if (!msg) return msg.error();
    p.begin.assign(msg->begin(), msg->end());
    // 62 <len> 48 04 <otid>: skip the (possibly long-form) length octets.
    std::size_t pos = 2 + ((p.begin[1] & 0x80) ? (p.begin[1] & 0x7f) : 0);
    if (pos + 6 > p.begin.size() || p.begin[pos] != 0x48 || p.begin[pos + 1] != 4)
      return Error{"BEGIN: otid not where expected"};
    p.otid_offset = pos + 2;
    if (auto s = misshape(spec.action, p.begin); !s) return s.error();
  }

  for (const auto& a : spec.answers) {
    auto r = encode_res(a);
    if (!r) return Error{"answer: text does not fit a USSD-String"};
    p.answer_res.push_back(std::move(*r));
  }
  if (spec.answer_all) {
    auto r = encode_res(*spec.answer_all);
    if (!r) return Error{"answer: text does not fit a USSD-String"};
    p.answer_all_res = std::move(*r);
  }
  p.spec = std::move(spec);
  return p;
}

Initiator::Initiator(InitiatorConfig cfg, TcapSender& sender, InitiatorObserver& observer)
    : cfg_(cfg), sender_(sender), observer_(observer) {
  std::size_t n = std::bit_ceil(std::clamp<std::size_t>(cfg_.max_dialogues, 1, kMaxTable));
  index_bits_ = static_cast<std::uint32_t>(std::countr_zero(n));
  slots_.resize(n);
  free_.reserve(n);
  for (std::size_t i = n; i-- > 0;) free_.push_back(static_cast<std::uint32_t>(i));
  timers_.reserve(n * 2);
  scratch_.reserve(512);
  // MAP-UserAbortInfo userSpecificReason (TS 29.002 §17.4): what an MSC
  // sends when the subscriber releases.
  auto ui = map::encode_user_information(user_abort_ui_, map::make_user_abort(map::UserAbortChoice::UserSpecificReason));
  user_abort_ui_len_ = ui ? ui->size() : 0;
}

std::optional<std::uint32_t> Initiator::start(const PreparedDialogue& d, std::uint64_t tag, Clock::time_point now) {
  if (free_.empty()) return std::nullopt;
  std::uint32_t idx = free_.back();
  free_.pop_back();
  Slot& s = slots_[idx];
  std::uint32_t generation = (s.generation + 1) & ((std::uint32_t{1} << (32 - index_bits_)) - 1);
  s = Slot{};
  s.generation = generation;
  s.otid = (generation << index_bits_) | idx;
  s.d = &d;
  s.tag = tag;
  s.busy = true;
  s.started = s.last_sent = now;
  ++active_;

  scratch_.assign(d.begin.begin(), d.begin.end());
  put_u32(scratch_.data() + d.otid_offset, s.otid);
  observer_.on_sent({s.otid, tag}, d.spec.dial);
  std::uint32_t otid = s.otid;
  const bool sent = d.spec.xudt_segments > 0 ? sender_.send_tcap_segmented(scratch_, d.spec.xudt_segments)
                                              : sender_.send_tcap(scratch_);
  if (!sent) {
    finish(s, Outcome{OutcomeKind::kSendFailed, "transport refused the BEGIN"}, now);
    return std::nullopt;
  }
  arm(s, now);
  return otid;
}

Initiator::Slot* Initiator::lookup(std::uint32_t otid) {
  std::uint32_t idx = otid & ((std::uint32_t{1} << index_bits_) - 1);
  if (idx >= slots_.size()) return nullptr;
  Slot& s = slots_[idx];
  return s.busy && s.otid == otid ? &s : nullptr;
}

Initiator::Slot* Initiator::lookup(const std::optional<tcap::TransactionId>& tid) {
  // Our otids are always 4 octets (Q.773 §4.2.1 allows 1..4).
  if (!tid || tid->size() != 4) return nullptr;
  return lookup(tid->value());
}

void Initiator::arm(Slot& s, Clock::time_point now) {
  ++s.seq;
  timers_.push_back({now + s.d->spec.timeout, s.otid, s.seq});
  std::push_heap(timers_.begin(), timers_.end(), [](const auto& a, const auto& b) { return later(a, b); });
}

void Initiator::finish(Slot& s, Outcome o, Clock::time_point now) {
  o.latency = now - s.started;
  o.steps = s.steps;
  DialogueRef ref{s.otid, s.tag};
  s.busy = false;
  free_.push_back(static_cast<std::uint32_t>(&s - slots_.data()));
  --active_;
  observer_.on_finished(ref, o);  // last: the observer may start the next dialogue here
}

std::optional<Clock::time_point> Initiator::next_deadline() {
  auto cmp = [](const auto& a, const auto& b) { return later(a, b); };
  while (!timers_.empty()) {
    const auto& t = timers_.front();
    Slot* s = lookup(t.otid);
    if (s && s->seq == t.seq) return t.deadline;
    std::pop_heap(timers_.begin(), timers_.end(), cmp);
    timers_.pop_back();
  }
  return std::nullopt;
}

void Initiator::expire(Clock::time_point now) {
  auto cmp = [](const auto& a, const auto& b) { return later(a, b); };
  while (!timers_.empty() && timers_.front().deadline <= now) {
    TimerEntry t = timers_.front();
    std::pop_heap(timers_.begin(), timers_.end(), cmp);
    timers_.pop_back();
    Slot* s = lookup(t.otid);
    if (!s || s->seq != t.seq) continue;  // answered meanwhile
    // Release the gateway's side too, as an MSC does when its own timer
    // expires (TS 29.002 §15.3, TC-U-ABORT on timer expiry).
    send_u_abort(*s);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(s->d->spec.timeout).count();
    finish(*s, Outcome{OutcomeKind::kTimeout, "no answer within " + std::to_string(ms) + " ms"}, now);
  }
}

bool Initiator::send_u_abort(Slot& s) {
  if (!s.have_remote) return false;  // the gateway's tid is unknown until its first CONTINUE
  auto abrt = tcap::make_abrt(tcap::AbortSource::ServiceUser, Bytes(user_abort_ui_.data(), user_abort_ui_len_));
  scratch_.resize(256);
  auto out = tcap::encode_message(scratch_, tcap::make_u_abort(s.remote, abrt));
  if (!out) return false;
  return sender_.send_tcap(*out);
}

std::string Initiator::describe_abort(const tcap::Message& m) const {
  if (m.p_abort_cause) return std::string("p-abort ") + tcap::to_string(*m.p_abort_cause);
  if (!m.dialogue) return "u-abort";
  const auto& d = *m.dialogue;
  if (d.type == tcap::DialoguePduType::Aare) {
    // Q.774 §3.2.2.2 / TS 29.002 §7.3.1: AC not supported, the AARE names
    // the version the responder does support.
    std::string s = "u-abort ac-refused";
    auto name = map::ac_name(d.application_context);
    if (!name.empty()) s += " offers " + name.str();
    return s;
  }
  std::string s = d.abort_source == tcap::AbortSource::ServiceProvider ? "u-abort (provider)" : "u-abort";
  if (d.user_information) {
    if (auto p = map::decode_user_information(*d.user_information)) {
      s += ' ';
      s += map::to_string(p->type);
      if (p->type == map::DialoguePduType::UserAbort) s += " choice=" + std::to_string(int(p->user_abort_choice));
      if (p->type == map::DialoguePduType::ProviderAbort)
        s += " reason=" + std::to_string(int(p->provider_abort_reason));
      if (p->type == map::DialoguePduType::Refuse) s += " reason=" + std::to_string(int(p->refuse_reason));
    }
  }
  return s;
}

void Initiator::on_returned(Bytes our_tcap, std::uint32_t cause, Clock::time_point now) {
  tcap::MessageError why;
  auto m = tcap::decode_message(our_tcap, &why);
  Slot* s = lookup(m ? m->otid : why.otid);
  if (!s) {
    ++unmatched_;
    return;
  }
  finish(*s, Outcome{OutcomeKind::kAbort, "returned by SCCP (UDTS cause " + std::to_string(cause) + ")"}, now);
}

void Initiator::on_tcap(Bytes bytes, Clock::time_point now) {
  tcap::MessageError why;
  auto m = tcap::decode_message(bytes, &why);
  if (!m) {
    Slot* s = lookup(why.dtid);
    if (!s) {
      ++unmatched_;
      return;
    }
    ++s->steps;
    send_u_abort(*s);
    finish(*s, Outcome{OutcomeKind::kProtocol, std::string("undecodable message: ") + m.error().what}, now);
    return;
  }
  if (m->type != tcap::MessageType::End && m->type != tcap::MessageType::Continue &&
      m->type != tcap::MessageType::Abort) {
    ++unmatched_;  // a BEGIN towards us: not a role the simulator plays
    return;
  }
  Slot* s = lookup(m->dtid);
  if (!s) {
    ++unmatched_;
    return;
  }
  if (m->type == tcap::MessageType::Abort) {
    ++s->steps;
    observer_.on_step({s->otid, s->tag}, now - s->last_sent);
    finish(*s, Outcome{OutcomeKind::kAbort, describe_abort(*m)}, now);
    return;
  }
  handle_end_or_continue(*s, *m, now);
}

void Initiator::handle_end_or_continue(Slot& s, const tcap::Message& m, Clock::time_point now) {
  DialogueRef ref{s.otid, s.tag};
  ++s.steps;
  observer_.on_step(ref, now - s.last_sent);
  const bool is_end = m.type == tcap::MessageType::End;
  if (!is_end && !s.have_remote) {
    if (!m.otid) {
      finish(s, Outcome{OutcomeKind::kProtocol, "CONTINUE without otid"}, now);
      return;
    }
    s.remote = *m.otid;  // Q.774 §3.2.1: the responder's tid, our dtid from now on
    s.have_remote = true;
  }
  // The first backward message may carry the AARE (Q.774 §3.2.2.2).
  if (m.dialogue && m.dialogue->type == tcap::DialoguePduType::Aare &&
      m.dialogue->result == tcap::AssociateResult::RejectPermanent) {
    if (!is_end) send_u_abort(s);
    finish(s, Outcome{OutcomeKind::kAbort, "ac-refused in AARE"}, now);
    return;
  }

  struct Pending {
    tcap::InvokeId id;
    PromptKind kind;
  };
  std::array<Pending, 4> pending{};
  std::size_t npending = 0;
  std::optional<Outcome> result;

  auto comps = m.components();
  while (!comps.at_end() && !result) {
    auto c = comps.next();
    if (!c) {
      result = Outcome{OutcomeKind::kProtocol, "badly structured component from the gateway"};
      break;
    }
    if (const auto* inv = c->invoke()) {
      if (inv->op.is_local(kOpUssr) || inv->op.is_local(kOpUssn)) {
        PromptKind kind = inv->op.is_local(kOpUssr) ? PromptKind::kRequest : PromptKind::kNotify;
        std::string_view text;
        gsm7::Utf8Text decoded;
        if (cfg_.decode_text) {
          auto arg = inv->parameter ? ussd::decode_ussd_arg(*inv->parameter) : Result<ussd::UssdArg>(Error{"none"});
          auto t = arg ? ussd::decode_text(arg->dcs, arg->string) : Result<ussd::DecodedText>(arg.error());
          if (t) decoded = t->text;
          else decoded.assign("<undecodable USSD-Arg>");
          text = decoded.view();
        }
        observer_.on_prompt(ref, kind, text);
        if (npending == pending.size()) {
          result = Outcome{OutcomeKind::kProtocol, "too many prompts in one message"};
          break;
        }
        pending[npending++] = {inv->invoke_id, kind};
      } else {
        std::int64_t op = inv->op.global ? -1 : inv->op.local;
        result = Outcome{OutcomeKind::kProtocol, "unexpected invoke of operation " + std::to_string(op) + " " +
                                                     std::string(map::operation_name(op))};
      }
    } else if (const auto* rr = c->return_result()) {
      if (rr->op && !rr->op->is_local(kOpPussr)) {
        result = Outcome{OutcomeKind::kProtocol, "result of an operation we did not invoke"};
        break;
      }
      Outcome o{OutcomeKind::kEnd, {}};
      if (cfg_.decode_text) {
        if (rr->parameter) {
          auto res = ussd::decode_ussd_res(*rr->parameter);
          auto t = res ? ussd::decode_text(res->dcs, res->string) : Result<ussd::DecodedText>(res.error());
          o.text = t ? t->text.str() : "<undecodable USSD-Res>";
        }
      }
      result = std::move(o);
    } else if (const auto* re = c->return_error()) {
      std::int64_t code = re->code.global ? -1 : re->code.local;
      auto name = map::error_name(code);
      Outcome o{OutcomeKind::kMapError, std::string(name.empty() ? "error" : name) + "(" + std::to_string(code) + ")"};
      o.map_error = code;
      result = std::move(o);
    } else if (const auto* rj = c->reject()) {
      result = Outcome{OutcomeKind::kReject, std::string("reject ") + tcap::problem_to_string(rj->type, rj->code)};
    }
  }

  if (is_end) {
    if (!result)
      result = Outcome{OutcomeKind::kProtocol, npending ? "prompt inside an END" : "END without a result"};
    finish(s, std::move(*result), now);
    return;
  }
  if (result) {  // the dialogue is over for us; release the gateway's side
    send_u_abort(s);
    finish(s, std::move(*result), now);
    return;
  }
  if (npending == 0) {
    send_u_abort(s);
    finish(s, Outcome{OutcomeKind::kProtocol, "CONTINUE without a prompt"}, now);
    return;
  }
  ++s.continues;
  const DialogueSpec& spec = s.d->spec;
  if (spec.abort_after > 0 && s.continues >= spec.abort_after) {
    bool sent = send_u_abort(s);
    finish(s,
           Outcome{sent ? OutcomeKind::kLocalAbort : OutcomeKind::kSendFailed,
                   "TC-U-ABORT sent after " + std::to_string(s.continues) + " prompt(s)"},
           now);
    return;
  }

  // Answer every prompt of this CONTINUE in one CONTINUE (Q.773: several
  // components per message): returnResultLast(60) with a USSD-Res, or an
  // empty returnResultLast for unstructuredSS-Notify (TS 29.002 §17.6.4).
  std::array<tcap::Component, 4> answers;
  std::string_view answered_text;
  for (std::size_t i = 0; i < npending; ++i) {
    tcap::ReturnResult rr{pending[i].id, true, std::nullopt, std::nullopt};
    if (pending[i].kind == PromptKind::kRequest) {
      std::size_t k = s.prompts++;
      const std::vector<std::uint8_t>* res = nullptr;
      if (k < s.d->answer_res.size()) {
        res = &s.d->answer_res[k];
        answered_text = spec.answers[k];
      } else if (s.d->answer_all_res) {
        res = &*s.d->answer_all_res;
        answered_text = *spec.answer_all;
      } else {
        send_u_abort(s);
        finish(s, Outcome{OutcomeKind::kProtocol, "no scripted answer for prompt " + std::to_string(k + 1)}, now);
        return;
      }
      rr.op = tcap::OpCode::make_local(kOpUssr);
      rr.parameter = Bytes(*res);
    }
    answers[i].body = rr;
  }
  scratch_.resize(512);
  auto out = tcap::encode_message(scratch_, tcap::make_continue(tcap::TransactionId::from_u32(s.otid), s.remote),
                                  std::span(answers.data(), npending));
  if (!out) {
    finish(s, Outcome{OutcomeKind::kProtocol, "cannot encode the answer"}, now);
    return;
  }
  observer_.on_sent(ref, answered_text);
  if (!sender_.send_tcap(*out)) {
    finish(s, Outcome{OutcomeKind::kSendFailed, "transport refused the answer"}, now);
    return;
  }
  s.last_sent = now;
  arm(s, now);
}

}  // namespace ussdgw::sim
