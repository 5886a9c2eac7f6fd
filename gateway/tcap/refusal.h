// Why the dialogue layer refuses a TC-BEGIN, and what it answers: one row
// per reason, so that every refusal takes the same path (DialogueLayer's
// refuse()) and the answers can be read in one place.
//
// The answers (Q.774 §3.2.1.2 transaction level, §3.2.2.2 dialogue level;
// TS 29.002 §12.1 and §7.3.4/§7.3.5 for MAP):
//  * PAbort          ABORT with P-AbortCause `p_abort`
//  * BareUAbort      ABORT without a dialogue portion (a MAP v1 peer cannot read an AARE)
//  * ProviderAbrt    ABORT with ABRT abort-source dialogue-service-provider
//  * AareRefusal     ABORT with AARE reject-permanent (diagnostic `source`/`diagnostic`),
//                    naming the AC we support of that family, or the one received
//  * MapProviderAbort ABORT with ABRT + MAP-ProviderAbortInfo `map_reason`
//  * EndWithComponent END with AARE accepted and one component (a Reject,
//                    or the TC user's busy answer): the transaction closes at once
#pragma once

#include <array>
#include <cstdint>

#include "gateway/codec/map_dialogue.h"
#include "gateway/codec/tcap.h"

namespace ussdgw::dialogue {

enum class Refusal : std::uint8_t {
  ShuttingDown,            // shutdown() was called
  BadDialoguePortion,      // the decoder could not read the dialogue portion
  NoDialoguePortion,       // MAP v1, and no v1 context is registered
  NotAarq,                 // the dialogue portion is not an AARQ
  NoCommonVersion,         // protocol-version without version1
  AcNotSupported,          // no registration for the AC family
  AcVersionNotSupported,   // the family is registered in another version
  BadMapOpen,              // user information that is not a usable MAP-OPEN
  NoComponents,            // nothing to act on
  FirstComponentReject,    // a Reject is never answered with a Reject
  FirstComponentNotInvoke, // malformed, or a ReturnResult/Error: Rejected
  Busy,                    // Config::max_dialogues open
  NoTransactionId,         // the table is full (a guard: capacity >= max_dialogues)
};

enum class RefusalAnswer : std::uint8_t { PAbort, BareUAbort, ProviderAbrt, AareRefusal, MapProviderAbort, EndWithComponent };

struct RefusalRow {
  Refusal reason;
  RefusalAnswer answer;
  const char* cause;  // for the log line
  bool ac_refusal = false;  // counted in Stats::ac_refused
  tcap::PAbortCause p_abort = tcap::PAbortCause::ResourceLimitation;
  tcap::DiagnosticSource source = tcap::DiagnosticSource::ServiceUser;
  std::uint8_t diagnostic = 0;
  map::ProviderAbortReason map_reason = map::ProviderAbortReason::AbnormalDialogue;
};

inline constexpr std::array<RefusalRow, 13> kRefusals{{
    {Refusal::ShuttingDown, RefusalAnswer::PAbort, "gateway shutting down", false, tcap::PAbortCause::ResourceLimitation},
    {Refusal::BadDialoguePortion, RefusalAnswer::ProviderAbrt, "dialogue portion cannot be decoded"},
    {Refusal::NoDialoguePortion, RefusalAnswer::BareUAbort,
     "no dialogue portion (MAP v1) and no v1 context is registered", true},
    {Refusal::NotAarq, RefusalAnswer::ProviderAbrt, "dialogue portion is not an AARQ"},
    {Refusal::NoCommonVersion, RefusalAnswer::AareRefusal, "protocol-version without version1", true,
     tcap::PAbortCause::ResourceLimitation, tcap::DiagnosticSource::ServiceProvider,
     static_cast<std::uint8_t>(tcap::ProviderDiagnostic::NoCommonDialoguePortion)},
    {Refusal::AcNotSupported, RefusalAnswer::AareRefusal, "AC not supported", true,
     tcap::PAbortCause::ResourceLimitation, tcap::DiagnosticSource::ServiceUser,
     static_cast<std::uint8_t>(tcap::UserDiagnostic::AcNotSupported)},
    {Refusal::AcVersionNotSupported, RefusalAnswer::AareRefusal, "AC version not supported", true,
     tcap::PAbortCause::ResourceLimitation, tcap::DiagnosticSource::ServiceUser,
     static_cast<std::uint8_t>(tcap::UserDiagnostic::AcNotSupported)},
    {Refusal::BadMapOpen, RefusalAnswer::MapProviderAbort, "user information is not a usable map-open", false,
     tcap::PAbortCause::ResourceLimitation, tcap::DiagnosticSource::ServiceUser, 0, map::ProviderAbortReason::InvalidPdu},
    {Refusal::NoComponents, RefusalAnswer::MapProviderAbort, "no component to act on"},
    {Refusal::FirstComponentReject, RefusalAnswer::MapProviderAbort, "first component is a Reject"},
    {Refusal::FirstComponentNotInvoke, RefusalAnswer::EndWithComponent, "first component is not an invoke"},
    {Refusal::Busy, RefusalAnswer::EndWithComponent, "dialogue bound reached"},
    {Refusal::NoTransactionId, RefusalAnswer::PAbort, "no transaction id free", false,
     tcap::PAbortCause::ResourceLimitation},
}};

constexpr const RefusalRow& row(Refusal r) { return kRefusals[static_cast<std::size_t>(r)]; }

// The table is indexed by the enum: keep them in the same order.
static_assert([] {
  for (std::size_t i = 0; i < kRefusals.size(); ++i)
    if (static_cast<std::size_t>(kRefusals[i].reason) != i) return false;
  return true;
}());

}  // namespace ussdgw::dialogue
