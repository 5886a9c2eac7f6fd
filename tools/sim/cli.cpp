#include "tools/sim/cli.h"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string_view>

#include "tools/sim/parse.h"
#include "tools/sim/responder.h"
#include "gateway/ss7/endpoint.h"

namespace ussdgw::sim {
namespace {

using namespace std::chrono_literals;

ss7::GlobalTitle make_gt(std::string_view digits) {
  ss7::GlobalTitle g;  // GTI 4, TT 0, E.164, international (Q.713 §3.4.2.3)
  g.digits.assign(digits);
  return g;
}

// Outbound side of the simulator: TCAP bytes become one N-UNITDATA.request.
class EndpointSender final : public TcapSender {
 public:
  EndpointSender(ss7::Endpoint& ep, OutboundAddresses a) : ep_(ep), a_(std::move(a)) {}
  bool send_tcap(Bytes tcap) override {
    ss7::Unitdata u;
    u.called = a_.called;
    u.calling = a_.calling;
    u.data.assign(tcap.begin(), tcap.end());
    return ep_.send(std::move(u));
  }
  bool send_tcap_segmented(Bytes tcap, std::uint8_t segments) override {
    ss7::Unitdata u;
    u.called = a_.called;
    u.calling = a_.calling;
    u.data.assign(tcap.begin(), tcap.end());
    u.xudt_segments = segments;
    return ep_.send(std::move(u));
  }

