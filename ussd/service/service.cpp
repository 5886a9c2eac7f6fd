#include "ussd/service/service.h"

#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "gateway/codec/map_names.h"
#include "relay/customer_client.h"
#include "ussd/codec/ussd_ops.h"
#include "ussd/codec/ussd_text.h"
#include "ussd/service/answer_codec.h"
#include "ussd/service/config_check.h"
#include "ussd/service/router.h"
#include "ussd/service/step_codec.h"
#include "ussdgw/lifetime.h"
#include "ussdgw/log.h"

namespace ussdgw::ussd {

namespace {

using std::chrono::milliseconds;
using storage::SessionOutcome;
using storage::StepOutcome;

// TS 29.002 §17.6.4: the USSD operations of networkUnstructuredSsContext-v2.
const tcap::OpCode kOpPussr = tcap::OpCode::make_local(map::op::kProcessUnstructuredSsRequest);  // 59
const tcap::OpCode kOpUssr = tcap::OpCode::make_local(map::op::kUnstructuredSsRequest);          // 60

constexpr std::uint8_t code(map::MapError e) { return static_cast<std::uint8_t>(e); }

StepOutcome step_outcome(relay::FailureKind k) {
  switch (k) {
    case relay::FailureKind::Timeout: return StepOutcome::Timeout;
    case relay::FailureKind::ConnectFailed: return StepOutcome::ConnectFailed;
    case relay::FailureKind::TlsFailed: return StepOutcome::TlsFailed;
    case relay::FailureKind::ConnectionLost: return StepOutcome::ConnectionLost;
    case relay::FailureKind::HttpStatus: return StepOutcome::HttpStatus;
    case relay::FailureKind::BadResponse: return StepOutcome::BadResponse;
    case relay::FailureKind::QueueFull: return StepOutcome::QueueFull;
    case relay::FailureKind::Cancelled: return StepOutcome::Cancelled;
  }
  return StepOutcome::BadResponse;
}

// The dialogue timers and the gateway's own stop are "timeout" in the
// records; everything the network did is "aborted_by_network".
SessionOutcome abort_outcome(dialogue::AbortReason r) {
  switch (r) {
    case dialogue::AbortReason::IdleTimeout:
    case dialogue::AbortReason::InvokeTimeout:
    case dialogue::AbortReason::Shutdown:
      return SessionOutcome::Timeout;
    case dialogue::AbortReason::NetworkPAbort:
    case dialogue::AbortReason::NetworkUAbort:
    case dialogue::AbortReason::Undeliverable:
    case dialogue::AbortReason::ProtocolError:
      return SessionOutcome::AbortedByNetwork;
  }
  return SessionOutcome::AbortedByNetwork;
}

// A DCS whose alphabet the gateway can read (GSM 7-bit or UCS2, TS 23.038
// §5). Text under any other DCS is refused with unknownAlphabet; text under
// a readable DCS that still fails to decode is bad data (unexpectedDataValue).
bool readable_alphabet(Dcs dcs) {
  DcsInfo i = classify(dcs);
  return !i.reserved && !i.compressed && !i.has_udh && !i.wap &&
         (i.alphabet == Alphabet::Gsm7 || i.alphabet == Alphabet::Ucs2);
}

TransactionId tid_of(Bytes octets) { return TransactionId::from_bytes(octets).value_or(TransactionId{}); }

constexpr std::string_view kLog = "ussd";  // the module name in log lines

}  // namespace

struct Service::Impl {
  // The state table of one dialogue (docs/ussd-service.md "Session states").
  enum class Phase : std::uint8_t {
    AskingCustomer,      // a customer call of step `step` is running
    AwaitingSubscriber,  // our USSR(60) prompt is out; the layer's invoke timer runs
    Closing,             // the final answer is being sent: ignore everything else
  };

