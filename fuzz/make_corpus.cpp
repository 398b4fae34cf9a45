// Writes every packet of the given captures as a translate_fuzz input: one file per
// packet and configuration variant (first byte), with header repair on and off.
//   make_corpus OUT_DIR a.pcap b.pcap ...
#include <cstdio>
#include <fstream>
#include <string>

#include "cli/pcap_io.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_corpus OUT_DIR CAPTURE...\n");
    return 1;
  }
  std::string out_dir = argv[1];
  int written = 0;
  for (int i = 2; i < argc; ++i) {
    tundra::CaptureReadResult capture;
    std::string error;
    if (!tundra::read_capture(argv[i], &capture, &error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 2;
    }
    for (const auto& packet : capture.packets) {
      for (int variant : {0, 1, 16, 17}) {
        std::ofstream f(out_dir + "/seed-" + std::to_string(written++), std::ios::binary);
        f.put(static_cast<char>(variant));
        f.write(reinterpret_cast<const char*>(packet.ip.data()), static_cast<std::streamsize>(packet.ip.size()));
      }
    }
  }
  std::printf("%d seeds in %s\n", written, out_dir.c_str());
  return 0;
}
