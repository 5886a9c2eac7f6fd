// Test helpers: read the shared vectors in place and dig the SCCP message out
// of the raw frames of the pcapr capture (S16). Test-only code.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "shared_dir.h"
#include "ussdgw/result.h"

namespace sccp_test {

using Buf = std::basic_string<std::uint8_t>;

inline Buf hex(std::string_view s) {
  Buf out;
  if (!ussdgw::from_hex(s, out)) out.clear();
  return out;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Value of `name = hex` in a vectors/hex/*.hex file; nullopt when absent.
inline std::optional<Buf> hex_vector(const std::filesystem::path& file, std::string_view name) {
  std::istringstream in(read_text(file));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq);
    while (!key.empty() && key.back() == ' ') key.pop_back();
    if (key != name) continue;
    Buf b;
    if (!ussdgw::from_hex(std::string_view(line).substr(eq + 1), b)) return std::nullopt;
    return b;
  }
  return std::nullopt;
}

// One record of the tshark `-T ek -x` export (several JSON objects, one per
// line, not one document). Only the fields the tests need; the string values
// are hex, so a plain scan is enough.
struct EkFrame {
  std::string timestamp;
  Buf frame;     // frame_raw: the whole Ethernet frame
  Buf sccp_ek;   // sccp_raw as tshark cut it (empty when absent), for cross-checking
};

inline std::string ek_string(const std::string& line, std::string_view key) {
  std::string k = "\"" + std::string(key) + "\"";
  auto p = line.find(k);
  if (p == std::string::npos) return {};
  p = line.find(':', p + k.size());
  if (p == std::string::npos) return {};
  p = line.find('"', p);
  if (p == std::string::npos) return {};
  auto e = line.find('"', p + 1);
  if (e == std::string::npos) return {};
  return line.substr(p + 1, e - p - 1);
}

inline std::vector<EkFrame> ek_frames(const std::filesystem::path& file) {
  std::vector<EkFrame> out;
  std::istringstream in(read_text(file));
  std::string line;
  while (std::getline(in, line)) {
    auto raw = ek_string(line, "frame_raw");
    if (raw.empty()) continue;
    EkFrame f;
    f.timestamp = ek_string(line, "timestamp");
    ussdgw::from_hex(raw, f.frame);
    ussdgw::from_hex(ek_string(line, "sccp_raw"), f.sccp_ek);
    out.push_back(std::move(f));
  }
  return out;
}

inline std::uint32_t be16(const std::uint8_t* p) { return static_cast<std::uint32_t>(p[0] << 8 | p[1]); }
inline std::uint32_t be32(const std::uint8_t* p) { return be16(p) << 16 | be16(p + 2); }

// SCCP inside an M3UA DATA message (RFC 4666 §3.3.1): Protocol Data 0x0210 =
// OPC DPC SI NI MP SLS + SCCP, parameter length without padding.
inline std::optional<Buf> sccp_from_m3ua(const std::uint8_t* p, std::size_t n) {
  if (n < 8 || p[0] != 1 || p[2] != 1 || p[3] != 1) return std::nullopt;
  std::size_t len = std::min<std::size_t>(be32(p + 4), n);
  std::size_t pos = 8;
  while (pos + 4 <= len) {
    std::uint32_t tag = be16(p + pos), plen = be16(p + pos + 2);
    if (plen < 4 || pos + plen > len) return std::nullopt;
    if (tag == 0x0210 && plen >= 16 && p[pos + 12] == 3) return Buf(p + pos + 16, p + pos + plen);
    pos += (plen + 3) & ~3u;
  }
  return std::nullopt;
}

// SCCP inside M2PA User Data (RFC 4165 §2.1, §2.2): common header (8), BSN
// (4), FSN (4), priority (1), then the MTP3 SIO (SI 3 = SCCP) and the ITU
// 4-octet routing label.
inline std::optional<Buf> sccp_from_m2pa(const std::uint8_t* p, std::size_t n) {
  if (n < 8 || p[0] != 1 || p[2] != 11 || p[3] != 1) return std::nullopt;
  std::size_t len = std::min<std::size_t>(be32(p + 4), n);
  if (len < 17 + 5 || (p[17] & 0x0F) != 3) return std::nullopt;
  return Buf(p + 22, p + len);
}

// Ethernet / IPv4 / SCTP (first DATA chunk) / M2PA or M3UA / SCCP.
inline std::optional<Buf> sccp_from_frame(const Buf& f) {
  if (f.size() < 14 + 20 || be16(f.data() + 12) != 0x0800) return std::nullopt;
  const std::uint8_t* ip = f.data() + 14;
  std::size_t ihl = (ip[0] & 0x0F) * 4u;
  if (ip[9] != 132 || f.size() < 14 + ihl + 12) return std::nullopt;
  std::size_t pos = 14 + ihl + 12;  // after the SCTP common header
  while (pos + 16 <= f.size()) {
    std::size_t clen = be16(f.data() + pos + 2);
    if (clen < 4 || pos + clen > f.size()) return std::nullopt;
    if (f[pos] == 0 && clen >= 16) {  // DATA chunk (RFC 9260 §3.3.1)
      std::uint32_t ppid = be32(f.data() + pos + 12);
      const std::uint8_t* pl = f.data() + pos + 16;
      std::size_t pn = clen - 16;
      if (ppid == 5) return sccp_from_m2pa(pl, pn);
      if (ppid == 3) return sccp_from_m3ua(pl, pn);
      return std::nullopt;
    }
    pos += (clen + 3) & ~std::size_t{3};
  }
  return std::nullopt;
}

}  // namespace sccp_test
