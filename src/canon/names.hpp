// The names of the canon, and the one place each is checked: apps, stages'
// labels, hosts, image repositories, tags and commit SHAs — and how a SHA is
// shortened for people.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace kanon::canon {

// A DNS-1123 label: lower-case letters, digits and '-', not at either end,
// 1 to `max` characters (63 in DNS; 53 for an app, whose Application name
// web-APP-STAGE must still fit).
[[nodiscard]] bool is_dns_label(std::string_view s, std::size_t max = 63);
// A lower-case DNS name: labels joined by '.', at most 253 characters.
// `min_labels` 2 asks for a domain (example.org), as an Ingress host must be.
[[nodiscard]] bool is_dns_name(std::string_view s, std::size_t min_labels = 1);

// An app name: a DNS-1123 label of at most 53 characters; a usage error
// (exit 2) that says so otherwise.
Status validate_app_name(std::string_view name);

// The OCI distribution spec's tag grammar: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
[[nodiscard]] bool is_valid_tag(std::string_view tag);
// A usage error (exit 2) naming what is wrong with the tag.
Status validate_tag(std::string_view tag);

// A registry host as an image reference names it: labels of letters (any
// case), digits and inner dashes, and an optional :PORT.
[[nodiscard]] bool is_registry_host(std::string_view host);
// An image repository: [HOST[:PORT]/]PATH, PATH being lower-case components
// ([a-z0-9] runs joined by '.', '_', '__' or dashes) separated by '/', as the
// distribution spec names them; at most 255 characters. The first part is
// the host when it has a '.' or ':', is "localhost", or has upper case.
[[nodiscard]] bool is_image_repository(std::string_view repository);

// A full commit SHA: 40 hex digits (SHA-1, what Argo CD and web-core's
// forges use); git prints them lower-case and takes either case.
[[nodiscard]] bool is_full_sha(std::string_view text);
// A full object id of a SHA-256 repository: 64 hex digits. Only a trailer
// that records a source commit (--source-ref) takes one; Argo CD reports
// SHA-1 revisions.
[[nodiscard]] bool is_sha256_id(std::string_view text);
// A usage error (exit 2) naming `what` ("--ref", "--revision") unless `text`
// is a full SHA.
Status validate_full_sha(std::string_view text, std::string_view what);

// How kanon shows a commit to people: its first 12 hex digits (unambiguous
// in repositories of any size; a full SHA is what kanon is given and writes).
inline constexpr std::size_t k_short_sha = 12;
[[nodiscard]] std::string short_sha(std::string_view sha);
// A revision as Argo CD's UI shows it (7 digits), in the wait's verdicts,
// so people can match them with what Argo CD shows; other text stays whole.
inline constexpr std::size_t k_argocd_short_sha = 7;
[[nodiscard]] std::string argocd_short_sha(std::string_view revision);

}  // namespace kanon::canon
