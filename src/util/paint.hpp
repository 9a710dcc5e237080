// ANSI colour for text meant for a terminal, only when enabled (a TTY, no
// NO_COLOR, no --no-color: the command line decides).
#pragma once

#include <string>

namespace kanon {

struct Paint {
    bool on = false;
    [[nodiscard]] std::string wrap(const std::string& s, const char* code) const
    {
        return on ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
    }
    [[nodiscard]] std::string bold(const std::string& s) const { return wrap(s, "1"); }
    [[nodiscard]] std::string red(const std::string& s) const { return wrap(s, "31"); }
    [[nodiscard]] std::string green(const std::string& s) const { return wrap(s, "32"); }
    [[nodiscard]] std::string yellow(const std::string& s) const { return wrap(s, "33"); }
    [[nodiscard]] std::string dim(const std::string& s) const { return wrap(s, "2"); }
};

}  // namespace kanon
