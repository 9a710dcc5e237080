// What this kanon is: its version, the commit it was built from, and how it
// was built (`kanon --version`). Written at build time by
// cmake/kanon_version.cmake.
#pragma once

namespace kanon {

struct BuildInfo {
    const char* version;     // 0.1.0
    const char* commit;      // 12 hex digits, "-dirty" when built from changed files, or "unknown"
    const char* build_type;  // RelWithDebInfo, "Debug, ASan+UBSan", ...
};

BuildInfo build_info();

}  // namespace kanon
