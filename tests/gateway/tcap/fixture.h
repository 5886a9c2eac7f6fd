// Test fixture for the TCAP dialogue layer: a ManualClock (time moves only
// with tick(), timers fire inside it), a fake Sender that captures what the
// layer sends, a fake TC user that records what it is told, and builders for
// network messages made with the codec's encoders.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/codec/map_dialogue.h"
#include "gateway/codec/map_names.h"
#include "gateway/codec/tcap.h"
#include "gateway/tcap/dialogue_layer.h"
#include "support/tcap_components.h"
#include "ussdgw/manual_clock.h"

namespace dlg_test {

using namespace ussdgw;
using Octets = std::vector<std::uint8_t>;
using namespace std::chrono_literals;

inline Octets hex(std::string_view h) {
  // No doctest macro here: also used for static constants (before main).
  std::basic_string<std::uint8_t> b;
  if (!from_hex(h, b)) b.clear();
  return Octets(b.begin(), b.end());
}
inline std::string hex_of(Bytes b) { return to_hex(b); }

// USSD-Arg / USSD-Res { dcs 0x0f, "*234#" } (TS 29.002 §17.7.4).
inline const Octets kUssdArg = hex("300a04010f04052ad98c3602");
inline const Octets kUssdRes = hex("300a04010f04052ad98c3602");

inline ss7::Address gw_address() {
  ss7::Address a;
  a.ri = ss7::RoutingIndicator::kSubsystem;
  a.ssn = ss7::kSsnGsmScf;
  a.pc = ss7::PointCode{1};
  return a;
}
inline ss7::Address net_address() {
  ss7::Address a;
  a.ri = ss7::RoutingIndicator::kGlobalTitle;
  a.ssn = ss7::kSsnMsc;
  ss7::GlobalTitle gt;
  gt.digits.assign("27820000002");
  a.gt = gt;
  return a;
}

// ---------------------------------------------------------------- builders

inline Octets encode(const tcap::Message& m, std::vector<tcap::Component> comps = {}) {
  std::array<std::uint8_t, 1024> buf{};
  auto enc = tcap::encode_message(buf, m, comps);
  REQUIRE(enc.ok());
  return Octets(enc->begin(), enc->end());
}

inline tcap::Component invoke(std::int8_t id, int op, std::optional<Bytes> param) {
  return tcap::Component{tcap::Invoke{tcap::InvokeId{id}, std::nullopt, tcap::OpCode::make_local(op), param}, {}};
}
inline tcap::Component rrl(std::int8_t id, int op, std::optional<Bytes> param) {
  tcap::ReturnResult r{tcap::InvokeId{id}, true, std::nullopt, std::nullopt};
  if (param) {
    r.op = tcap::OpCode::make_local(op);
    r.parameter = param;
  }
  return tcap::Component{r, {}};
}

// BEGIN with AARQ (AC 19.<version>, MAP-OPEN with a destination reference =
// IMSI as AddressString) and one processUnstructuredSS-Request invoke.
inline Octets begin_msg(std::uint32_t otid, std::uint8_t ac_version = 2, std::int8_t invoke_id = 1,
                        std::uint8_t ac = map::ac::kNetworkUnstructuredSs) {
  static const Octets dref = hex("9162020000000010");  // international E.164-style, digits 262000000000100
  static const Octets oref = hex("917267415827f2");
  std::array<std::uint8_t, 96> ui{};
  auto u = map::encode_user_information(ui, map::make_open(Bytes(dref), Bytes(oref)));
  REQUIRE(u.ok());
  auto acoid = map::ac_oid(ac, ac_version);
  auto m = tcap::make_begin(tcap::TransactionId::from_u32(otid), tcap::make_aarq(acoid, *u));
  return encode(m, {invoke(invoke_id, 59, Bytes(kUssdArg))});
}

inline Octets continue_msg(std::uint32_t otid, std::uint32_t dtid, std::vector<tcap::Component> comps) {
  return encode(tcap::make_continue(tcap::TransactionId::from_u32(otid), tcap::TransactionId::from_u32(dtid)),
                std::move(comps));
}

// ---------------------------------------------------------------- fakes

struct BeginSeen {
  dialogue::DialogueInfo info;
  std::int8_t invoke_id = 0;
  std::int64_t op = 0;
  Octets parameter;
};
struct ComponentSeen {
  LocalTid id;
  tcap::ComponentType type{};
  bool end = false;
  std::int8_t invoke_id = 0;
  Octets raw;
};
struct AbortSeen {
  LocalTid id;
  dialogue::AbortReason reason{};
  std::optional<tcap::PAbortCause> p_abort_cause;
  std::optional<map::DialoguePduType> map_type;
  map::UserAbortChoice user_abort_choice{};
};

class FakeUser : public dialogue::TcUser {
 public:
  void on_begin(const dialogue::DialogueInfo& d, const tcap::Invoke& inv) override {
    begins.push_back({d, inv.invoke_id.value, inv.op.local,
                      inv.parameter ? Octets(inv.parameter->begin(), inv.parameter->end()) : Octets{}});
    if (on_begin_hook) on_begin_hook(d, inv);
  }
  void on_component(LocalTid id, const tcap::Component& c, bool end) override {
    std::int8_t iid = 0;
    if (auto* i = c.invoke()) iid = i->invoke_id.value;
    if (auto* r = c.return_result()) iid = r->invoke_id.value;
    if (auto* e = c.return_error()) iid = e->invoke_id.value;
    components.push_back({id, c.type(), end, iid, Octets(c.raw.begin(), c.raw.end())});
  }
  void on_abort(LocalTid id, const dialogue::AbortInfo& why) override {
    AbortSeen a{id, why.reason, why.p_abort_cause, std::nullopt, {}};
    if (why.map_pdu) {
      a.map_type = why.map_pdu->type;
      a.user_abort_choice = why.map_pdu->user_abort_choice;
    }
    aborts.push_back(a);
  }

