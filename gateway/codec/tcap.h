// TCAP transaction, dialogue and component portions (ITU-T Q.773, 1997).
//
// Decoding is zero-copy and heap-free: a decoded Message holds spans into the
// caller's buffer, the dialogue portion is decoded eagerly into a small value
// (it is bounded), and components are read lazily with a ComponentReader, so
// any number of components costs nothing up front.
//
// Encoding writes canonical DER (definite, minimal lengths, X.690 §10.1) into
// a caller buffer through ber::Writer. For every DER input x,
// encode_message(decode_message(x) + its components) == x, byte for byte;
// an indefinite-length input re-encodes to its definite form.
//
// Typical use (gateway receive path):
//
//   tcap::MessageError why;
//   auto m = tcap::decode_message(bytes, &why);
//   if (!m) { /* answer with a P-Abort(why.cause) to why.otid, see MessageError */ }
//   auto comps = m->components();
//   while (!comps.at_end()) {
//     auto c = comps.next();
//     if (!c) { /* send a Reject built from comps.last_problem() */ continue; }
//     if (auto* inv = c->invoke()) { ... inv->op.is_local(59) ... inv->parameter ... }
//   }
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>

#include "ussdgw/ber.h"
#include "ussdgw/ids.h"
#include "ussdgw/result.h"

namespace ussdgw::tcap {

// ---------------------------------------------------------------- identifiers

// OrigTransactionID / DestTransactionID (Q.773 §4.2.1): one type for the
// whole project, in ussdgw/ids.h.
using ussdgw::TransactionId;

// InvokeIdType ::= INTEGER (-128..127) (Q.773 §4.2.2.1), in ussdgw/ids.h.
using ussdgw::InvokeId;

// OPERATION / ERROR codes (Q.773 §4.2.2): CHOICE { localValue INTEGER, globalValue OBJECT IDENTIFIER }.
// A global code is kept as the raw OID contents (a span into the message when decoded).
template <class Kind>
struct Code {
  bool global = false;
  std::int64_t local = 0;  // valid when !global
  Bytes oid;               // OID contents, valid when global

