// A configuration problem, as the operator reads it: "FILE:LINE: KEY: reason"
// (docs/config.md). The error type of every config check, whichever module
// makes it (error policy: common/ussdgw/expected.h).
//
// The loader (config/) fills all four fields. A module that validates its own
// config struct (ss7::validate, ussd::validate, ...) knows neither the file
// nor the line: it fills `key` (relative to its struct) and `reason`, and the
// composition root (app/) turns the key into the file's key path and adds the
// file and line where that key was written.
#pragma once

#include <string>

namespace ussdgw {

struct ConfigError {
  std::string file;  // empty: not from a file (a config built in code)
  int line = 0;      // 1-based; 0: no line (the file as a whole, or unknown)
  std::string key;   // "customers[0].url"; empty: the file as a whole
  std::string reason;
  // Set only by the loader's net for a third-party (yaml-cpp) exception it
  // did not expect: still reported to the operator like any other error,
  // and a finding for the fuzzer (fuzz/fuzz_config.cpp), which cannot tell
  // it by the key (a file may name a key "(yaml)").
  bool unexpected = false;

  // "FILE:LINE: KEY: reason", leaving out the parts that are not known.
  [[nodiscard]] std::string what() const {
    std::string s;
    if (!file.empty()) s += file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": ";
    if (!key.empty()) s += key + ": ";
    return s + reason;
  }
};

}  // namespace ussdgw
