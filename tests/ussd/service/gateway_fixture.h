// The USSD service as the network and the customer meet it: the real
// DialogueLayer with a fake SS7 sender (outgoing unitdata are captured,
// incoming BEGIN/CONTINUE/ABORT are built with the codec encoders), fake
// customer channels (fake_customer.h) that answer on a ManualClock, and a
// real SQLite file in a temporary directory. The service's time is the
// ManualClock: stories move it (wait_sent() jumps to the next due timer), so
// no story sleeps or races the wall clock. Customers over real HTTP are the
// relay's and the integration tests' business.
#pragma once

#include <utility>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <doctest/doctest.h>

#include "gateway/codec/map_dialogue.h"
#include "gateway/codec/map_names.h"
#include "gateway/codec/tcap.h"
#include "gateway/tcap/dialogue_layer.h"
#include "fake_customer.h"
#include "storage/sqlite_session_store.h"
#include "support/temp_dir.h"
#include "ussd/codec/ussd_ops.h"
#include "ussd/codec/ussd_text.h"
#include "ussd/service/service.h"
#include "ussdgw/log.h"
#include "ussdgw/manual_clock.h"

namespace ussdsvc_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace ussdgw;

inline constexpr const char* kSecret = "s3cret-shared-with-customer";
inline constexpr const char* kImsi = "234150000000001";
inline constexpr const char* kMsisdn = "447700900001";
inline constexpr const char* kGatewayGt = "447700900000";
inline constexpr const char* kMscGt = "447700900100";
inline constexpr const char* kFallbackText = "Sorry, try again later";

using TempDir = ussdgw::test::TempDir;  // support/temp_dir.h

// What a BEGIN from the MSC carries. Empty optionals are left out.
struct BeginSpec {
  std::string text = "*100#";
  std::optional<std::string> imsi = std::string(kImsi);    // MAP-OPEN destinationReference
  std::optional<std::string> msisdn = std::string(kMsisdn);  // USSD-Arg msisdn
  std::optional<std::string> origination;                  // MAP-OPEN originationReference
  std::int64_t op = 59;
  std::optional<ussd::Dcs> raw_dcs;                        // with raw_string: sent as is
  std::vector<std::uint8_t> raw_string;
  std::optional<std::vector<std::uint8_t>> raw_parameter;  // the whole invoke parameter, as is

  // Builders, so a story reads BeginSpec().dialling("*555#").without_imsi().
  BeginSpec dialling(std::string t) const { auto c = *this; c.text = std::move(t); return c; }
  BeginSpec with_imsi(std::string i) const { auto c = *this; c.imsi = std::move(i); return c; }
  BeginSpec without_imsi() const { auto c = *this; c.imsi.reset(); return c; }
  BeginSpec without_msisdn() const { auto c = *this; c.msisdn.reset(); return c; }
  BeginSpec with_origination(std::string o) const { auto c = *this; c.origination = std::move(o); return c; }
  BeginSpec with_op(std::int64_t o) const { auto c = *this; c.op = o; return c; }
  BeginSpec with_raw_string(ussd::Dcs d, std::vector<std::uint8_t> s) const {
    auto c = *this;
    c.raw_dcs = d;
    c.raw_string = std::move(s);
    return c;
  }
  BeginSpec with_raw_parameter(std::vector<std::uint8_t> p) const {
    auto c = *this;
    c.raw_parameter = std::move(p);
    return c;
  }
};

// One message the gateway sent to the network, decoded.
struct Sent {
  tcap::MessageType type = tcap::MessageType::Begin;
  std::optional<std::uint32_t> otid, dtid;
  bool has_aare = false;
  bool has_abrt = false;
  std::optional<tcap::ComponentType> component;
  std::optional<std::int8_t> invoke_id;
  std::optional<std::int64_t> op;     // Invoke / ReturnResult
  std::optional<std::int64_t> error;  // ReturnError
  std::optional<tcap::ProblemType> problem_type;  // Reject
  std::optional<std::uint8_t> problem;            // Reject: the problem code of problem_type
  std::optional<std::uint8_t> dcs;    // of the USSD-Res / USSD-Arg
  std::vector<std::uint8_t> string;   // USSD-String octets
  std::string text;                   // decoded
};

