// Errors are values: every adapter (files, git, YAML) returns Result<T>, and
// one handler at the top prints `kanon: error: ...` and picks the exit code.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <variant>

namespace kanon {

// The documented exit codes of CLI.md.
enum class ExitCode : int {
    ok = 0,
    failed = 1,
    usage = 2,
    check_failed = 3,
    verify_failed = 4,
    timed_out = 5,
    interrupted = 130,
};

// Where in a file a problem is: 1-based line and column (column counts
// characters, not bytes). line == 0 means "the whole file".
struct Location {
    std::string file;
    std::size_t line = 0;
    std::size_t column = 0;
};

struct Error {
    std::string message;
    ExitCode code = ExitCode::failed;
    Location where{};
    std::string hint{};

    // "FILE:LINE:COL: message", or just the message when no file is known.
    [[nodiscard]] std::string describe() const;
};

Error usage_error(std::string message, std::string hint = {});
Error file_error(Location where, std::string message);

// A minimal expected<T, Error>.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::move(value)) {}      // NOLINT(google-explicit-constructor)
    Result(Error error) : m_v(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    [[nodiscard]] const Error& error() const { return std::get<1>(m_v); }
    Error&& take_error() { return std::get<1>(std::move(m_v)); }

private:
    std::variant<T, Error> m_v;
};

struct Unit {};
using Status = Result<Unit>;
inline Status ok_status()
{
    return Unit{};
}

}  // namespace kanon
