#include "ussdgw/log.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <utility>

namespace ussdgw::log {
namespace {

struct KeyState {
  Clock::SteadyTime window_start{};
  std::uint32_t in_window = 0;
  std::uint64_t suppressed = 0;
};

struct State {
  std::mutex mu;
  Options opt;
  Sink sink;
  const Clock* clock = nullptr;
  // (module, what): `what` is one of our fixed sentences, so the map stays small.
  std::map<std::pair<std::string, std::string>, KeyState> keys;
};

State& state() {
  static State s;
  return s;
}

const Clock& clock_of(const State& s) { return s.clock ? *s.clock : SystemClock::instance(); }

void emit(State& s, Level l, const std::string& line) {
  if (s.sink) {
    s.sink(l, line);
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fputc('\n', stderr);
  }
}

std::string format(const State& s, Level l, std::string_view module, std::string_view context, std::string_view what,
                   std::string_view cause) {
  std::string line;
  line.reserve(64 + context.size() + what.size() + cause.size());
  if (s.opt.timestamps) {
    auto t = clock_of(s).wall_now();
    auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
    std::time_t tt = std::chrono::system_clock::to_time_t(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    line += buf;
  }
  line += module;
  line += ' ';
  line += to_string(l);
  line += ' ';
  line += context.empty() ? std::string_view("-") : context;
  line += ": ";
  line += what;
  if (!cause.empty()) {
    line += ". Cause: ";
    line += cause;
  }
  return line;
}

std::string summary(const std::pair<std::string, std::string>& key, std::uint64_t n, std::chrono::seconds interval) {
  return "Suppressed " + std::to_string(n) + " lines like \"" + key.second + "\" in the last " +
         std::to_string(interval.count()) + " s";
}

// Writes the summaries of windows that have ended (all of them when `all`).
void close_windows(State& s, Clock::SteadyTime now, bool all) {
  for (auto& [key, k] : s.keys) {
    if (k.suppressed == 0) continue;
    if (!all && now - k.window_start < s.opt.interval) continue;
    emit(s, Level::Notice, format(s, Level::Notice, key.first, "-", summary(key, k.suppressed, s.opt.interval), {}));
    k.suppressed = 0;
  }
}

}  // namespace

std::string_view to_string(Level l) {
  switch (l) {
    case Level::Debug: return "DEBUG";
    case Level::Info: return "INFO";
    case Level::Notice: return "NOTICE";
    case Level::Error: return "ERROR";
  }
  return "?";
}

std::optional<Level> level_from_string(std::string_view s) {
  if (s == "debug") return Level::Debug;
  if (s == "info") return Level::Info;
  if (s == "notice") return Level::Notice;
  if (s == "error") return Level::Error;
  return std::nullopt;
}

void configure(const Options& o) {
  auto& s = state();
  std::lock_guard lk(s.mu);
  s.opt = o;
  s.keys.clear();
}

void set_sink(Sink sink) {
  auto& s = state();
  std::lock_guard lk(s.mu);
  s.sink = std::move(sink);
}

void set_clock(const Clock* c) {
  auto& s = state();
  std::lock_guard lk(s.mu);
  s.clock = c;
  s.keys.clear();
}

bool enabled(Level l) {
  auto& s = state();
  std::lock_guard lk(s.mu);
  return l >= s.opt.level;
}

void flush() {
  auto& s = state();
  std::lock_guard lk(s.mu);
  close_windows(s, clock_of(s).now(), true);
}

void write(Level l, std::string_view module, std::string_view context, std::string_view what, std::string_view cause) {
  auto& s = state();
  std::lock_guard lk(s.mu);
  if (l < s.opt.level) return;
  if (s.opt.burst > 0) {
    const auto now = clock_of(s).now();
    close_windows(s, now, false);
    auto& k = s.keys[{std::string(module), std::string(what)}];
    if (k.in_window == 0 || now - k.window_start >= s.opt.interval) {
      k.window_start = now;
      k.in_window = 0;
    }
    if (++k.in_window > s.opt.burst) {
      ++k.suppressed;
      return;
    }
  }
  emit(s, l, format(s, l, module, context, what, cause));
}

std::string quote(std::string_view in, std::size_t max_chars) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(in.size(), max_chars) + 8);
  out += '"';
  std::size_t chars = 0, i = 0;
  auto hex = [&](unsigned char c) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  };
  while (i < in.size()) {
    if (chars == max_chars) {
      out += "\"...";
      return out;
    }
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20 || c == 0x7F) {
        hex(c);
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      ++chars;
      continue;
    }
    // A well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates,
    // nothing above U+10FFFF) is kept; anything else is escaped octet by octet.
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    bool ok = len != 0 && c <= 0xF4 && i + len <= in.size();
    for (std::size_t j = 1; ok && j < len; ++j) ok = (static_cast<unsigned char>(in[i + j]) & 0xC0) == 0x80;
    if (ok && len >= 3) {
      const auto c1 = static_cast<unsigned char>(in[i + 1]);
      if (c == 0xE0 && c1 < 0xA0) ok = false;   // overlong
      if (c == 0xED && c1 >= 0xA0) ok = false;  // surrogate
      if (c == 0xF0 && c1 < 0x90) ok = false;   // overlong
      if (c == 0xF4 && c1 >= 0x90) ok = false;  // above U+10FFFF
    }
    if (!ok) {
      hex(c);
      ++i;
    } else {
      out.append(in.substr(i, len));
      i += len;
    }
    ++chars;
  }
  out += '"';
  return out;
}

std::string mask_url(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  auto host_start = scheme + 3;
  auto end = url.find_first_of("/?#", host_start);
  auto authority = url.substr(host_start, end == std::string_view::npos ? std::string_view::npos : end - host_start);
  auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, host_start));
  out += "***@";
  out += url.substr(host_start + at + 1);
  return out;
}

}  // namespace ussdgw::log
