#include "tests/support/packets.h"

#include <stdexcept>

namespace tundra::test {
namespace {

void put16(Packet& p, std::size_t at, std::uint16_t v) {
  p[at] = std::byte(v >> 8);
  p[at + 1] = std::byte(v & 0xff);
}
std::uint16_t get16(const std::byte* p, std::size_t at) {
  return static_cast<std::uint16_t>((std::to_integer<unsigned>(p[at]) << 8) | std::to_integer<unsigned>(p[at + 1]));
}
void append(Packet& p, const Packet& q) { p.insert(p.end(), q.begin(), q.end()); }
void append_v4(Packet& p, Ipv4Address a) {
  for (int s = 24; s >= 0; s -= 8) p.push_back(std::byte((a.value >> s) & 0xff));
}
void append_v6(Packet& p, const Ipv6Address& a) {
  for (auto b : a.bytes) p.push_back(std::byte(b));
}
std::uint32_t pseudo4(Ipv4Address s, Ipv4Address d, std::uint8_t proto, std::size_t len) {
  Packet p;
  append_v4(p, s);
  append_v4(p, d);
  p.push_back(std::byte{0});
  p.push_back(std::byte(proto));
  p.push_back(std::byte(len >> 8));
  p.push_back(std::byte(len & 0xff));
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < p.size(); i += 2) sum += get16(p.data(), i);
  return sum;
}
std::uint32_t pseudo6(const Ipv6Address& s, const Ipv6Address& d, std::uint8_t proto, std::size_t len) {
  Packet p;
  append_v6(p, s);
  append_v6(p, d);
  for (int sh = 24; sh >= 0; sh -= 8) p.push_back(std::byte((len >> sh) & 0xff));
  p.push_back(std::byte{0});
  p.push_back(std::byte{0});
  p.push_back(std::byte{0});
  p.push_back(std::byte(proto));
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < p.size(); i += 2) sum += get16(p.data(), i);
  return sum;
}
Packet transport(std::uint32_t pseudo, Packet header, const Packet& data, std::size_t checksum_at) {
  append(header, data);
  put16(header, checksum_at, 0);
  std::uint16_t c = reference_checksum(header, pseudo);
  put16(header, checksum_at, c == 0 ? 0xffff : c);
  return header;
}
Packet udp_header(std::uint16_t sport, std::uint16_t dport, std::size_t data_len) {
  Packet h(8);
  put16(h, 0, sport);
  put16(h, 2, dport);
  put16(h, 4, static_cast<std::uint16_t>(8 + data_len));
  return h;
}
Packet tcp_header() {
  Packet h(20);
  put16(h, 0, 40000);
  put16(h, 2, 80);
  h[7] = std::byte{1};      // sequence number
  h[12] = std::byte{0x50};  // data offset 5
  h[13] = std::byte{0x18};  // PSH ACK
  put16(h, 14, 65535);
  return h;
}

}  // namespace

Ipv4Address v4(const char* text) {
  auto a = Ipv4Address::parse(text);
  if (!a) throw std::invalid_argument(text);
  return *a;
}
Ipv6Address v6(const char* text) {
  auto a = Ipv6Address::parse(text);
  if (!a) throw std::invalid_argument(text);
  return *a;
}

