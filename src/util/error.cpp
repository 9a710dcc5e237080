#include "util/error.hpp"

#include <fmt/format.h>

namespace kanon {

std::string Error::describe() const
{
    if (where.file.empty()) {
        return message;
    }
    if (where.line == 0) {
        return fmt::format("{}: {}", where.file, message);
    }
    return fmt::format("{}:{}:{}: {}", where.file, where.line, where.column, message);
}

Error usage_error(std::string message, std::string hint)
{
    return Error{std::move(message), ExitCode::usage, {}, std::move(hint)};
}

Error file_error(Location where, std::string message)
{
    return Error{std::move(message), ExitCode::failed, std::move(where), {}};
}

}  // namespace kanon
