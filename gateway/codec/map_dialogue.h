// MAP dialogue PDUs (3GPP TS 29.002 §17.4, MAP-DialogueInformation), carried
// as an EXTERNAL with direct-reference map-DialogueAS 0.4.0.0.1.1.1.1 inside
// the user-information of a TCAP AARQ/AARE/ABRT (tcap::DialoguePortion).
//
// Decoding is heap-free: references and extension containers are spans into
// the message.
//
//   auto d = tcap::decode_message(bytes);            // Begin with AARQ
//   auto mp = map::decode_user_information(*d->dialogue->user_information);
//   if (mp && mp->type == map::DialoguePduType::Open && mp->destination_reference) ...
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "ussdgw/ber.h"
#include "ussdgw/result.h"
#include "ussdgw/tbcd.h"

namespace ussdgw::map {

// map-DialogueAS {0 4 0 0 1 1 1 1} (TS 29.002 §17.4, MAP-DialogueInformation).
inline constexpr std::array<std::uint8_t, 7> kMapDialogueAs{0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x01};

// MAP-DialoguePDU CHOICE; the value is the context tag ([0] map-open .. [5] map-providerAbort).
enum class DialoguePduType : std::uint8_t {
  Open = 0, Accept = 1, Close = 2, Refuse = 3, UserAbort = 4, ProviderAbort = 5,
};
const char* to_string(DialoguePduType t);

// MAP-RefuseInfo reason (Reason ::= ENUMERATED).
enum class RefuseReason : std::uint8_t { NoReasonGiven = 0, InvalidDestinationReference = 1, InvalidOriginatingReference = 2 };
// MAP-UserAbortChoice; the value is the context tag.
enum class UserAbortChoice : std::uint8_t {
  UserSpecificReason = 0,                // [0] NULL
  UserResourceLimitation = 1,            // [1] NULL
  ResourceUnavailable = 2,               // [2] ResourceUnavailableReason
  ApplicationProcedureCancellation = 3,  // [3] ProcedureCancellationReason
};
// ResourceUnavailableReason: shortTermResourceLimitation(0), longTermResourceLimitation(1).
// ProcedureCancellationReason: handoverCancellation(0), radioChannelRelease(1), networkPathRelease(2),
//   callRelease(3), associatedProcedureFailure(4), tandemDialogueRelease(5), remoteOperationsFailure(6).
// MAP-ProviderAbortReason.
enum class ProviderAbortReason : std::uint8_t { AbnormalDialogue = 0, InvalidPdu = 1 };

struct DialoguePdu {
  DialoguePduType type = DialoguePduType::Open;

  // map-open (MAP-OpenInfo): AddressString contents (octet 1 = ext/NAI/NPI, then TBCD).
  std::optional<Bytes> destination_reference;  // [0]
  std::optional<Bytes> origination_reference;  // [1]
  // Ericsson-proprietary MAP-OpenInfo fields after the extension marker
  // (callingMsisdn [2], callingVlrAddress [3]; Wireshark MAP-DialogueInformation.asn
  // "WS modification"); decode only, re-emitted through `tail`.
  std::optional<Bytes> calling_msisdn;
  std::optional<Bytes> calling_vlr_address;

  RefuseReason refuse_reason = RefuseReason::NoReasonGiven;  // map-refuse
  std::optional<Bytes> alternative_ac;                        // map-refuse: OID contents

  UserAbortChoice user_abort_choice = UserAbortChoice::UserSpecificReason;  // map-userAbort
  std::uint8_t user_abort_reason = 0;  // ENUMERATED value for [2]/[3]

  ProviderAbortReason provider_abort_reason = ProviderAbortReason::AbnormalDialogue;  // map-providerAbort

  std::optional<Bytes> extension_container;  // whole ExtensionContainer TLV (`30 ...`)

  // Raw octets after the PDU's leading known fields (for map-open: after [0]/[1];
  // map-refuse: after reason; map-userAbort/providerAbort: after the choice/reason;
  // map-accept/close: everything). Decoding fills it; when non-empty the encoder
  // writes it verbatim instead of extension_container/alternative_ac, which is
  // what makes vendor elements survive a decode/encode round trip.
  Bytes tail;
};

// Decodes a MAP-DialoguePDU TLV (`a0`..`a5`).
Result<DialoguePdu> decode_dialogue_pdu(Bytes tlv);
// Decodes the contents of a TCAP user-information [30] field: finds the
// EXTERNAL whose direct-reference is map-DialogueAS and decodes its PDU.
Result<DialoguePdu> decode_user_information(Bytes user_information);

// Writes the MAP-DialoguePDU TLV.
void put_dialogue_pdu(ber::Writer& w, const DialoguePdu& p);
// Writes the EXTERNAL `28 L 06 07 <map-DialogueAS> a0 L <PDU>` (one element of user-information).
void put_user_information(ber::Writer& w, const DialoguePdu& p);
// Encodes the user-information contents into `out`, ready for
// tcap::DialoguePortion::user_information.
Result<Bytes> encode_user_information(std::span<std::uint8_t> out, const DialoguePdu& p);

DialoguePdu make_open(std::optional<Bytes> destination_reference, std::optional<Bytes> origination_reference);
DialoguePdu make_refuse(RefuseReason reason);
DialoguePdu make_user_abort(UserAbortChoice choice, std::uint8_t reason = 0);
DialoguePdu make_provider_abort(ProviderAbortReason reason);

// A destinationReference is specified as an AddressString (TS 29.002 §17.7.8),
// but some vendors put a bare TBCD IMSI there with no TON/NPI octet (vector
// U02: `33 08 05 09 13 17 65 f0` = IMSI 338050903171560). Both readings are
// returned. Heuristic for `likely_raw_imsi`: octet 1 of a conformant
// AddressString has bit 8 (extension) = 1 ("no extension", §17.7.8), so bit 8 =
// 0 cannot be a TON/NPI octet; if the whole value then reads as 6..15 decimal
// TBCD digits (IMSI length, TS 23.003 §2.2), it is taken as a raw IMSI. An IMSI
// whose second digit is 8 or 9 sets bit 8 and is not detected (read as an address).
struct ReferenceReading {
  std::optional<AddressString> address;  // octet 1 as ext/NAI/NPI + TBCD digits
  std::optional<Digits> raw_tbcd;        // all octets as TBCD digits
  bool likely_raw_imsi = false;
  // The digits the caller most likely wants (raw IMSI or the address digits).
  [[nodiscard]] Digits best_digits() const;
};
ReferenceReading read_reference(Bytes value);

}  // namespace ussdgw::map
