// `ussdgw decode`: captures or hex dumps in, one JSON object per SCCP message
// out (JSON Lines). The field names are a stable interface, documented in
// docs/decode.md; tests/tools/decode compares them with tshark.
//
// Layering: TransportDecoder (transport.h) finds SCCP messages in frames;
// this class reassembles segmented XUDT/XUDTS (Q.714 §4.1.1.3), decodes SCCP,
// TCAP, the MAP dialogue and the MAP parameters, joins concatenated SMS
// (sms_concat.h), and hands each result to the output callback.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/codec/sccp.h"
#include "tools/decode/sms_concat.h"
#include "tools/decode/transport.h"

namespace ussdgw::decode {

// What a hex line holds (`--layer`).
enum class Layer : std::uint8_t { Tcap, Sccp, M3ua, Ipa };
// "tcap" / "sccp" / "m3ua" / "ipa"; false when unknown.
bool parse_layer(std::string_view name, Layer& out);

struct Options {
  bool all = false;  // also print {"frame":N,"skipped":"..."} for frames without SCCP
  TransportOptions transport;
};

using JsonSink = std::function<void(const nlohmann::json&)>;

class Decoder final : private TransportSink {
 public:
  Decoder(Options opt, JsonSink out);

  // Reads a pcap or pcapng file through libpcap. False (with `why`) when the
  // file cannot be opened; per-frame problems are reported as JSON errors.
  bool decode_pcap(const std::string& path, std::string& why);
  // One captured frame (used by decode_pcap and by tests).
  void decode_frame(FrameNo n, int link_type, Bytes data);
  // One hex line from a log: `frame` is its line number.
  void decode_hex(FrameNo n, Layer layer, std::string_view hex);

  // Number of objects that carried an `error`.
  [[nodiscard]] std::size_t failures() const { return failures_; }
  [[nodiscard]] std::size_t messages() const { return messages_; }

 private:
  void on_sccp(FrameNo frame, const TransportInfo& via, Bytes sccp) override;
  void on_skipped(FrameNo frame, const std::string& what) override;
  void on_error(FrameNo frame, const TransportInfo& via, const LayerError& e) override;
  void begin_frame();
  void end_frame(FrameNo n);
  void emit(nlohmann::json j);

  Options opt_;
  JsonSink out_;
  TransportDecoder transport_;
  sccp::Reassembler reassembler_;
  ConcatJoiner concat_;  // concatenated SMS parts across the whole input
  std::size_t failures_ = 0;
  std::size_t messages_ = 0;
  bool frame_had_output_ = false;
  std::string frame_skip_;
};

// The transport object ({"m3ua":{...}} / {"mtp3":{...}} / {"ipa":{...}}).
nlohmann::json describe_transport(const TransportInfo& via);

}  // namespace ussdgw::decode