  // Per open dialogue; kept small (it counts toward the < 2 KiB per dialogue
  // budget at 10k dialogues): identities, where we are, and the text of the
  // current step. The relay request is rebuilt for every step. One identity
  // per dialogue: the layer's LocalTid (its slot generation changes on
  // every reuse, so a late customer callback never finds a newer session
  // under the same id) and the store's record number.
  struct Session {
    SessionId record;
    LocalTid dialogue;
    CustomerIndex customer;
    Phase phase = Phase::AskingCustomer;
    tcap::InvokeId pussr_invoke;  // answered by the final END (TS 29.002 §17.6.4 op 59)
    std::uint8_t dcs = 0x0f;      // of the current step's text as received
    std::uint32_t step = 1;
    relay::CallHandle call;
    std::optional<Imsi> imsi;
    std::optional<Msisdn> msisdn;
    Digits calling_gt;
    Digits called_gt;
    std::string service_code;  // step 1's USSD string, on every step (docs/customer-api.md)
    std::string request_text;  // the subscriber's text of the current step
    Clock::WallTime step_started;
    Clock::SteadyTime asked_at;
  };

  struct Customer {
    std::string id;
    std::unique_ptr<relay::CustomerChannel> channel;
    milliseconds deadline{0};
    // The configured fallback, prepared once: either a MAP error or a text
    // already encoded as USSD-Res, so the failure path cannot fail again.
    std::optional<std::uint8_t> fallback_error;
    std::string fallback_text;
    EncodedParameter fallback_reply;
  };

  Impl(boost::asio::io_context& io_, Clock& clock_, const ServiceConfig& cfg_, dialogue::DialogueLayer& layer_,
       storage::SessionStore& store_, ServiceOptions opts_)
      : io(io_), clock(clock_), cfg(cfg_), layer(layer_), store(store_), opts(std::move(opts_)), router(cfg) {
    if (!opts.make_channel) opts.make_channel = [this](const CustomerConfig& cc) { return make_client(cc); };
  }

  boost::asio::io_context& io;
  Clock& clock;
  ServiceConfig cfg;
  dialogue::DialogueLayer& layer;
  storage::SessionStore& store;
  ServiceOptions opts;
  Router router;
  std::vector<Customer> customers;
  std::unordered_map<std::uint32_t, Session> sessions;  // by LocalTid value
  bool accepting = true;
  std::uint8_t no_route_error = code(map::MapError::SystemFailure);  // ServiceOptions, else ussd.no_route_error
  // ussd.busy_text as USSD-Res, encoded once; null when the text is empty
  // (ussd-Busy is sent). Shared with the layer's busy callback.
  std::shared_ptr<const EncodedParameter> busy_reply;
  ServiceStats stats;
  // Customer answers that arrive after the service is gone (the channels'
  // destructors cancel calls, whose callbacks run later) find it dead.
  Lifetime lifetime;

  // ------------------------------------------------------------------ setup

  Expected<std::unique_ptr<relay::CustomerChannel>, std::string> make_client(const CustomerConfig& cc) {
    relay::CustomerClientConfig rc = cc.channel;
    rc.customer = CustomerId{cc.id};
    auto client = relay::CustomerClient::create(io, clock, std::move(rc));
    if (!client) return std::move(client).error();
    return std::unique_ptr<relay::CustomerChannel>(std::move(client).value());
  }

  // `cfg` has passed validate(): every text encodes and every error name is
  // known, so only a channel can fail here.
  std::optional<std::string> prepare_customers() {
    customers.reserve(cfg.customers.size());
    for (std::size_t i = 0; i < cfg.customers.size(); ++i) {
      const CustomerConfig& cc = cfg.customers[i];
      const std::string key = "customers[" + std::to_string(i) + "]";
      auto channel = opts.make_channel(cc);
      if (!channel) return key + ": " + channel.error();

      Customer c;
      c.id = cc.id;
      c.channel = std::move(channel).value();
      // The global bound wins should a customer's deadline exceed it.
      c.deadline = std::min(cc.step_deadline, cfg.ussd.step_deadline);
      if (cc.fallback.map_error) {
        c.fallback_error = ussd_error_code(*cc.fallback.map_error);
      } else {
        c.fallback_text = cc.fallback.text;
        c.fallback_reply = encode_reply(cc.fallback.text).value();
      }
      customers.push_back(std::move(c));
    }
    if (!cfg.ussd.busy_text.empty())
      busy_reply = std::make_shared<const EncodedParameter>(encode_reply(cfg.ussd.busy_text).value());
    no_route_error = opts.no_route_error ? code(*opts.no_route_error)
                                         : ussd_error_code(cfg.ussd.no_route_error).value();
    return std::nullopt;
  }

  // ------------------------------------------------------------------ logs and records

