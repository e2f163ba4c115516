#include "report/svg_to_png.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/file_io.h"

extern char** environ;

namespace octet::report {
namespace {

constexpr const char* kTool = "rsvg-convert";

bool on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string dirs = path;
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string dir = end > start ? dirs.substr(start, end - start) : ".";
    const std::string candidate = dir + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

}  // namespace

bool rsvg_convert_available() { return on_path(kTool); }

Result<bool> svg_file_to_png(const std::string& svg_path, const std::string& png_path) {
  if (!rsvg_convert_available()) return false;
  // The child writes a temporary file next to the target; it is renamed only after a clean exit.
  const std::string tmp = png_path + ".tmp-" + std::to_string(::getpid());
  std::vector<std::string> args = {kTool, "--format=png", "--background-color=white", "-o", tmp, svg_path};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The child's stderr goes to a file, so its complaint ends up in our error message.
  const std::string err_path = tmp + ".stderr";
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid;
  const int rc = ::posix_spawnp(&pid, kTool, &actions, nullptr, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    std::remove(err_path.c_str());
    return Status::Error(svg_path + ": cannot run " + kTool + ": " + std::strerror(rc));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::Error(svg_path + ": waiting for " + kTool + ": " + std::strerror(errno));
  }
  std::string child_error;
  if (auto bytes = read_file(err_path, 1 << 16); bytes.ok()) {
    child_error.assign(bytes->begin(), bytes->end());
    child_error = child_error.substr(0, child_error.find('\n'));
  }
  std::remove(err_path.c_str());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::remove(tmp.c_str());
    const std::string how = WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                              : "signal " + std::to_string(WTERMSIG(status));
    return Status::Error(svg_path + ": " + kTool + " failed (" + how + ")" +
                         (child_error.empty() ? "" : ": " + child_error));
  }
  if (std::rename(tmp.c_str(), png_path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    std::remove(tmp.c_str());
    return Status::Error(png_path + ": cannot rename the converted PNG into place: " + err);
  }
  return true;
}

}  // namespace octet::report
