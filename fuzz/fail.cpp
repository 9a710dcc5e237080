#include <cstdio>
#include <cstdlib>

#include "targets.hpp"

namespace kanon::fuzz {

void fail(std::string_view what)
{
    std::fprintf(stderr, "kanon fuzz: invariant violated: %.*s\n", static_cast<int>(what.size()), what.data());
    std::abort();
}

}  // namespace kanon::fuzz