std::uint16_t reference_checksum(const std::vector<std::byte>& data, std::uint32_t initial) {
  std::uint64_t sum = initial;
  for (std::size_t i = 0; i < data.size(); ++i) {
    unsigned b = std::to_integer<unsigned>(data[i]);
    sum += (i % 2 == 0) ? (b << 8) : b;
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

Packet udp4(Ipv4Address src, Ipv4Address dst, std::uint16_t sport, std::uint16_t dport, const Packet& data,
            bool zero_checksum) {
  Packet p = transport(pseudo4(src, dst, 17, 8 + data.size()), udp_header(sport, dport, data.size()), data, 6);
  if (zero_checksum) put16(p, 6, 0);
  return p;
}
Packet udp6(const Ipv6Address& src, const Ipv6Address& dst, std::uint16_t sport, std::uint16_t dport,
            const Packet& data) {
  return transport(pseudo6(src, dst, 17, 8 + data.size()), udp_header(sport, dport, data.size()), data, 6);
}
Packet tcp4(Ipv4Address src, Ipv4Address dst, const Packet& data) {
  return transport(pseudo4(src, dst, 6, 20 + data.size()), tcp_header(), data, 16);
}
Packet tcp6(const Ipv6Address& src, const Ipv6Address& dst, const Packet& data) {
  return transport(pseudo6(src, dst, 6, 20 + data.size()), tcp_header(), data, 16);
}
Packet icmp4_echo(std::uint8_t type, std::uint16_t id, std::uint16_t seq, const Packet& data) {
  Packet h(8);
  h[0] = std::byte(type);
  put16(h, 4, id);
  put16(h, 6, seq);
  append(h, data);
  put16(h, 2, reference_checksum(h));
  return h;
}
Packet icmp6_echo(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t type, std::uint16_t id,
                  std::uint16_t seq, const Packet& data) {
  Packet h(8);
  h[0] = std::byte(type);
  put16(h, 4, id);
  put16(h, 6, seq);
  append(h, data);
  put16(h, 2, reference_checksum(h, pseudo6(src, dst, 58, h.size())));
  return h;
}

Packet ip4(Ipv4Address src, Ipv4Address dst, std::uint8_t protocol, const Packet& payload, const Ip4Options& o) {
  std::size_t header = 20 + o.options.size();
  Packet p(20);
  p[0] = std::byte(0x40 | (header / 4));
  p[1] = std::byte(o.tos);
  put16(p, 2, static_cast<std::uint16_t>(header + payload.size()));
  put16(p, 4, o.id);
  put16(p, 6, static_cast<std::uint16_t>((o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | o.fragment_offset));
  p[8] = std::byte(o.ttl);
  p[9] = std::byte(protocol);
  Packet addrs;
  append_v4(addrs, src);
  append_v4(addrs, dst);
  std::copy(addrs.begin(), addrs.end(), p.begin() + 12);
  append(p, o.options);
  put16(p, 10, reference_checksum(p));
  append(p, payload);
  return p;
}

Packet ip6(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t next_header, const Packet& payload,
           const Ip6Options& o) {
  Packet p(8);
  std::uint32_t first = (6u << 28) | (std::uint32_t{o.traffic_class} << 20) | (o.flow_label & 0xfffff);
  for (int i = 0; i < 4; ++i) p[i] = std::byte((first >> (24 - 8 * i)) & 0xff);
  put16(p, 4, static_cast<std::uint16_t>(payload.size()));
  p[6] = std::byte(next_header);
  p[7] = std::byte(o.hop_limit);
  append_v6(p, src);
  append_v6(p, dst);
  append(p, payload);
  return p;
}

Packet bytes_of(const std::string& text) {
  Packet p;
  for (char c : text) p.push_back(std::byte(static_cast<unsigned char>(c)));
  return p;
}

Packet filler(std::size_t length, std::uint8_t seed) {
  Packet p(length);
  std::uint32_t x = seed;
  for (auto& b : p) {
    x = x * 1103515245u + 12345u;
    b = std::byte((x >> 16) & 0xff);
  }
  return p;
}

void repair_outer_header(std::byte* p, std::size_t length) {
  auto put16 = [&](std::size_t at, std::size_t v) {
    p[at] = std::byte((v >> 8) & 0xff);
    p[at + 1] = std::byte(v & 0xff);
  };
  const unsigned version = std::to_integer<unsigned>(p[0]) >> 4;
  if (version == 4) {
    const std::size_t ihl = (std::to_integer<unsigned>(p[0]) & 15u) * 4;
    if (ihl < 20 || ihl > length) return;
    put16(2, length);
    put16(10, 0);
    put16(10, reference_checksum(std::vector<std::byte>(p, p + ihl)));
  } else if (version == 6 && length >= 40) {
    put16(4, length - 40);
  }
}

std::string check_packet(const std::byte* data, std::size_t length, bool transport) {
  if (length < 1) return "empty";
  unsigned version = std::to_integer<unsigned>(data[0]) >> 4;
  Packet pkt(data, data + length);
  if (version == 4) {
    if (length < 20) return "IPv4 shorter than 20 bytes";
    std::size_t ihl = (std::to_integer<unsigned>(data[0]) & 0xf) * 4u;
    if (ihl < 20 || ihl > length) return "IPv4 header length " + std::to_string(ihl);
    if (get16(data, 2) != length) return "IPv4 total length " + std::to_string(get16(data, 2)) + " != " + std::to_string(length);
    if (reference_checksum(Packet(data, data + ihl)) != 0) return "IPv4 header checksum";
    std::uint16_t frag = get16(data, 6);
    if ((frag & 0x3fff) != 0 || !transport) return "";  // fragment: transport checksum spans fragments
    Ipv4Address s{(std::uint32_t(get16(data, 12)) << 16) | get16(data, 14)};
    Ipv4Address d{(std::uint32_t(get16(data, 16)) << 16) | get16(data, 18)};
    Packet l4(data + ihl, data + length);
    unsigned proto = std::to_integer<unsigned>(data[9]);
    if ((proto == 6 && l4.size() < 20) || (proto == 17 && l4.size() < 8) || (proto == 1 && l4.size() < 8))
      return "transport header truncated (IPv4)";
    if (proto == 1 && reference_checksum(l4) != 0) return "ICMPv4 checksum";
    if (proto == 6 && reference_checksum(l4, pseudo4(s, d, 6, l4.size())) != 0) return "TCP checksum (IPv4)";
    if (proto == 17 && get16(l4.data(), 6) != 0 && reference_checksum(l4, pseudo4(s, d, 17, l4.size())) != 0)
      return "UDP checksum (IPv4)";
    return "";
  }
  if (version == 6) {
    if (length < 40) return "IPv6 shorter than 40 bytes";
    if (get16(data, 4) + 40u != length) return "IPv6 payload length";
    unsigned next = std::to_integer<unsigned>(data[6]);
    std::size_t l4_at = 40;
    while (next == 0 || next == 43 || next == 60) {  // Hop-by-Hop, Routing, Destination Options
      if (l4_at + 8 > length) return "extension header truncated";
      unsigned following = std::to_integer<unsigned>(data[l4_at]);
      l4_at += (std::to_integer<std::size_t>(data[l4_at + 1]) + 1) * 8;
      if (l4_at > length) return "extension header truncated";
      next = following;
    }
    if (next == 44 && l4_at + 8 <= length && (get16(data, l4_at + 2) & 0xfff9) == 0) {
      next = std::to_integer<unsigned>(data[l4_at]);  // an atomic fragment: the whole datagram
      l4_at += 8;
    }
    if (next == 44 || !transport) return "";
    Ipv6Address s, d;
    for (int i = 0; i < 16; ++i) {
      s.bytes[i] = std::to_integer<std::uint8_t>(data[8 + i]);
      d.bytes[i] = std::to_integer<std::uint8_t>(data[24 + i]);
    }
    Packet l4(data + l4_at, data + length);
    if ((next == 6 && l4.size() < 20) || (next == 17 && l4.size() < 8) || (next == 58 && l4.size() < 8))
      return "transport header truncated (IPv6)";
    if ((next == 6 || next == 17 || next == 58) && reference_checksum(l4, pseudo6(s, d, static_cast<std::uint8_t>(next), l4.size())) != 0)
      return "transport checksum (IPv6, next header " + std::to_string(next) + ")";
    return "";
  }
  return "not IP";
}

}  // namespace tundra::test
