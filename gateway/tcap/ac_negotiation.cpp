// AC negotiation; see ac_negotiation.h.
#include "gateway/tcap/ac_negotiation.h"

#include "gateway/codec/map_dialogue.h"
#include "gateway/codec/map_names.h"
#include "gateway/tcap/dialogue_layer.h"

namespace ussdgw::dialogue {

AcOid registered_ac(const AcRegistration& r) { return map::ac_oid(r.ac, r.version); }

tcap::DialoguePortion aare_accepted(const AcOid& ac) {
  return tcap::make_aare(ac, tcap::AssociateResult::Accepted, tcap::DiagnosticSource::ServiceUser,
                         static_cast<std::uint8_t>(tcap::UserDiagnostic::Null));
}

Expected<AcceptedAc, AcRefused> accept_aarq(const std::optional<tcap::DialoguePortion>& dp,
                                            std::span<const AcRegistration> regs, AcOid& named_buf) {
  // No dialogue portion = MAP v1 (TS 29.002 §12.1). Every registration is v2
  // or later, and a v1 peer cannot read an AARE.
  if (!dp) return AcRefused{Refusal::NoDialoguePortion, {}, nullptr};
  if (dp->type != tcap::DialoguePduType::Aarq) return AcRefused{Refusal::NotAarq, {}, nullptr};
  // Q.774 §3.2.2.2: no common protocol version.
  if (!dp->has_version1()) return AcRefused{Refusal::NoCommonVersion, dp->application_context, nullptr};

  auto acid = map::parse_ac(dp->application_context);
  const AcRegistration* reg = nullptr;
  std::size_t index = 0;
  for (std::size_t k = 0; acid && k < regs.size(); ++k)
    if (regs[k].ac == acid->ac) {
      reg = &regs[k];
      index = k;
    }
  // TS 29.002 §12.1: the responder refuses with an AARE reject-permanent,
  // application-context-name-not-supported, naming the version it supports
  // of the same AC family (the initiator falls back to it, vector S10 #4),
  // or the received name when it supports nothing of that family.
  if (!reg) return AcRefused{Refusal::AcNotSupported, dp->application_context, nullptr};
  if (acid->version != reg->version) {
    named_buf = registered_ac(*reg);
    return AcRefused{Refusal::AcVersionNotSupported, Bytes(named_buf), nullptr};
  }

  AcceptedAc a;
  a.registration = index;
  a.version = acid->version;
  if (dp->user_information) {
    // TS 29.002 §7.3.5: a MAP dialogue PDU that cannot be used is a provider
    // abort with reason invalidPDU.
    auto pdu = map::decode_user_information(*dp->user_information);
    if (!pdu) return AcRefused{Refusal::BadMapOpen, {}, pdu.error().what};
    if (pdu->type != map::DialoguePduType::Open) return AcRefused{Refusal::BadMapOpen, {}, "not a map-open"};
    if (pdu->destination_reference)
      a.destination_reference = map::read_reference(*pdu->destination_reference).best_digits();
    if (pdu->origination_reference)
      a.origination_reference = map::read_reference(*pdu->origination_reference).best_digits();
  }
  return a;
}

}  // namespace ussdgw::dialogue
