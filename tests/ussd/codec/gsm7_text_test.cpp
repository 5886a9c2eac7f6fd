// GSM 7-bit / UCS2 USSD text vectors (shared/vectors/GSM7-VECTORS.md,
// hex/gsm7_ussd_strings.hex, hex/jss7.hex), read in place. The expected
// texts below are the ones GSM7-VECTORS.md states for each key.
#include <doctest/doctest.h>

#include <string>

#include "ussdgw/gsm7.h"
#include "ussd/codec/ussd_text.h"
#include "ussd_vectors.h"

using namespace ussdgw;
using namespace ussdgw::ussd;
using ussd_test::hex;
using ussd_test::Octets;
using ussd_test::span;

namespace {

struct TextVector {
  const char* key;
  const char* text;     // as written in GSM7-VECTORS.md (the encoder input)
  const char* decoded;  // what a conformant USSD decoder yields, when it differs
};

// GSM7-VECTORS.md "7-bit vectors (verified)".
const TextVector kGsm7Vectors[] = {
    {"ws_star140", "*140*0761241377#", nullptr},
    {"jss7_star234", "*234#", nullptr},
    {"jss7_star213", "*213#", nullptr},
    {"jss7_star88", "*88#", nullptr},
    {"jss7_balance", "Your balance = 350", nullptr},
    {"jss7_menu", "USSD String : Hello World <CR> 1. Balance <CR> 2. Texts Remaining", nullptr},
    {"osmo_star100", "*100#", nullptr},
    {"osmo_star2321", "**321#", nullptr},
    {"osmo_cr_8", "01234567", nullptr},
    {"osmo_cr_7", "0123456", nullptr},
    {"osmo_cr_8cr", "01234567\r", nullptr},
    // Explicit <CR> on an octet boundary gets a second <CR>; the receiver
    // cannot tell it from text, so both stay ("which is allowed").
    {"osmo_cr_7cr", "0123456\r", "0123456\r\r"},
    {"osmo_cr_6cr", "012345\r", nullptr},
    {"osmo_fortytwo", "forty-two", nullptr},
    {"osmo_sms_simple", "test text", nullptr},
    {"osmo_sms_escape", "!$ a more#^- complicated test@@?_%! case", nullptr},
};

std::string str(const gsm7::Utf8Text& t) { return std::string(t.view()); }

}  // namespace

TEST_CASE("every GSM7 vector decodes to its text and encodes to its exact bytes") {
  const auto dir = shared_dir();
  if (!dir) return;
  const auto vec = ussd_test::load_hex(*dir, "gsm7_ussd_strings.hex");
  REQUIRE(vec.size() == std::size(kGsm7Vectors));
  for (const auto& v : kGsm7Vectors) {
    CAPTURE(v.key);
    const auto it = vec.find(v.key);
    REQUIRE(it != vec.end());
    const Octets& packed = it->second;

    auto d = decode_text(kDcsGsm7, span(packed));
    REQUIRE(d.ok());
    CHECK(str(d->text) == std::string(v.decoded ? v.decoded : v.text));
    CHECK(d->alphabet == Alphabet::Gsm7);
    CHECK_FALSE(d->language.has_value());

    std::uint8_t out[kMaxUssdStringOctets];
    auto e = encode_text(v.text, out);
    REQUIRE(e.ok());
    CHECK(e->dcs == kDcsGsm7);
    CHECK(to_hex(Bytes(out, e->octets)) == to_hex(span(packed)));
  }
}

TEST_CASE("SMS vectors unpack with an explicit septet count (no USSD padding)") {
  // osmo_sms_simple: 9 septets; osmo_sms_escape: 41 septets with '^' = ESC 0x14.
  const auto dir = shared_dir();
  if (!dir) return;
  const auto vec = ussd_test::load_hex(*dir, "gsm7_ussd_strings.hex");
  struct {
    const char* key;
    const char* text;
    std::size_t septets;
  } const cases[] = {{"osmo_sms_simple", "test text", 9},
                     {"osmo_sms_escape", "!$ a more#^- complicated test@@?_%! case", 41}};
  for (const auto& c : cases) {
    CAPTURE(c.key);
    const Octets& packed = vec.at(c.key);
    std::uint8_t s[400];
    REQUIRE(gsm7::unpack(span(packed), 0, c.septets, s) == c.septets);
    auto t = gsm7::to_utf8(s, c.septets);
    REQUIRE(t.ok());
    CHECK(str(*t) == c.text);

    auto sep = gsm7::from_utf8(c.text);
    REQUIRE(sep.ok());
    CHECK(sep->size() == c.septets);
    std::uint8_t out[200];
    const std::size_t n = gsm7::pack(sep->begin(), sep->size(), 0, out, sizeof out);
    CHECK(to_hex(Bytes(out, n)) == to_hex(span(packed)));
  }
  // The escape vector's septets named in GSM7-VECTORS.md: '!$' = 0x21 0x02, '^' = ESC 0x14.
  auto sep = gsm7::from_utf8("!$^@_");
  REQUIRE(sep.ok());
  const std::uint8_t want[] = {0x21, 0x02, 0x1B, 0x14, 0x00, 0x11};
  REQUIRE(sep->size() == sizeof want);
  for (std::size_t i = 0; i < sizeof want; ++i) CHECK((*sep)[i] == want[i]);
}

