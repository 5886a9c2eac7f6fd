// Identity parameters of the MAP operations met beside USSD and SMS in SS7
// captures (TS 29.002 §17.7: MAP-MS-DataTypes, MAP-CH-DataTypes):
//    2 updateLocation          7 insertSubscriberData   22 sendRoutingInfo
//   23 updateGprsLocation     55 sendIdentification     56 sendAuthenticationInfo
//   71 anyTimeInterrogation
//
// Read-only and partial by design: the gateway never takes part in these
// dialogues, the decode tool shows who they are about (IMSI, MSISDN, MSC /
// VLR / HLR / SGSN / gsmSCF numbers, TMSI, cell) and skips the rest (X.680
// §52: unknown and extension elements are skipped, any element order is
// accepted inside a SEQUENCE). Values are views into the caller's buffer or
// fixed-capacity values: decoding allocates nothing.
//
// Each decoder takes the parameter TLV of the TCAP component. Where the MAP
// versions differ in shape (a bare IMSI / TMSI in v1/v2 against a SEQUENCE in
// v3, an [3]-tagged v3 result), both are accepted and `bare` says which.
#pragma once

#include <cstdint>
#include <optional>

#include "ussdgw/fixed_string.h"
#include "ussdgw/result.h"
#include "ussdgw/tbcd.h"

