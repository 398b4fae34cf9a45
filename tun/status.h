// Status: the result of a control-plane call in tun/ (opening queues, netlink set-up):
// either success or one line for the operator that names the object and the reason, e.g.
// "route 64:ff9b::/96 dev nat64: File exists".
//
// Thread safety: a plain value; copy it freely. Nothing here is used on the packet path,
// which reports through the IoStatus enum in tun/tun_device.h instead.
#pragma once

#include <string>
#include <utility>

namespace tundra {

class [[nodiscard]] Status {
 public:
  Status() = default;  // success
  static Status ok() { return Status(); }
  static Status error(std::string message) { return Status(std::move(message)); }

  bool is_ok() const { return !failed_; }
  explicit operator bool() const { return !failed_; }
  // Empty on success; one line without a trailing newline otherwise.
  const std::string& message() const { return message_; }

 private:
  explicit Status(std::string message) : failed_(true), message_(std::move(message)) {}
  bool failed_ = false;
  std::string message_;
};

// The failures of an operation that tries everything, joined by "; " into one line.
struct Failures {
  std::string text;
  void add(const std::string& line) {
    if (!text.empty()) text += "; ";
    text += line;
  }
  Status status() const { return text.empty() ? Status::ok() : Status::error(text); }
};

}  // namespace tundra
