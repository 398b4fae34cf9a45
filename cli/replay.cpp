// `tundra replay`: see cli/replay.h.
#include "cli/replay.h"

#include <memory>
#include <vector>

#include "cli/pcap_io.h"

namespace tundra {

bool replay_capture(Translator& translator, const std::string& input_path, const std::string& output_path,
                    ReplayStats* stats, std::string* error, const ReplayObserver& observer) {
  *stats = ReplayStats{};
  CaptureReadResult capture;
  if (!read_capture(input_path, &capture, error)) return false;
  stats->skipped_non_ip = capture.skipped_non_ip;

  PcapWriter writer;
  if (!writer.open(output_path, error)) return false;

  // Allocated once, like a worker's buffers: the Scratch is too large for the stack, and
  // the packet storage holds the largest packet behind the headroom the translator grows into.
  auto scratch = std::make_unique<Scratch>();
  std::vector<std::byte> storage(kHeadroom + kMaxPacket);
  Output out;

  for (const CapturedPacket& packet : capture.packets) {
    ++stats->packets_read;
    if (packet.ip.size() > kMaxPacket) {
      ++stats->skipped_oversize;
      continue;
    }
    std::copy(packet.ip.begin(), packet.ip.end(), storage.begin() + static_cast<std::ptrdiff_t>(kHeadroom));
    PacketBuffer buffer{Bytes(storage), kHeadroom, packet.ip.size()};
    out.count = 0;
    Result result = translator.translate(buffer, packet.ts_sec, *scratch, out, stats->counters);
    // The verdict is in the counters; every emitted packet is written whatever it is.
    if (observer) observer(ConstBytes(packet.ip), result, out);
    for (std::size_t i = 0; i < out.count && i < out.packets.size(); ++i) {
      ConstBytes emitted = out.packets[i];
      // On failure close() reports the write error (a full disk, a pcap-incompatible time).
      if (!writer.write(emitted.data(), emitted.size(), packet.ts_sec, packet.ts_nsec)) return writer.close(error);
      ++stats->packets_written;
    }
  }
  return writer.close(error);
}

std::string format_replay_stats(const ReplayStats& stats) {
  std::string o;
  auto line = [&o](std::string_view name, std::uint64_t value) {
    if (value == 0) return;
    o += name;
    o += ' ';
    o += std::to_string(value);
    o += '\n';
  };
  const Counters& c = stats.counters;
  line("received4", c.received4);
  line("received6", c.received6);
  line("icmp_sent4", c.icmp_sent4);
  line("icmp_sent6", c.icmp_sent6);
  for (std::size_t i = 0; i < kCounterCount; ++i) line(kCounterInfo[i].name, c.by_reason[i]);
  line("skipped_non_ip", stats.skipped_non_ip);
  line("skipped_oversize", stats.skipped_oversize);
  line("written", stats.packets_written);
  return o;
}

}  // namespace tundra
