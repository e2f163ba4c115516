// Progress of a long operation on stderr: a redrawn bar with rate and ETA on a terminal,
// a line every few seconds otherwise (logs, CI), and nothing when quiet.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace octet {

class Progress {
 public:
  Progress(std::string label, int64_t total, std::string unit = "");
  ~Progress();
  // Advances to `done` and sets a short status text shown after the bar (e.g. "loss 0.213").
  void update(int64_t done, const std::string& status = "");
  // Prints the final line with the elapsed time.
  void finish(const std::string& status = "");

  static void set_quiet(bool quiet);
  static bool quiet();  // for progress lines printed outside a Progress bar

 private:
  void draw(bool final_line);
  std::string label_, unit_, status_;
  int64_t total_, done_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool tty_, finished_ = false;
};

// Seconds since an arbitrary start, monotonic.
double now_seconds();

}  // namespace octet