 private:
  ss7::Endpoint& ep_;
  OutboundAddresses a_;
};

}  // namespace

const char* usage_text() {
  return "usage: ussdgw sim [mode] [options]      (docs/sim.md)\n"
         "modes:\n"
         "  (default)              play a script (--script FILE, else the built-in one); exit 0 if all pass\n"
         "  --load                 open dialogues at --rate for --duration, print statistics\n"
         "  --respond              be the gateway at SSN 147: answer every BEGIN with a fixed END\n"
         "script/load:\n"
         "  --script FILE          dialogues to play (line format, docs/sim.md)\n"
         "  --rate N               dialogues/s (load, default 1000)\n"
         "  --concurrency C        dialogues open at once (load, default 1000)\n"
         "  --duration D           how long to open dialogues (load, default 10s; respond: stop after D)\n"
         "  --dial TEXT            USSD string (load, default *100#)\n"
         "  --answer TEXT          answer to every prompt (load, default 1)\n"
         "  --imsi DIGITS --msisdn DIGITS   subscriber (load)\n"
         "  --timeout D            per-step answer timeout (load, default 10s)\n"
         "  --json                 load/respond: print the result as one JSON object\n"
         "  --respond-text TEXT    respond: the final text (default OK)\n"
         "transport and addressing:\n"
         "  --stp HOST[:PORT]      IPA client to an STP (default 127.0.0.1:5000)\n"
         "  --listen [HOST:]PORT   IPA server instead: the gateway connects to us\n"
         "  --peer-name NAME       with --listen: the gateway's ASP name (default gw)\n"
         "  --name NAME            our ASP name (asp-clnt-NAME at the STP; default msc, respond: gw)\n"
         "  --pc PC                our point code (default 0.0.1, respond: 0.0.2)\n"
         "  --stp-pc PC            next hop put into called addresses without PC (default 0.0.3)\n"
         "  --gt DIGITS            our global title (default 49172000001, respond: 447700900123)\n"
         "  --ssn N                our SSN: 8 MSC, 7 VLR (default 8, respond: 147)\n"
         "  --gw-gt DIGITS --gw-ssn N --gw-pc PC   the gateway (447700900123, 147, 0.0.2)\n"
         "  --addressing realistic|pc-ssn   GT+SSN without PC (default) or PC+SSN both ways\n"
         "  --connect-timeout D    give up when the link is not up after D (default 10s)\n";
}

ParsedArgs parse_args(int argc, char** argv) {
  ParsedArgs r;
  SimOptions o;
  o.load.spec.imsi.digits.assign("234150000000001");
  o.load.spec.msisdn = Msisdn{Digits("447700900001")};
  o.load.spec.dial = "*100#";
  o.load.spec.answer_all = "1";
  auto fail = [&](std::string e) {
    r.error = std::move(e);
    return r;
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::optional<std::string_view> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string_view(argv[++i]);
    };
    if (a == "-h" || a == "--help") {
      r.help = true;
      return r;
    } else if (a == "--load") {
      o.mode = Mode::kLoad;
    } else if (a == "--respond") {
      o.mode = Mode::kRespond;
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--listen") {
      o.listen = true;
      auto v = value();
      if (!v) return fail("--listen needs [HOST:]PORT");
      auto colon = v->rfind(':');
      if (colon != std::string_view::npos) o.host = std::string(v->substr(0, colon));
      auto p = parse_num<std::uint16_t>(colon == std::string_view::npos ? *v : v->substr(colon + 1));
      if (!p) return fail("--listen: bad port in '" + std::string(*v) + "'");
      o.port = *p;
    } else {
      auto v = value();
      if (!v) return fail("unknown option or missing value: " + std::string(a));
      std::string s(*v);
      if (a == "--script") {
        o.script_file = s;
      } else if (a == "--rate") {
        auto n = parse_num<double>(s);
        if (!n || *n <= 0) return fail("--rate: expected a positive number");
        o.load.rate = *n;
      } else if (a == "--concurrency") {
        auto n = parse_num<std::size_t>(s);
        if (!n || *n == 0 || *n > (std::size_t{1} << 22)) return fail("--concurrency: expected 1..4194304");
        o.load.concurrency = *n;
      } else if (a == "--duration") {
        auto d = parse_duration(s);
        if (!d) return fail("--duration: expected e.g. 10s or 500ms");
        o.load.duration = *d;
        o.respond_duration = *d;
      } else if (a == "--timeout") {
        auto d = parse_duration(s);
        if (!d) return fail("--timeout: expected e.g. 10s or 500ms");
        o.load.spec.timeout = *d;
      } else if (a == "--dial") {
        o.load.spec.dial = s;
      } else if (a == "--answer") {
        o.load.spec.answer_all = s;
      } else if (a == "--imsi") {
        if (!digits_ok(s, 6, 15)) return fail("--imsi: expected 6 to 15 digits");
        o.load.spec.imsi.digits.assign(s);
      } else if (a == "--msisdn") {
        if (!digits_ok(s, 1, 16)) return fail("--msisdn: expected up to 16 digits");
        o.load.spec.msisdn = Msisdn{Digits(s)};
      } else if (a == "--respond-text") {
        o.respond_text = s;
      } else if (a == "--stp") {
        auto colon = s.rfind(':');
        o.host = s.substr(0, colon);
        if (colon != std::string::npos) {
          auto p = parse_num<std::uint16_t>(std::string_view(s).substr(colon + 1));
          if (!p) return fail("--stp: bad port in '" + s + "'");
          o.port = *p;
        }
      } else if (a == "--peer-name") {
        o.peer_name = s;
      } else if (a == "--name") {
        o.name = s;
      } else if (a == "--pc" || a == "--stp-pc" || a == "--gw-pc") {
        auto pc = parse_point_code(s);
        if (!pc) return fail(std::string(a) + ": expected a point code like 0.0.1");
        (a == "--pc" ? o.pc : a == "--stp-pc" ? o.stp_pc : o.gw_pc) = *pc;
      } else if (a == "--gt" || a == "--gw-gt") {
        if (!digits_ok(s, 1, 31)) return fail(std::string(a) + ": expected up to 31 digits");
        if (a == "--gt") o.gt = s;
        else o.gw_gt = s;
      } else if (a == "--ssn" || a == "--gw-ssn") {
        auto n = parse_num<unsigned>(s);
        if (!n || *n == 0 || *n > 255) return fail(std::string(a) + ": expected 1..255");
        if (a == "--ssn") o.ssn = static_cast<std::uint8_t>(*n);
        else o.gw_ssn = static_cast<std::uint8_t>(*n);
      } else if (a == "--addressing") {
        if (s == "realistic") o.addressing = Addressing::kRealistic;
        else if (s == "pc-ssn") o.addressing = Addressing::kPcSsn;
        else return fail("--addressing: expected realistic or pc-ssn");
      } else if (a == "--connect-timeout") {
        auto d = parse_duration(s);
        if (!d) return fail("--connect-timeout: expected e.g. 10s");
        o.connect_timeout = *d;
      } else {
        return fail("unknown option: " + std::string(a));
      }
    }
  }
  r.options = std::move(o);
  return r;
}

