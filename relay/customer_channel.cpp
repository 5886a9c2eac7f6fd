#include "relay/customer_channel.h"

namespace ussdgw::relay {

std::string_view to_string(FailureKind k) {
  switch (k) {
    case FailureKind::Timeout: return "timeout";
    case FailureKind::ConnectFailed: return "connect-failed";
    case FailureKind::TlsFailed: return "tls-failed";
    case FailureKind::ConnectionLost: return "connection-lost";
    case FailureKind::HttpStatus: return "http-status";
    case FailureKind::BadResponse: return "bad-response";
    case FailureKind::QueueFull: return "queue-full";
    case FailureKind::Cancelled: return "cancelled";
  }
  return "unknown";
}

}  // namespace ussdgw::relay
