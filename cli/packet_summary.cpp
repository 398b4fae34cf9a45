#include "cli/packet_summary.h"

#include <string_view>

#include "translator/address.h"

namespace tundra {
namespace {

std::string transport(std::uint8_t protocol, ConstBytes l4, bool first_fragment) {
  std::string_view name;
  switch (protocol) {
    case 6: name = "TCP"; break;
    case 17: name = "UDP"; break;
    case 1: name = "ICMP"; break;
    case 58: name = "ICMPv6"; break;
    case 44: name = "fragment"; break;
    default: return "protocol " + std::to_string(protocol);
  }
  std::string s(name);
  if (!first_fragment) return s + " (fragment)";
  if ((protocol == 6 || protocol == 17) && l4.size() >= 4) {
    s += " " + std::to_string(load_be16(l4, 0)) + " > " + std::to_string(load_be16(l4, 2));
  } else if ((protocol == 1 || protocol == 58) && l4.size() >= 2) {
    unsigned type = load_u8(l4, 0), code = load_u8(l4, 1);
    if ((protocol == 1 && type == 8) || (protocol == 58 && type == 128)) return s + " echo-request";
    if ((protocol == 1 && type == 0) || (protocol == 58 && type == 129)) return s + " echo-reply";
    s += " type " + std::to_string(type) + " code " + std::to_string(code);
  }
  return s;
}

}  // namespace

std::string describe_packet(ConstBytes p) {
  if (p.empty()) return "empty packet";
  const unsigned version = load_u8(p, 0) >> 4;
  if (version == 4 && p.size() >= 20) {
    const std::size_t ihl = std::size_t{load_u8(p, 0) & 0x0fu} * 4;
    const std::uint16_t frag = load_be16(p, 6);
    std::string s = "IPv4 " + Ipv4Address{load_be32(p, 12)}.to_string() + " > " +
                    Ipv4Address{load_be32(p, 16)}.to_string() + " ";
    ConstBytes l4 = ihl <= p.size() ? p.subspan(ihl) : ConstBytes{};
    s += transport(load_u8(p, 9), l4, (frag & 0x1fff) == 0);
    s += ", ttl " + std::to_string(load_u8(p, 8)) + ", " + std::to_string(p.size()) + " bytes";
    if (frag & 0x4000) s += ", DF";
    return s;
  }
  if (version == 6 && p.size() >= 40) {
    Ipv6Address src, dst;
    for (int i = 0; i < 16; ++i) {
      src.bytes[i] = load_u8(p, 8 + i);
      dst.bytes[i] = load_u8(p, 24 + i);
    }
    std::string s = "IPv6 " + src.to_string() + " > " + dst.to_string() + " ";
    s += transport(load_u8(p, 6), p.subspan(40), true);
    s += ", hlim " + std::to_string(load_u8(p, 7)) + ", " + std::to_string(p.size()) + " bytes";
    return s;
  }
  return "malformed packet, " + std::to_string(p.size()) + " bytes";
}

}  // namespace tundra
