// Parse and set on a release file and on a large chart values file: the cost
// of one edit, against the floor of only parsing.
#include <benchmark/benchmark.h>

#include <string>

#include "yaml/document.hpp"
#include "yaml/edit.hpp"

namespace {

std::string big_values(int sections)
{
    std::string s = "# chart defaults\n";
    for (int i = 0; i < sections; ++i) {
        s += "component" + std::to_string(i) + ":\n  # the image\n  image:\n    repository: registry.example.com/c" +
             std::to_string(i) + "\n    tag: \"1.0." + std::to_string(i) + "\"\n  replicas: 2\n";
    }
    return s;
}

void bm_parse(benchmark::State& st)
{
    std::string text = big_values(static_cast<int>(st.range(0)));
    for (auto _ : st) {
        auto s = kanon::yaml::Stream::parse(text, "values.yaml");
        benchmark::DoNotOptimize(s);
    }
    st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(text.size()));
}

void bm_set(benchmark::State& st)
{
    std::string text = big_values(static_cast<int>(st.range(0)));
    auto path = kanon::yaml::parse_path("component7.image.tag");
    for (auto _ : st) {
        auto s = kanon::yaml::Stream::parse(text, "values.yaml");
        auto r = kanon::yaml::set_scalar(*s, *path, "2.0.0");
        benchmark::DoNotOptimize(r);
    }
    st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(text.size()));
}

}  // namespace

BENCHMARK(bm_parse)->Arg(1)->Arg(100)->Arg(2000);
BENCHMARK(bm_set)->Arg(1)->Arg(100)->Arg(2000);
BENCHMARK_MAIN();
