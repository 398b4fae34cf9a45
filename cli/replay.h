// `tundra replay`: runs a capture through the translator offline, as if each packet had
// been read from the TUN, and writes every packet the translator emits to a capture.
//
// Used by the pcap fixtures (pcap-fixtures/<rfc>/<section>-<slug>/): an input capture goes
// in, the output is compared with the expected capture written by hand from the RFC.
//
// Per packet: the IP packet is copied behind kHeadroom bytes of headroom into one buffer
// allocated up front, translate() runs with `now` = the packet's capture time in Unix
// seconds, and out.packets[0..count) are written in order with the input packet's
// timestamp, whatever the verdict (forwarded packets, fragments, and the translator's own
// ICMP errors and echo replies alike). Control plane: allocates, reports one-line errors.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "translator/counters.h"
#include "translator/translator.h"

namespace tundra {

struct ReplayStats {
  std::size_t packets_read = 0;      // IP packets read from the input capture
  std::size_t packets_written = 0;   // packets written to the output capture
  std::size_t skipped_non_ip = 0;    // input frames carrying neither IPv4 nor IPv6
  std::size_t skipped_oversize = 0;  // input packets larger than kMaxPacket, not translated
  Counters counters;                 // the translator's counters for the run
};

// Replays `input_path` through `translator` into `output_path` (classic pcap, LINKTYPE_RAW).
// On failure (unreadable or malformed input, unwritable output) returns false with `*error`
// set to one line naming the file. An input with no packets gives an output with none.
// `observer`, when set, is called for every translated packet with the input as read (before
// translation changed it in place), the result and the output (`tundra replay -v`).
using ReplayObserver = std::function<void(ConstBytes input, const Result& result, const Output& out)>;
bool replay_capture(Translator& translator, const std::string& input_path, const std::string& output_path,
                    ReplayStats* stats, std::string* error, const ReplayObserver& observer = {});

// The non-zero counters of a run as `name value` lines (received4, received6, icmp_sent4,
// icmp_sent6, then every kCounterInfo name, then the replay's own skipped_* and written).
std::string format_replay_stats(const ReplayStats& stats);

}  // namespace tundra
