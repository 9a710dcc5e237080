// What the commands that write to web-core share (release, promote, reset,
// rollback, freeze, pipeline): the target and transaction flags, made into
// ops::WriteOptions once the global flags are known.
#pragma once

#include <string>

#include "cli/context.hpp"
#include "gitops/snapshot.hpp"
#include "ops/promotion.hpp"

namespace CLI {
class App;
}

namespace kanon::cli {

// The flags every write shares, bound to a WriteOptions.
struct WriteFlags {
    ops::WriteOptions w;
    std::string author;
    bool no_skip_ci = false;
    int timeout_s = 120;
};

// --repo, --branch, --cache-dir.
void add_target_flags(CLI::App& sub, gitops::Target& t);
// The target flags, --author, --no-skip-ci, --attempts, --push-timeout and,
// with `source_ref`, --source-ref (the pipeline takes it from --ref).
void add_write_flags(CLI::App& sub, WriteFlags& f, bool source_ref = true);
// The WriteOptions of the flags: --config, [skip ci], the deadline, the
// author, and (with -v) progress on stderr.
Result<ops::WriteOptions> finish(const WriteFlags& f, const Context& ctx);

}  // namespace kanon::cli
