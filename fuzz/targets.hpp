// The fuzz targets' bodies, one per input surface (fuzz/README.md). Each
// takes arbitrary bytes, drives kanon's public functions with them, and
// calls fail() (which aborts) when an invariant does not hold. The same
// bodies run under libFuzzer (fuzz/entry.cpp, `make fuzz`) and, replaying
// the committed corpus and regressions, in kanon_unit
// (tests/unit/fuzz/corpus_test.cpp), so g++ builds them too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kanon::fuzz {

using TargetFn = int (*)(const std::uint8_t* data, std::size_t size);

int yaml_parse(const std::uint8_t* data, std::size_t size);
int yaml_set(const std::uint8_t* data, std::size_t size);
int argocd_app(const std::uint8_t* data, std::size_t size);
int argocd_stream(const std::uint8_t* data, std::size_t size);
int config(const std::uint8_t* data, std::size_t size);
int url_duration(const std::uint8_t* data, std::size_t size);

struct Target {
    std::string_view name;
    TargetFn fn;
};

inline constexpr Target k_targets[] = {
    {"yaml_parse", yaml_parse},       {"yaml_set", yaml_set}, {"argocd_app", argocd_app},
    {"argocd_stream", argocd_stream}, {"config", config},     {"url_duration", url_duration},
};

// An invariant does not hold: says which on stderr and aborts, so that
// libFuzzer keeps the input and a replaying test fails.
[[noreturn]] void fail(std::string_view what);

inline void check(bool ok, std::string_view what)
{
    if (!ok) {
        fail(what);
    }
}

}  // namespace kanon::fuzz