ss7::EndpointConfig endpoint_config(const SimOptions& o) {
  const bool respond = o.mode == Mode::kRespond;
  ss7::EndpointConfig c;
  c.transport = o.listen ? ss7::Transport::kIpaServer : ss7::Transport::kIpaClient;
  c.name = o.name.value_or(respond ? "gw" : "msc");
  if (o.listen) {
    c.local_host = o.host;
    c.local_port = o.port;
    c.peer_name = o.peer_name;
    c.peer_pc = o.gw_pc;
  } else {
    c.remote_host = o.host;
    c.remote_port = o.port;
  }
  c.own_pc = o.pc.value_or(ss7::PointCode{respond ? 2u : 1u});
  c.next_hop_pc = o.stp_pc;
  c.ssns = {ss7::Ssn{o.ssn.value_or(respond ? 147 : 8)}};
  if (o.addressing == Addressing::kRealistic) {
    c.own_gt = make_gt(o.gt.value_or(respond ? "447700900123" : "49172000001"));
    // The network's calling party carries no PC (routed on GT).
    c.calling_includes_pc = false;
  } else {
    c.own_gt = {};  // no GT: calling = PC + SSN routed on SSN
    c.calling_includes_pc = true;
  }
  return c;
}

OutboundAddresses outbound_addresses(const SimOptions& o) {
  OutboundAddresses a;
  a.called.ssn = ss7::Ssn{o.gw_ssn};
  a.called.ri = ss7::RoutingIndicator::kSubsystem;
  if (o.addressing == Addressing::kRealistic) {
    // After the last GTT: GT + SSN, route on SSN, no PC; the endpoint adds
    // the STP as the MTP destination (addressing.h complete_outbound).
    a.called.gt = make_gt(o.gw_gt);
  } else {
    a.called.pc = o.gw_pc;
  }
  // calling: left empty, completed by the endpoint from own GT/SSN/PC.
  return a;
}