  static Code make_local(std::int64_t v) { return Code{false, v, {}}; }
  static Code make_global(Bytes oid_contents) { return Code{true, 0, oid_contents}; }
  [[nodiscard]] bool is_local(std::int64_t v) const { return !global && local == v; }
};
using OpCode = Code<struct OpCodeKind>;
using ErrorCode = Code<struct ErrorCodeKind>;

// ---------------------------------------------------------------- transaction portion

// Message type tags, [APPLICATION n] constructed (Q.773 §4.2.1, TCMessage).
enum class MessageType : std::uint8_t {
  Unidirectional = 0x61,
  Begin = 0x62,
  End = 0x64,
  Continue = 0x65,
  Abort = 0x67,
};
const char* to_string(MessageType t);

// P-AbortCause ::= [APPLICATION 10] IMPLICIT INTEGER (Q.773 §4.2.1).
enum class PAbortCause : std::uint8_t {
  UnrecognizedMessageType = 0,
  UnrecognizedTransactionId = 1,
  BadlyFormattedTransactionPortion = 2,
  IncorrectTransactionPortion = 3,
  ResourceLimitation = 4,
};
const char* to_string(PAbortCause c);

// ---------------------------------------------------------------- dialogue portion

// dialogue-as-id 0.0.17.773.1.1.1 and uniDialogue-as-id 0.0.17.773.1.2.1 (Q.773 §4.2.3).
inline constexpr std::array<std::uint8_t, 7> kDialogueAsId{0x00, 0x11, 0x86, 0x05, 0x01, 0x01, 0x01};
inline constexpr std::array<std::uint8_t, 7> kUniDialogueAsId{0x00, 0x11, 0x86, 0x05, 0x01, 0x02, 0x01};
// protocol-version BIT STRING {version1(0)}: 7 unused bits, bit 0 set.
inline constexpr std::array<std::uint8_t, 2> kProtocolVersion1{0x07, 0x80};

enum class DialoguePduType : std::uint8_t {
  Aarq,  // dialogue request   [APPLICATION 0] in dialogue-as
  Aare,  // dialogue response  [APPLICATION 1]
  Abrt,  // dialogue abort     [APPLICATION 4]
  Audt,  // unidirectional     [APPLICATION 0] in uniDialogue-as
};
const char* to_string(DialoguePduType t);

// Associate-result (Q.773 §4.2.3): accepted(0), reject-permanent(1).
enum class AssociateResult : std::uint8_t { Accepted = 0, RejectPermanent = 1 };
// Associate-source-diagnostic CHOICE: the number is the context tag ([1] user, [2] provider).
enum class DiagnosticSource : std::uint8_t { ServiceUser = 1, ServiceProvider = 2 };
// dialogue-service-user: null(0), no-reason-given(1), application-context-name-not-supported(2).
// dialogue-service-provider: null(0), no-reason-given(1), no-common-dialogue-portion(2).
enum class UserDiagnostic : std::uint8_t { Null = 0, NoReasonGiven = 1, AcNotSupported = 2 };
enum class ProviderDiagnostic : std::uint8_t { Null = 0, NoReasonGiven = 1, NoCommonDialoguePortion = 2 };
// ABRT-source (Q.773 §4.2.3): dialogue-service-user(0), dialogue-service-provider(1).
enum class AbortSource : std::uint8_t { ServiceUser = 0, ServiceProvider = 1 };

// One decoded DialoguePDU (or one to encode). Fields not used by `type` are ignored.
struct DialoguePortion {
  DialoguePduType type = DialoguePduType::Aarq;
  // BIT STRING contents of protocol-version [0]; empty = absent (DEFAULT version1).
  // Kept as received because peers differ (go-tcap vector 1 omits it in the AARE).
  Bytes protocol_version;
  Bytes application_context;  // OID contents of application-context-name [1] (AARQ, AARE, AUDT)
  AssociateResult result = AssociateResult::Accepted;                 // AARE
  DiagnosticSource diagnostic_source = DiagnosticSource::ServiceUser;  // AARE
  std::uint8_t diagnostic = 0;                                         // AARE, see User/ProviderDiagnostic
  AbortSource abort_source = AbortSource::ServiceUser;                 // ABRT
  // Contents of user-information [30] IMPLICIT SEQUENCE OF EXTERNAL (the EXTERNALs,
  // each `28 L ...`); nullopt = absent. map::decode_user_information reads it.
  std::optional<Bytes> user_information;

