// What the Argo CD tests share: the fixtures of ../shared/argocd (when it is
// beside the checkout) and the revisions and image those fixtures name.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace kanon::verify::argocd::test {

inline const std::string R2 = "96081487e974057da401ac93c2bccca6f78b0892";  // dev target of the fixtures
inline const std::string R3 = "ad3c59132fecb1bfafc858b683a57824a477c334";  // prod target
inline const std::string IMAGE = "registry.gitlab.example.com/synestra/web-synestra-io";

inline std::filesystem::path fixtures()
{
    return std::filesystem::path(KANON_SHARED_DIR) / "argocd";
}

inline std::string slurp(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace kanon::verify::argocd::test
