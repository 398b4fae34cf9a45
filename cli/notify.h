// systemd service notifications (sd_notify(3) protocol) without libsystemd, for units with
// Type=notify or Type=notify-reload.
//
// When $NOTIFY_SOCKET names a unix datagram socket (a path, or "@name" for an abstract
// socket), each call sends one datagram of newline-separated VAR=value assignments to it.
// Without $NOTIFY_SOCKET (not started by systemd) every call does nothing and succeeds.
//
// The daemon's sequence: notify_ready() once the TUN, the workers and the listeners are up;
// notify_reloading() before a reload (SIGHUP or `tundra reload`) and notify_ready() after it,
// whether the reload succeeded or not; notify_stopping() when shutdown begins;
// notify_status() for a human-readable line in `systemctl status`.
//
// Thread safety: any thread; each call opens, uses and closes its own socket. Control plane
// only (a syscall per call). Nothing throws.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tundra {

// Sends `state` (e.g. "READY=1\nSTATUS=running") as one datagram. Returns true when sent
// or when $NOTIFY_SOCKET is unset; false with `*error` set to one line otherwise.
bool notify_systemd(std::string_view state, std::string* error = nullptr);

// READY=1, with STATUS= when `status` is not empty.
bool notify_ready(std::string_view status = {}, std::string* error = nullptr);
// RELOADING=1 with MONOTONIC_USEC= (CLOCK_MONOTONIC now), as Type=notify-reload requires.
bool notify_reloading(std::string* error = nullptr);
// STOPPING=1.
bool notify_stopping(std::string* error = nullptr);
// STATUS=<one line>; newlines in `status` become spaces.
bool notify_status(std::string_view status, std::string* error = nullptr);
// WATCHDOG=1 (keep-alive for WatchdogSec=).
bool notify_watchdog(std::string* error = nullptr);

// The watchdog interval systemd expects keep-alives within ($WATCHDOG_USEC, when
// $WATCHDOG_PID is unset or this process's pid); nullopt when no watchdog is asked for.
// Send notify_watchdog() at about half this interval.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace tundra
