// Status and Result<T>: how expected failures (bad files, bad arguments) travel up to the CLI.
// Broken invariants are bugs and abort through OCTET_CHECK instead.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace octet {

class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !message_.has_value(); }
  const std::string& message() const {
    static const std::string kEmpty;
    return message_ ? *message_ : kEmpty;
  }
  // Prefixes the message with context, e.g. the file name: "mnist/x.gz: <message>".
  Status with_context(const std::string& context) const {
    if (ok()) return *this;
    return Status(context + ": " + *message_);
  }

 private:
  explicit Status(std::string message) : message_(std::move(message)) {}
  std::optional<std::string> message_;
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {     // NOLINT: implicit by design
    if (std::get<Status>(v_).ok()) {
      std::fprintf(stderr, "octet: internal error: Result built from an OK status\n");
      std::abort();
    }
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // A reference, so status().message() stays valid as long as the Result does.
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Status> v_;
};

[[noreturn]] inline void check_failed(const char* file, int line, const char* cond,
                                      const std::string& msg) {
  std::fprintf(stderr, "octet: internal error at %s:%d: check failed: %s %s\n", file, line, cond,
               msg.c_str());
  std::abort();
}

}  // namespace octet

#define OCTET_CONCAT_INNER(a, b) a##b
#define OCTET_CONCAT(a, b) OCTET_CONCAT_INNER(a, b)

#define OCTET_RETURN_IF_ERROR(expr)            \
  do {                                         \
    ::octet::Status octet_status_ = (expr);    \
    if (!octet_status_.ok()) return octet_status_; \
  } while (0)

#define OCTET_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()

// OCTET_ASSIGN_OR_RETURN(auto x, f()); declares x from a Result or returns its error.
#define OCTET_ASSIGN_OR_RETURN(lhs, expr) \
  OCTET_ASSIGN_OR_RETURN_IMPL(OCTET_CONCAT(octet_result_, __LINE__), lhs, expr)

#define OCTET_CHECK(cond)                                                    \
  do {                                                                       \
    if (!(cond)) ::octet::check_failed(__FILE__, __LINE__, #cond, "");        \
  } while (0)
#define OCTET_CHECK_MSG(cond, msg)                                           \
  do {                                                                       \
    if (!(cond)) ::octet::check_failed(__FILE__, __LINE__, #cond, (msg));     \
  } while (0)
#ifdef NDEBUG
#define OCTET_DCHECK(cond) \
  do {                     \
  } while (0)
#else
#define OCTET_DCHECK(cond) OCTET_CHECK(cond)
#endif