TEST_CASE("<CR> padding rule of TS 23.038 §6.1.2.3.1") {
  std::uint8_t out[kMaxUssdStringOctets];
  SUBCASE("8n-1 characters: the 7 spare bits carry <CR>, removed on decode") {
    auto e = encode_text("0123456", out);
    REQUIRE(e.ok());
    CHECK(to_hex(Bytes(out, e->octets)) == "b0986c46abd91a");  // osmo_cr_7
    auto d = decode_text(kDcsGsm7, Bytes(out, e->octets));
    REQUIRE(d.ok());
    CHECK(str(d->text) == "0123456");
  }
  SUBCASE("without the pad, 7 zero spare bits would read as '@'") {
    const auto raw = hex("b0986c46abd900");  // "0123456" packed with zero fill
    auto d = decode_text(kDcsGsm7, span(raw));
    REQUIRE(d.ok());
    CHECK(str(d->text) == "0123456@");
  }
  SUBCASE("a <CR> that is not on an octet boundary is text") {
    auto d = decode_text(kDcsGsm7, span(hex("b0986c46abd96e0d")));  // osmo_cr_8cr
    REQUIRE(d.ok());
    CHECK(str(d->text) == "01234567\r");
  }
  SUBCASE("15 characters (8n-1 again, n=2) round-trip") {
    auto e = encode_text("ABCDEFGHIJKLMNO", out);
    REQUIRE(e.ok());
    CHECK(e->octets == 14);
    CHECK((out[13] >> 1) == 0x0D);
    auto d = decode_text(kDcsGsm7, Bytes(out, e->octets));
    REQUIRE(d.ok());
    CHECK(str(d->text) == "ABCDEFGHIJKLMNO");
  }
}

TEST_CASE("extension table characters use ESC pairs both ways (TS 23.038 §6.2.1.1)") {
  const std::string ext = "^{}\\[~]|\xE2\x82\xAC\f";  // € as UTF-8, FF = page break
  auto s = gsm7::from_utf8(ext);
  REQUIRE(s.ok());
  const std::uint8_t codes[] = {0x14, 0x28, 0x29, 0x2F, 0x3C, 0x3D, 0x3E, 0x40, 0x65, 0x0A};
  REQUIRE(s->size() == 2 * sizeof codes);
  for (std::size_t i = 0; i < sizeof codes; ++i) {
    CHECK((*s)[2 * i] == 0x1B);
    CHECK((*s)[2 * i + 1] == codes[i]);
  }
  auto back = gsm7::to_utf8(s->begin(), s->size());
  REQUIRE(back.ok());
  CHECK(str(*back) == ext);

  std::uint8_t out[kMaxUssdStringOctets];
  auto e = encode_text("Price: 5\xE2\x82\xAC [ok]", out);
  REQUIRE(e.ok());
  CHECK(e->dcs == kDcsGsm7);
  auto d = decode_text(e->dcs, Bytes(out, e->octets));
  REQUIRE(d.ok());
  CHECK(str(d->text) == "Price: 5\xE2\x82\xAC [ok]");

  SUBCASE("unknown extension code shows the default-table character; lone ESC is a space") {
    const std::uint8_t unknown[] = {0x1B, 0x41, 0x1B};
    auto t = gsm7::to_utf8(unknown, 3);
    REQUIRE(t.ok());
    CHECK(str(*t) == "A ");
  }
  SUBCASE("non-ASCII default-alphabet characters") {
    const std::string latin = "\xC2\xA3\xC3\xA9\xC3\x9F\xCE\x94\xC2\xA1\xC3\xA0@$_";  // £éßΔ¡à@$_
    auto t = gsm7::from_utf8(latin);
    REQUIRE(t.ok());
    const std::uint8_t want[] = {0x01, 0x05, 0x1E, 0x10, 0x40, 0x7F, 0x00, 0x02, 0x11};
    REQUIRE(t->size() == sizeof want);
    for (std::size_t i = 0; i < sizeof want; ++i) CHECK((*t)[i] == want[i]);
    auto u = gsm7::to_utf8(t->begin(), t->size());
    REQUIRE(u.ok());
    CHECK(str(*u) == latin);
  }
}

