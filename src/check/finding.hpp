// What `kanon check` reports: findings, each under a rule with a stable ID
// (the IDs are CLI.md's contract), and the table of those rules.
//
// Every rule is documented in docs/rules.md: what it catches, why it
// matters, how to fix it. A rule's severity is fixed here; a finding may
// lower it (a mutable tag such as `latest` is a warning, not an error).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace kanon::check {

enum class Severity { error, warning };
const char* severity_name(Severity s);

struct RuleInfo {
    std::string_view id;       // "release/invalid-tag"
    Severity severity;         // the default
    std::string_view canon;    // the canon rule it enforces ("4"; "platform": the platform repository), empty for none
    std::string_view summary;  // one line: what it catches
};

// Every rule, in CLI.md's order.
const std::vector<RuleInfo>& rules();
// The rule with this ID, nullptr if there is none.
const RuleInfo* find_rule(std::string_view id);

struct Finding {
    std::string rule;
    Severity severity = Severity::error;
    std::string file;        // relative to the checked directory (platform files: "platform:" is not added)
    std::size_t line = 0;    // 1-based; 0 when the file itself is missing
    std::size_t column = 0;  // 1-based, in characters; 0 when the file itself is missing
    std::string message;     // what is wrong and how to fix it
};

// A finding under `rule` (which must be in rules()) with its default severity.
Finding make_finding(std::string_view rule, const Location& where, std::string message);

// Sorted by file, line, column, rule; exact duplicates removed.
void sort_findings(std::vector<Finding>& findings);

}  // namespace kanon::check
