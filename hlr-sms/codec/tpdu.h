// SMS transfer-layer PDUs (3GPP TS 23.040 §9.2): SMS-DELIVER, SMS-SUBMIT,
// SMS-DELIVER-REPORT, SMS-SUBMIT-REPORT and SMS-STATUS-REPORT, as carried in
// the MAP sm-RP-UI SignalInfo of MT-/MO-ForwardSM and forwardSM.
//
// Decoding returns views into the caller's buffer plus fixed-capacity values
// (no heap). Text is handed out as UTF-8 (GSM 7-bit default alphabet and UCS2
// via common/ussdgw/gsm7.h). Encoders write SMS-DELIVER (towards a SIM) and
// SMS-SUBMIT into a caller buffer and report when it is too small.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>

#include "ussdgw/gsm7.h"
#include "ussdgw/fixed_string.h"
#include "ussdgw/result.h"

namespace ussdgw::sms {

// TP-MTI (§9.2.3.1). The same two bits mean different PDUs per direction.
enum class Mti : std::uint8_t { Deliver = 0, Submit = 1, StatusReport = 2, Reserved = 3 };

// Which side sent the TPDU: the MTI alone does not say (§9.2.3.1 table).
enum class Direction : std::uint8_t {
  ScToMs,  // SMS-DELIVER, SMS-SUBMIT-REPORT, SMS-STATUS-REPORT (MT-ForwardSM, forwardSM MT)
  MsToSc,  // SMS-SUBMIT, SMS-DELIVER-REPORT, SMS-COMMAND (MO-ForwardSM, MT-ForwardSM-Res)
};

// TP-OA / TP-DA / TP-RA (§9.1.2.5). Digits, or the decoded text when the type
// of number is alphanumeric (TON 5, GSM 7-bit packed, e.g. "Glovo").
struct TpAddress {
  static constexpr std::uint8_t kTonInternational = 1;
  static constexpr std::uint8_t kTonAlphanumeric = 5;
  std::uint8_t ton = kTonInternational;  // bits 7-5 of the type-of-address octet
  std::uint8_t npi = 1;                  // bits 4-1 (1 = E.164)
  bool ext = true;                       // bit 8, 1 in conformant encodings
  FixedString<44> value;                 // digits 0-9 * # a b c, or UTF-8 text (TON 5)

  [[nodiscard]] bool alphanumeric() const { return ton == kTonAlphanumeric; }
  static TpAddress international(std::string_view digits) {
    TpAddress a;
    a.value.assign(digits);
    return a;
  }
  static TpAddress alnum(std::string_view text) {
    TpAddress a;
    a.ton = kTonAlphanumeric;
    a.npi = 0;
    a.value.assign(text);
    return a;
  }
};

enum class Alphabet : std::uint8_t { Gsm7 = 0, EightBit = 1, Ucs2 = 2 };

// TP-DCS, the SMS data coding scheme of TS 23.038 §4.
struct Dcs {
  std::uint8_t raw = 0;
  Alphabet alphabet = Alphabet::Gsm7;
  bool compressed = false;                  // §4 bit 5 of groups 00xx/01xx
  std::optional<std::uint8_t> msg_class;    // 0..3 when the DCS gives one
  bool auto_delete = false;                 // group 01xx "marked for automatic deletion"
  // Message waiting indication groups 1100/1101/1110 (§4).
  bool mwi = false;
  bool mwi_store = false;
  bool mwi_active = false;
  std::uint8_t mwi_type = 0;                // 0 voicemail, 1 fax, 2 e-mail, 3 other

  static Dcs from_raw(std::uint8_t v);
  // Group 00xx general coding, uncompressed, optional class.
  static Dcs make(Alphabet a, std::optional<std::uint8_t> cls = std::nullopt);
};

// TP-SCTS, TP-DT and absolute TP-VP (§9.2.3.11): semi-octet date and time,
// time zone in quarters of an hour relative to GMT.
struct Timestamp {
  std::uint8_t year = 0;  // two digits as sent
  std::uint8_t month = 1, day = 1, hour = 0, minute = 0, second = 0;
  std::int8_t tz_quarters = 0;  // -79..+79

  // "2024-12-28T16:42:46+02:00". Years 90-99 are 19xx, the rest 20xx.
  [[nodiscard]] FixedString<32> iso8601() const;
  friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

// TP-VPF (§9.2.3.3) and TP-VP (§9.2.3.12).
enum class VpFormat : std::uint8_t { None = 0, Enhanced = 1, Relative = 2, Absolute = 3 };
struct ValidityPeriod {
  VpFormat format = VpFormat::None;
  std::uint8_t relative = 0;                 // §9.2.3.12.1 coded value
  Timestamp absolute;                        // §9.2.3.12.2
  std::array<std::uint8_t, 7> enhanced{};    // §9.2.3.12.3, kept as sent