TEST_CASE("pack/unpack with fill bits (SMS UDH alignment)") {
  auto s = gsm7::from_utf8("hello");
  REQUIRE(s.ok());
  for (std::size_t fill = 0; fill < 7; ++fill) {
    CAPTURE(fill);
    std::uint8_t out[16];
    const std::size_t n = gsm7::pack(s->begin(), s->size(), fill, out, sizeof out);
    CHECK(n == (fill + 35 + 7) / 8);
    std::uint8_t back[16];
    REQUIRE(gsm7::unpack(Bytes(out, n), fill, 5, back) == 5);
    for (std::size_t i = 0; i < 5; ++i) CHECK(back[i] == (*s)[i]);
  }
  std::uint8_t tiny[2];
  CHECK(gsm7::pack(s->begin(), s->size(), 0, tiny, sizeof tiny) == 0);
  std::uint8_t back[16];
  CHECK(gsm7::unpack(Bytes(tiny, 2), 0, 10, back) == 2);  // clamped to what the octets hold
}

TEST_CASE("UCS2: DCS 0x48 vector, surrogate pairs and malformed input") {
  const auto dir = shared_dir();
  if (!dir) return;
  const auto jss7 = ussd_test::load_hex(*dir, "jss7.hex");
  // ussdstring_* are whole OCTET STRING TLVs (04 L ...): the value follows 2 octets.
  const Octets tlv = jss7.at("ussdstring_ucs2_star88");
  const Bytes value = span(tlv).subspan(2);
  CHECK(to_hex(value) == "002a003800380023");
  auto d = decode_text(kDcsUcs2, value);
  REQUIRE(d.ok());
  CHECK(str(d->text) == "*88#");
  CHECK(d->alphabet == Alphabet::Ucs2);

  std::uint8_t out[kMaxUssdStringOctets];
  auto e = encode_text("*88#", out, EncodeAs::Ucs2);
  REQUIRE(e.ok());
  CHECK(e->dcs == kDcsUcs2);
  CHECK(to_hex(Bytes(out, e->octets)) == "002a003800380023");

  // GSM7 counterpart from the same jss7 test.
  const Octets g = jss7.at("ussdstring_gsm7_star88");
  auto dg = decode_text(kDcsGsm7, span(g).subspan(2));
  REQUIRE(dg.ok());
  CHECK(str(dg->text) == "*88#");
}

TEST_CASE("UCS2 conversions") {
  // U+1F600 as a surrogate pair, U+0422 (Т) in the BMP.
  auto t = gsm7::ucs2_to_utf8(span(hex("d83dde000422")));
  REQUIRE(t.ok());
  CHECK(str(*t) == "\xF0\x9F\x98\x80\xD0\xA2");
  std::uint8_t out[16];
  auto w = gsm7::utf8_to_ucs2("\xF0\x9F\x98\x80\xD0\xA2", out, sizeof out);
  REQUIRE(w.ok());
  CHECK(to_hex(Bytes(out, *w)) == "d83dde000422");

  CHECK_FALSE(gsm7::ucs2_to_utf8(span(hex("d83d"))).ok());      // high surrogate alone
  CHECK_FALSE(gsm7::ucs2_to_utf8(span(hex("d83d0041"))).ok());  // high + non-low
  CHECK_FALSE(gsm7::ucs2_to_utf8(span(hex("de00"))).ok());      // low alone
  CHECK_FALSE(gsm7::ucs2_to_utf8(span(hex("004100"))).ok());    // odd length
  CHECK_FALSE(gsm7::utf8_to_ucs2("abc", out, 5).ok());          // buffer too small
  CHECK_FALSE(gsm7::utf8_to_ucs2("\xED\xA0\x80", out, sizeof out).ok());  // encoded surrogate
}

