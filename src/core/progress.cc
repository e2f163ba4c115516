#include "core/progress.h"

#include <unistd.h>

#include <cstdio>

namespace octet {

namespace {
bool g_quiet = false;

std::string format_duration(double s) {
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600, (static_cast<int>(s) / 60) % 60);
  }
  return buf;
}
}  // namespace

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void Progress::set_quiet(bool quiet) { g_quiet = quiet; }
bool Progress::quiet() { return g_quiet; }

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total),
      start_(std::chrono::steady_clock::now()), last_draw_(start_), tty_(isatty(STDERR_FILENO)) {}

Progress::~Progress() {
  if (!finished_ && tty_ && !g_quiet && done_ > 0) std::fputc('\n', stderr);
}

void Progress::update(int64_t done, const std::string& status) {
  done_ = done;
  status_ = status;
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_draw_).count();
  if (since < (tty_ ? 0.1 : 10.0)) return;
  last_draw_ = now;
  draw(false);
}

void Progress::finish(const std::string& status) {
  if (finished_) return;
  finished_ = true;
  done_ = total_;
  if (!status.empty()) status_ = status;
  draw(true);
}

void Progress::draw(bool final_line) {
  if (g_quiet) return;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double frac = total_ > 0 ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  std::string line = label_;
  line += " ";
  if (tty_) {
    const int width = 24;
    int filled = static_cast<int>(frac * width);
    line += "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
  }
  char buf[96];
  std::snprintf(buf, sizeof buf, "%lld/%lld%s%s", static_cast<long long>(done_),
                static_cast<long long>(total_), unit_.empty() ? "" : " ", unit_.c_str());
  line += buf;
  if (final_line) {
    line.append(" in ").append(format_duration(elapsed));
  } else if (frac > 0) {
    line.append(" ETA ").append(format_duration(elapsed * (1.0 - frac) / frac));
  }
  if (!status_.empty()) line.append("  ").append(status_);
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace octet