  // Relative period in minutes (§9.2.3.12.1 table).
  [[nodiscard]] std::uint32_t relative_minutes() const;
};

// UDH information elements (§9.2.3.24).
struct Concat {
  std::uint16_t ref = 0;
  std::uint8_t total = 0;
  std::uint8_t seq = 0;
  bool ref16 = false;  // IEI 0x08 (16-bit reference) instead of 0x00
  friend bool operator==(const Concat&, const Concat&) = default;
};
struct InfoElement {
  std::uint8_t iei = 0;
  Bytes data;
};
struct UserDataHeader {
  std::optional<Concat> concat;
  FixedVector<InfoElement, 16> others;  // IEIs other than 0x00 / 0x08, kept raw
};

// TP-UDL + TP-UD (§9.2.3.16, §9.2.3.24).
struct UserData {
  std::uint8_t udl = 0;                  // as sent: septets (GSM7) or octets
  std::optional<UserDataHeader> udh;
  gsm7::Utf8Text text;                   // GSM7/UCS2 as UTF-8; 8-bit as hex
  Bytes payload;                         // UD octets after the UDH (8-bit data on encode)
};

struct Deliver {  // §9.2.2.1, SC -> MS
  bool more_messages = false;  // TP-MMS = 0 means more messages are waiting
  bool loop_prevention = false;  // TP-LP
  bool status_report_indication = false;  // TP-SRI
  bool reply_path = false;  // TP-RP
  TpAddress oa;
  std::uint8_t pid = 0;
  Dcs dcs;
  Timestamp scts;
  UserData ud;
};

struct Submit {  // §9.2.2.2, MS -> SC
  bool reject_duplicates = false;  // TP-RD
  bool status_report_request = false;  // TP-SRR
  bool reply_path = false;
  std::uint8_t mr = 0;
  TpAddress da;
  std::uint8_t pid = 0;
  Dcs dcs;
  ValidityPeriod vp;
  UserData ud;
};

// SMS-DELIVER-REPORT (§9.2.2.1a): RP-ERROR form carries TP-FCS, the RP-ACK
// form does not; only the RP layer (MAP: Res vs sm-DeliveryFailure) tells.
struct DeliverReport {
  bool rp_error = false;
  std::uint8_t fcs = 0;  // TP-FCS, rp_error only (§9.2.3.22)
  std::uint8_t pi = 0;   // TP-PI (§9.2.3.27)
  std::optional<std::uint8_t> pid;
  std::optional<Dcs> dcs;
  std::optional<UserData> ud;
};

// SMS-SUBMIT-REPORT (§9.2.2.2a): as the deliver report plus TP-SCTS.
struct SubmitReport {
  bool rp_error = false;
  std::uint8_t fcs = 0;
  std::uint8_t pi = 0;
  Timestamp scts;
  std::optional<std::uint8_t> pid;
  std::optional<Dcs> dcs;
  std::optional<UserData> ud;
};

struct StatusReport {  // §9.2.2.3, SC -> MS
  bool more_messages = false;
  bool loop_prevention = false;
  bool srq = false;  // TP-SRQ: report of a SMS-COMMAND
  std::uint8_t mr = 0;
  TpAddress ra;
  Timestamp scts;
  Timestamp dt;
  std::uint8_t st = 0;  // TP-ST (§9.2.3.15)
  std::optional<std::uint8_t> pi;
  std::optional<std::uint8_t> pid;
  std::optional<Dcs> dcs;
  std::optional<UserData> ud;
};

// --- decoding --------------------------------------------------------------

Result<Deliver> decode_deliver(Bytes tpdu);
Result<Submit> decode_submit(Bytes tpdu);
Result<DeliverReport> decode_deliver_report(Bytes tpdu, bool rp_error);
Result<SubmitReport> decode_submit_report(Bytes tpdu, bool rp_error);
Result<StatusReport> decode_status_report(Bytes tpdu);

// Dispatch on TP-MTI for a given direction. Reports are taken in the RP-ACK
// form (the usual content of MT-/MO-ForwardSM-Res sm-RP-UI, e.g. `0000`).
// An SMS-COMMAND (MS -> SC, MTI 2) and the reserved MTI are refused.
using Tpdu = std::variant<Deliver, Submit, DeliverReport, SubmitReport, StatusReport>;
Result<Tpdu> decode_tpdu(Bytes tpdu, Direction dir);

// Building blocks, public for the decode tool and tests.
Result<TpAddress> decode_address(Bytes at, std::size_t& consumed);  // §9.1.2.5
Result<Timestamp> decode_timestamp(Bytes seven_octets);             // §9.2.3.11
Result<UserDataHeader> decode_udh(Bytes udh_contents);              // §9.2.3.24, without UDHL
Result<UserData> decode_user_data(Bytes from_udl, const Dcs& dcs, bool udhi);

// --- encoding --------------------------------------------------------------
// Encoders read UserData.text (GSM7/UCS2, UTF-8) or UserData.payload (8-bit),
// and UserData.udh (concat and other IEs). UDL is computed. TP-UDHI is set
// from the presence of a header. Return octets written.

Result<std::size_t> encode_deliver(const Deliver& d, std::span<std::uint8_t> out);
Result<std::size_t> encode_submit(const Submit& s, std::span<std::uint8_t> out);
// SMS-DELIVER-REPORT in RP-ACK form with no optional parameters when pi == 0.
Result<std::size_t> encode_deliver_report(const DeliverReport& r, std::span<std::uint8_t> out);

Result<std::size_t> encode_address(const TpAddress& a, std::span<std::uint8_t> out);
bool encode_timestamp(const Timestamp& t, std::uint8_t out[7]);

// Most characters one part may carry (§9.2.3.16 / §9.2.3.24.1): 160/153
// septets for GSM7 (extension characters count twice), 140/134 octets 8-bit,
// 70/67 UCS2 characters (67 is UCS2 units; surrogate pairs take two).
std::size_t max_units_per_part(Alphabet a, bool concatenated);

// Splits UTF-8 text into the parts of a (possibly concatenated) message, as
// views into `utf8`, never cutting a character, a GSM7 escape pair or a UCS2
// surrogate pair. One part when it fits max_units_per_part(a, false);
// otherwise parts of at most max_units_per_part(a, true), to be sent with a
// Concat UDH (§9.2.3.24.1). GSM7 errors name the first unencodable character.
using TextParts = FixedVector<std::string_view, 32>;
Result<TextParts> split_text(std::string_view utf8, Alphabet a);

}  // namespace ussdgw::sms