inline Sent decode_sent(const ss7::Unitdata& u) {
  Sent s;
  auto m = tcap::decode_message(Bytes(u.data.data(), u.data.size()));
  REQUIRE(m.ok());
  s.type = m->type;
  if (m->otid) s.otid = m->otid->value();
  if (m->dtid) s.dtid = m->dtid->value();
  if (m->dialogue) {
    s.has_aare = m->dialogue->type == tcap::DialoguePduType::Aare;
    s.has_abrt = m->dialogue->type == tcap::DialoguePduType::Abrt;
  }
  auto comps = m->components();
  if (comps.at_end()) return s;
  auto c = comps.next();
  REQUIRE(c.ok());
  s.component = c->type();
  std::optional<Bytes> param;
  bool is_arg = false;
  if (auto* inv = c->invoke()) {
    s.invoke_id = inv->invoke_id.value;
    s.op = inv->op.local;
    param = inv->parameter;
    is_arg = true;
  } else if (auto* rr = c->return_result()) {
    if (rr->op) s.op = rr->op->local;
    param = rr->parameter;
  } else if (auto* re = c->return_error()) {
    s.invoke_id = re->invoke_id.value;
    s.error = re->code.local;
  } else if (auto* rj = c->reject()) {
    if (rj->invoke_id) s.invoke_id = rj->invoke_id->value;
    s.problem_type = rj->type;
    s.problem = rj->code;
  }
  if (param) {
    ussd::Dcs dcs;
    Bytes str;
    if (is_arg) {
      auto a = ussd::decode_ussd_arg(*param);
      REQUIRE(a.ok());
      dcs = a->dcs;
      str = a->string;
    } else {
      auto r = ussd::decode_ussd_res(*param);
      REQUIRE(r.ok());
      dcs = r->dcs;
      str = r->string;
    }
    s.dcs = dcs.value;
    s.string.assign(str.begin(), str.end());
    auto t = ussd::decode_text(dcs, str);
    REQUIRE(t.ok());
    s.text = std::string(t->text.view());
  }
  return s;
}

inline ss7::Address gt_address(const char* digits, std::uint8_t ssn) {
  ss7::Address a;
  a.ri = ss7::RoutingIndicator::kGlobalTitle;
  a.ssn = ss7::Ssn{ssn};
  ss7::GlobalTitle gt;
  gt.digits.assign(digits);
  a.gt = gt;
  return a;
}

inline std::vector<std::uint8_t> address_octets(const std::string& digits, Npi npi) {
  std::uint8_t buf[24];
  std::size_t n = encode_address_string(AddressString::international(digits, npi), buf, sizeof buf);
  REQUIRE(n > 0);
  return {buf, buf + n};
}

// The gateway under test. Construct, add customers and routes to `cfg`, then
// start(); stories then talk to it as the MSC would.
class TestGateway {
 public:
  explicit TestGateway(dialogue::Config layer_cfg = layer_config())
      : layer_(clock, layer_cfg, [this](ss7::Unitdata&& u) {
          if (link_down) return false;  // as app/gateway.cpp's sender with the SS7 link down
          sent.push_back(std::move(u));
          return true;
        }) {
    storage::SqliteStoreOptions o;
    o.path = dir.file("ussdgw.db");
    o.mode = storage::WriteMode::Batched;  // as in the gateway; stories flush before reading
    store = std::make_unique<storage::SqliteSessionStore>(o);
    cfg.ussd.step_deadline = 5s;
    // Every line the service writes, none summarised away by the rate limit
    // (which counts across stories on the real clock).
    log::Options lo;
    lo.burst = 0;
    log::configure(lo);
    log::set_sink([this](log::Level, std::string_view line) { logs.emplace_back(line); });
  }
  ~TestGateway() {
    // USSDSVC_SHOW_LOGS=1 prints what the service logged, story by story.
    if (std::getenv("USSDSVC_SHOW_LOGS"))
      for (const auto& l : logs) std::fprintf(stderr, "  log: %s\n", l.c_str());
    service.reset();
    clock.run_due();
    io.poll();
    log::set_sink(nullptr);
    log::configure(log::Options{});
  }

  static dialogue::Config layer_config() {
    dialogue::Config c;
    c.invoke_timeout = 30s;
    c.shutdown_grace = 2s;
    return c;
  }
  dialogue::DialogueLayer& layer() { return layer_; }