  [[nodiscard]] bool has_version1() const;  // absent (default) or version1 bit set
  [[nodiscard]] ber::OidString ac_dotted() const;  // "" when no AC or not an OID
};

DialoguePortion make_aarq(Bytes ac, std::optional<Bytes> user_information = std::nullopt);
DialoguePortion make_aare(Bytes ac, AssociateResult result, DiagnosticSource source, std::uint8_t diagnostic,
                          std::optional<Bytes> user_information = std::nullopt);
DialoguePortion make_abrt(AbortSource source, std::optional<Bytes> user_information = std::nullopt);

// ---------------------------------------------------------------- components

enum class ComponentType : std::uint8_t {
  Invoke = 0xa1,
  ReturnResultLast = 0xa2,
  ReturnError = 0xa3,
  Reject = 0xa4,
  ReturnResultNotLast = 0xa7,
};
const char* to_string(ComponentType t);

struct Invoke {
  InvokeId invoke_id;
  std::optional<InvokeId> linked_id;  // linkedID [0] IMPLICIT
  OpCode op;
  std::optional<Bytes> parameter;  // the whole parameter TLV (tag + length + value)
};

// ReturnResult (Q.773 §4.2.2): invokeID, result SEQUENCE { operationCode, parameter } OPTIONAL.
struct ReturnResult {
  InvokeId invoke_id;
  bool last = true;                // a2 returnResultLast, false: a7 returnResultNotLast
  std::optional<OpCode> op;        // present when the result SEQUENCE is present
  std::optional<Bytes> parameter;  // whole TLV; only meaningful with op
};

struct ReturnError {
  InvokeId invoke_id;
  ErrorCode code;
  std::optional<Bytes> parameter;  // whole TLV
};

// Reject problem (Q.773 §4.2.2.1): the ProblemType is the context tag of the CHOICE.
enum class ProblemType : std::uint8_t { General = 0, Invoke = 1, ReturnResult = 2, ReturnError = 3 };
enum class GeneralProblem : std::uint8_t { UnrecognizedComponent = 0, MistypedComponent = 1, BadlyStructuredComponent = 2 };
enum class InvokeProblem : std::uint8_t {
  DuplicateInvokeId = 0, UnrecognizedOperation = 1, MistypedParameter = 2, ResourceLimitation = 3,
  InitiatingRelease = 4, UnrecognizedLinkedId = 5, LinkedResponseUnexpected = 6, UnexpectedLinkedOperation = 7,
};
enum class ReturnResultProblem : std::uint8_t { UnrecognizedInvokeId = 0, ReturnResultUnexpected = 1, MistypedParameter = 2 };
enum class ReturnErrorProblem : std::uint8_t {
  UnrecognizedInvokeId = 0, ReturnErrorUnexpected = 1, UnrecognizedError = 2, UnexpectedError = 3, MistypedParameter = 4,
};
const char* problem_to_string(ProblemType type, std::uint8_t code);

struct Reject {
  std::optional<InvokeId> invoke_id;  // nullopt = NULL ("not derivable")
  ProblemType type = ProblemType::General;
  std::uint8_t code = 0;
};

struct Component {
  std::variant<Invoke, ReturnResult, ReturnError, Reject> body;
  Bytes raw;  // the whole component TLV when decoded (empty when built)

  [[nodiscard]] ComponentType type() const;
  [[nodiscard]] const Invoke* invoke() const { return std::get_if<Invoke>(&body); }
  [[nodiscard]] const ReturnResult* return_result() const { return std::get_if<ReturnResult>(&body); }
  [[nodiscard]] const ReturnError* return_error() const { return std::get_if<ReturnError>(&body); }
  [[nodiscard]] const Reject* reject() const { return std::get_if<Reject>(&body); }
};

// What a Reject for a malformed component should say (Q.774 §3.2.2.3 / Q.773 §3.2.2):
// general problem + the invoke id when it could be read (else NULL).
struct ComponentProblem {
  std::optional<InvokeId> invoke_id;
  GeneralProblem problem = GeneralProblem::BadlyStructuredComponent;
  [[nodiscard]] Reject to_reject() const { return Reject{invoke_id, ProblemType::General, static_cast<std::uint8_t>(problem)}; }
};

// Lazy iterator over the contents of the component portion (`6c`).
// A component whose TLV boundaries are readable but whose contents are wrong
// yields an error and the reader moves on to the next one; when the
// boundaries themselves are broken the rest of the portion is dropped
// (at_end() becomes true), since nothing after it can be delimited.
class ComponentReader {
 public:
  ComponentReader() = default;
  explicit ComponentReader(Bytes portion_contents) : data_(portion_contents) {}

  [[nodiscard]] bool at_end() const { return pos_ >= data_.size(); }
  Result<Component> next();
  // Valid after next() returned an error.
  [[nodiscard]] const ComponentProblem& last_problem() const { return problem_; }

