#include "tools/decode/decoder.h"

#include <string>

#include "tools/decode/describe.h"

namespace ussdgw::decode {

using nlohmann::json;

bool parse_layer(std::string_view name, Layer& out) {
  if (name == "tcap") out = Layer::Tcap;
  else if (name == "sccp") out = Layer::Sccp;
  else if (name == "m3ua") out = Layer::M3ua;
  else if (name == "ipa") out = Layer::Ipa;
  else return false;
  return true;
}

Decoder::Decoder(Options opt, JsonSink out)
    : opt_(std::move(opt)), out_(std::move(out)), transport_(*this, opt_.transport) {}

void Decoder::emit(json j) {
  if (j.contains("error")) ++failures_;
  if (j.contains("sccp") || j.contains("tcap")) ++messages_;
  frame_had_output_ = true;
  out_(j);
}

void Decoder::begin_frame() {
  frame_had_output_ = false;
  frame_skip_.clear();
}

void Decoder::end_frame(FrameNo n) {
  if (opt_.all && !frame_had_output_) {
    json j{{"frame", n.value}, {"skipped", frame_skip_.empty() ? std::string("nothing decodable") : frame_skip_}};
    out_(j);
  }
}

void Decoder::decode_frame(FrameNo n, int link_type, Bytes data) {
  begin_frame();
  transport_.frame(n, link_type, data);
  end_frame(n);
}

void Decoder::decode_hex(FrameNo n, Layer layer, std::string_view hex) {
  begin_frame();
  std::basic_string<std::uint8_t> bytes;
  if (!from_hex(hex, bytes) || bytes.empty()) {
    emit(json{{"frame", n.value}, {"error", {{"layer", "hex"}, {"offset", 0}, {"reason", "not an even-length hex string"}}}});
    return;
  }
  Bytes b(bytes.data(), bytes.size());
  switch (layer) {
    case Layer::Tcap: {
      json err;
      json j{{"frame", n.value}};
      j["tcap"] = describe_tcap(b, err);
      concat_.feed(n.value, j["tcap"]);
      if (!err.is_null()) j["error"] = err;
      emit(std::move(j));
      break;
    }
    case Layer::Sccp:
      on_sccp(n, {}, b);
      break;
    case Layer::M3ua:
      transport_.user_part(n, Framing::M3ua, b);
      break;
    case Layer::Ipa:
      transport_.user_part(n, Framing::Ipa, b);
      break;
  }
  end_frame(n);
}

void Decoder::on_skipped(FrameNo, const std::string& what) {
  if (frame_skip_.empty()) frame_skip_ = what;
  else if (frame_skip_.find(what) == std::string::npos) frame_skip_ += ", " + what;
}

void Decoder::on_error(FrameNo frame, const TransportInfo& via, const LayerError& e) {
  json j{{"frame", frame.value}};
  j.update(describe_transport(via));
  j["error"] = json{{"layer", e.layer}, {"offset", e.offset}, {"reason", e.reason}};
  emit(std::move(j));
}

void Decoder::on_sccp(FrameNo frame, const TransportInfo& via, Bytes bytes) {
  json j{{"frame", frame.value}};
  j.update(describe_transport(via));
  auto m = sccp::decode(bytes);
  if (!m) {
    j["error"] = json{{"layer", "sccp"}, {"offset", m.error().offset_in(bytes)}, {"reason", m.error().what}};
    emit(std::move(j));
    return;
  }
  j["sccp"] = describe_sccp(*m);
  Bytes user = m->data;
  std::vector<std::uint8_t> whole;
  // A segmented message (Q.714 §4.1.1.3): only the segment that completes it
  // produces output, with the reassembled user data; the frame number is the
  // completing frame, as tshark reports it.
  if (m->segmentation && !(m->segmentation->first && m->segmentation->remaining == 0)) {
    auto r = reassembler_.feed(*m, sccp::Reassembler::Clock::time_point{});
    if (!r) {
      // Out-of-sequence segments are discarded by a real node (Q.714
      // §4.1.1.3), but the message itself is well formed: show its SCCP
      // fields and say why its user data is not decoded, without failing.
      j["sccp"]["reassembly"] = r.error().what;
      emit(std::move(j));
      return;
    }
    if (!r->has_value()) {
      on_skipped(frame, "SCCP segment (reassembly pending)");
      return;
    }
    whole = std::move(**r);
    user = Bytes(whole.data(), whole.size());
    j["sccp"]["reassembled"] = true;
  }
  j["sccp"]["data_length"] = user.size();
  // SCCP management (SSN 1, Q.713 §5) and other non-TCAP users: the SCCP
  // fields are all there is to show. TCAP messages start with an
  // [APPLICATION n] constructed tag (0x61..0x67, Q.773 §4.2.1).
  const bool scmg = m->called.ssn && m->called.ssn->value == 1;
  if (scmg || user.empty()) {
    emit(std::move(j));
    return;
  }
  json err;
  j["tcap"] = describe_tcap(user, err);
  concat_.feed(frame.value, j["tcap"]);
  if (!err.is_null()) j["error"] = err;
  emit(std::move(j));
}

json describe_transport(const TransportInfo& via) {
  json j = json::object();
  if (const auto* m = std::get_if<M3uaInfo>(&via)) {
    json m3{{"opc", m->opc.value}, {"dpc", m->dpc.value}, {"si", m->si}, {"ni", m->ni}, {"mp", m->mp}, {"sls", m->sls}};
    if (m->routing_context) m3["rc"] = m->routing_context->value;
    j["m3ua"] = m3;
  } else if (const auto* t = std::get_if<Mtp3Info>(&via)) {
    j["mtp3"] = json{{"opc", t->opc.value}, {"dpc", t->dpc.value}, {"si", t->si}, {"ni", t->ni}, {"sls", t->sls}};
  } else if (const auto* i = std::get_if<IpaInfo>(&via)) {
    j["ipa"] = json{{"stream", i->stream.value}};
  }
  return j;
}

}  // namespace ussdgw::decode
