// The secret scanner of `kanon check` (rule secrets/plaintext, CANON.md
// rule 10): web-core holds references to secrets, never their values.
//
// Three detectors, each documented in docs/rules.md:
//  * known token formats anywhere in a file's text, comments and block
//    scalars included (GitLab glpat-/gldt-, GitHub ghp_/github_pat_, AWS
//    access key IDs, private key blocks, age secret keys, ...);
//  * gitleaks' generic rule: a value of 10+ characters with Shannon entropy
//    above 3.5 under a secret-looking key (password, token, api_key, ...);
//  * a `kind: Secret` document carrying `data` or `stringData`.
// A false positive is marked with `# kanon:allow` in a comment on the same
// line as the finding (the line kanon reports: the token, the value, or the
// `data:` key), e.g. `tag: 0123abcd  # kanon:allow test fixture`. A marker on
// the line above, or inside a quoted value, does not count.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "check/finding.hpp"
#include "yaml/document.hpp"

namespace kanon::check {

// Shannon entropy of the bytes of `s`, in bits per byte.
double shannon_entropy(std::string_view s);

// Findings (rule secrets/plaintext) for one YAML file. `file` is the path
// reported; `stream` is its parse, or nullptr when it did not parse (then
// only the known-format detector runs over the text). One finding per line
// at most; lines with `# kanon:allow` are skipped.
std::vector<Finding> scan_secrets(const std::string& file, std::string_view text, const yaml::Stream* stream);

// Whether a scalar `value` under the mapping key `key` must not be shown:
// it holds a known token format, or any value other than a placeholder or
// a ${reference} under a secret-looking key (stricter than the generic
// detector's entropy test: a short password is still a password). For
// commands that print values (explain).
bool looks_like_secret(std::string_view key, std::string_view value);

}  // namespace kanon::check
