// The command line: one table of subcommands, the global flags, and the one
// place where errors become `kanon: error: ...` and exit codes.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace kanon::cli {

// Runs kanon with these arguments (argv[0] excluded) and returns the exit code.
// `out_is_tty`/`err_is_tty` decide colour (with NO_COLOR and --no-color).
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, bool out_is_tty = false,
        bool err_is_tty = false);

}  // namespace kanon::cli
