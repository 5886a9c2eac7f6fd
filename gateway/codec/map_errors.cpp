// MAP error parameters (TS 29.002 §17.7.7). See map_errors.h.
#include "gateway/codec/map_errors.h"

#include "gateway/codec/map_names.h"
#include "ussdgw/ber.h"

namespace ussdgw::map {
namespace {

using ber::Tlv;

// Parameter of a ReturnError: TCMessage(0) 6c(1) a3(2) parameter(3).
constexpr int kParamDepth = 3;

Result<std::uint8_t> small(const Tlv& t, const char* what) {
  USSDGW_TRY(v, ber::to_integer(t));
  if (v < 0 || v > 255) return Error{what, t.value.data()};
  return static_cast<std::uint8_t>(v);
}

Error wrong_form(const Tlv& t) { return Error{"MAP: error parameter has an unexpected form", t.whole.data()}; }

void append_uint(ErrorText& s, unsigned v) {
  char tmp[4];
  int k = 0;
  do { tmp[k++] = static_cast<char>('0' + v % 10); v /= 10; } while (v);
  while (k) s.push_back(tmp[--k]);
}

template <std::size_t N>
void append_enum(ErrorText& s, std::string_view key, std::uint8_t v, const std::string_view (&names)[N]) {
  s.append(" ");
  s.append(key);
  s.append("=");
  if (v < N) s.append(names[v]);
  else append_uint(s, v);
}

void append_num(ErrorText& s, std::string_view key, unsigned v) {
  s.append(" ");
  s.append(key);
  s.append("=");
  append_uint(s, v);
}

constexpr std::string_view kUnknownSubDiag[] = {"imsiUnknown", "gprs-eps-SubscriptionUnknown", "npdbMismatch"};
constexpr std::string_view kNetworkResource[] = {"plmn", "hlr", "vlr", "pvlr", "controllingMSC", "vmsc", "eir", "rss"};
constexpr std::string_view kCallBarring[] = {"barringServiceActive", "operatorBarring"};
constexpr std::string_view kSmFailure[] = {"memoryCapacityExceeded", "equipmentProtocolError", "equipmentNotSM-Equipped",
                                           "unknownServiceCentre",   "sc-Congestion",          "invalidSME-Address",
                                           "subscriberNotSC-Subscriber"};
constexpr std::string_view kAbsentReason[] = {"imsiDetach", "restrictedArea", "noPageResponse",
                                              "purgedMS",   "mtRoamingRetry", "busySubscriber"};

constexpr std::int64_t code_of(MapError e) { return static_cast<std::int64_t>(e); }

}  // namespace

Result<ErrorParameter> decode_error_parameter(std::int64_t code, std::optional<Bytes> parameter) {
  ErrorParameter p;
  p.code = code;
  if (!parameter) {
    // SM-DeliveryFailureCause is the only mandatory error parameter here (§17.6.6).
    if (code == code_of(MapError::SmDeliveryFailure))
      return Error{"MAP: sm-DeliveryFailure without its parameter", nullptr};
    return p;
  }
  p.present = true;
  USSDGW_TRY(t, ber::parse_single(*parameter, kParamDepth));

  // Walks a SEQUENCE parameter, handing each element to `f`; the
  // ExtensionContainer (a universal SEQUENCE) is recorded here.
  auto walk = [&](auto&& f) -> Status {
    if (!(t.tag == ber::kSequence)) return wrong_form(t);
    USSDGW_TRY(r, ber::Reader(*parameter, kParamDepth).enter(t));
    while (!r.at_end()) {
      USSDGW_TRY(e, r.next());
      if (e.tag == ber::kSequence && !p.extension_container) {
        p.extension_container = e.whole;
        continue;
      }
      USSDGW_CHECK(f(e));
    }
    return Ok{};
  };
  auto ignore = [](const Tlv&) -> Status { return Ok{}; };

  switch (static_cast<MapError>(code)) {
    case MapError::UnknownSubscriber:  // UnknownSubscriberParam
      USSDGW_CHECK(walk([&](const Tlv& e) -> Status {
        if (e.tag == ber::kEnumerated) {
          USSDGW_TRY(v, small(e, "MAP: unknownSubscriberDiagnostic out of range"));
          p.unknown_subscriber_diagnostic = v;
        }
        return Ok{};
      }));
      break;
    case MapError::AbsentSubscriberSM:  // AbsentSubscriberSM-Param
      USSDGW_CHECK(walk([&](const Tlv& e) -> Status {
        if (e.tag == ber::kInteger) {
          USSDGW_TRY(v, small(e, "MAP: absentSubscriberDiagnosticSM out of range"));
          p.absent_sm_diagnostic = v;
        } else if (e.tag == ber::context(0)) {
          USSDGW_TRY(v, small(e, "MAP: additionalAbsentSubscriberDiagnosticSM out of range"));
          p.additional_absent_sm_diagnostic = v;
        }
        return Ok{};
      }));
      break;
    case MapError::SystemFailure:  // SystemFailureParam CHOICE
      if (t.tag == ber::kEnumerated) {
        USSDGW_TRY(v, small(t, "MAP: networkResource out of range"));
        p.network_resource = v;
      } else {
        p.extensible = true;
        USSDGW_CHECK(walk([&](const Tlv& e) -> Status {
          if (e.tag == ber::kEnumerated) {
            USSDGW_TRY(v, small(e, "MAP: networkResource out of range"));
            p.network_resource = v;
          }
          return Ok{};
        }));
      }
      break;
    case MapError::CallBarred:  // CallBarredParam CHOICE
      if (t.tag == ber::kEnumerated) {
        USSDGW_TRY(v, small(t, "MAP: callBarringCause out of range"));
        p.call_barring_cause = v;
      } else {
        p.extensible = true;
        USSDGW_CHECK(walk([&](const Tlv& e) -> Status {
          if (e.tag == ber::kEnumerated) {
            USSDGW_TRY(v, small(e, "MAP: callBarringCause out of range"));
            p.call_barring_cause = v;
          } else if (e.tag == ber::context(1)) {
            p.unauthorised_message_originator = true;
          } else if (e.tag == ber::context(2)) {
            p.anonymous_call_rejection = true;
          }
          return Ok{};
        }));
      }
      break;
    case MapError::SmDeliveryFailure:  // SM-DeliveryFailureCause
      USSDGW_CHECK(walk([&](const Tlv& e) -> Status {
        if (e.tag == ber::kEnumerated && !p.sm_delivery_failure_cause) {
          USSDGW_TRY(v, small(e, "MAP: sm-EnumeratedDeliveryFailureCause out of range"));
          p.sm_delivery_failure_cause = v;
        } else if (e.tag == ber::kOctetString) {
          p.diagnostic_info = e.value;
        }
        return Ok{};
      }));
      if (!p.sm_delivery_failure_cause)
        return Error{"MAP: sm-DeliveryFailure without sm-EnumeratedDeliveryFailureCause", t.whole.data()};
      break;
    case MapError::AbsentSubscriber:  // AbsentSubscriberParam; MAP v1: mwd-Set BOOLEAN
      if (t.tag == ber::kBoolean) {
        USSDGW_TRY(b, ber::to_boolean(t));
        p.mwd_set = b;
      } else {
        USSDGW_CHECK(walk([&](const Tlv& e) -> Status {
          if (e.tag == ber::context(0)) {
            USSDGW_TRY(v, small(e, "MAP: absentSubscriberReason out of range"));
            p.absent_subscriber_reason = v;
          }
          return Ok{};
        }));
      }
      break;
    case MapError::UnexpectedDataValue:  // UnexpectedDataParam
      USSDGW_CHECK(walk([&](const Tlv& e) -> Status {
        if (e.tag == ber::context(0)) p.unexpected_subscriber = true;
        return Ok{};
      }));
      break;
    case MapError::FacilityNotSupported:
    case MapError::DataMissing:
    case MapError::IllegalSubscriber:
    case MapError::IllegalEquipment:
    case MapError::UnidentifiedSubscriber:
    case MapError::TeleserviceNotProvisioned:
    case MapError::SubscriberBusyForMtSms:
    case MapError::MessageWaitingListFull:
      USSDGW_CHECK(walk(ignore));  // SEQUENCE { extensionContainer, ... }
      break;
    default:
      // Unknown or parameterless errors (unknownAlphabet, ussd-Busy): keep `present` only.
      if (t.tag == ber::kSequence) USSDGW_CHECK(walk(ignore));
      break;
  }
  return p;
}

Result<Bytes> encode_error_parameter(std::span<std::uint8_t> out, const ErrorParameter& p) {
  if (!p.present) return Bytes(out.data(), 0);
  ber::Writer w(out);
  auto ext = [&] {
    if (p.extension_container) w.put_raw(*p.extension_container);
  };
  switch (static_cast<MapError>(p.code)) {
    case MapError::UnknownSubscriber: {
      auto s = w.open(ber::kSequence);
      ext();
      if (p.unknown_subscriber_diagnostic) w.put_integer(ber::kEnumerated, *p.unknown_subscriber_diagnostic);
      w.close(s);
      break;
    }
    case MapError::AbsentSubscriberSM: {
      auto s = w.open(ber::kSequence);
      if (p.absent_sm_diagnostic) w.put_integer(ber::kInteger, *p.absent_sm_diagnostic);
      ext();
      if (p.additional_absent_sm_diagnostic) w.put_integer(ber::context(0), *p.additional_absent_sm_diagnostic);
      w.close(s);
      break;
    }
    case MapError::SystemFailure:
      if (!p.extensible && p.network_resource) {
        w.put_integer(ber::kEnumerated, *p.network_resource);
      } else {
        auto s = w.open(ber::kSequence);
        if (p.network_resource) w.put_integer(ber::kEnumerated, *p.network_resource);
        ext();
        w.close(s);
      }
      break;
    case MapError::CallBarred:
      if (!p.extensible && p.call_barring_cause) {
        w.put_integer(ber::kEnumerated, *p.call_barring_cause);
      } else {
        auto s = w.open(ber::kSequence);
        if (p.call_barring_cause) w.put_integer(ber::kEnumerated, *p.call_barring_cause);
        ext();
        if (p.unauthorised_message_originator) w.put_null(ber::context(1));
        if (p.anonymous_call_rejection) w.put_null(ber::context(2));
        w.close(s);
      }
      break;
    case MapError::SmDeliveryFailure: {
      auto s = w.open(ber::kSequence);
      w.put_integer(ber::kEnumerated, p.sm_delivery_failure_cause.value_or(0));
      if (p.diagnostic_info) w.put(ber::kOctetString, *p.diagnostic_info);
      ext();
      w.close(s);
      break;
    }
    case MapError::AbsentSubscriber:
      if (p.mwd_set) {
        w.put_boolean(ber::kBoolean, *p.mwd_set);
      } else {
        auto s = w.open(ber::kSequence);
        ext();
        if (p.absent_subscriber_reason) w.put_integer(ber::context(0), *p.absent_subscriber_reason);
        w.close(s);
      }
      break;
    case MapError::UnexpectedDataValue: {
      auto s = w.open(ber::kSequence);
      ext();
      if (p.unexpected_subscriber) w.put_null(ber::context(0));
      w.close(s);
      break;
    }
    default: {
      auto s = w.open(ber::kSequence);
      ext();
      w.close(s);
      break;
    }
  }
  if (!w.ok()) return Error{"MAP: output buffer too small", nullptr};
  return w.bytes();
}

ErrorText to_text(const ErrorParameter& p) {
  ErrorText s;
  auto name = error_name(p.code);
  s.append(name.empty() ? std::string_view("error") : name);
  s.push_back('(');
  if (p.code >= 0 && p.code < 1000) append_uint(s, static_cast<unsigned>(p.code));
  else s.append("?");
  s.push_back(')');
  if (p.unknown_subscriber_diagnostic) append_enum(s, "diagnostic", *p.unknown_subscriber_diagnostic, kUnknownSubDiag);
  if (p.absent_sm_diagnostic) append_num(s, "diagnostic", *p.absent_sm_diagnostic);
  if (p.additional_absent_sm_diagnostic) append_num(s, "additionalDiagnostic", *p.additional_absent_sm_diagnostic);
  if (p.network_resource) append_enum(s, "networkResource", *p.network_resource, kNetworkResource);
  if (p.call_barring_cause) append_enum(s, "cause", *p.call_barring_cause, kCallBarring);
  if (p.unauthorised_message_originator) s.append(" unauthorisedMessageOriginator");
  if (p.anonymous_call_rejection) s.append(" anonymousCallRejection");
  if (p.sm_delivery_failure_cause) append_enum(s, "cause", *p.sm_delivery_failure_cause, kSmFailure);
  if (p.diagnostic_info) append_num(s, "diagnosticInfoOctets", static_cast<unsigned>(p.diagnostic_info->size()));
  if (p.absent_subscriber_reason) append_enum(s, "reason", *p.absent_subscriber_reason, kAbsentReason);
  if (p.mwd_set) s.append(*p.mwd_set ? " mwd-Set=true" : " mwd-Set=false");
  if (p.unexpected_subscriber) s.append(" unexpectedSubscriber");
  if (p.extension_container) s.append(" +extensionContainer");
  return s;
}

ErrorParameter make_unknown_subscriber(std::optional<UnknownSubscriberDiagnostic> d) {
  ErrorParameter p;
  p.code = code_of(MapError::UnknownSubscriber);
  p.present = true;
  if (d) p.unknown_subscriber_diagnostic = static_cast<std::uint8_t>(*d);
  return p;
}

ErrorParameter make_absent_subscriber_sm(std::optional<std::uint8_t> diagnostic) {
  ErrorParameter p;
  p.code = code_of(MapError::AbsentSubscriberSM);
  p.present = true;
  p.absent_sm_diagnostic = diagnostic;
  return p;
}

ErrorParameter make_system_failure(std::optional<NetworkResource> r, bool extensible) {
  ErrorParameter p;
  p.code = code_of(MapError::SystemFailure);
  p.present = true;
  p.extensible = extensible;
  if (r) p.network_resource = static_cast<std::uint8_t>(*r);
  return p;
}

ErrorParameter make_sm_delivery_failure(SmDeliveryFailureCause c, std::optional<Bytes> diagnostic_info) {
  ErrorParameter p;
  p.code = code_of(MapError::SmDeliveryFailure);
  p.present = true;
  p.sm_delivery_failure_cause = static_cast<std::uint8_t>(c);
  p.diagnostic_info = diagnostic_info;
  return p;
}

ErrorParameter make_no_parameter(std::int64_t code) {
  ErrorParameter p;
  p.code = code;
  return p;
}

}  // namespace ussdgw::map
