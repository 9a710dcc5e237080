// Internal to ci/: writing YAML line by line, exactly as it should read.
#pragma once

#include <string>
#include <vector>

#include "ci/ci.hpp"

namespace kanon::ci {

class Text {
public:
    void line(int indent, const std::string& s)
    {
        m_out += std::string(static_cast<std::size_t>(indent) * 2, ' ') + s + "\n";
    }
    void comment(const std::string& s) { m_out += s.empty() ? "#\n" : "# " + s + "\n"; }
    void blank() { m_out += "\n"; }
    [[nodiscard]] const std::string& str() const { return m_out; }

private:
    std::string m_out;
};

// The header both files open with: what the flow is, and the command that wrote it.
void header(Text& t, const std::string& kind, const CiOptions& o);
// The scalar as it is when YAML reads it back as that string, else double-quoted.
std::string yaml_plain_or_quoted(const std::string& s);
// `kanon ci KIND [flags] [APP...]`, as it was asked, for the header.
std::string command_line(const std::string& kind, const CiOptions& o);

}  // namespace kanon::ci