  std::vector<BeginSeen> begins;
  std::vector<ComponentSeen> components;
  std::vector<AbortSeen> aborts;
  std::function<void(const dialogue::DialogueInfo&, const tcap::Invoke&)> on_begin_hook;
};

struct Fixture {
  explicit Fixture(dialogue::Config cfg = {}) {
    layer = std::make_unique<dialogue::DialogueLayer>(clock, cfg, [this](ss7::Unitdata&& u) {
      if (!send_ok) return false;
      sent.push_back(std::move(u));
      return true;
    });
    layer->register_user(dialogue::AcRegistration{map::ac::kNetworkUnstructuredSs, 2, map::MapError::UssdBusy, &user, {}});
  }

  void receive(const Octets& tcap_bytes) {
    layer->on_unitdata(ss7::Unitdata{gw_address(), net_address(), tcap_bytes});
  }

  // The last message the layer sent, decoded (its spans point into `sent`).
  tcap::Message last() {
    REQUIRE(!sent.empty());
    CHECK(sent.back().called == net_address());
    CHECK(sent.back().calling == gw_address());
    auto m = tcap::decode_message(Bytes(sent.back().data));
    REQUIRE(m.ok());
    return *m;
  }
  std::vector<tcap::Component> components_of(const tcap::Message& m) { return ussdgw::test::all_components(m); }
  std::string last_hex() { return to_hex(Bytes(sent.back().data)); }

  // Moves time on by `d`, firing the layer's timers that fall due.
  void tick(std::chrono::milliseconds d) { clock.tick(d); }

  // Opens a dialogue with `otid`; returns its id.
  LocalTid open(std::uint32_t otid) {
    auto n = user.begins.size();
    receive(begin_msg(otid));
    REQUIRE(user.begins.size() == n + 1);
    return user.begins.back().info.id;
  }

  ManualClock clock;
  std::vector<ss7::Unitdata> sent;
  bool send_ok = true;
  FakeUser user;
  std::unique_ptr<dialogue::DialogueLayer> layer;
};

inline dialogue::Config short_timers() {
  dialogue::Config c;
  c.idle_timeout = 20ms;
  c.invoke_timeout = 20ms;
  c.shutdown_grace = 20ms;
  return c;
}

}  // namespace dlg_test
