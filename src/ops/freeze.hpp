// `kanon freeze` / `kanon unfreeze`: a recorded hold on one app's stage,
// kept in web-core's kanon.yaml (`freeze: {APP/STAGE: reason}`) by a
// byte-exact edit, so it is versioned, reviewed and visible to every
// pipeline. While it stands, release, promote, reset and rollback into that
// stage refuse with exit 4: a rollback that automation would otherwise undo
// stays put.
#pragma once

#include <string>

#include "gitops/transaction.hpp"
#include "ops/promotion.hpp"

namespace kanon::ops {

inline constexpr const char* k_config_file = "kanon.yaml";

struct FreezeOptions {
    WriteOptions write;
    std::string app;
    std::string stage;
    std::string reason;  // freeze only
};

Result<WriteReport> freeze(const FreezeOptions& o);
Result<WriteReport> unfreeze(const FreezeOptions& o);

// Refuses (exit 4) when kanon.yaml at the tip holds APP/STAGE.
Status check_not_frozen(const gitops::Files& tip, const std::string& app, const std::string& stage);

}  // namespace kanon::ops
