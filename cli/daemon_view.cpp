// Names of the DaemonView enums as they appear in `tundra show mappings` (all formats) and
// in docs/operations.md. Stable: scripts match on them.
#include "cli/daemon_view.h"

namespace tundra {

const char* to_string(MappingKind k) {
  switch (k) {
    case MappingKind::kStatic: return "static";
    case MappingKind::kDynamic: return "dynamic";
    case MappingKind::kPrefix: return "prefix";
  }
  return "unknown";
}

const char* to_string(MappingState s) {
  switch (s) {
    case MappingState::kActive: return "active";
    case MappingState::kDormant: return "dormant";
    case MappingState::kPermanent: return "permanent";
  }
  return "unknown";
}

}  // namespace tundra