  std::string who(const std::optional<Imsi>& imsi, std::optional<SessionId> rec,
                  std::string_view customer) const {
    std::string s = "imsi=";
    s += imsi ? imsi->digits.view() : std::string_view("-");
    s += " session=";
    s += rec ? opts.session_prefix + std::to_string(rec->value) : std::string("-");
    s += " customer=";
    s += customer.empty() ? std::string_view("-") : customer;
    return s;
  }
  std::string who(const Session& s) const { return who(s.imsi, s.record, customers[s.customer.value].id); }

  storage::StepRecord step_record(const Session& s, StepOutcome outcome, std::optional<milliseconds> latency) const {
    storage::StepRecord r;
    r.step = s.step;
    r.request_text = s.request_text;
    r.dcs = s.dcs;
    r.customer_latency = latency;
    r.outcome = outcome;
    r.started_at = s.step_started;
    return r;
  }

  // ------------------------------------------------------------------ a new dialogue

  void on_begin(const dialogue::DialogueInfo& d, const tcap::Invoke& invoke) {
    ++stats.begins;
    storage::SessionStart start;
    start.started_at = clock.wall_now();
    if (!d.destination_reference.empty()) start.imsi = Imsi{d.destination_reference};
    if (d.remote.gt) start.calling_gt.assign(d.remote.gt->digits.view());
    if (d.local.gt) start.called_gt.assign(d.local.gt->digits.view());
    start.tcap_otid = tid_of(d.remote_tid.bytes());
    start.tcap_dtid = tid_of(tcap::TransactionId::from_u32(d.id.value).bytes());
    if (!d.origination_reference.empty()) start.msisdn = Msisdn{d.origination_reference};

    // Only op 59 opens a USSD pull (mobile-initiated USSD, TS 23.090). A
    // network-initiated USSR/USSN (60/61) or any other op in a BEGIN has
    // nobody to serve it: TC-U-REJECT unrecognizedOperation (TS 29.002
    // §15.6.2 service invocation receipt; Q.773 §3.2.2 invoke problem 1).
    if (!invoke.op.is_local(map::op::kProcessUnstructuredSsRequest)) {
      std::string op = invoke.op.global ? std::string("global") : std::to_string(invoke.op.local);
      std::string_view name = invoke.op.global ? std::string_view{} : map::operation_name(invoke.op.local);
      refuse(d.id, invoke.invoke_id, Refusal::reject(tcap::InvokeProblem::UnrecognizedOperation), start, "", 0x0f,
             "op " + op + (name.empty() ? "" : " " + std::string(name)) + " is not served in a BEGIN");
      return;
    }
    if (!accepting) {
      refuse(d.id, invoke.invoke_id, Refusal::error(map::MapError::UssdBusy), start, "", 0x0f, "gateway stopping");
      return;
    }
    // USSD-Arg is mandatory (TS 29.002 §17.6.4): missing = dataMissing.
    if (!invoke.parameter) {
      refuse(d.id, invoke.invoke_id, Refusal::error(map::MapError::DataMissing), start, "", 0x0f,
             "PUSSR without USSD-Arg");
      return;
    }
    // A USSD-Arg that does not decode is a syntax error in the argument:
    // TC-U-REJECT mistypedParameter (TS 29.002 §15.6.2; Q.773 §3.2.2 invoke
    // problem 2). Not unexpectedDataValue: that MAP error is for a parameter
    // that is formally correct but whose value is unexpected (TS 29.002
    // §7.6.1), which is the bad-text case below (docs/ussd-service.md, "Refusals").
    auto arg = decode_ussd_arg(*invoke.parameter);
    if (!arg) {
      refuse(d.id, invoke.invoke_id, Refusal::reject(tcap::InvokeProblem::MistypedParameter), start, "", 0x0f,
             std::string("USSD-Arg: ") + arg.error().what);
      return;
    }
    if (arg->msisdn) start.msisdn = *arg->msisdn;  // USSD-Arg msisdn beats MAP-OPEN originationReference
    auto text = decode_text(arg->dcs, arg->string);
    if (!text) {
      // TS 29.002 §17.6.4 (op 59 errors): a DCS we cannot read is unknownAlphabet.
      auto err = readable_alphabet(arg->dcs) ? map::MapError::UnexpectedDataValue : map::MapError::UnknownAlphabet;
      refuse(d.id, invoke.invoke_id, Refusal::error(err), start, "", arg->dcs.value,
             std::string("USSD-String under DCS 0x") + hex2(arg->dcs.value) + ": " + text.error().what);
      return;
    }
    start.service_code = std::string(text->text.view());

    auto route = router.route(start.service_code, start.imsi);
    if (!route) {
      refuse(d.id, invoke.invoke_id, Refusal::error_code(no_route_error), start, start.service_code, arg->dcs.value,
             "no route for service code " + log::quote(start.service_code) +
                 " or the IMSI, and no ussd.default_customer");
      return;
    }
    start.customer = CustomerId{customers[route->customer.value].id};

    if (auto old = sessions.find(d.id.value); old != sessions.end()) {
      // The layer reused an id we still hold: that dialogue is gone.
      log::error(kLog, who(old->second), "Dropping a session whose dialogue id was reused",
          "the layer delivered a BEGIN for an open dialogue id");
      close_gone(old->second, SessionOutcome::AbortedByNetwork);
    }
    Session& s = sessions[d.id.value];
    s.dialogue = d.id;
    s.customer = route->customer;
    s.pussr_invoke = invoke.invoke_id;
    s.dcs = arg->dcs.value;
    s.step = 1;
    s.imsi = start.imsi;
    s.msisdn = start.msisdn;
    s.calling_gt = start.calling_gt;
    s.called_gt = start.called_gt;
    s.service_code = start.service_code;
    s.request_text = start.service_code;
    s.step_started = start.started_at;
    s.record = store.begin_session(start);
    stats.open_sessions = sessions.size();
    ask_customer(s);
  }

