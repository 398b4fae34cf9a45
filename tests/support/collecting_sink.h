// A PacketSink (tun/offload.h) that keeps every write, for tests of what the data path
// would hand to the TUN.
#pragma once

#include <vector>

#include "tests/support/packets.h"
#include "tun/offload.h"

namespace tundra::test {

struct Written {
  VirtioNetHeader header;
  Packet packet;
};

struct CollectingSink final : PacketSink {
  std::vector<Written> written;
  bool write(const VirtioNetHeader& header, ConstBytes packet) noexcept override {
    written.push_back({header, Packet(packet.begin(), packet.end())});
    return true;
  }
};

}  // namespace tundra::test