namespace ussdgw::map {

// --- 2 updateLocation (§17.7.1) ---------------------------------------------
// UpdateLocationArg ::= SEQUENCE { imsi IMSI, msc-Number [1] ISDN-AddressString,
//   vlr-Number ISDN-AddressString, lmsi [10] LMSI OPTIONAL, ... }
struct UpdateLocationArg {
  Imsi imsi;
  AddressString msc_number;
  AddressString vlr_number;
  Bytes lmsi;  // 4 octets; empty when absent
};
// UpdateLocationRes ::= SEQUENCE { hlr-Number ISDN-AddressString, ... };
// updateGprsLocation's result has the same head.
struct HlrNumberRes {
  AddressString hlr_number;
};

// --- 23 updateGprsLocation (§17.7.1) ----------------------------------------
// UpdateGprsLocationArg ::= SEQUENCE { imsi IMSI, sgsn-Number ISDN-AddressString,
//   sgsn-Address GSN-Address, ... }
struct UpdateGprsLocationArg {
  Imsi imsi;
  AddressString sgsn_number;
  Bytes sgsn_address;  // GSN-Address (TS 23.003 §16: type octet + IPv4/IPv6)
};

// --- 56 sendAuthenticationInfo, 55 sendIdentification (§17.7.1) --------------
// AuthenticationSetList ::= CHOICE { tripletList [0], quintupletList [1] }
// (v3); v2 carries a bare SEQUENCE OF AuthenticationTriplet. Only RAND is
// kept: the other members (SRES/XRES, Kc, CK, IK) are keys or expected
// answers and are not shown by the decode tool.
struct AuthenticationSets {
  enum class Kind : std::uint8_t { None, Triplets, Quintuplets };
  Kind kind = Kind::None;
  std::size_t count = 0;          // sets in the list (up to 5, §17.7.1)
  FixedVector<Bytes, 5> rand;     // RAND of each set, 16 octets
  FixedVector<Bytes, 5> autn;     // AUTN of each quintuplet, 16 octets
};

// v3: SEQUENCE { imsi [0] IMSI, numberOfRequestedVectors INTEGER (1..5), ...,
//   requestingNodeType [3] ENUMERATED, requestingPLMN-Id [4] PLMN-Id, ... };
// v2: the argument is a bare IMSI.
struct SendAuthenticationInfoArg {
  Imsi imsi;
  std::optional<std::uint8_t> number_of_requested_vectors;
  std::optional<std::uint8_t> requesting_node_type;  // vlr(0) sgsn(1) s-cscf(2) bsf(3) gan-aaa-server(4) wlan-aaa-server(5) mme(16) mme-sgsn(17)
  Bytes requesting_plmn_id;                          // 3 octets; empty when absent
  bool bare = false;
};
// v3: [3] SEQUENCE { authenticationSetList OPTIONAL, ... };
// v2: SEQUENCE OF AuthenticationTriplet (bare).
struct SendAuthenticationInfoRes {
  AuthenticationSets sets;
  bool bare = false;
};

// v3: SEQUENCE { tmsi TMSI, numberOfRequestedVectors OPTIONAL, ...,
//   msc-Number ISDN-AddressString OPTIONAL, ... }; v2: a bare TMSI.
struct SendIdentificationArg {
  Bytes tmsi;  // 1..4 octets
  std::optional<std::uint8_t> number_of_requested_vectors;
  std::optional<AddressString> msc_number;
  bool bare = false;
};
// v3: [3] SEQUENCE { imsi IMSI OPTIONAL, authenticationSetList OPTIONAL, ... };
// v2: SEQUENCE { imsi IMSI, authenticationSetList OPTIONAL }.
struct SendIdentificationRes {
  std::optional<Imsi> imsi;
  AuthenticationSets sets;
};

// --- 7 insertSubscriberData (§17.7.1, §17.7.3) ---------------------------------
// InsertSubscriberDataArg ::= SEQUENCE { imsi [0] IMSI OPTIONAL,
//   COMPONENTS OF SubscriberData (msisdn [1], category [2], subscriberStatus [3],
//   bearerServiceList [4], teleserviceList [6], ...), ... }
struct InsertSubscriberDataArg {
  std::optional<Imsi> imsi;
  std::optional<AddressString> msisdn;
  std::optional<std::uint8_t> category;           // Category, Q.763 calling party's category
  std::optional<std::uint8_t> subscriber_status;  // serviceGranted(0), operatorDeterminedBarring(1)
  FixedVector<std::uint8_t, 20> teleservices;     // Ext-TeleserviceCode, first octet (TS 29.002 §17.7.9)
  FixedVector<std::uint8_t, 50> bearer_services;  // Ext-BearerServiceCode, first octet
  // provisionedSS [7] Ext-SS-InfoList: the forwarded-to numbers of its
  // forwardingInfo [0] entries (Ext-ForwFeature forwardedToNumber [5]).
  struct Forwarding {
    std::uint8_t ss_code = 0;  // SS-Code (TS 29.002 §17.7.5), e.g. 0x21 CFU, 0x29 CFB
    AddressString forwarded_to_number;
  };
  FixedVector<Forwarding, 16> forwardings;
};
// InsertSubscriberDataRes ::= SEQUENCE { teleserviceList [1], bearerServiceList [2], ... }:
// the services the VLR does not support.
struct InsertSubscriberDataRes {
  FixedVector<std::uint8_t, 20> teleservices;
  FixedVector<std::uint8_t, 50> bearer_services;
};

// --- 22 sendRoutingInfo (§17.7.4 MAP-CH-DataTypes) ----------------------------
// SendRoutingInfoArg ::= SEQUENCE { msisdn [0] ISDN-AddressString,
//   cug-CheckInfo [1], numberOfForwarding [2] INTEGER (1..5),
//   interrogationType [3] ENUMERATED { basicCall(0), forwarding(1) },
//   or-Interrogation [4] NULL, or-Capability [5], gmsc-OrGsmSCF-Address [6],
//   callReferenceNumber [7] OCTET STRING (1..8), forwardingReason [8], ... }
struct SendRoutingInfoArg {
  AddressString msisdn;
  std::optional<std::uint8_t> number_of_forwarding;
  std::uint8_t interrogation_type = 0;
  bool or_interrogation = false;
  std::optional<AddressString> gmsc_address;
  Bytes call_reference_number;  // empty when absent
};
// v3: [3] SEQUENCE { imsi [9] IMSI OPTIONAL, extendedRoutingInfo
//   (routingInfo: roamingNumber ISDN-AddressString | forwardingData SEQUENCE;
//   camelRoutingInfo [8]) OPTIONAL, ..., vmsc-Address [2], ..., msisdn [12], ... };
// v2: SEQUENCE { imsi IMSI, routingInfo RoutingInfo, ... }.
struct SendRoutingInfoRes {
  std::optional<Imsi> imsi;
  std::optional<AddressString> roaming_number;
  std::optional<AddressString> forwarded_to_number;  // forwardingData [5]
  std::optional<AddressString> vmsc_address;
  std::optional<AddressString> msisdn;
  bool bare = false;  // the v1/v2 form
};

// --- 71 anyTimeInterrogation (§17.7.3) ----------------------------------------
// AnyTimeInterrogationArg ::= SEQUENCE { subscriberIdentity [0] CHOICE
//   { imsi [0], msisdn [1] }, requestedInfo [1] RequestedInfo, extensionContainer [2],
//   gsmSCF-Address [3] ISDN-AddressString, ... }
struct AnyTimeInterrogationArg {
  std::optional<Imsi> imsi;
  std::optional<AddressString> msisdn;
  // RequestedInfo ::= SEQUENCE of NULL flags (locationInformation [0],
  // subscriberState [1], currentLocation [3], ms-classmark [5], imei [6],
  // mnpRequestedInfo [7], ...): bit n set = NULL element [n] present;
  // requestedDomain [4] is kept apart.
  std::uint32_t requested = 0;
  std::optional<std::uint8_t> requested_domain;  // cs-Domain(0), ps-Domain(1)
  AddressString gsm_scf_address;
};
// AnyTimeInterrogationRes ::= SEQUENCE { subscriberInfo SubscriberInfo, ... }
// SubscriberInfo ::= SEQUENCE { locationInformation [0], subscriberState [1],
//   ..., imei [5] IMEI, ... }
struct AnyTimeInterrogationRes {
  std::optional<std::int64_t> age_of_location;     // minutes
  std::optional<AddressString> vlr_number;         // [1]
  std::optional<AddressString> msc_number;         // [6]
  Bytes geographical_information;                  // [0], 8 octets (TS 23.032)
  Bytes cell_global_id;                            // cellGlobalIdOrServiceAreaIdFixedLength, 7 octets
  Bytes location_area_id;                          // laiFixedLength, 5 octets
  // SubscriberState: assumedIdle [0], camelBusy [1], notProvidedFromVLR [2],
  // netDetNotReachable ENUMERATED (NotReachableReason).
  enum class State : std::uint8_t { Unknown, AssumedIdle, CamelBusy, NotProvidedFromVlr, NetDetNotReachable };
  State state = State::Unknown;
  std::optional<std::uint8_t> not_reachable_reason;  // msPurged(0) imsiDetached(1) restrictedArea(2) notRegistered(3)
  std::optional<Digits> imei;                        // [5] TBCD, 8 octets
};

// MCC, MNC, LAC and CI of a CellGlobalIdOrServiceAreaIdFixedLength (7
// octets) or a LAIFixedLength (5 octets) (TS 24.008 §10.5.1.3, TS 29.002
// §17.7.8). MNC has 2 or 3 digits (filler 0xF).
struct CellId {
  FixedString<3> mcc;
  FixedString<3> mnc;
  std::uint16_t lac = 0;
  std::optional<std::uint16_t> ci;  // absent for a LAI
};
Result<CellId> decode_cell_id(Bytes fixed_length);

Result<UpdateLocationArg> decode_update_location_arg(Bytes param);
Result<HlrNumberRes> decode_hlr_number_res(Bytes param);  // ops 2 and 23
Result<UpdateGprsLocationArg> decode_update_gprs_location_arg(Bytes param);
Result<SendAuthenticationInfoArg> decode_send_authentication_info_arg(Bytes param);
Result<SendAuthenticationInfoRes> decode_send_authentication_info_res(Bytes param);
Result<SendIdentificationArg> decode_send_identification_arg(Bytes param);
Result<SendIdentificationRes> decode_send_identification_res(Bytes param);
Result<InsertSubscriberDataArg> decode_insert_subscriber_data_arg(Bytes param);
Result<InsertSubscriberDataRes> decode_insert_subscriber_data_res(Bytes param);
Result<SendRoutingInfoArg> decode_send_routing_info_arg(Bytes param);
Result<SendRoutingInfoRes> decode_send_routing_info_res(Bytes param);
Result<AnyTimeInterrogationArg> decode_any_time_interrogation_arg(Bytes param);
Result<AnyTimeInterrogationRes> decode_any_time_interrogation_res(Bytes param);

}  // namespace ussdgw::map