  static std::string hex2(std::uint8_t v) {
    const char* digits = "0123456789abcdef";
    return {digits[v >> 4], digits[v & 15]};
  }

  // How a BEGIN is answered without a customer.
  struct Refusal {
    enum class Kind : std::uint8_t {
      Error,   // END + ReturnError(code) (ussd-Busy: ussd.busy_text instead when set)
      Reject,  // END + Reject, invoke problem `code` (TC-U-REJECT, Q.773 §3.2.2)
    };
    Kind kind = Kind::Error;
    std::uint8_t code = 0;
    static Refusal error(map::MapError e) { return {Kind::Error, static_cast<std::uint8_t>(e)}; }
    static Refusal error_code(std::uint8_t c) { return {Kind::Error, c}; }
    static Refusal reject(tcap::InvokeProblem p) { return {Kind::Reject, static_cast<std::uint8_t>(p)}; }
  };

  // Answers a BEGIN without a customer and logs why. Recorded as a refused
  // session with one step that was not relayed: action release with the MAP
  // error (or the busy text), or no action and no error for a Reject (the
  // records have no field for TCAP problems; the log line names it).
  void refuse(LocalTid id, tcap::InvokeId invoke, Refusal how, const storage::SessionStart& start,
              std::string_view text, std::uint8_t dcs, std::string_view cause) {
    ++stats.refused;
    bool sent = false;
    storage::StepRecord r;
    if (how.kind == Refusal::Kind::Reject) {
      log::notice(kLog, who(start.imsi, std::nullopt, ""),
          std::string("Rejecting the invoke with ") + tcap::problem_to_string(tcap::ProblemType::Invoke, how.code),
          cause);
      sent = layer.end_reject(id, invoke, tcap::ProblemType::Invoke, how.code);
    } else if (how.code == code(map::MapError::UssdBusy) && busy_reply) {
      // ussd.busy_text: the subscriber reads a text instead of an error.
      log::notice(kLog, who(start.imsi, std::nullopt, ""), "Refusing the USSD request with ussd.busy_text", cause);
      sent = layer.end_result(id, invoke, kOpPussr, busy_reply->bytes());
      if (sent) {
        r.action = storage::StepAction::Release;
        r.response_text = cfg.ussd.busy_text;
      }
    } else {
      log::notice(kLog, who(start.imsi, std::nullopt, ""),
          "Refusing the USSD request with " + std::string(map::error_name(how.code)), cause);
      sent = layer.end_error(id, invoke, static_cast<map::MapError>(how.code));
      r.map_error = how.code;
      if (sent) r.action = storage::StepAction::Release;
    }
    r.request_text = std::string(text);
    r.dcs = dcs;
    r.outcome = StepOutcome::NotRelayed;
    r.started_at = start.started_at;
    r.ended_at = clock.wall_now();
    if (!sent) ++stats.not_sent;
    // Session records are audit data; the store never throws on writes (it
    // counts and logs what it could not write: storage/session_store.h).
    SessionId rec = store.begin_session(start);
    store.record_step(rec, r);
    store.end_session(rec, sent ? SessionOutcome::Refused : SessionOutcome::NotSent, r.ended_at);
  }

