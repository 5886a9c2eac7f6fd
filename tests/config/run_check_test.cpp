// `ussdgw run --check` as the operator runs it: the shipped binary, a file
// on disk, the message on stderr and the exit code (issue 7 items 5 to 7).
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string ussdgw_binary() { return std::string(USSDGW_BINARY_DIR) + "/app/ussdgw"; }

struct Run {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `ussdgw run <args>`; the arguments are ours, quoted with '...'.
Run run(const std::string& args) {
  Run r;
  std::FILE* p = ::popen((ussdgw_binary() + " run " + args + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[512];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

struct TempDir {
  TempDir() : path(fs::temp_directory_path() / ("ussdgw-run-check-" + std::to_string(std::random_device{}()))) {
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
  fs::path path;
};

const std::string kValid = "ss7:\n  global_title: \"447700900123\"\n";

}  // namespace

TEST_CASE("the binary is there (the test depends on it)") {
  REQUIRE_MESSAGE(fs::exists(ussdgw_binary()), ussdgw_binary());
}

TEST_CASE("--check says valid for a valid file and exits 0") {
  TempDir d;
  std::string f = d.write("gw.yaml", kValid + "storage: {path: " + (d.path / "gw.db").string() + "}\n");
  Run r = run("--config '" + f + "' --check");
  CHECK(r.exit_code == 0);
  CHECK(r.output == f + ": valid\n");
  CHECK_FALSE(fs::exists(d.path / "gw.db"));  // a check creates nothing
}

TEST_CASE("--check refuses what start-up would refuse, with file:line: key: reason") {
  TempDir d;
  std::string f = d.write("gw.yaml", kValid + "  routing_context: 5\n");
  Run r = run("--config '" + f + "' --check");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("ussdgw run: " + f + ":3: ss7.routing_context: must be 0 over IPA") == 0);

  f = d.write("gw2.yaml", kValid + "customers:\n  - id: acme\n    url: http://user:s3cret@10.0.0.1/\n"
                                   "    secret: 0123456789abcdef\n");
  r = run("--config '" + f + "' --check");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(f + ":5: customers[0].url:") != std::string::npos);
  CHECK(r.output.find("s3cret") == std::string::npos);

  f = d.write("gw3.yaml", kValid + "tcap:\n  invoke_timeout: 0s\n");
  r = run("--config '" + f + "' --check");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(f + ":4: tcap.invoke_timeout: must be above 0") != std::string::npos);
}

TEST_CASE("a directory, an empty file, a missing file and a missing value are each named for what they are") {
  TempDir d;
  Run r = run("--config '" + d.path.string() + "' --check");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(d.path.string() + ": is a directory, not a config file") != std::string::npos);
  CHECK(r.output.find("global_title") == std::string::npos);

  std::string f = d.write("empty.yaml", "");
  r = run("--config '" + f + "' --check");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(f + ": is empty") != std::string::npos);
  f = d.write("comments.yaml", "# nothing yet\n");
  r = run("--config '" + f + "' --check");
  CHECK(r.output.find(f + ": is empty") != std::string::npos);

  r = run("--config '" + (d.path / "absent.yaml").string() + "' --check");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("absent.yaml: cannot be read: No such file or directory") != std::string::npos);

  r = run("--check --config");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("ussdgw run: --config: the value is missing") == 0);
  r = run("--config --check");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("ussdgw run: --config: the value is missing") == 0);
}