  // A fake customer behaving like the demo customer server.
  FakeCustomer& demo(Behaviour b = Behaviour::Menu) {
    fakes.push_back(std::make_unique<FakeCustomer>(clock, "c" + std::to_string(fakes.size()), b));
    return *fakes.back();
  }
  // A customer that answers every step with `answer`.
  std::string scripted_url(ussd::StepAnswer answer) {
    auto& c = demo();
    c.set_answer(std::move(answer));
    return c.url();
  }
  // A customer nobody listens for.
  std::string dead_url() { return demo(Behaviour::Down).url(); }

  ussd::CustomerConfig& add_customer(const std::string& id, const std::string& url,
                                     std::chrono::milliseconds deadline = 2s) {
    ussd::CustomerConfig c;
    c.id = id;
    c.channel.url = url;
    c.channel.secret = kSecret;
    c.step_deadline = deadline;
    c.fallback.text = kFallbackText;
    cfg.customers.push_back(c);
    return cfg.customers.back();
  }
  void route_service_code(const std::string& code, const std::string& customer) {
    cfg.routes.push_back(ussd::RouteConfig{customer, code, std::nullopt});
  }
  void route_imsi(const std::string& prefix, const std::string& customer) {
    cfg.routes.push_back(ussd::RouteConfig{customer, std::nullopt, prefix});
  }