  // ------------------------------------------------------------------ one step: ask the customer, answer the network

  void ask_customer(Session& s) {
    Customer& c = customers[s.customer.value];
    StepRequest req;
    req.session = SessionId{s.record.value};
    req.step = StepNumber{s.step};
    req.imsi = s.imsi;
    req.msisdn = s.msisdn;
    req.service_code = s.service_code;
    req.text = s.request_text;
    req.dcs = s.dcs;
    req.calling_gt = GlobalTitle{s.calling_gt};
    req.called_gt = GlobalTitle{s.called_gt};
    req.received_at = s.step_started;

    s.phase = Phase::AskingCustomer;
    s.asked_at = clock.now();
    ++stats.steps;
    // The channel answers within the deadline (plus one loop turn) in every
    // case, so the step needs no timer of its own.
    s.call = c.channel->send(encode_step_request(req, opts.session_prefix), c.deadline,
                             lifetime.guard([this, id = s.dialogue](relay::ReplyResult r) {
                               on_customer_answer(id, std::move(r));
                             }));
  }

  void on_customer_answer(LocalTid id, relay::ReplyResult result) {
    auto it = sessions.find(id.value);
    // The dialogue ended meanwhile (network abort, timer): already recorded.
    if (it == sessions.end() || it->second.phase != Phase::AskingCustomer) return;
    Session& s = it->second;
    s.call = {};
    const auto latency = std::chrono::duration_cast<milliseconds>(clock.now() - s.asked_at);

    // The JSON answer is this flow's codec: a schema error is a bad response.
    Expected<StepAnswer, relay::RelayFailure> answer = relay::RelayFailure{};
    if (result) {
      auto parsed = parse_step_answer(result->body);
      if (parsed) answer = std::move(parsed).value();
      else answer = relay::RelayFailure{relay::FailureKind::BadResponse, result->http_status, std::move(parsed).error()};
    } else {
      answer = std::move(result).error();
    }
    if (!answer) {
      const relay::RelayFailure& f = answer.error();
      log::notice(kLog, who(s), "Customer call failed, sending the fallback",
                  std::string(relay::to_string(f.kind)) + (f.reason.empty() ? "" : ": " + f.reason));
      send_fallback(s, step_outcome(f.kind), latency);
      return;
    }
    const StepAnswer& a = answer.value();
    switch (a.action) {
      case StepAction::Reply: reply(s, a.text, latency); return;
      case StepAction::Prompt: prompt(s, a.text, latency); return;
      case StepAction::Release: release(s, a.error, latency); return;
    }
  }

  // Final text: END + ReturnResultLast(59) with USSD-Res (TS 29.002 §17.6.4).
  void reply(Session& s, const std::string& text, milliseconds latency) {
    auto res = encode_reply(text);
    if (!res) {
      log::notice(kLog, who(s), "Customer text cannot be sent, sending the fallback",
          std::string(res.error().what) + " (" + std::to_string(text.size()) + " UTF-8 octets)");
      send_fallback(s, StepOutcome::Answered, latency);
      return;
    }
    ++stats.replies;
    storage::StepRecord r = step_record(s, StepOutcome::Answered, latency);
    r.action = storage::StepAction::Reply;
    r.response_text = text;
    finish(s, r, SessionOutcome::Completed,
           [&] { return layer.end_result(s.dialogue, s.pussr_invoke, kOpPussr, res->bytes()); });
  }

