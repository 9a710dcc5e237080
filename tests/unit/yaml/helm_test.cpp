// What Helm (sigs.k8s.io/yaml over go-yaml v2) reads: the types of plain
// scalars, the names of keys, !!binary. Each expectation is what `helm
// template` shows for the value (`{{ kindOf .Values.x }}`, `toJson`).
#include "yaml/helm.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "yaml/value.hpp"

namespace kanon::yaml {
namespace {

using HK = HelmScalar::Kind;

TEST(HelmScalar, TypesAsGoYamlV2ResolvesThem)
{
    struct Case {
        const char* text;
        HK kind;
    };
    for (const auto& c : std::vector<Case>{// strings to Helm, though other YAML readers differ
                                           {"infinity", HK::string},
                                           {"inf", HK::string},
                                           {"nan", HK::string},
                                           {"-inf", HK::string},
                                           {"0x1p3", HK::string},
                                           {"1e400", HK::string},
                                           {"12:30", HK::string},
                                           {"190:20:30.15", HK::string},
                                           {"2024-01-31", HK::string},
                                           {"2001-12-14t21:59:43.10-05:00", HK::string},
                                           {"1.2.3", HK::string},
                                           {"0x", HK::string},
                                           {"0b2", HK::string},
                                           {".", HK::string},
                                           {"-", HK::string},
                                           {"1e", HK::string},
                                           {"latest", HK::string},
                                           {"v1", HK::string},
                                           // numbers
                                           {"1", HK::integer},
                                           {"-1", HK::integer},
                                           {"+1", HK::integer},
                                           {"0x10", HK::integer},
                                           {"0o17", HK::integer},
                                           {"017", HK::integer},
                                           {"0b101", HK::integer},
                                           {"1_000", HK::integer},
                                           {"9223372036854775807", HK::integer},
                                           {"-9223372036854775808", HK::integer},
                                           {"18446744073709551615", HK::unsigned_integer},
                                           {"99999999999999999999", HK::floating},
                                           {"08", HK::floating},
                                           {"1.10", HK::floating},
                                           {".5", HK::floating},
                                           {"1.", HK::floating},
                                           {"1e10", HK::floating},
                                           {".inf", HK::floating},
                                           {"-.Inf", HK::floating},
                                           {".nan", HK::floating},
                                           // the rest
                                           {"~", HK::null},
                                           {"null", HK::null},
                                           {"", HK::null},
                                           {"y", HK::boolean},
                                           {"off", HK::boolean},
                                           {"NO", HK::boolean},
                                           {"yEs", HK::string}}) {
        EXPECT_EQ(helm_plain(c.text).kind, c.kind) << c.text;
    }
    EXPECT_EQ(helm_plain("0x10").integer, 16);
    EXPECT_EQ(helm_plain("017").integer, 15);
    EXPECT_EQ(helm_plain("1_000").integer, 1000);
    EXPECT_EQ(helm_plain("08").floating, 8.0);
    EXPECT_FALSE(helm_plain("n").boolean);
    EXPECT_TRUE(helm_plain("On").boolean);
    EXPECT_TRUE(std::isinf(helm_plain("-.inf").floating) && helm_plain("-.inf").floating < 0);
    EXPECT_TRUE(std::isnan(helm_plain(".NaN").floating));
}

Value read(const std::string& text)
{
    auto s = Stream::parse(text, "values.yaml");
    EXPECT_TRUE(s.ok()) << s.error().describe();
    auto v = document_value(*s);
    EXPECT_TRUE(v.ok()) << v.error().describe();
    return v.ok() ? *v : Value{};
}

TEST(HelmScalar, ValuesAsJsonHaveHelmsTypes)
{
    auto v = read(
        "a: infinity\nb: 0x1p3\nc: 1e400\nd: 12:30\ne: 2024-01-31\nf: 99999999999999999999\ng: 0x10\n"
        "h: 1.10\ni: yes\nj: !!binary aGVsbG8=\nk: !!float 1\n");
    EXPECT_EQ(v.to_json().dump(),
              R"({"a":"infinity","b":"0x1p3","c":"1e400","d":"12:30","e":"2024-01-31","f":1e+20,"g":16,)"
              R"("h":1.1,"i":true,"j":"hello","k":1.0})");
}

TEST(HelmScalar, KeysAreNamedAsHelmNamesThem)
{
    auto v = read("y: a\nn: b\n'on': c\n1.0: e\n0x10: f\n1.5: g\n1e6: h\n");
    std::vector<std::string> keys;
    for (const auto& [k, _] : v.entries) {
        keys.push_back(k);
    }
    // `y` and `n` are booleans; the quoted 'on' stays a string.
    EXPECT_EQ(keys, (std::vector<std::string>{"true", "false", "on", "1", "16", "1.5", "1e+06"})) << v.to_json().dump();
}

TEST(HelmScalar, KeysHelmCannotReadOrThatCollideAreErrors)
{
    for (const char* text : {"~: a\n", "true: a\ny: b\n", "16: a\n0x10: b\n"}) {
        auto s = Stream::parse(text, "values.yaml");
        ASSERT_TRUE(s.ok());
        EXPECT_FALSE(document_value(*s).ok()) << text;
    }
}

TEST(HelmScalar, ABadBinaryIsAnError)
{
    auto s = Stream::parse("a: !!binary '%%%'\n", "values.yaml");
    ASSERT_TRUE(s.ok());
    auto v = document_value(*s);
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.error().message.find("not a valid binary"), std::string::npos) << v.error().message;
}

}  // namespace
}  // namespace kanon::yaml