 private:
  Bytes data_;
  std::size_t pos_ = 0;
  ComponentProblem problem_;
};

// Decodes a single component TLV (a1/a2/a3/a4/a7). `problem` (optional) is
// filled on error.
Result<Component> decode_component(Bytes tlv, ComponentProblem* problem = nullptr);

// ---------------------------------------------------------------- message

struct Message {
  MessageType type = MessageType::Begin;
  std::optional<TransactionId> otid;          // Begin, Continue
  std::optional<TransactionId> dtid;          // End, Continue, Abort
  std::optional<PAbortCause> p_abort_cause;   // Abort: p-abortCause
  std::optional<DialoguePortion> dialogue;    // Abort: u-abortCause (AARE or ABRT)
  std::optional<Bytes> component_portion;     // contents of `6c`; nullopt = absent
  bool component_portion_indefinite = false;  // `6c 80 ... 00 00` on the wire

  [[nodiscard]] ComponentReader components() const {
    return component_portion ? ComponentReader(*component_portion) : ComponentReader();
  }
};

// Where a message-level decoding error sits, and what to answer (Q.774 §3.2.1.2):
// * TransactionPortion: send a P-Abort with `cause` to `otid` (if it could be
//   read; a message without a readable otid is discarded).
//   unrecognizedMessageType: the outer tag is not 61/62/64/65/67;
//   badlyFormattedTransactionPortion: BER tag/length structure is broken;
//   incorrectTransactionPortion: well-formed BER but a wrong, missing or
//   superfluous element, or a TID that is not 1..4 octets.
//   (unrecognizedTransactionID is the caller's decision after the dtid lookup.)
// * DialoguePortion: the transaction portion is fine but the dialogue portion
//   is not; Q.774 answers with an Abort carrying ABRT abort-source
//   dialogue-service-provider (or, for an AARQ, an AARE with provider
//   diagnostic no-common-dialogue-portion). `cause` is still set for callers
//   that only do P-Aborts.
struct MessageError {
  enum class Where : std::uint8_t { TransactionPortion, DialoguePortion } where = Where::TransactionPortion;
  PAbortCause cause = PAbortCause::BadlyFormattedTransactionPortion;
  std::optional<MessageType> type;
  std::optional<TransactionId> otid;
  std::optional<TransactionId> dtid;
};

// Decodes one TCAP message covering all of `in`. No heap allocation.
Result<Message> decode_message(Bytes in, MessageError* why = nullptr);
// Decodes a dialogue portion TLV (`6b ...`) alone.
Result<DialoguePortion> decode_dialogue_portion(Bytes tlv);

// ---------------------------------------------------------------- encoders

Message make_begin(TransactionId otid, std::optional<DialoguePortion> d = std::nullopt);
Message make_continue(TransactionId otid, TransactionId dtid, std::optional<DialoguePortion> d = std::nullopt);
Message make_end(TransactionId dtid, std::optional<DialoguePortion> d = std::nullopt);
Message make_p_abort(TransactionId dtid, PAbortCause cause);
// U-Abort; `d` is an ABRT (user abort) or AARE (AC-not-supported refusal), or absent.
Message make_u_abort(TransactionId dtid, std::optional<DialoguePortion> d = std::nullopt);
Message make_unidirectional(std::optional<DialoguePortion> d = std::nullopt);

// Writes the whole message into `out`, with the component portion built from
// `components` (omitted when the span is empty). m.component_portion is ignored.
// Returns the encoded octets (a prefix of `out`).
Result<Bytes> encode_message(std::span<std::uint8_t> out, const Message& m, std::span<const Component> components = {});
// Same, but copies m.component_portion verbatim (relay use: components untouched).
Result<Bytes> encode_message_raw(std::span<std::uint8_t> out, const Message& m);

// Building blocks (write into an open Writer; check w.ok() at the end).
void put_dialogue_portion(ber::Writer& w, const DialoguePortion& d);  // `6b ...`
void put_component(ber::Writer& w, const Component& c);
void put_invoke(ber::Writer& w, const Invoke& c);
void put_return_result(ber::Writer& w, const ReturnResult& c);
void put_return_error(ber::Writer& w, const ReturnError& c);
void put_reject(ber::Writer& w, const Reject& c);

}  // namespace ussdgw::tcap
