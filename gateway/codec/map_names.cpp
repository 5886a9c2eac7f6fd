// MAP operation, error and application-context names. See map_names.h.
#include "gateway/codec/map_names.h"

namespace ussdgw::map {
namespace {

struct Named {
  int code;
  std::string_view name;
};

// TS 29.002 §17.5 (MAP-Protocol) and the OPERATION definitions of §17.6.1 -
// §17.6.9 (CODE local:n). Codes kept only for earlier versions are listed in
// MAP-Protocol's "reserved for operations existing in previous versions".
constexpr Named kOperations[] = {
    {2, "updateLocation"},
    {3, "cancelLocation"},
    {4, "provideRoamingNumber"},
    {5, "noteSubscriberDataModified"},
    {6, "resumeCallHandling"},
    {7, "insertSubscriberData"},
    {8, "deleteSubscriberData"},
    {9, "sendParameters"},  // v1
    {10, "registerSS"},
    {11, "eraseSS"},
    {12, "activateSS"},
    {13, "deactivateSS"},
    {14, "interrogateSS"},
    {15, "authenticationFailureReport"},
    {17, "registerPassword"},
    {18, "getPassword"},
    {19, "processUnstructuredSS-Data"},  // v1
    {20, "releaseResources"},
    {21, "mt-ForwardSM-VGCS"},
    {22, "sendRoutingInfo"},
    {23, "updateGprsLocation"},
    {24, "sendRoutingInfoForGprs"},
    {25, "failureReport"},
    {26, "noteMsPresentForGprs"},
    {28, "performHandover"},  // v1
    {29, "sendEndSignal"},
    {30, "performSubsequentHandover"},  // v1
    {31, "provideSIWFSNumber"},
    {32, "sIWFSSignallingModify"},
    {33, "processAccessSignalling"},
    {34, "forwardAccessSignalling"},
    {35, "noteInternalHandover"},  // v1
    {36, "cancelVcsgLocation"},
    {37, "reset"},
    {38, "forwardCheckSS-Indication"},
    {39, "prepareGroupCall"},
    {40, "sendGroupCallEndSignal"},
    {41, "processGroupCallSignalling"},
    {42, "forwardGroupCallSignalling"},
    {43, "checkIMEI"},
    {44, "mt-forwardSM"},
    {45, "sendRoutingInfoForSM"},
    {46, "mo-forwardSM"},
    {47, "reportSM-DeliveryStatus"},
    {48, "noteSubscriberPresent"},            // v1
    {49, "alertServiceCentreWithoutResult"},  // v1
    {50, "activateTraceMode"},
    {51, "deactivateTraceMode"},
    {52, "traceSubscriberActivity"},  // v1
    {53, "updateVcsgLocation"},
    {54, "beginSubscriberActivity"},  // v1
    {55, "sendIdentification"},
    {56, "sendAuthenticationInfo"},
    {57, "restoreData"},
    {58, "sendIMSI"},
    {59, "processUnstructuredSS-Request"},
    {60, "unstructuredSS-Request"},
    {61, "unstructuredSS-Notify"},
    {62, "anyTimeSubscriptionInterrogation"},
    {63, "informServiceCentre"},
    {64, "alertServiceCentre"},
    {65, "anyTimeModification"},
    {66, "readyForSM"},
    {67, "purgeMS"},
    {68, "prepareHandover"},
    {69, "prepareSubsequentHandover"},
    {70, "provideSubscriberInfo"},
    {71, "anyTimeInterrogation"},
    {72, "ss-InvocationNotification"},
    {73, "setReportingState"},
    {74, "statusReport"},
    {75, "remoteUserFree"},
    {76, "registerCC-Entry"},
    {77, "eraseCC-Entry"},
    {78, "secureTransportClass1"},
    {79, "secureTransportClass2"},
    {80, "secureTransportClass3"},
    {81, "secureTransportClass4"},
    {83, "provideSubscriberLocation"},
    {84, "sendGroupCallInfo"},
    {85, "sendRoutingInfoForLCS"},
    {86, "subscriberLocationReport"},
    {87, "ist-Alert"},
    {88, "ist-Command"},
    {89, "noteMM-Event"},
};

// TS 29.002 §17.6.6 (MAP-Errors), plus the version-1 codes reserved in MAP-Protocol.
constexpr Named kErrors[] = {
    {1, "unknownSubscriber"},
    {2, "unknownBaseStation"},  // v1
    {3, "unknownMSC"},
    {4, "secureTransportError"},
    {5, "unidentifiedSubscriber"},
    {6, "absentSubscriberSM"},
    {7, "unknownEquipment"},
    {8, "roamingNotAllowed"},
    {9, "illegalSubscriber"},
    {10, "bearerServiceNotProvisioned"},
    {11, "teleserviceNotProvisioned"},
    {12, "illegalEquipment"},
    {13, "callBarred"},
    {14, "forwardingViolation"},
    {15, "cug-Reject"},
    {16, "illegalSS-Operation"},
    {17, "ss-ErrorStatus"},
    {18, "ss-NotAvailable"},
    {19, "ss-SubscriptionViolation"},
    {20, "ss-Incompatibility"},
    {21, "facilityNotSupported"},
    {22, "ongoingGroupCall"},
    {23, "invalidTargetBaseStation"},  // v1
    {24, "noRadioResourceAvailable"},  // v1
    {25, "noHandoverNumberAvailable"},
    {26, "subsequentHandoverFailure"},
    {27, "absentSubscriber"},
    {28, "incompatibleTerminal"},
    {29, "shortTermDenial"},
    {30, "longTermDenial"},
    {31, "subscriberBusyForMT-SMS"},
    {32, "sm-DeliveryFailure"},
    {33, "messageWaitingListFull"},
    {34, "systemFailure"},
    {35, "dataMissing"},
    {36, "unexpectedDataValue"},
    {37, "pw-RegistrationFailure"},
    {38, "negativePW-Check"},
    {39, "noRoamingNumberAvailable"},
    {40, "tracingBufferFull"},
    {42, "targetCellOutsideGroupCallArea"},
    {43, "numberOfPW-AttemptsViolation"},
    {44, "numberChanged"},
    {45, "busySubscriber"},
    {46, "noSubscriberReply"},
    {47, "forwardingFailed"},
    {48, "or-NotAllowed"},
    {49, "ati-NotAllowed"},
    {50, "noGroupCallNumberAvailable"},
    {51, "resourceLimitation"},
    {52, "unauthorizedRequestingNetwork"},
    {53, "unauthorizedLCSClient"},
    {54, "positionMethodFailure"},
    {58, "unknownOrUnreachableLCSClient"},
    {59, "mm-EventNotSupported"},
    {60, "atsi-NotAllowed"},
    {61, "atm-NotAllowed"},
    {62, "informationNotAvailable"},
    {71, "unknownAlphabet"},
    {72, "ussd-Busy"},
};

std::string_view lookup(const Named* table, std::size_t n, std::int64_t code) {
  for (std::size_t i = 0; i < n; ++i)
    if (table[i].code == code) return table[i].name;
  return {};
}

// Application contexts, TS 29.002 §17.3.3 (MAP-ApplicationContexts): ac arc,
// base name, lowest and highest defined version.
struct AcEntry {
  std::uint8_t ac;
  std::string_view name;
  std::uint8_t min_version;
  std::uint8_t max_version;
};
constexpr AcEntry kContexts[] = {
    {1, "networkLocUpContext", 1, 3},
    {2, "locationCancellationContext", 1, 3},
    {3, "roamingNumberEnquiryContext", 1, 3},
    {4, "istAlertingContext", 3, 3},
    {5, "locationInfoRetrievalContext", 1, 3},
    {6, "callControlTransferContext", 3, 4},
    {7, "reportingContext", 3, 3},
    {8, "callCompletionContext", 3, 3},
    {9, "serviceTerminationContext", 3, 3},
    {10, "resetContext", 1, 3},
    {11, "handoverControlContext", 1, 3},
    {12, "sIWFSAllocationContext", 3, 3},
    {13, "equipmentMngtContext", 1, 3},
    {14, "infoRetrievalContext", 1, 3},
    {15, "interVlrInfoRetrievalContext", 2, 3},
    {16, "subscriberDataMngtContext", 1, 3},
    {17, "tracingContext", 1, 3},
    {18, "networkFunctionalSsContext", 1, 2},
    {19, "networkUnstructuredSsContext", 2, 2},
    {20, "shortMsgGatewayContext", 1, 3},
    {21, "shortMsgMO-RelayContext", 1, 3},  // version 1 is named shortMsgRelayContext-v1
    {22, "subscriberDataModificationNotificationContext", 3, 3},
    {23, "shortMsgAlertContext", 1, 2},
    {24, "mwdMngtContext", 1, 3},
    {25, "shortMsgMT-RelayContext", 2, 3},
    {26, "imsiRetrievalContext", 2, 2},
    {27, "msPurgingContext", 2, 3},
    {28, "subscriberInfoEnquiryContext", 3, 3},
    {29, "anyTimeInfoEnquiryContext", 3, 3},
    {31, "groupCallControlContext", 3, 3},
    {32, "gprsLocationUpdateContext", 3, 3},
    {33, "gprsLocationInfoRetrievalContext", 3, 4},
    {34, "failureReportContext", 3, 3},
    {35, "gprsNotifyContext", 3, 3},
    {36, "ss-InvocationNotificationContext", 3, 3},
    {37, "locationSvcGatewayContext", 3, 3},
    {38, "locationSvcEnquiryContext", 3, 3},
    {39, "authenticationFailureReportContext", 3, 3},
    {40, "secureTransportHandlingContext", 3, 3},
    {41, "shortMsgMT-Relay-VGCS-Context", 3, 3},
    {42, "mm-EventReportingContext", 3, 3},
    {43, "anyTimeInfoHandlingContext", 3, 3},
    {44, "resourceManagementContext", 3, 3},
    {45, "groupCallInfoRetrievalContext", 3, 3},
    {46, "vcsgLocationUpdateContext", 3, 3},
    {47, "vcsgLocationCancellationContext", 3, 3},
};

}  // namespace

std::string_view operation_name(std::int64_t code) { return lookup(kOperations, std::size(kOperations), code); }

std::string_view operation_name(std::int64_t code, int ac_version) {
  if (code == op::kMoForwardSM && ac_version < 3) return "forwardSM";
  return operation_name(code);
}

std::string_view operation_name_for_ac(std::int64_t code, Bytes ac) {
  // No dialogue portion means an AC version 1 dialogue (TS 29.002 §15.6 / §17.1.2).
  int version = 1;
  if (!ac.empty()) {
    auto id = parse_ac(ac);
    version = id ? id->version : 3;
  }
  return operation_name(code, version);
}

std::string_view error_name(std::int64_t code) { return lookup(kErrors, std::size(kErrors), code); }

std::optional<AcId> parse_ac(Bytes oid) {
  // 0.4.0.0.1.0 = 04 00 00 01 00, then the ac and version arcs (single octets below 128).
  if (oid.size() != 7 || oid[0] != 0x04 || oid[1] != 0x00 || oid[2] != 0x00 || oid[3] != 0x01 || oid[4] != 0x00)
    return std::nullopt;
  if ((oid[5] & 0x80) || (oid[6] & 0x80)) return std::nullopt;
  return AcId{oid[5], oid[6]};
}

AcName ac_name(AcId id) {
  AcName n;
  if (id.ac == ac::kShortMsgMoRelay && id.version == 1) {
    n.assign("shortMsgRelayContext-v1");
    return n;
  }
  for (const auto& e : kContexts) {
    if (e.ac != id.ac) continue;
    if (id.version < e.min_version || id.version > e.max_version) return n;
    n.assign(e.name);
    n.append("-v");
    n.push_back(static_cast<char>('0' + id.version));
    return n;
  }
  return n;
}

AcName ac_name(Bytes oid) {
  auto id = parse_ac(oid);
  return id ? ac_name(*id) : AcName{};
}

}  // namespace ussdgw::map
