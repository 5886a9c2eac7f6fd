// MAP short-message service operations (TS 29.002 §12, data types §17.7.6,
// MAP-SM-DataTypes): the argument/result SEQUENCEs of
//   45 sendRoutingInfoForSM, 44 mt-forwardSM, 46 mo-forwardSM / forwardSM
//   (v1/v2), 47 reportSM-DeliveryStatus, 63 informServiceCentre,
//   64 alertServiceCentre / 49 alertServiceCentreWithoutResult.
//
// Decoders take the parameter TLV of the TCAP component (the `30 ..`
// SEQUENCE, or for v2 ReportSM-DeliveryStatus-Res the bare `04 ..`), accept
// BER (indefinite lengths, any element order inside a SEQUENCE), skip
// unknown and extension elements (X.680 §52), and return views into the
// input. Encoders write canonical DER into a ber::Writer in the ASN.1 order.
//
// Extension containers are not interpreted; the whole TLV is kept so that a
// relay can pass it on unchanged (and encode(decode(x)) == x holds).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "ussdgw/ber.h"
#include "ussdgw/result.h"
#include "ussdgw/tbcd.h"

namespace ussdgw::sms {

// LMSI ::= OCTET STRING (SIZE (4)) (TS 29.002 §17.7.8).
struct Lmsi {
  std::array<std::uint8_t, 4> octets{};
  friend bool operator==(const Lmsi&, const Lmsi&) = default;
};

// AddressString of a service centre (SMSC). A distinct type so that it is
// never mixed up with a subscriber's MSISDN.
struct ServiceCentreAddress {
  AddressString address;
};

// SM-RP-DA (§17.7.6): where the short message is going.
struct SmRpDa {
  enum class Kind : std::uint8_t { Imsi, Lmsi, ServiceCentre, None };
  Kind kind = Kind::None;
  Imsi imsi;                 // Kind::Imsi          [0]
  Lmsi lmsi;                 // Kind::Lmsi          [1]
  ServiceCentreAddress sca;  // Kind::ServiceCentre [4] serviceCentreAddressDA
                             // Kind::None          [5] noSM-RP-DA
};

// SM-RP-OA (§17.7.6): where it comes from.
struct SmRpOa {
  enum class Kind : std::uint8_t { Msisdn, ServiceCentre, None };
  Kind kind = Kind::None;
  AddressString msisdn;      // Kind::Msisdn        [2]
  ServiceCentreAddress sca;  // Kind::ServiceCentre [4] serviceCentreAddressOA
                             // Kind::None          [5] noSM-RP-OA
};

// SM-DeliveryOutcome ::= ENUMERATED (§17.7.6).
enum class SmDeliveryOutcome : std::uint8_t { MemoryCapacityExceeded = 0, AbsentSubscriber = 1, SuccessfulTransfer = 2 };

// --- 45 sendRoutingInfoForSM ----------------------------------------------

struct RoutingInfoForSmArg {
  AddressString msisdn;                          // [0] ISDN-AddressString (17 digits accepted)
  bool sm_rp_pri = false;                        // [1]
  ServiceCentreAddress service_centre_address;   // [2]
  std::optional<std::uint8_t> teleservice;       // [5] MAP v1 only
  Bytes extension_container;                     // [6] whole TLV, empty when absent
  bool gprs_support_indicator = false;           // [7]
  std::optional<std::uint8_t> sm_rp_mti;         // [8] 0..10
  Bytes sm_rp_smea;                              // [9] OCTET STRING (1..12), empty when absent
  std::optional<std::uint8_t> sm_delivery_not_intended;  // [10] onlyIMSI(0), onlyMCC-MNC(1)
  bool ip_sm_gw_guidance_indicator = false;      // [11]
  std::optional<Imsi> imsi;                      // [12]
  bool t4_trigger_indicator = false;             // [14]
  bool single_attempt_delivery = false;          // [13]
  Bytes correlation_id;                          // [15] whole TLV, empty when absent
};

struct LocationInfoWithLmsi {
  AddressString network_node_number;             // [1]
  std::optional<Lmsi> lmsi;                      // LMSI (04)
  Bytes extension_container;                     // SEQUENCE (30), whole TLV
  bool gprs_node_indicator = false;              // [5]
  // additional-Number [6] CHOICE { msc-Number [0], sgsn-Number [1] }
  enum class AdditionalKind : std::uint8_t { None, Msc, Sgsn };
  AdditionalKind additional_kind = AdditionalKind::None;
  AddressString additional_number;
};

struct RoutingInfoForSmRes {
  Imsi imsi;
  LocationInfoWithLmsi location;                 // [0]
  std::optional<bool> mwd_set;                   // [2] MAP v1 only
  Bytes extension_container;                     // [4] whole TLV
  Bytes ip_sm_gw_guidance;                       // [5] whole TLV
};

// --- 44 mt-forwardSM, 46 mo-forwardSM / forwardSM --------------------------

struct MtForwardSmArg {
  SmRpDa sm_rp_da;
  SmRpOa sm_rp_oa;
  Bytes sm_rp_ui;                                // SignalInfo: the TPDU (SMS-DELIVER)
  bool more_messages_to_send = false;            // NULL (05)
  Bytes extension_container;                     // (30) whole TLV
  std::optional<std::int64_t> sm_delivery_timer; // INTEGER (02)
  Bytes sm_delivery_start_time;                  // Time (04, second OCTET STRING)
  bool sms_over_ip_only_indicator = false;       // [0]
  Bytes correlation_id;                          // [1] whole TLV
  Bytes maximum_retransmission_time;             // [2] Time
  std::optional<AddressString> sms_gmsc_address; // [3]
  Bytes sms_gmsc_diameter_address;               // [4] whole TLV
};

struct MoForwardSmArg {
  SmRpDa sm_rp_da;
  SmRpOa sm_rp_oa;
  Bytes sm_rp_ui;                                // SMS-SUBMIT
  Bytes extension_container;
  std::optional<Imsi> imsi;                      // IMSI (04, second OCTET STRING)
  Bytes correlation_id;                          // [0] whole TLV
  std::optional<SmDeliveryOutcome> sm_delivery_outcome;  // [1]
};

// ForwardSM-Arg of MAP v1/v2 (op 46, both directions).
struct ForwardSmArg {
  SmRpDa sm_rp_da;
  SmRpOa sm_rp_oa;
  Bytes sm_rp_ui;
  bool more_messages_to_send = false;            // NULL (05), v2 only
};

// MT-ForwardSM-Res and MO-ForwardSM-Res share one layout.
struct ForwardSmRes {
  Bytes sm_rp_ui;                                // e.g. SMS-DELIVER-REPORT `0000`; empty when absent
  Bytes extension_container;
};

// --- 47 reportSM-DeliveryStatus --------------------------------------------

struct ReportSmDeliveryStatusArg {
  AddressString msisdn;
  ServiceCentreAddress service_centre_address;
  SmDeliveryOutcome sm_delivery_outcome = SmDeliveryOutcome::SuccessfulTransfer;
  std::optional<std::uint8_t> absent_subscriber_diagnostic_sm;      // [0]
  Bytes extension_container;                                        // [1]
  bool gprs_support_indicator = false;                              // [2]
  bool delivery_outcome_indicator = false;                          // [3]
  std::optional<SmDeliveryOutcome> additional_sm_delivery_outcome;  // [4]
  std::optional<std::uint8_t> additional_absent_subscriber_diagnostic_sm;  // [5]
  bool ip_sm_gw_indicator = false;                                  // [6]
  std::optional<SmDeliveryOutcome> ip_sm_gw_sm_delivery_outcome;    // [7]
  std::optional<std::uint8_t> ip_sm_gw_absent_subscriber_diagnostic_sm;  // [8]
  std::optional<Imsi> imsi;                                         // [9]
  bool single_attempt_delivery = false;                             // [10]
  Bytes correlation_id;                                             // [11] whole TLV
};

// v3: SEQUENCE { storedMSISDN OPT, extensionContainer OPT, ... };
// v1/v2: the result is a bare ISDN-AddressString.
struct ReportSmDeliveryStatusRes {
  std::optional<AddressString> stored_msisdn;
  Bytes extension_container;
  bool bare = false;  // decoded from / to be encoded as the v1/v2 form
};

// --- 63 informServiceCentre -------------------------------------------------

struct MwStatus {  // MW-Status ::= BIT STRING (SIZE (6..16))
  bool sc_address_not_included = false;  // bit 0
  bool mnrf_set = false;                 // bit 1
  bool mcef_set = false;                 // bit 2
  bool mnrg_set = false;                 // bit 3
  bool mnr5g_set = false;                // bit 4
  bool mnr5gn3g_set = false;             // bit 5
};

struct InformServiceCentreArg {
  std::optional<AddressString> stored_msisdn;                  // (04)
  std::optional<MwStatus> mw_status;                           // (03)
  Bytes extension_container;                                   // (30)
  std::optional<std::uint8_t> absent_subscriber_diagnostic_sm; // (02)
  std::optional<std::uint8_t> additional_absent_subscriber_diagnostic_sm;  // [0]
};

// --- 64 alertServiceCentre / 49 alertServiceCentreWithoutResult ------------

struct AlertServiceCentreArg {
  AddressString msisdn;
  ServiceCentreAddress service_centre_address;
  std::optional<Imsi> imsi;  // v3 extension (04, third OCTET STRING); later fields are skipped
};

// --- API ---------------------------------------------------------------------

Result<RoutingInfoForSmArg> decode_routing_info_for_sm_arg(Bytes param);
Result<RoutingInfoForSmRes> decode_routing_info_for_sm_res(Bytes param);
Result<MtForwardSmArg> decode_mt_forward_sm_arg(Bytes param);
Result<MoForwardSmArg> decode_mo_forward_sm_arg(Bytes param);
Result<ForwardSmArg> decode_forward_sm_arg(Bytes param);
Result<ForwardSmRes> decode_forward_sm_res(Bytes param);
Result<ReportSmDeliveryStatusArg> decode_report_sm_delivery_status_arg(Bytes param);
Result<ReportSmDeliveryStatusRes> decode_report_sm_delivery_status_res(Bytes param);
Result<InformServiceCentreArg> decode_inform_service_centre_arg(Bytes param);
Result<AlertServiceCentreArg> decode_alert_service_centre_arg(Bytes param);

// Encoders: false when a value cannot be encoded (bad digit) or the writer
// overflowed; the caller checks w.ok() / the return value.
bool encode(ber::Writer& w, const RoutingInfoForSmArg& v);
bool encode(ber::Writer& w, const RoutingInfoForSmRes& v);
bool encode(ber::Writer& w, const MtForwardSmArg& v);
bool encode(ber::Writer& w, const MoForwardSmArg& v);
bool encode(ber::Writer& w, const ForwardSmArg& v);
bool encode(ber::Writer& w, const ForwardSmRes& v);
bool encode(ber::Writer& w, const ReportSmDeliveryStatusArg& v);
bool encode(ber::Writer& w, const ReportSmDeliveryStatusRes& v);
bool encode(ber::Writer& w, const InformServiceCentreArg& v);
bool encode(ber::Writer& w, const AlertServiceCentreArg& v);

// Pieces, public for the decode tool.
Result<SmRpDa> decode_sm_rp_da(const ber::Tlv& t);
Result<SmRpOa> decode_sm_rp_oa(const ber::Tlv& t);
bool encode(ber::Writer& w, const SmRpDa& v);
bool encode(ber::Writer& w, const SmRpOa& v);

}  // namespace ussdgw::sms
