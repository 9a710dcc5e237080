// kanon's entry point: hands argv to the command line and returns its code.
// When git runs kanon as its GIT_ASKPASS program, it answers git's prompt.
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/app.hpp"
#include "gitops/credentials.hpp"

int main(int argc, char** argv)
{
    if (kanon::gitops::is_askpass_invocation(argc)) {
        return kanon::gitops::askpass_main(argv[1], std::cout);
    }
    std::ios::sync_with_stdio(false);
    std::vector<std::string> args(argv + 1, argv + argc);
    int code = kanon::cli::run(args, std::cout, std::cerr, ::isatty(1) == 1, ::isatty(2) == 1);
    std::cout.flush();
    return code;
}
