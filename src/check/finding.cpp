#include "check/finding.hpp"

#include <algorithm>
#include <tuple>

namespace kanon::check {

const char* severity_name(Severity s)
{
    return s == Severity::error ? "error" : "warning";
}

const std::vector<RuleInfo>& rules()
{
    using S = Severity;
    static const std::vector<RuleInfo> k_rules = {
        {"layout/missing-file", S::error, "1", "one of an app's six files is missing"},
        {"release/extra-key", S::error, "2", "a release file has a key other than image.repository / image.tag"},
        {"release/missing-key", S::error, "2", "image.repository or image.tag missing or empty"},
        {"release/repository-mismatch", S::error, "3", "dev and prod release name different repositories"},
        {"release/invalid-tag", S::error, "4", "the tag breaks the OCI tag grammar"},
        {"release/tag-not-string", S::error, "4", "Helm would read the tag as a number, bool or null"},
        {"env/overrides-image", S::error, "5", "an env layer sets image.repository or image.tag"},
        {"env/domain", S::error, "6", "the env layer's domain is not the stage's domain"},
        {"env/stage-var", S::error, "6", "<PREFIX>_ENV missing or not the stage name"},
        {"env/secret-ref", S::error, "7",
         "the env Secret is not referenced by envFrom.secretRef, or a pull Secret is not the configured one"},
        {"argocd/name", S::error, "8, 9", "Application name is not web-APP-STAGE"},
        {"argocd/value-files", S::error, "8, 9", "valueFiles not exactly release-then-env"},
        {"argocd/value-file-missing", S::error, "8, 9", "a valueFile does not resolve to a file"},
        {"argocd/self-heal", S::error, "8, 9", "selfHeal is not false on dev / true on prod"},
        {"argocd/namespace", S::error, "8, 9", "destination namespace is not web-APP-STAGE"},
        {"secrets/plaintext", S::error, "10", "a secret value sits in web-core"},
        {"platform/secret-missing", S::error, "platform",
         "a Secret referenced from web-core is absent from the platform repo"},
        {"platform/not-encrypted", S::error, "platform", "a Secret in the platform repo is not SOPS-encrypted"},
        {"platform/cnpg-missing", S::error, "platform", "a CNPG cluster of the app is missing"},
        {"platform/cnpg-initdb", S::error, "platform", "a CNPG cluster does not bootstrap from APP-initdb-secret"},
        {"yaml/syntax", S::error, "", "a file is not valid YAML"},
    };
    return k_rules;
}

const RuleInfo* find_rule(std::string_view id)
{
    for (const auto& r : rules()) {
        if (r.id == id) {
            return &r;
        }
    }
    return nullptr;
}

Finding make_finding(std::string_view rule, const Location& where, std::string message)
{
    const RuleInfo* info = find_rule(rule);
    Finding f;
    f.rule = std::string(rule);
    f.severity = info != nullptr ? info->severity : Severity::error;
    f.file = where.file;
    f.line = where.line;
    f.column = where.column;
    f.message = std::move(message);
    return f;
}

void sort_findings(std::vector<Finding>& findings)
{
    auto key = [](const Finding& f) { return std::tie(f.file, f.line, f.column, f.rule, f.message); };
    std::sort(findings.begin(), findings.end(), [&](const Finding& a, const Finding& b) { return key(a) < key(b); });
    findings.erase(std::unique(findings.begin(), findings.end(),
                               [&](const Finding& a, const Finding& b) { return key(a) == key(b); }),
                   findings.end());
}

}  // namespace kanon::check
