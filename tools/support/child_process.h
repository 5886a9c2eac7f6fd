// A child process with its standard output and error in files: how the demo,
// the benchmarks and the end-to-end tests run osmo-stp, `ussdgw run` and
// `ussdgw sim` side by side. Killed (SIGKILL) when the owner goes away.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace ussdgw::process {

struct SpawnOptions {
  bool search_path = false;  // args[0] is a name looked up in PATH
  bool append = false;       // append to the output files instead of truncating
};

class ChildProcess {
 public:
  // Exit status of wait() when the child did not end in time (it is killed).
  static constexpr int kTimedOut = -1000;

  // args[0] is a path (or a name, see SpawnOptions). `out` empty: the child
  // writes to our standard output; `err` equal to `out`: both go to one file.
  ChildProcess(std::vector<std::string> args, const std::string& out, const std::string& err, SpawnOptions opt = {}) {
    const int mode = O_WRONLY | O_CREAT | (opt.append ? O_APPEND : O_TRUNC);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (!out.empty()) posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), mode, 0644);
    if (!out.empty() && err == out)
      posix_spawn_file_actions_adddup2(&fa, 1, 2);
    else
      posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), mode, 0644);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = opt.search_path ? posix_spawnp(&pid_, argv[0], &fa, nullptr, argv.data(), environ)
                         : posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    if (rc != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~ChildProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int st;
      waitpid(pid_, &st, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  void signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  [[nodiscard]] bool running() {
    int st;
    if (pid_ <= 0) return false;
    if (waitpid(pid_, &st, WNOHANG) != pid_) return true;
    pid_ = -1;
    status_ = decode(st);
    return false;
  }
  // The exit code, 128 + signal number when killed by a signal, or
  // kTimedOut (then the child is killed).
  int wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0) {
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        status_ = decode(st);
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, &st, 0);
        pid_ = -1;
        status_ = kTimedOut;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return status_;
  }

 private:
  static int decode(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

  pid_t pid_ = -1;
  int status_ = -1;
};

}  // namespace ussdgw::process
