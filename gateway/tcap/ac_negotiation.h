// Application-context negotiation of the dialogue layer (Q.774 §3.2.2.2
// dialogue control; TS 29.002 §12.1 MAP AC and version negotiation):
// whether a proposed AC is served, with which registration, and the
// dialogue portions that answer it.
//
// The responder side checks an AARQ here (accept_aarq). The initiating side
// will build its AARQ and read the AARE (accepted; or reject-permanent
// naming the version the peer supports, to fall back to, TS 29.002 §12.1.2)
// next to it; the registrations already carry the version to propose.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "gateway/codec/tcap.h"
#include "gateway/tcap/refusal.h"
#include "ussdgw/expected.h"
#include "ussdgw/tbcd.h"

namespace ussdgw::dialogue {

struct AcRegistration;

using AcOid = std::array<std::uint8_t, 7>;

// A BEGIN's dialogue portion accepted: the registration that serves it and
// MAP-OPEN's references (TS 29.002 §7.3.1, raw-IMSI quirk handled).
struct AcceptedAc {
  std::size_t registration = 0;  // index into the registrations given
  std::uint8_t version = 0;
  Digits destination_reference;
  Digits origination_reference;
};

struct AcRefused {
  Refusal reason = Refusal::AcNotSupported;
  // For an AARE refusal: the AC to name (ours of the same family, else the
  // one received; points into the BEGIN or into `named_buf`).
  Bytes named_ac;
  const char* detail = nullptr;  // the decoder's text, when it has one
};

// Checks the dialogue portion of a BEGIN against `regs`. `named_buf` must
// outlive the AcRefused (it may hold the AC to name).
Expected<AcceptedAc, AcRefused> accept_aarq(const std::optional<tcap::DialoguePortion>& dp,
                                            std::span<const AcRegistration> regs, AcOid& named_buf);

// AARE accepted naming `ac` (Q.771 §3.2.2.2: the first answer carries it).
tcap::DialoguePortion aare_accepted(const AcOid& ac);
// The MAP AC OID of a registration.
AcOid registered_ac(const AcRegistration& r);

}  // namespace ussdgw::dialogue
