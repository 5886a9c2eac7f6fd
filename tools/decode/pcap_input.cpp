// The only file of the decode library that touches the file system: libpcap
// reads pcap and pcapng alike (pcap_open_offline), frames go to the decoder.
#include <pcap/pcap.h>

#include <memory>

#include "tools/decode/decoder.h"

namespace ussdgw::decode {

bool Decoder::decode_pcap(const std::string& path, std::string& why) {
  char errbuf[PCAP_ERRBUF_SIZE] = {0};
  std::unique_ptr<pcap_t, decltype(&pcap_close)> p(pcap_open_offline(path.c_str(), errbuf), &pcap_close);
  if (!p) {
    why = errbuf;
    return false;
  }
  const int link = pcap_datalink(p.get());
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  std::uint64_t n = 0;
  int rc;
  while ((rc = pcap_next_ex(p.get(), &hdr, &data)) == 1) {
    ++n;  // tshark counts every record from 1, whatever it holds
    decode_frame(FrameNo{n}, link, Bytes(data, hdr->caplen));
  }
  if (rc == PCAP_ERROR) {
    // A truncated last record: report it as a frame error, keep what decoded.
    nlohmann::json j{{"frame", n + 1}, {"error", {{"layer", "pcap"}, {"offset", 0}, {"reason", pcap_geterr(p.get())}}}};
    emit(std::move(j));
  }
  return true;
}

}  // namespace ussdgw::decode
