// The writes of the canon: release, promote, reset, rollback. Each is a plan
// for a repository transaction (gitops/transaction.hpp): it reads the release
// files it needs at the tip, edits exactly the bytes of image.tag (and
// image.repository), and is applied again from scratch whenever the branch
// moved under it. Preconditions ("prod may only get what dev runs") are
// checked inside the plan, so they hold at the tip that is pushed.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "canon/config.hpp"
#include "gitops/transaction.hpp"
#include "ops/registry_check.hpp"

namespace kanon::ops {

struct WriteOptions {
    gitops::Target target;
    std::string config_path;  // empty: kanon.yaml at the tip, if any
    std::optional<gitops::Identity> author;
    bool skip_ci = true;
    std::string source_ref;  // the web-core commit the image was built from, when known
    std::string hotfix;      // release into a stage with an upstream: why (Kanon-Hotfix); "" refuses it
    std::string unverified;  // promote: what was not verified upstream (Kanon-Unverified); "" when all was
    int max_attempts = 0;    // 0: retry until the deadline
    std::chrono::milliseconds deadline{std::chrono::seconds(120)};
    std::function<void(const std::string&)> progress;
    RegistryAccess registry;  // release: the registry check (kanon.yaml registry:)
};

struct WriteReport {
    std::string action;
    std::string app;
    std::string stage;
    std::string tag;
    std::string repository;
    std::string previous_tag;  // what the stage ran before ("" for a new file)
    std::string from;          // promote/reset: the stage the release came from
    bool changed = false;
    std::string commit;  // "" when nothing changed
    std::string base;    // the tip the commit was made on
    int attempts = 0;
    std::string branch;
    std::string repo;
    std::string digest;  // the digest recorded (release with the registry check; promote copies it)
    // release: the registry check's verdict (off for other writes) and its line for people
    ImageVerdict::State registry = ImageVerdict::State::off;
    std::string registry_note;
    std::string latest_note;  // release --latest: which tag won and among how many
};

struct ReleaseOptions {
    WriteOptions write;
    std::string app;
    std::string stage = "dev";
    std::string tag;
    std::string repository;     // empty: keep the file's
    std::string latest_policy;  // --latest: the tag is the registry's newest under this policy (tag empty)
};

struct PromoteOptions {
    WriteOptions write;
    std::string app;
    std::string from = "dev";
    std::string to = "prod";
    std::string tag;  // empty: whatever `from` runs; else it must be what `from` runs
};

struct RollbackOptions {
    WriteOptions write;
    std::string app;
    std::string stage = "prod";
    std::string to_tag;  // one of these two
    int steps = 0;
};

// The transaction settings of a write, and its outcome copied into a report.
gitops::TransactionOptions transaction_options(const WriteOptions& w);
void record_outcome(WriteReport& rep, const gitops::TransactionResult& r);

Result<WriteReport> release(const ReleaseOptions& o);
Result<WriteReport> promote(const PromoteOptions& o);
// reset = promote backwards: `stage` (dev) gets what `to` (prod) runs.
Result<WriteReport> reset(const PromoteOptions& o);
Result<WriteReport> rollback(const RollbackOptions& o);

}  // namespace kanon::ops
