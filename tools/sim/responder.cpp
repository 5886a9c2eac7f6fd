#include "tools/sim/responder.h"

#include "gateway/codec/tcap.h"
#include "ussd/codec/ussd_ops.h"
#include "ussd/codec/ussd_text.h"

namespace ussdgw::sim {

CannedResponder::CannedResponder(std::string_view final_text) {
  std::array<std::uint8_t, ussd::kMaxUssdStringOctets> str{};
  auto enc = ussd::encode_text(final_text.empty() ? "OK" : final_text, str);
  if (!enc) enc = ussd::encode_text("OK", str);
  std::array<std::uint8_t, 200> out{};
  auto n = ussd::encode_ussd_res(ussd::UssdRes{enc->dcs, Bytes(str.data(), enc->octets)}, out);
  if (n) res_.assign(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n));
}

std::optional<Bytes> CannedResponder::answer(Bytes begin) {
  auto m = tcap::decode_message(begin);
  if (!m || m->type != tcap::MessageType::Begin || !m->otid) {
    ++ignored_;
    return std::nullopt;
  }
  // Answer the first invoke's id; the AARE echoes the proposed AC (accepted)
  // as the first backward message must (Q.774 §3.2.2.2). A BEGIN without
  // dialogue portion (AC version 1) gets an END without one.
  tcap::InvokeId id{1};
  auto comps = m->components();
  if (!comps.at_end()) {
    auto c = comps.next();
    if (c && c->invoke()) id = c->invoke()->invoke_id;
  }
  std::optional<tcap::DialoguePortion> aare;
  if (m->dialogue && m->dialogue->type == tcap::DialoguePduType::Aarq)
    aare = tcap::make_aare(m->dialogue->application_context, tcap::AssociateResult::Accepted,
                           tcap::DiagnosticSource::ServiceUser, 0);
  tcap::Component rr;
  rr.body = tcap::ReturnResult{id, true, tcap::OpCode::make_local(59), Bytes(res_)};
  auto out = tcap::encode_message(buf_, tcap::make_end(*m->otid, aare), std::span(&rr, 1));
  if (!out) {
    ++ignored_;
    return std::nullopt;
  }
  ++answered_;
  return *out;
}

}  // namespace ussdgw::sim
