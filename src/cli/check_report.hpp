// `kanon check`'s report rendered three ways: grouped text for people, the
// JSON of CLI.md, and GitLab Code Quality (codeclimate) JSON for the merge
// request widget. Pure functions of the report.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "check/check.hpp"
#include "cli/context.hpp"

namespace kanon::cli {

std::string render_check_text(const check::Report& r, const Paint& paint);
nlohmann::ordered_json check_json(const check::Report& r, bool strict);
// GitLab Code Quality: a JSON array of issues, each with description,
// check_name, fingerprint, severity and location.path/lines.begin.
nlohmann::ordered_json check_codeclimate(const check::Report& r);
// A stable 32-hex fingerprint of a finding (rule, file, message and which
// occurrence of the same it is), so a moved line is not a new issue.
std::string finding_fingerprint(const check::Finding& f, std::size_t occurrence);

}  // namespace kanon::cli