TEST_CASE("language-prefixed DCS 0x10 / 0x11 (TS 23.038 §5)") {
  SUBCASE("conformant 0x10: 'en' <CR> text") {
    // Built with gsm7 helpers: "en\rHello" plus USSD padding as the encoder does.
    std::uint8_t out[kMaxUssdStringOctets];
    auto e = encode_text("en\rHello", out);
    REQUIRE(e.ok());
    auto d = decode_text(Dcs{0x10}, Bytes(out, e->octets));
    REQUIRE(d.ok());
    REQUIRE(d->language.has_value());
    CHECK(d->language->view() == "en");
    CHECK(str(d->text) == "Hello");
  }
  SUBCASE("conformant 0x11: 'ru' in two octets (f23a per GSM7-VECTORS.md) then UCS2") {
    auto d = decode_text(Dcs{0x11}, span(hex("f23a004700670054")));
    REQUIRE(d.ok());
    CHECK(d->language->view() == "ru");
    CHECK(str(d->text) == "GgT");
    CHECK(d->alphabet == Alphabet::Ucs2);
  }
  const auto dir = shared_dir();
  if (!dir) return;
  const auto jss7 = ussd_test::load_hex(*dir, "jss7.hex");
  SUBCASE("jss7 U07 #4 quirk: 0x10 with <LF> as the separator is accepted") {
    const Octets tlv = jss7.at("ussdstring_gsm7_lang_ru");
    auto d = decode_text(Dcs{0x10}, span(tlv).subspan(2));
    REQUIRE(d.ok());
    CHECK(d->language->view() == "ru");
    CHECK(str(d->text) == "GgTt");  // tshark: "ru\nGgTt\r"; the \r is USSD padding
  }
  SUBCASE("jss7 U07 #3 quirk: 0x11 with 3 septets in 3 octets is refused, no crash") {
    const Octets tlv = jss7.at("ussdstring_ucs2_lang_ru");
    const Bytes value = span(tlv).subspan(2);
    auto d = decode_text(Dcs{0x11}, value);
    REQUIRE_FALSE(d.ok());
    CHECK(std::string(d.error().what) == "USSD: UCS2 text has an odd number of octets");
    CHECK(d.error().offset_in(value) == value.size() - 1);
  }
}

TEST_CASE("U05: unpacked ASCII under DCS 0x0F decodes to something without crashing") {
  // README U05: USSD-String 3834383638373934373836 ("84868794786" in ASCII).
  const auto raw = hex("3834383638373934373836");
  auto d = decode_text(kDcsGsm7, span(raw));
  REQUIRE(d.ok());
  CHECK(d->text.size() > 0);
  CHECK(str(d->text) != "84868794786");
}

TEST_CASE("DCS classification (TS 23.038 §5)") {
  CHECK(classify(Dcs{0x0F}).alphabet == Alphabet::Gsm7);
  CHECK_FALSE(classify(Dcs{0x0F}).language.has_value());
  CHECK(classify(Dcs{0x00}).language->view() == "de");
  CHECK(classify(Dcs{0x01}).language->view() == "en");
  CHECK(classify(Dcs{0x23}).language->view() == "ru");
  CHECK(classify(Dcs{0x10}).language_source == LanguageSource::Prefixed);
  CHECK(classify(Dcs{0x11}).alphabet == Alphabet::Ucs2);
  CHECK(classify(Dcs{0x12}).reserved);
  CHECK(classify(Dcs{0x30}).alphabet == Alphabet::Gsm7);
  CHECK(classify(Dcs{0x48}).alphabet == Alphabet::Ucs2);
  CHECK(classify(Dcs{0x44}).alphabet == Alphabet::EightBit);
  CHECK(classify(Dcs{0x40}).alphabet == Alphabet::Gsm7);
  CHECK(classify(Dcs{0x68}).compressed);
  CHECK(classify(Dcs{0x4C}).reserved);
  CHECK(*classify(Dcs{0x51}).message_class == 1);
  CHECK(classify(Dcs{0x80}).reserved);
  CHECK(classify(Dcs{0x91}).has_udh);
  CHECK(classify(Dcs{0xE0}).wap);
  CHECK(classify(Dcs{0xF0}).alphabet == Alphabet::Gsm7);
  CHECK(classify(Dcs{0xF4}).alphabet == Alphabet::EightBit);

  const auto one = hex("31");
  auto d = decode_text(Dcs{0x01}, span(one));
  REQUIRE(d.ok());
  CHECK(d->language->view() == "en");
  CHECK(str(d->text) == "1");
}

TEST_CASE("unsupported coding schemes give clear errors") {
  const auto data = hex("31323334");
  auto err = [&](std::uint8_t dcs) {
    auto d = decode_text(Dcs{dcs}, span(data));
    REQUIRE_FALSE(d.ok());
    return std::string(d.error().what);
  };
  CHECK(err(0x68) == "USSD: compressed text (TS 23.042) is not supported");
  CHECK(err(0x44) == "USSD: 8-bit data has no character set; use the raw USSD-String");
  CHECK(err(0xF4) == "USSD: 8-bit data has no character set; use the raw USSD-String");
  CHECK(err(0x80) == "USSD: reserved data coding scheme");
  CHECK(err(0x12) == "USSD: reserved data coding scheme");
  CHECK(err(0x4C) == "USSD: reserved data coding scheme");
  CHECK(err(0x91) == "USSD: DCS with user data header is not supported for USSD");
  CHECK(err(0xE0) == "USSD: WAP-defined DCS is not supported");
  CHECK_FALSE(decode_text(kDcsGsm7, Bytes()).ok());
  Octets big(161, 0x41);
  CHECK_FALSE(decode_text(kDcsGsm7, span(big)).ok());
}

