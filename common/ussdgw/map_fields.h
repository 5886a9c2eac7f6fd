// Field readers shared by the MAP codecs (gateway/codec/map_mobility,
// hlr-sms/codec/sm_ops): one element of a parameter SEQUENCE checked and
// turned into its value. Each error keeps the pointer into the message
// (Error::at) and says which element was wrong (`what`, a static string).
// Nothing here allocates: values are views or fixed-capacity types.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ussdgw/ber.h"
#include "ussdgw/result.h"
#include "ussdgw/tbcd.h"

namespace ussdgw::fields {

// A reader over the elements of a constructed TLV; `not_constructed` when
// the TLV is primitive.
Result<ber::Reader> enter(const ber::Tlv& t, const char* not_constructed = "MAP: expected a constructed element");

// The parameter as one SEQUENCE: a reader over its elements.
Result<ber::Reader> open_sequence(Bytes param, const char* not_seq);

// AddressString / ISDN-AddressString (TS 29.002 §17.7.8). ISDN-AddressString
// is SIZE (1..9), but 17-digit MSISDNs occur in real traffic: any
// AddressString up to 20 octets is accepted.
Result<AddressString> address(const ber::Tlv& t, const char* what);

// IMSI ::= TBCD-STRING (SIZE (3..8)) (§17.7.8).
Result<Imsi> imsi(const ber::Tlv& t, const char* what);

// NULL: primitive with no contents (X.690 §8.8).
Status null(const ber::Tlv& t, const char* what);

// INTEGER within [lo, hi].
Result<std::int64_t> integer(const ber::Tlv& t, std::int64_t lo, std::int64_t hi, const char* what);

// OCTET STRING of lo..hi octets: a view into the message.
Result<Bytes> octets(const ber::Tlv& t, std::size_t lo, std::size_t hi, const char* what);

}  // namespace ussdgw::fields
