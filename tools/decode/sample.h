// `ussdgw decode --write-sample`: a small capture built with the project's
// own encoders (TCAP, MAP dialogue, USSD, SCCP, and M3UA or IPA framing), so
// an operator can try `ussdgw decode --pcap` without a capture at hand.
#pragma once

#include <string>

namespace ussdgw::decode {

enum class SampleTransport { IpaTcp, M3uaSctp };

// Writes a pcap (Ethernet) holding a USSD dialogue: Begin (PUSSR "*100#"),
// Continue (USSR menu), Continue (USSR result "1"), End (PUSSR result).
// False with `why` on an encoding or file error.
bool write_sample(const std::string& path, SampleTransport t, std::string& why);

}  // namespace ussdgw::decode
