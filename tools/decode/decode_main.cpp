// `ussdgw decode`: the operator's tool to read captures and hex from logs.
// Output is JSON Lines, one object per SCCP message (docs/decode.md).
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "tools/decode/decoder.h"
#include "tools/decode/sample.h"

namespace ussdgw::app {
namespace {

void usage() {
  std::fprintf(stderr,
               "usage: ussdgw decode --pcap FILE [--all] [--ipa-port N|any]...\n"
               "       ussdgw decode --layer tcap|sccp|m3ua|ipa [--all] < hex-lines\n"
               "       ussdgw decode --write-sample FILE [--transport ipa|m3ua]\n"
               "  --pcap FILE        read a pcap or pcapng capture (Ethernet, SLL/SLL2, raw IP,\n"
               "                     MTP2, MTP3; SCTP M3UA/M2PA, TCP IPA)\n"
               "  --layer L          read hex lines from stdin, one message per line; frame =\n"
               "                     line number; blank lines and lines starting with # are ignored,\n"
               "                     text up to a '=' is ignored (\"name = hex\")\n"
               "  --all              also print frames without SCCP as {\"frame\":N,\"skipped\":...}\n"
               "  --ipa-port N|any   TCP ports carrying IPA (default 5000; repeatable)\n"
               "  --write-sample F   write a pcap with a USSD Begin/Continue/End built by ussdgw\n"
               "exit status: 0 all decoded, 1 some message failed (see its \"error\"), 2 usage/I/O\n");
}

}  // namespace

int decode_main(int argc, char** argv) {
  std::string pcap_path, sample_path, transport = "ipa";
  std::optional<decode::Layer> layer;
  decode::Options opt;
  bool ports_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) return nullptr;
      return argv[++i];
    };
    if (a == "--pcap") {
      const char* v = value();
      if (!v) return usage(), 2;
      pcap_path = v;
    } else if (a == "--layer") {
      const char* v = value();
      decode::Layer l;
      if (!v || !decode::parse_layer(v, l)) return usage(), 2;
      layer = l;
    } else if (a == "--all") {
      opt.all = true;
    } else if (a == "--ipa-port") {
      const char* v = value();
      if (!v) return usage(), 2;
      if (!ports_given) opt.transport.ipa_ports.clear();
      ports_given = true;
      if (std::string_view(v) == "any") continue;  // an empty set means every port
      char* end = nullptr;
      const unsigned long port = std::strtoul(v, &end, 10);
      if (*end || port == 0 || port > 65535) return usage(), 2;
      opt.transport.ipa_ports.insert(static_cast<std::uint16_t>(port));
    } else if (a == "--write-sample") {
      const char* v = value();
      if (!v) return usage(), 2;
      sample_path = v;
    } else if (a == "--transport") {
      const char* v = value();
      if (!v || (std::string_view(v) != "ipa" && std::string_view(v) != "m3ua")) return usage(), 2;
      transport = v;
    } else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else {
      std::fprintf(stderr, "ussdgw decode: unknown option '%s'\n", argv[i]);
      usage();
      return 2;
    }
  }

  if (!sample_path.empty()) {
    std::string why;
    const auto t = transport == "m3ua" ? decode::SampleTransport::M3uaSctp : decode::SampleTransport::IpaTcp;
    if (!decode::write_sample(sample_path, t, why)) {
      std::fprintf(stderr, "ussdgw decode: %s\n", why.c_str());
      return 2;
    }
    return 0;
  }
  if (pcap_path.empty() == !layer.has_value()) {
    usage();
    return 2;
  }

  decode::Decoder dec(opt, [](const nlohmann::json& j) {
    // Invalid UTF-8 (it should not happen: texts are decoded to UTF-8) is
    // replaced rather than aborting the whole run.
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  });
  if (!pcap_path.empty()) {
    std::string why;
    if (!dec.decode_pcap(pcap_path, why)) {
      std::fprintf(stderr, "ussdgw decode: %s: %s\n", pcap_path.c_str(), why.c_str());
      return 2;
    }
  } else {
    std::string line;
    std::uint64_t n = 0;
    while (std::getline(std::cin, line)) {
      ++n;
      std::string_view v = line;
      if (auto eq = v.find('='); eq != std::string_view::npos) v.remove_prefix(eq + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
      if (v.empty() || line.front() == '#') continue;
      dec.decode_hex(decode::FrameNo{n}, *layer, v);
    }
  }
  std::cout.flush();
  return dec.failures() ? 1 : 0;
}

}  // namespace ussdgw::app