  void start() {
    ussd::ServiceOptions o;
    o.make_channel = [this](const ussd::CustomerConfig& cc)
        -> Expected<std::unique_ptr<relay::CustomerChannel>, std::string> {
      for (auto& f : fakes)
        if (f->url() == cc.channel.url)
          return std::unique_ptr<relay::CustomerChannel>(new FakeChannel(*f, CustomerId{cc.id}));
      return "no fake customer for " + cc.channel.url;
    };
    auto s = ussd::Service::create(io, clock, cfg, layer_, *store, std::move(o));
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error()));
    service = std::move(s).value();
  }

  // ---- the MSC's side

  void begin(std::uint32_t otid, const BeginSpec& spec = {}) {
    std::optional<std::vector<std::uint8_t>> dest, orig;
    if (spec.imsi) dest = address_octets(*spec.imsi, Npi::E212);
    if (spec.origination) orig = address_octets(*spec.origination, Npi::E164);
    std::uint8_t ui_buf[96];
    auto ui = map::encode_user_information(
        ui_buf, map::make_open(dest ? std::optional<Bytes>(Bytes(*dest)) : std::nullopt,
                               orig ? std::optional<Bytes>(Bytes(*orig)) : std::nullopt));
    REQUIRE(ui.ok());
    auto m = tcap::make_begin(tcap::TransactionId::from_u32(otid),
                              tcap::make_aarq(map::ac::kNetworkUnstructuredSsV2, *ui));

    std::vector<std::uint8_t> param;
    if (spec.raw_parameter) {
      param = *spec.raw_parameter;
    } else {
      std::uint8_t str[ussd::kMaxUssdStringOctets];
      ussd::UssdArg arg;
      if (spec.raw_dcs) {
        arg.dcs = *spec.raw_dcs;
        arg.string = Bytes(spec.raw_string);
      } else {
        auto t = ussd::encode_text(spec.text, str);
        REQUIRE(t.ok());
        arg.dcs = t->dcs;
        arg.string = Bytes(str, t->octets);
      }
      if (spec.msisdn) arg.msisdn = Msisdn{Digits(*spec.msisdn)};
      std::uint8_t buf[256];
      auto n = ussd::encode_ussd_arg(arg, buf);
      REQUIRE(n.ok());
      param.assign(buf, buf + *n);
    }
    tcap::Component inv{tcap::Invoke{tcap::InvokeId{1}, std::nullopt, tcap::OpCode::make_local(spec.op),
                                     param.empty() ? std::nullopt : std::optional<Bytes>(Bytes(param))},
                        {}};
    deliver(m, std::span<const tcap::Component>(&inv, 1));
  }

  // The subscriber's answer to our prompt: CONTINUE + ReturnResultLast(60)
  // with USSD-Res, to the dialogue `prompt` (the CONTINUE we sent) opened.
  void answer_prompt(std::uint32_t otid, const Sent& prompt, const std::string& text) {
    std::uint8_t str[ussd::kMaxUssdStringOctets];
    auto t = ussd::encode_text(text, str);
    REQUIRE(t.ok());
    std::uint8_t buf[256];
    auto n = ussd::encode_ussd_res(ussd::UssdRes{t->dcs, Bytes(str, t->octets)}, buf);
    REQUIRE(n.ok());
    tcap::Component rr{tcap::ReturnResult{tcap::InvokeId{*prompt.invoke_id}, true,
                                          tcap::OpCode::make_local(60), Bytes(buf, *n)},
                       {}};
    deliver(tcap::make_continue(tcap::TransactionId::from_u32(otid), tcap::TransactionId::from_u32(*prompt.otid)),
            std::span<const tcap::Component>(&rr, 1));
  }
  // The MS refuses our prompt: CONTINUE + ReturnError(60) `error`.
  void refuse_prompt(std::uint32_t otid, const Sent& prompt, std::int64_t error) {
    tcap::Component re{tcap::ReturnError{tcap::InvokeId{*prompt.invoke_id}, tcap::ErrorCode::make_local(error),
                                         std::nullopt},
                       {}};
    deliver(tcap::make_continue(tcap::TransactionId::from_u32(otid), tcap::TransactionId::from_u32(*prompt.otid)),
            std::span<const tcap::Component>(&re, 1));
  }
  // TC-U-ABORT with MAP-UserAbortInfo userSpecificReason (TS 29.002 §7.3.4)
  // to our transaction `our_tid`.
  void network_u_abort(std::uint32_t our_tid) {
    std::uint8_t ui_buf[32];
    auto ui = map::encode_user_information(ui_buf, map::make_user_abort(map::UserAbortChoice::UserSpecificReason));
    REQUIRE(ui.ok());
    deliver(tcap::make_u_abort(tcap::TransactionId::from_u32(our_tid),
                               tcap::make_abrt(tcap::AbortSource::ServiceUser, *ui)),
            {});
  }

  void deliver(const tcap::Message& m, std::span<const tcap::Component> comps) {
    std::uint8_t buf[512];
    auto enc = tcap::encode_message(buf, m, comps);
    REQUIRE(enc.ok());
    ss7::Unitdata u;
    u.called = gt_address(kGatewayGt, 147);
    u.calling = gt_address(kMscGt, 8);
    u.data.assign(enc->begin(), enc->end());
    layer_.on_unitdata(std::move(u));
  }

  // Runs until pred() holds: what is due now first (the event loop's queued
  // handlers, the manual clock's due timers), then the manual clock jumps to
  // its next timer (a customer's think time, a step deadline, the layer's
  // invoke or idle timer). When nothing is queued and no timer is armed,
  // nothing can happen any more and the story has failed. The bound is a
  // sanity limit against a hung test, not a timing assertion.
  bool run_until(const std::function<bool()>& pred, std::chrono::seconds bound = 20s) {
    auto until = std::chrono::steady_clock::now() + bound;
    io.restart();
    for (;;) {
      clock.run_due();
      const std::size_t ran = io.poll();
      io.restart();
      if (pred()) return true;
      if (std::chrono::steady_clock::now() > until) return false;
      if (clock.armed_timers() > 0)
        clock.tick(clock.next_deadline() - clock.now());
      else if (ran == 0)
        return false;
    }
  }
  // Runs until the gateway has sent `n` messages in all; returns the last.
  Sent wait_sent(std::size_t n) {
    REQUIRE_MESSAGE(run_until([&] { return sent.size() >= n; }), "the gateway did not answer");
    REQUIRE(sent.size() == n);
    return decode_sent(sent.back());
  }

  // ---- the records

  storage::SessionRecord session(std::int64_t id) {
    store->flush();
    auto s = store->get_session(SessionId{id});
    REQUIRE(s.has_value());
    return *s;
  }
  std::vector<storage::StepRecord> steps(std::int64_t id) {
    store->flush();
    return store->list_steps(SessionId{id});
  }
  bool logged(std::string_view needle) const {
    for (const auto& l : logs)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }

  asio::io_context io;
  ManualClock clock;
  TempDir dir;
  ussd::ServiceConfig cfg;
  std::vector<ss7::Unitdata> sent;
  bool link_down = false;  // the fake SS7 sender refuses everything
  std::vector<std::string> logs;
  std::vector<std::unique_ptr<FakeCustomer>> fakes;

 private:
  dialogue::DialogueLayer layer_;

 public:
  std::unique_ptr<storage::SqliteSessionStore> store;
  std::unique_ptr<ussd::Service> service;
};

}  // namespace ussdsvc_test
