// MAP error codes and the parameters of the errors an SMS router / USSD
// gateway meets (TS 29.002 §17.6.6 MAP-Errors, §17.7.7 MAP-ER-DataTypes).
//
// decode_error_parameter(code, component.parameter) gives a typed value;
// to_text() renders it for logs; encode_error_parameter() writes it back
// (DER) for a ReturnError built by the gateway.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "ussdgw/fixed_string.h"
#include "ussdgw/result.h"

namespace ussdgw::map {

// Local MAP error codes (TS 29.002 §17.6.6). Not exhaustive: see error_name() for all.
enum class MapError : std::uint8_t {
  UnknownSubscriber = 1,
  UnidentifiedSubscriber = 5,
  AbsentSubscriberSM = 6,
  RoamingNotAllowed = 8,
  IllegalSubscriber = 9,
  TeleserviceNotProvisioned = 11,
  IllegalEquipment = 12,
  CallBarred = 13,
  FacilityNotSupported = 21,
  AbsentSubscriber = 27,
  SubscriberBusyForMtSms = 31,
  SmDeliveryFailure = 32,
  MessageWaitingListFull = 33,
  SystemFailure = 34,
  DataMissing = 35,
  UnexpectedDataValue = 36,
  ResourceLimitation = 51,
  UnknownAlphabet = 71,
  UssdBusy = 72,
};

// UnknownSubscriberDiagnostic ::= ENUMERATED
enum class UnknownSubscriberDiagnostic : std::uint8_t { ImsiUnknown = 0, GprsEpsSubscriptionUnknown = 1, NpdbMismatch = 2 };
// NetworkResource ::= ENUMERATED (MAP-CommonDataTypes)
enum class NetworkResource : std::uint8_t { Plmn = 0, Hlr = 1, Vlr = 2, Pvlr = 3, ControllingMsc = 4, Vmsc = 5, Eir = 6, Rss = 7 };
// CallBarringCause ::= ENUMERATED
enum class CallBarringCause : std::uint8_t { BarringServiceActive = 0, OperatorBarring = 1 };
// SM-EnumeratedDeliveryFailureCause ::= ENUMERATED
enum class SmDeliveryFailureCause : std::uint8_t {
  MemoryCapacityExceeded = 0, EquipmentProtocolError = 1, EquipmentNotSmEquipped = 2, UnknownServiceCentre = 3,
  ScCongestion = 4, InvalidSmeAddress = 5, SubscriberNotScSubscriber = 6,
};
// AbsentSubscriberReason ::= ENUMERATED
enum class AbsentSubscriberReason : std::uint8_t {
  ImsiDetach = 0, RestrictedArea = 1, NoPageResponse = 2, PurgedMs = 3, MtRoamingRetry = 4, BusySubscriber = 5,
};

// Decoded error parameter. Only the fields of `code` are meaningful; absent
// optional elements stay nullopt. `extension_container` is the raw
// ExtensionContainer TLV.
struct ErrorParameter {
  std::int64_t code = 0;
  bool present = false;  // a parameter was sent at all
  // systemFailure / callBarred: true for the v3 SEQUENCE form, false for the
  // v1/v2 bare ENUMERATED (TS 29.002 §17.7.7 "must not be used in version <3").
  bool extensible = false;
  std::optional<std::uint8_t> unknown_subscriber_diagnostic;  // unknownSubscriber
  std::optional<std::uint8_t> absent_sm_diagnostic;           // absentSubscriberSM: INTEGER (0..255), TS 23.040
  std::optional<std::uint8_t> additional_absent_sm_diagnostic;  // absentSubscriberSM [0]
  std::optional<std::uint8_t> network_resource;               // systemFailure
  std::optional<std::uint8_t> call_barring_cause;             // callBarred
  bool unauthorised_message_originator = false;               // callBarred [1]
  bool anonymous_call_rejection = false;                      // callBarred [2]
  std::optional<std::uint8_t> sm_delivery_failure_cause;      // sm-DeliveryFailure
  std::optional<Bytes> diagnostic_info;                       // sm-DeliveryFailure: SignalInfo (RP-ERROR TPDU)
  std::optional<std::uint8_t> absent_subscriber_reason;       // absentSubscriber [0]
  std::optional<bool> mwd_set;                                // absentSubscriber MAP v1: BOOLEAN
  bool unexpected_subscriber = false;                         // unexpectedDataValue [0]
  std::optional<Bytes> extension_container;
};

// Decodes the parameter of ReturnError `code`. `parameter` is the whole
// parameter TLV from tcap::ReturnError (nullopt = no parameter, which every
// error except sm-DeliveryFailure allows). Unknown codes keep only `present`.
// Unknown elements after the extension marker are skipped.
Result<ErrorParameter> decode_error_parameter(std::int64_t code, std::optional<Bytes> parameter);

// DER encoding of `p` (whole TLV) into `out`; empty result when the error has
// no parameter to send (present == false).
Result<Bytes> encode_error_parameter(std::span<std::uint8_t> out, const ErrorParameter& p);

using ErrorText = FixedString<192>;
// e.g. "unknownSubscriber(1) diagnostic=imsiUnknown", "absentSubscriberSM(6) diagnostic=1".
ErrorText to_text(const ErrorParameter& p);

// Helpers to build the common parameters.
ErrorParameter make_unknown_subscriber(std::optional<UnknownSubscriberDiagnostic> d);
ErrorParameter make_absent_subscriber_sm(std::optional<std::uint8_t> diagnostic);
ErrorParameter make_system_failure(std::optional<NetworkResource> r, bool extensible);
ErrorParameter make_sm_delivery_failure(SmDeliveryFailureCause c, std::optional<Bytes> diagnostic_info = std::nullopt);
ErrorParameter make_no_parameter(std::int64_t code);

}  // namespace ussdgw::map