  // Question to the subscriber: CONTINUE + Invoke unstructuredSS-Request(60)
  // with USSD-Arg (TS 29.002 §17.6.4; TS 23.090: the network may ask the
  // subscriber for further information). The answer comes back as its ReturnResult.
  void prompt(Session& s, const std::string& text, milliseconds latency) {
    auto arg = encode_prompt(text);
    if (!arg) {
      log::notice(kLog, who(s), "Customer prompt cannot be sent, sending the fallback",
          std::string(arg.error().what) + " (" + std::to_string(text.size()) + " UTF-8 octets)");
      send_fallback(s, StepOutcome::Answered, latency);
      return;
    }
    ++stats.prompts;
    storage::StepRecord r = step_record(s, StepOutcome::Answered, latency);
    s.phase = Phase::Closing;  // while inside the layer: a re-entrant abort must not free `s`
    bool sent = layer.continue_invoke(s.dialogue, kOpUssr, arg->bytes());
    r.ended_at = clock.wall_now();
    if (sent) {
      r.action = storage::StepAction::Prompt;
      r.response_text = text;
    }
    store.record_step(s.record, r);
    if (!sent) {
      log::error(kLog, who(s), "Prompt not sent, session closed", "the dialogue layer could not send the CONTINUE");
      close_gone(s, SessionOutcome::NotSent);
      return;
    }
    s.phase = Phase::AwaitingSubscriber;
  }

  // The customer ends the dialogue. With an error: END + ReturnError with that
  // MAP error. Without one: op 59's RESULT (USSD-Res) is mandatory and its
  // string has at least one octet (§17.6.4, §17.7.4), so an empty final
  // answer does not exist; systemFailure ends the PUSSR instead.
  void release(Session& s, std::optional<MapErrorName> error, milliseconds latency) {
    ++stats.releases;
    const std::uint8_t e = error ? map_error_code(*error) : code(map::MapError::SystemFailure);
    storage::StepRecord r = step_record(s, StepOutcome::Answered, latency);
    r.action = storage::StepAction::Release;
    r.map_error = e;
    finish(s, r, SessionOutcome::Released, [&] { return layer.end_error(s.dialogue, s.pussr_invoke, static_cast<map::MapError>(e)); });
  }

  // The customer's configured fallback (config customers[].fallback): its
  // MAP error, else its text as the final USSD-Res.
  void send_fallback(Session& s, StepOutcome outcome, std::optional<milliseconds> latency) {
    ++stats.fallbacks;
    const Customer& c = customers[s.customer.value];
    storage::StepRecord r = step_record(s, outcome, latency);
    r.action = storage::StepAction::Fallback;
    if (c.fallback_error) {
      r.map_error = *c.fallback_error;
      finish(s, r, SessionOutcome::Fallback,
             [&] { return layer.end_error(s.dialogue, s.pussr_invoke, static_cast<map::MapError>(*c.fallback_error)); });
    } else {
      r.response_text = c.fallback_text;
      finish(s, r, SessionOutcome::Fallback,
             [&] { return layer.end_result(s.dialogue, s.pussr_invoke, kOpPussr, c.fallback_reply.bytes()); });
    }
  }

  // Sends the final answer (an END), records the step and the session, and
  // frees the session.
  template <class Send>
  void finish(Session& s, storage::StepRecord& r, SessionOutcome outcome, Send&& send) {
    s.phase = Phase::Closing;
    const bool sent = send();
    r.ended_at = clock.wall_now();
    if (!sent) {
      // The session is still ours, so the dialogue exists: the END could not
      // be handed to the SS7 link (link down, queue full). The record says
      // what happened on the wire: nothing.
      log::error(kLog, who(s), "Final answer not sent", "the dialogue layer could not send the END");
      r.action.reset();
      r.response_text.reset();
      r.map_error.reset();
      outcome = SessionOutcome::NotSent;
      ++stats.not_sent;
    }
    store.record_step(s.record, r);
    store.end_session(s.record, outcome, r.ended_at);
    erase(s);
  }

  // ------------------------------------------------------------------ the subscriber's answer and network events