int sim_main(int argc, char** argv) {
  auto parsed = parse_args(argc, argv);
  if (parsed.help) {
    std::fputs(usage_text(), stdout);
    return 0;
  }
  if (!parsed.options) {
    std::fprintf(stderr, "ussdgw sim: %s\n%s", parsed.error.c_str(), usage_text());
    return 2;
  }
  const SimOptions& o = *parsed.options;

  Script script;
  if (o.mode == Mode::kScript) {
    std::string text;
    std::string file = o.script_file.empty() ? "<built-in>" : o.script_file;
    if (o.script_file.empty()) {
      text = default_script_text();
    } else {
      std::ifstream f(o.script_file);
      if (!f) {
        std::fprintf(stderr, "ussdgw sim: cannot read %s\n", o.script_file.c_str());
        return 2;
      }
      std::stringstream ss;
      ss << f.rdbuf();
      text = ss.str();
    }
    auto p = parse_script(text, file);
    if (!p.ok()) {
      for (const auto& e : p.errors) std::fprintf(stderr, "%s\n", e.c_str());
      return 2;
    }
    script = std::move(p.script);
  }

  auto cfg = endpoint_config(o);
  if (auto why = ss7::validate(cfg); !why) {
    std::fprintf(stderr, "ussdgw sim: %s\n", why.error().what().c_str());
    return 2;
  }

  boost::asio::io_context io;
  int rc = 0;
  bool link_seen = false;
  std::unique_ptr<ScriptRunner> script_runner;
  std::unique_ptr<LoadGenerator> load;
  std::unique_ptr<CannedResponder> responder;
  std::unique_ptr<EndpointSender> sender;
  ss7::Endpoint* ep_ptr = nullptr;
  Clock::time_point first_answer{}, last_answer{};
  boost::asio::steady_timer stop_timer(io);

  auto finish = [&](int code) {
    rc = code;
    stop_timer.cancel();
    io.stop();
  };

  ss7::Endpoint::Handlers h;
  h.on_unitdata = [&](ss7::Unitdata&& u) {
    if (script_runner) script_runner->on_tcap(u.data);
    else if (load) load->on_tcap(u.data);
    else if (responder) {
      auto out = responder->answer(u.data);
      if (!out) return;
      auto now = Clock::now();
      if (responder->answered() == 1) first_answer = now;
      last_answer = now;
      ss7::Unitdata r;
      r.called = std::move(u.calling);  // back to whoever asked; calling completed from our config
      r.data.assign(out->begin(), out->end());
      ep_ptr->send(std::move(r));
    }
  };
  h.on_notice = [&](ss7::Notice&& n) {
    if (script_runner) script_runner->on_returned(n.data, n.cause);
    else if (load) load->on_returned(n.data, n.cause);
  };
  h.on_link = [&](const ss7::LinkEvent& l) {
    if (!l.up) {
      std::fprintf(stderr, "ussdgw sim: link down\n");
      return;
    }
    if (link_seen) {
      std::fprintf(stderr, "ussdgw sim: link up again\n");
      return;
    }
    link_seen = true;
    stop_timer.cancel();
    if (o.mode == Mode::kScript) {
      script_runner = std::make_unique<ScriptRunner>(io, *sender, std::move(script), stdout);
      auto st = script_runner->start([&] { finish(script_runner->failed() == 0 ? 0 : 1); });
      if (!st) {
        std::fprintf(stderr, "ussdgw sim: %s\n", st.error().what);
        finish(2);
      }
    } else if (o.mode == Mode::kLoad) {
      load = std::make_unique<LoadGenerator>(io, *sender, o.load);
      auto st = load->start([&] {
        const auto& r = load->report();
        finish(r.failed() == 0 && r.completed == r.started ? 0 : 1);
      });
      if (!st) {
        std::fprintf(stderr, "ussdgw sim: %s\n", st.error().what);
        finish(2);
      }
    } else {
      std::fprintf(stderr, "ussdgw sim: answering BEGINs at SSN %u\n", unsigned{cfg.ssns.front().value});
      if (o.respond_duration) {
        stop_timer.expires_after(*o.respond_duration);
        stop_timer.async_wait([&](const boost::system::error_code& ec) {
          if (!ec) finish(0);
        });
      }
    }
  };

  ss7::Endpoint ep(io, cfg, h);
  ep_ptr = &ep;
  sender = std::make_unique<EndpointSender>(ep, outbound_addresses(o));
  if (o.mode == Mode::kRespond) responder = std::make_unique<CannedResponder>(o.respond_text);
  if (auto st = ep.start(); !st) {
    std::fprintf(stderr, "ussdgw sim: endpoint: %s\n", st.error().c_str());
    return 2;
  }
  stop_timer.expires_after(o.connect_timeout);
  stop_timer.async_wait([&](const boost::system::error_code& ec) {
    if (ec || link_seen) return;
    std::fprintf(stderr, "ussdgw sim: link to %s:%u not up after %lld ms\n", o.host.c_str(), unsigned{o.port},
                 static_cast<long long>(o.connect_timeout.count()));
    finish(1);
  });
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    if (load) load->stop();  // drains, then reports
    else finish(o.mode == Mode::kRespond ? 0 : 1);
  });

  io.run();
  signals.cancel();
  auto counters = ep.counters();
  ep.stop();

  if (load && load->report().started > 0) {
    const auto& r = load->report();
    if (o.json) std::printf("%s\n", r.to_json().c_str());
    else std::printf("%s", r.to_text().c_str());
  }
  if (responder) {
    double secs = std::chrono::duration<double>(last_answer - first_answer).count();
    double rate = secs > 0 ? static_cast<double>(responder->answered()) / secs : 0;
    if (o.json)
      std::printf("{\"answered\":%llu,\"ignored\":%llu,\"elapsed_s\":%.3f,\"rate\":%.1f,\"tx_dropped\":%llu}\n",
                  static_cast<unsigned long long>(responder->answered()),
                  static_cast<unsigned long long>(responder->ignored()), secs, rate,
                  static_cast<unsigned long long>(counters.tx_dropped));
    else
      std::printf("answered %llu BEGINs (%llu ignored) in %.3f s: %.1f/s; tx dropped %llu\n",
                  static_cast<unsigned long long>(responder->answered()),
                  static_cast<unsigned long long>(responder->ignored()), secs, rate,
                  static_cast<unsigned long long>(counters.tx_dropped));
  }
  if (counters.tx_dropped && !responder)
    std::fprintf(stderr, "ussdgw sim: %llu messages dropped by the endpoint\n",
                 static_cast<unsigned long long>(counters.tx_dropped));
  return rc;
}

}  // namespace ussdgw::sim
