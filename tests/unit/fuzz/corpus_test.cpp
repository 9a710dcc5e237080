// Replays the committed fuzz corpus (fuzz/corpus/TARGET) and the inputs of
// every bug the fuzzers found (fuzz/regressions/TARGET) through the targets'
// bodies, so that each `make test`, under ASan+UBSan too, checks the
// invariants of fuzz/README.md on them. An invariant that breaks aborts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "targets.hpp"

namespace kanon::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_in(const fs::path& dir)
{
    std::vector<fs::path> out;
    if (fs::is_directory(dir)) {
        for (const auto& e : fs::directory_iterator(dir)) {
            if (e.is_regular_file() && e.path().filename() != "README.md") {
                out.push_back(e.path());
            }
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::size_t replay(const Target& t, const fs::path& dir)
{
    std::size_t n = 0;
    for (const auto& file : files_in(dir)) {
        std::ifstream in(file, std::ios::binary);
        std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        SCOPED_TRACE(file.string());
        EXPECT_EQ(t.fn(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
        ++n;
    }
    return n;
}

class FuzzCorpus : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzCorpus, ReplaysCorpusAndRegressions)
{
    const Target& t = GetParam();
    fs::path root = fs::path(KANON_SOURCE_DIR) / "fuzz";
    std::size_t corpus = replay(t, root / "corpus" / std::string(t.name));
    replay(t, root / "regressions" / std::string(t.name));
    EXPECT_GT(corpus, 0U) << "fuzz/corpus/" << t.name << " has no seeds";
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzCorpus, ::testing::ValuesIn(k_targets),
                         [](const ::testing::TestParamInfo<Target>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace kanon::fuzz
