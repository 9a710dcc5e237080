// What every command receives: the global flags, where to write, and whether
// to paint. Commands write results to `out` and progress to `err`.
#pragma once

#include <functional>
#include <ostream>
#include <string>

#include "util/error.hpp"
#include "util/paint.hpp"

namespace CLI {
class App;
}

namespace kanon::cli {

enum class Format { text, json };

struct GlobalOptions {
    Format output = Format::text;
    std::string config;  // --config FILE
    bool no_color = false;
    int verbose = 0;
    bool quiet = false;
};

struct Context {
    GlobalOptions global;
    std::ostream& out;
    std::ostream& err;
    Paint paint;      // for `out`
    Paint err_paint;  // for `err`
    [[nodiscard]] bool json() const { return global.output == Format::json; }
};

// The one path for an error to reach people: "kanon: error: ..." (and its
// hint) on stderr, secrets redacted, control characters made harmless.
// Commands return their errors; these are for what a command reports and
// still goes on from (a report it could not write, a failed step of many).
void print_error(const Context& ctx, const Error& e);
void print_hint(const Context& ctx, const std::string& hint);

using Runner = std::function<Result<ExitCode>(const Context&)>;

// One entry of the table of subcommands: its name, its one-line summary, and
// the function that declares its options and sets the runner when chosen.
struct Command {
    const char* name;
    const char* summary;
    void (*define)(CLI::App& sub, Runner& run);
};

void define_status(CLI::App& sub, Runner& run);
void define_explain(CLI::App& sub, Runner& run);
void define_check(CLI::App& sub, Runner& run);
void define_init(CLI::App& sub, Runner& run);
void define_yaml(CLI::App& sub, Runner& run);
void define_release(CLI::App& sub, Runner& run);
void define_promote(CLI::App& sub, Runner& run);
void define_reset(CLI::App& sub, Runner& run);
void define_rollback(CLI::App& sub, Runner& run);
void define_history(CLI::App& sub, Runner& run);
void define_freeze(CLI::App& sub, Runner& run);
void define_unfreeze(CLI::App& sub, Runner& run);
void define_smoke(CLI::App& sub, Runner& run);
void define_pipeline(CLI::App& sub, Runner& run);
void define_verify_build(CLI::App& sub, Runner& run);
void define_ci(CLI::App& sub, Runner& run);
void define_wait(CLI::App& sub, Runner& run);
void define_sync(CLI::App& sub, Runner& run);
void define_sandbox(CLI::App& sub, Runner& run);
void define_demo(CLI::App& sub, Runner& run);
void define_completion(CLI::App& sub, Runner& run);
void define_complete(CLI::App& sub, Runner& run);
void define_man(CLI::App& sub, Runner& run);

}  // namespace kanon::cli
