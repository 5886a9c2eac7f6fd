#include "app/config_check.h"

#include <boost/asio/ssl/context.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "app/wiring.h"
#include "gateway/ss7/config.h"
#include "relay/customer_url.h"
#include "ussd/service/config_check.h"

namespace ussdgw::app {
namespace {

// EndpointConfig fields (ss7::validate's keys) as written in the file.
std::string ss7_key(const std::string& field) {
  static constexpr std::pair<std::string_view, std::string_view> kKeys[] = {
      {"name", "asp_name"},           {"own_pc", "point_code"},         {"next_hop_pc", "next_hop_point_code"},
      {"own_gt", "global_title"},     {"ssns", "ssn"},                  {"remote_host", "remote.host"},
      {"remote_port", "remote.port"}, {"local_host", "local.host"},     {"local_port", "local.port"},
      {"peer_pc", "peer_point_code"}, {"routing_context", "routing_context"}, {"peer_name", "peer_name"},
  };
  std::string_view head(field);
  head = head.substr(0, head.find('['));  // "ssns[1]" keeps its index
  for (const auto& [from, to] : kKeys)
    if (head == from) return "ss7." + std::string(to) + field.substr(head.size());
  return "ss7." + field;
}

// A module's error, its key made the file's key path, with file and line.
ConfigError at(const config::KeyLines& lines, std::string key, const ConfigError& e) {
  return lines.locate(ConfigError{{}, 0, std::move(key), e.reason});
}
ConfigError at(const config::KeyLines& lines, std::string key, std::string reason) {
  return lines.locate(ConfigError{{}, 0, std::move(key), std::move(reason)});
}

Expected<Ok, ConfigError> check_customer(const config::Customer& cu, const std::string& base,
                                         const config::KeyLines& lines) {
  // The relay's own parser: what passes here is what the relay will use.
  // Its reasons never repeat the URL, which could hold a password.
  auto url = relay::parse_customer_url(cu.url);
  if (!url) return at(lines, base + ".url", "must be http://host[:port][/path] or https://...: " + url.error());
  if (url->tls && !cu.tls)
    return at(lines, base + ".url", "is https://, so tls.ca_file is required (the CA the customer's certificate chains to)");
  if (!url->tls && cu.tls) return at(lines, base + ".tls", "is set, but the url is http://");
  if (cu.tls) {
    // Loaded the way the relay loads it, so a file that is not PEM is
    // refused here too, not at the first call.
    boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_client);
    boost::system::error_code ec;
    if (std::FILE* f = std::fopen(cu.tls->ca_file.c_str(), "rb")) {
      std::fclose(f);
      ctx.load_verify_file(cu.tls->ca_file, ec);
      if (ec) return at(lines, base + ".tls.ca_file", "'" + cu.tls->ca_file + "' holds no usable CA: " + ec.message());
    } else {
      return at(lines, base + ".tls.ca_file", "'" + cu.tls->ca_file + "' cannot be read: " + std::strerror(errno));
    }
  }
  return Ok{};
}

Expected<Ok, ConfigError> check_storage(const config::Storage& s, const config::KeyLines& lines) {
  namespace fs = std::filesystem;
  const fs::path path(s.path);
  std::error_code ec;
  if (fs::is_directory(path, ec)) return at(lines, "storage.path", "'" + s.path + "' is a directory, not a file");
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec))
    return at(lines, "storage.path", "the directory '" + dir.string() + "' does not exist");
  return Ok{};
}

}  // namespace

Expected<Ok, ConfigError> check(const config::Loaded& loaded) {
  const config::Config& c = loaded.config;
  const config::KeyLines& lines = loaded.lines;
  if (auto v = ss7::validate(gateway::endpoint_config(c.ss7)); !v)
    return at(lines, ss7_key(v.error().key), v.error());
  // Its keys are the file's key paths (ussd/service/service_config.h).
  if (auto v = ussd::validate(gateway::ussd_config(c)); !v) return at(lines, v.error().key, v.error());
  for (std::size_t i = 0; i < c.customers.size(); ++i)
    if (auto v = check_customer(c.customers[i], "customers[" + std::to_string(i) + "]", lines); !v) return v;
  return check_storage(c.storage, lines);
}

Expected<config::Config, ConfigError> load_and_check(const std::string& path) {
  auto loaded = config::load_file(path);
  if (!loaded) return loaded.error();
  if (auto v = check(*loaded); !v) return v.error();
  return std::move(loaded->config);
}

}  // namespace ussdgw::app
