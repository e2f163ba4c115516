#include "core/file_io.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace octet {

Result<std::vector<uint8_t>> read_file(const std::string& path, uint64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(path + ": cannot open: " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Error(path + ": not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return Status::Error(path + ": file is " + std::to_string(st.st_size) +
                         " bytes, above the limit of " + std::to_string(max_bytes));
  }
  std::vector<uint8_t> out(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t r = ::read(fd, out.data() + got, out.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      ::close(fd);
      return Status::Error(path + ": read failed: " + (r < 0 ? std::strerror(errno) : "early end of file"));
    }
    got += static_cast<size_t>(r);
  }
  ::close(fd);
  return out;
}

Result<std::vector<uint8_t>> read_maybe_gzip(const std::string& path, uint64_t max_bytes) {
  OCTET_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, read_file(path, max_bytes));
  if (raw.size() < 2 || raw[0] != 0x1f || raw[1] != 0x8b) return raw;
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::Error(path + ": zlib init failed");
  zs.next_in = raw.data();
  zs.avail_in = static_cast<uInt>(raw.size());
  std::vector<uint8_t> out;
  std::vector<uint8_t> chunk(1 << 20);
  int rc;
  do {
    zs.next_out = chunk.data();
    zs.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return Status::Error(path + ": corrupt or truncated gzip data" +
                           (zs.msg ? std::string(" (") + zs.msg + ")" : std::string()));
    }
    out.insert(out.end(), chunk.data(), chunk.data() + (chunk.size() - zs.avail_out));
    if (out.size() > max_bytes) {
      inflateEnd(&zs);
      return Status::Error(path + ": inflated size above the limit of " + std::to_string(max_bytes));
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return Status::Error(path + ": truncated gzip data");
    }
  } while (rc != Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

namespace {

// The temporary file being written, for the handler of Ctrl-C / kill: a fixed buffer and a flag,
// the only state a signal handler may read.
char g_tmp_path[4096];
volatile sig_atomic_t g_tmp_active = 0;
constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};

void remove_tmp_and_reraise(int sig) {
  if (g_tmp_active) ::unlink(g_tmp_path);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Takes over only signals that still have their default action (the process dies anyway).
void install_cleanup_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : kCleanupSignals) {
      struct sigaction old;
      if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;
      struct sigaction sa;
      std::memset(&sa, 0, sizeof sa);
      sa.sa_handler = remove_tmp_and_reraise;
      sigemptyset(&sa.sa_mask);
      ::sigaction(sig, &sa, nullptr);
    }
  });
}

// Blocks the cleanup signals for its lifetime, so the temporary file is created and registered
// (or renamed and unregistered) as one step.
class CleanupSignalsBlocked {
 public:
  CleanupSignalsBlocked() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : kCleanupSignals) sigaddset(&set, sig);
    ::pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~CleanupSignalsBlocked() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

 private:
  sigset_t old_;
};

void unregister_tmp() {
  CleanupSignalsBlocked blocked;
  g_tmp_active = 0;
}

}  // namespace

Status write_file_atomic(const std::string& path, const void* data, size_t size) {
  install_cleanup_handlers();
  std::string tmp = path + ".tmp-XXXXXX";
  int fd;
  {
    CleanupSignalsBlocked blocked;
    fd = ::mkstemp(tmp.data());
    if (fd >= 0 && tmp.size() < sizeof g_tmp_path) {
      std::memcpy(g_tmp_path, tmp.c_str(), tmp.size() + 1);
      g_tmp_active = 1;
    }
  }
  if (fd < 0) return Status::Error(path + ": cannot create temporary file: " + std::strerror(errno));
  const auto* p = static_cast<const uint8_t*>(data);
  size_t done = 0;
  while (done < size) {
    ssize_t w = ::write(fd, p + done, size - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      std::string err = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      unregister_tmp();
      return Status::Error(path + ": write failed: " + err);
    }
    done += static_cast<size_t>(w);
  }
  ::fchmod(fd, 0644);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    unregister_tmp();
    return Status::Error(path + ": write failed: " + err);
  }
  CleanupSignalsBlocked blocked;
  g_tmp_active = 0;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Status::Error(path + ": cannot move the new file into place: " + err);
  }
  return Status::Ok();
}

}  // namespace octet