TEST_CASE("encoder limits: 160 octets, unencodable text, invalid UTF-8") {
  std::uint8_t out[kMaxUssdStringOctets];
  SUBCASE("182 GSM7 characters fit in 160 octets, 183 do not") {
    const std::string ok(182, 'a');
    auto e = encode_text(ok, out);
    REQUIRE(e.ok());
    CHECK(e->octets == 160);
    auto d = decode_text(e->dcs, Bytes(out, e->octets));
    REQUIRE(d.ok());
    CHECK(str(d->text) == ok);

    const std::string too_long(183, 'a');
    auto bad = encode_text(too_long, out);
    REQUIRE_FALSE(bad.ok());
    CHECK(std::string(bad.error().what) == "USSD: text longer than 160 octets in GSM 7-bit (182 septets)");
    CHECK(bad.error().at == reinterpret_cast<const std::uint8_t*>(too_long.data() + 182));
  }
  SUBCASE("an extension character that would straddle the limit") {
    const std::string s = std::string(181, 'a') + "\xE2\x82\xAC";
    auto bad = encode_text(s, out);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().at == reinterpret_cast<const std::uint8_t*>(s.data() + 181));
  }
  SUBCASE("80 UCS2 characters fit, 81 do not") {
    std::string ok;
    for (int i = 0; i < 80; ++i) ok += "\xD0\x96";  // Ж, not in GSM7
    auto e = encode_text(ok, out);
    REQUIRE(e.ok());
    CHECK(e->dcs == kDcsUcs2);
    CHECK(e->octets == 160);
    auto bad = encode_text(ok + "\xD0\x96", out);
    REQUIRE_FALSE(bad.ok());
    CHECK(std::string(bad.error().what) == "USSD: text longer than 160 octets in UCS2 (80 characters)");
  }
  SUBCASE("forced GSM7 with a Cyrillic character names the character") {
    const std::string s = "ab\xD0\x9F";
    auto bad = encode_text(s, out, EncodeAs::Gsm7);
    REQUIRE_FALSE(bad.ok());
    CHECK(std::string(bad.error().what) == "USSD: character has no GSM 7-bit encoding");
    CHECK(bad.error().at == reinterpret_cast<const std::uint8_t*>(s.data() + 2));
  }
  SUBCASE("auto picks UCS2 for Cyrillic and round-trips") {
    const std::string s = "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82";  // Привет
    auto e = encode_text(s, out);
    REQUIRE(e.ok());
    CHECK(e->dcs.value == 0x48);
    CHECK(to_hex(Bytes(out, e->octets)) == "041f04400438043204350442");
  }
  SUBCASE("invalid UTF-8, empty text, small buffer") {
    const std::string bad_utf8[] = {"\xFF", "a\xC3", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80"};
    for (const auto& s : bad_utf8) {
      auto bad = encode_text(s, out);
      REQUIRE_FALSE(bad.ok());
      CHECK(std::string(bad.error().what) == "USSD: invalid UTF-8");
    }
    CHECK_FALSE(encode_text("", out).ok());
    std::uint8_t small[3];
    CHECK_FALSE(encode_text("*100#", small).ok());
    CHECK_FALSE(encode_text("*100#", small, EncodeAs::Ucs2).ok());
  }
}

TEST_CASE("decoding arbitrary octets under every DCS never misbehaves") {
  // A cheap in-tree fuzz: the real fuzzers run under ASan/UBSan.
  std::uint32_t x = 12345;
  std::uint8_t buf[kMaxUssdStringOctets];
  for (int round = 0; round < 2000; ++round) {
    for (auto& b : buf) {
      x = x * 1664525u + 1013904223u;
      b = static_cast<std::uint8_t>(x >> 24);
    }
    const std::size_t len = 1 + (x % kMaxUssdStringOctets);
    auto d = decode_text(Dcs{static_cast<std::uint8_t>(round & 0xFF)}, Bytes(buf, len));
    if (d.ok()) CHECK(d->text.size() <= gsm7::Utf8Text::capacity());
  }
}
