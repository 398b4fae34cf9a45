// One-line, tcpdump-like descriptions of IP packets for `tundra replay -v` and, later, the
// daemon's `log` categories. Control plane: allocates.
#pragma once

#include <string>

#include "translator/bytes.h"

namespace tundra {

// "IPv6 2001:db8::1 > 64:ff9b::c633:6407 ICMPv6 echo-request, 64 bytes". Never reads past
// the span; malformed packets are described as such.
std::string describe_packet(ConstBytes packet);

}  // namespace tundra