  void on_component(LocalTid id, const tcap::Component& comp, bool end) {
    auto it = sessions.find(id.value);
    if (it == sessions.end() || it->second.phase == Phase::Closing) return;
    Session& s = it->second;

    if (const tcap::ReturnResult* rr = comp.return_result()) {
      // unstructuredSS-Notify results carry nothing (§17.6.4 op 61): accepted, ignored.
      if (rr->op && rr->op->is_local(map::op::kUnstructuredSsNotify)) {
        if (end) network_ended(s, "END after an unstructuredSS-Notify result");
        return;
      }
      if (s.phase == Phase::AwaitingSubscriber && !end) {
        subscriber_answered(s, *rr);
        return;
      }
      if (end) {
        network_ended(s, "END with the subscriber's result: no answer can be sent any more");
        return;
      }
      // The layer passes only answers to our pending invokes, so this is a
      // result we no longer wait for; the dialogue itself is fine.
      log::notice(kLog, who(s), "Ignoring a result", "no prompt outstanding");
      return;
    }
    if (const tcap::ReturnError* re = comp.return_error()) {
      std::string err = re->code.global ? std::string("global error")
                                        : std::string(map::error_name(re->code.local)) + "(" +
                                              std::to_string(re->code.local) + ")";
      refused_by_network(s, end, "network returned " + err + " for our prompt");
      return;
    }
    if (const tcap::Reject* rj = comp.reject()) {
      refused_by_network(s, end, std::string("network rejected our component: ") +
                                     tcap::problem_to_string(rj->type, rj->code));
      return;
    }
    // A further Invoke from the network inside our dialogue: nothing in
    // networkUnstructuredSsContext asks the gsmSCF anything mid-dialogue.
    log::notice(kLog, who(s), "Ignoring an invoke from the network", "unexpected in a USSD pull");
    if (end) network_ended(s, "END with an invoke");
  }

  // The ReturnResult(60) of our prompt: USSD-Res with the subscriber's text,
  // relayed to the customer as step n+1 of the same session.
  void subscriber_answered(Session& s, const tcap::ReturnResult& rr) {
    s.step_started = clock.wall_now();
    ++s.step;
    s.request_text.clear();
    s.dcs = 0x0f;
    // USSR's result is OPTIONAL in the ASN.1 (§17.6.4); without it there is no
    // text to relay, which is op 59's dataMissing.
    if (!rr.op || !rr.parameter) {
      refuse_step(s, map::MapError::DataMissing, "subscriber's result carries no USSD-Res");
      return;
    }
    auto res = decode_ussd_res(*rr.parameter);
    if (!res) {
      refuse_step(s, map::MapError::UnexpectedDataValue, std::string("USSD-Res: ") + res.error().what);
      return;
    }
    s.dcs = res->dcs.value;
    auto text = decode_text(res->dcs, res->string);
    if (!text) {
      refuse_step(s,
                  readable_alphabet(res->dcs) ? map::MapError::UnexpectedDataValue : map::MapError::UnknownAlphabet,
                  std::string("USSD-String under DCS 0x") + hex2(res->dcs.value) + ": " + text.error().what);
      return;
    }
    s.request_text = std::string(text->text.view());
    ask_customer(s);
  }

  // The subscriber's answer cannot be relayed: END + ReturnError for the PUSSR.
  void refuse_step(Session& s, map::MapError error, const std::string& cause) {
    ++stats.refused;
    log::notice(kLog, who(s), "Refusing the subscriber's answer with " + std::string(map::error_name(code(error))),
        cause);
    storage::StepRecord r = step_record(s, StepOutcome::NotRelayed, std::nullopt);
    r.action = storage::StepAction::Release;
    r.map_error = code(error);
    finish(s, r, SessionOutcome::Refused, [&] { return layer.end_error(s.dialogue, s.pussr_invoke, error); });
  }

  // ReturnError or Reject for our prompt (e.g. ussd-Busy or absentSubscriber
  // from the MS, TS 29.002 §17.6.4 op 60). In a CONTINUE the dialogue is still
  // open and our PUSSR still owes an answer: END it with systemFailure.
  void refused_by_network(Session& s, bool end, const std::string& cause) {
    log::notice(kLog, who(s), "Session ended by the network", cause);
    if (!end) {
      s.phase = Phase::Closing;
      layer.end_error(s.dialogue, s.pussr_invoke, map::MapError::SystemFailure);
    }
    close_gone(s, SessionOutcome::AbortedByNetwork);
  }

  void network_ended(Session& s, std::string_view cause) {
    log::notice(kLog, who(s), "Session ended by the network", cause);
    close_gone(s, SessionOutcome::AbortedByNetwork);
  }

  void on_abort(LocalTid id, const dialogue::AbortInfo& why) {
    auto it = sessions.find(id.value);
    if (it == sessions.end() || it->second.phase == Phase::Closing) return;
    Session& s = it->second;
    log::notice(kLog, who(s), "Dialogue aborted, session closed", dialogue::to_string(why.reason));
    close_gone(s, abort_outcome(why.reason));
  }

