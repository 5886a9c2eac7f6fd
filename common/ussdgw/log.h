// The one logger of the process (STYLE.md §7, §14).
//
// Every line has one shape:
//   [<UTC time> ]<module> <LEVEL> <context>: <What>[. Cause: <why>]
// e.g. `ussd NOTICE imsi=001010123456789 session=gw-42 customer=acme:
// Customer call failed, sending the fallback. Cause: deadline`.
//
// Rules:
//  * `context` is built from identifiers (imsi=, dlg=, session=, customer=);
//    `what` is a fixed sentence of ours; anything a peer sent (a customer's
//    JSON, a network's digits, an HTTP reason) goes through quote() first, so
//    it can neither forge a line (CWE-117: newlines, control characters) nor
//    make the log binary (invalid UTF-8), and is cut to a length.
//  * No secret is ever passed to the logger (URLs are logged with
//    credentials masked, see mask_url()).
//  * Repeated events are summarised: above `burst` lines of the same
//    (module, what) within `interval`, lines are counted, not written, and
//    one NOTICE per key says how many were suppressed when the interval ends
//    (or at flush()).
// Thread-safe: the SS7 thread, the Asio thread and the store's threads all
// log; a mutex serialises formatting and the sink.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ussdgw/clock.h"

namespace ussdgw::log {

enum class Level : std::uint8_t { Debug, Info, Notice, Error };
[[nodiscard]] std::string_view to_string(Level l);
[[nodiscard]] std::optional<Level> level_from_string(std::string_view s);

struct Options {
  Level level = Level::Info;
  bool timestamps = false;  // journald and the test harnesses add their own
  std::uint32_t burst = 50;  // lines per (module, what) per interval; 0 = no limit
  std::chrono::seconds interval{10};
};

// Where finished lines go (without the trailing newline). Default: stderr.
using Sink = std::function<void(Level, std::string_view line)>;

void configure(const Options& o);
void set_sink(Sink s);  // nullptr restores stderr
void set_clock(const Clock* c);  // nullptr restores the system clock (tests pass a ManualClock)
[[nodiscard]] bool enabled(Level l);
// Writes pending "suppressed" summaries now (shutdown, tests).
void flush();

void write(Level l, std::string_view module, std::string_view context, std::string_view what,
           std::string_view cause = {});

inline void error(std::string_view module, std::string_view context, std::string_view what, std::string_view cause = {}) {
  write(Level::Error, module, context, what, cause);
}
inline void notice(std::string_view module, std::string_view context, std::string_view what, std::string_view cause = {}) {
  write(Level::Notice, module, context, what, cause);
}
inline void info(std::string_view module, std::string_view context, std::string_view what, std::string_view cause = {}) {
  write(Level::Info, module, context, what, cause);
}
inline void debug(std::string_view module, std::string_view context, std::string_view what, std::string_view cause = {}) {
  write(Level::Debug, module, context, what, cause);
}

// Text from a peer, made safe for a log line: in double quotes, printable
// ASCII and valid UTF-8 kept, `"` and `\` escaped, control characters as
// \n \r \t or \xNN, invalid UTF-8 octets as \xNN; cut after `max_chars`
// characters with `...` after the closing quote.
[[nodiscard]] std::string quote(std::string_view peer_text, std::size_t max_chars = 80);

// A URL for a log line: user information ("user:pass@") replaced by "***@".
[[nodiscard]] std::string mask_url(std::string_view url);

}  // namespace ussdgw::log