  // The dialogue is gone (or going) without our final answer: cancel the
  // customer call if one runs (its step is recorded as cancelled), record the
  // session's end and free it.
  void close_gone(Session& s, SessionOutcome outcome) {
    const bool calling = s.phase == Phase::AskingCustomer;
    s.phase = Phase::Closing;
    ++(outcome == SessionOutcome::NotSent ? stats.not_sent : stats.aborted);
    const auto now = clock.wall_now();
    if (calling) {
      storage::StepRecord r = step_record(s, StepOutcome::Cancelled, std::nullopt);
      r.ended_at = now;
      store.record_step(s.record, r);
    }
    store.end_session(s.record, outcome, now);
    if (calling) s.call.cancel();  // its callback finds the session gone or Closing
    erase(s);
  }

  void erase(Session& s) {
    const std::uint32_t key = s.dialogue.value;  // not a reference into the node being erased
    sessions.erase(key);
    stats.open_sessions = sessions.size();
  }
};

// ---------------------------------------------------------------------- Service

Expected<std::unique_ptr<Service>, std::string> Service::create(boost::asio::io_context& io, Clock& clock,
                                                                const ServiceConfig& cfg,
                                                                dialogue::DialogueLayer& layer,
                                                                storage::SessionStore& store, ServiceOptions options) {
  if (auto v = validate(cfg); !v) return v.error().key + ": " + v.error().reason;
  auto impl = std::make_unique<Impl>(io, clock, cfg, layer, store, std::move(options));
  if (auto err = impl->prepare_customers()) return *err;
  std::unique_ptr<Service> svc(new Service(std::move(impl)));
  layer.register_user(svc->registration());
  return svc;
}

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Service::~Service() {
  // Sessions still open (the process stops without shutdown()): recorded as
  // timed out; their calls are cancelled and their callbacks find nothing.
  auto& sessions = impl_->sessions;
  while (!sessions.empty()) impl_->close_gone(sessions.begin()->second, storage::SessionOutcome::Timeout);
}

dialogue::AcRegistration Service::registration() {
  dialogue::AcRegistration r;
  r.ac = map::ac::kNetworkUnstructuredSs;
  r.version = 2;  // TS 29.002 §17.3.3: only v2 of networkUnstructuredSsContext exists
  r.busy_error = map::MapError::UssdBusy;
  r.user = this;
  // The layer's own answer at the dialogue bound (no session, no record):
  // the same choices as refuse() makes for a PUSSR while stopping, and the
  // same Reject as on_begin for other operations. Holds the encoded text by
  // shared_ptr, so the callback never points into a destroyed service.
  r.busy_answer = [busy = impl_->busy_reply](const tcap::Invoke& invoke) {
    dialogue::BusyAnswer a;
    a.error = map::MapError::UssdBusy;
    if (!invoke.op.is_local(map::op::kProcessUnstructuredSsRequest)) {
      a.kind = dialogue::BusyAnswer::Kind::Reject;
      a.problem = tcap::InvokeProblem::UnrecognizedOperation;
    } else if (busy) {
      a.kind = dialogue::BusyAnswer::Kind::Result;
      a.op = kOpPussr;
      a.parameter = busy->bytes();
    }
    return a;
  };
  return r;
}

void Service::on_begin(const dialogue::DialogueInfo& d, const tcap::Invoke& invoke) { impl_->on_begin(d, invoke); }
void Service::on_component(LocalTid id, const tcap::Component& comp, bool end) {
  impl_->on_component(id, comp, end);
}
void Service::on_abort(LocalTid id, const dialogue::AbortInfo& why) { impl_->on_abort(id, why); }

void Service::shutdown(std::function<void()> done) {
  impl_->accepting = false;
  impl_->layer.shutdown(std::move(done));
}

ServiceStats Service::stats() const { return impl_->stats; }

std::size_t Service::state_bytes_per_session() {
  // libstdc++ node: next pointer + value (the hash of an integer key is not
  // cached); one bucket pointer per element at load factor 1.
  constexpr std::size_t bytes = sizeof(void*) + sizeof(std::pair<const std::uint32_t, Impl::Session>) + sizeof(void*);
  // Its share (512) of the 2 KiB per-dialogue budget (docs/ussd-service.md
  // "Memory"); the layer's slot (< 1.5 KiB, dialogue_layer.cpp) comes on top.
  static_assert(bytes < 512, "a session record outgrew its share of the 2 KiB per-dialogue budget");
  return bytes;
}

}  // namespace ussdgw::ussd
