// The secret scanner (rule secrets/plaintext): each detector and format
// found at its line and column, a benign set of look-alikes that must stay
// silent, `# kanon:allow`, and the real public files of the shared corpus.
//
// Every token here is built at run time from a prefix and a seeded random
// body, so this file holds no string that a secret scanner would flag.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "check/secrets.hpp"

namespace kanon::check {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view k_bech32_upper = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";

// `n` characters of `alphabet`, the same on every run for a seed.
std::string random_body(std::size_t n, std::string_view alphabet = k_alnum, unsigned seed = 7)
{
    std::mt19937 gen(seed);
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s.push_back(alphabet[gen() % alphabet.size()]);
    }
    return s;
}

std::string hex(std::size_t n, unsigned seed)
{
    return random_body(n, "0123456789abcdef", seed);
}

std::string base64(std::string_view in)
{
    static constexpr std::string_view k_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(in[i]) << 16U) | (static_cast<unsigned char>(in[i + 1]) << 8U) |
                     static_cast<unsigned char>(in[i + 2]);
        for (int k = 18; k >= 0; k -= 6) {
            out.push_back(k_chars[(v >> static_cast<unsigned>(k)) & 63U]);
        }
    }
    if (i < in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16U;
        if (i + 1 < in.size()) {
            v |= static_cast<unsigned char>(in[i + 1]) << 8U;
        }
        out.push_back(k_chars[(v >> 18U) & 63U]);
        out.push_back(k_chars[(v >> 12U) & 63U]);
        out.push_back(i + 1 < in.size() ? k_chars[(v >> 6U) & 63U] : '=');
        out.push_back('=');
    }
    return out;
}

// A PEM block with a random body of base64 lines, indented by `indent`.
std::string pem(std::string_view label, std::string_view indent = "", unsigned seed = 3)
{
    std::string body =
        random_body(std::size_t{256}, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", seed);
    std::string out = fmt::format("{}-----BEGIN {}-----\n", indent, label);
    for (std::size_t i = 0; i < body.size(); i += 64) {
        out += fmt::format("{}{}\n", indent, body.substr(i, 64));
    }
    return out + fmt::format("{}-----END {}-----\n", indent, label);
}

std::vector<Finding> scan(const std::string& text)
{
    auto s = yaml::Stream::parse(text, "in.yaml");
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().describe()) << "\n" << text;
    return scan_secrets("app.yaml", text, s.ok() ? &s.value() : nullptr);
}

std::string describe(const std::vector<Finding>& fs)
{
    std::string out;
    for (const auto& f : fs) {
        out += fmt::format("  {}:{}:{}: {}\n", f.file, f.line, f.column, f.message);
    }
    return out;
}

// Exactly one finding, at line:column, whose message names `what` and never
// contains `secret`.
void expect_one(const std::vector<Finding>& fs, std::size_t line, std::size_t column, std::string_view what,
                std::string_view secret)
{
    ASSERT_EQ(fs.size(), 1U) << describe(fs);
    const Finding& f = fs[0];
    EXPECT_EQ(f.rule, "secrets/plaintext");
    EXPECT_EQ(f.severity, Severity::error);
    EXPECT_EQ(f.file, "app.yaml");
    EXPECT_EQ(f.line, line) << f.message;
    EXPECT_EQ(f.column, column) << f.message;
    EXPECT_NE(f.message.find(what), std::string::npos) << f.message;
    EXPECT_NE(f.message.find("SOPS-encrypted Secret"), std::string::npos) << f.message;
    EXPECT_NE(f.message.find("# kanon:allow"), std::string::npos) << f.message;
    if (!secret.empty()) {
        EXPECT_EQ(f.message.find(secret), std::string::npos) << "the message echoes the secret: " << f.message;
    }
}

// ---- shannon_entropy ----

TEST(SecretEntropy, IsBitsPerByteOverTheByteHistogram)
{
    EXPECT_DOUBLE_EQ(shannon_entropy(""), 0.0);
    EXPECT_DOUBLE_EQ(shannon_entropy("aaaaaaaa"), 0.0);
    EXPECT_DOUBLE_EQ(shannon_entropy("abababab"), 1.0);
    EXPECT_DOUBLE_EQ(shannon_entropy("abcd"), 2.0);
    std::string all;
    for (int c = 0; c < 256; ++c) {
        all.push_back(static_cast<char>(c));
    }
    EXPECT_DOUBLE_EQ(shannon_entropy(all), 8.0);
    EXPECT_NEAR(shannon_entropy("aab"), 0.918295834, 1e-9);
    // Bytes, not characters: "é" is two distinct bytes.
    EXPECT_DOUBLE_EQ(shannon_entropy("\xC3\xA9"), 1.0);
}

// ---- known formats ----

struct Format {
    std::string prefix;
    std::string body;
    std::string what;
};

std::vector<Format> known_formats()
{
    std::string dash = std::string(k_alnum) + "-_";
    return {
        {"glpat-", random_body(20, dash, 1), "GitLab personal access token (glpat-…)"},
        {"gldt-", random_body(20, dash, 2), "GitLab deploy token (gldt-…)"},
        {"glrt-", random_body(20, dash, 3), "GitLab runner authentication token (glrt-…)"},
        {"gloas-", random_body(64, dash, 4), "GitLab OAuth application secret (gloas-…)"},
        {"glptt-", hex(40, 5), "GitLab pipeline trigger token (glptt-…)"},
        {"glcbt-", "64_" + random_body(20, dash, 6), "GitLab CI/CD job token (glcbt-…)"},
        {"glimt-", random_body(25, dash, 7), "GitLab incoming email token (glimt-…)"},
        {"glagent-", random_body(50, dash, 8), "GitLab agent for Kubernetes token (glagent-…)"},
        {"glsoat-", random_body(20, dash, 9), "GitLab SCIM token (glsoat-…)"},
        {"glffct-", random_body(20, dash, 10), "GitLab feature flags client token (glffct-…)"},
        {"glft-", random_body(20, dash, 11), "GitLab feed token (glft-…)"},
        {"GR1348941", random_body(20, dash, 12), "GitLab runner registration token (GR1348941…)"},
        {"ghp_", random_body(36, k_alnum, 13), "GitHub personal access token (ghp_…)"},
        {"gho_", random_body(36, k_alnum, 14), "GitHub OAuth access token (gho_…)"},
        {"ghu_", random_body(36, k_alnum, 15), "GitHub user-to-server token (ghu_…)"},
        {"ghs_", random_body(36, k_alnum, 16), "GitHub server-to-server token (ghs_…)"},
        {"ghr_", random_body(36, k_alnum, 17), "GitHub refresh token (ghr_…)"},
        {"github_pat_", random_body(82, std::string(k_alnum) + "_", 18),
         "GitHub fine-grained personal access token (github_pat_…)"},
        {"AKIA", random_body(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 19), "AWS access key ID (AKIA…)"},
        {"ASIA", random_body(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 20), "AWS access key ID (ASIA…)"},
        {"ABIA", random_body(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 21), "AWS access key ID (ABIA…)"},
        {"ACCA", random_body(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 22), "AWS access key ID (ACCA…)"},
        {"AGE-SECRET-KEY-1", random_body(58, k_bech32_upper, 23), "age secret key (AGE-SECRET-KEY-1…)"},
        {"xoxb-", "123456789012-1234567890123-" + random_body(24, k_alnum, 24), "Slack token (xoxb-…)"},
        {"xoxp-", "123456789012-123456789012-" + random_body(32, k_alnum, 25), "Slack token (xoxp-…)"},
        {"xoxa-", "2-" + random_body(30, k_alnum, 26), "Slack token (xoxa-…)"},
        {"sk_live_", random_body(24, k_alnum, 27), "Stripe live secret key (sk_live_…)"},
        {"rk_live_", random_body(24, k_alnum, 28), "Stripe live restricted key (rk_live_…)"},
    };
}

TEST(SecretKnownFormats, EachFormatIsFoundAsAValueAtItsColumn)
{
    for (const auto& f : known_formats()) {
        SCOPED_TRACE(f.prefix);
        // A key that is not secret-looking: the format alone makes the finding.
        expect_one(scan("app:\n  setting: " + f.prefix + f.body + "\n"), 2, 12, f.what, f.body);
    }
}

TEST(SecretKnownFormats, FoundInCommentsBlockScalarsAndQuotes)
{
    std::string tok = "glpat-" + random_body(20);
    expect_one(scan("# the old token was " + tok + "\nreplicas: 2\n"), 1, 21, "(glpat-…)", tok);
    expect_one(scan("replicas: 2  # " + tok + "\n"), 1, 16, "(glpat-…)", tok);
    expect_one(scan("script: |\n  curl -H \"PRIVATE-TOKEN: " + tok + "\" https://x\n"), 2, 27, "(glpat-…)", tok);
    expect_one(scan("cmd: 'login --token=" + tok + "'\n"), 1, 21, "(glpat-…)", tok);
    expect_one(scan("args: [\"--token\", \"" + tok + "\"]\n"), 1, 20, "(glpat-…)", tok);
}

TEST(SecretKnownFormats, FoundInAFileThatDoesNotParse)
{
    std::string tok = "ghp_" + random_body(36);
    std::string text = "a: [unclosed\n  b: " + tok + "\n";
    ASSERT_FALSE(yaml::Stream::parse(text, "x.yaml").ok());
    expect_one(scan_secrets("app.yaml", text, nullptr), 2, 6, "GitHub personal access token", tok);
    // Without a parse only the raw-text detector runs.
    EXPECT_TRUE(scan_secrets("app.yaml", "password: " + random_body(24) + "\n", nullptr).empty());
}

TEST(SecretKnownFormats, AWholeTokenOnAWordBoundaryOnly)
{
    std::string pat = "glpat-" + random_body(20);
    std::string gh = "ghp_" + random_body(36);
    std::string aws = "AKIA" + random_body(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    for (const std::string& text : {
             "id: x" + pat + "\n",                   // inside a longer identifier
             "id: my_" + gh + "\n",                  // '_' is a word character
             "id: X" + aws + "\n",                   //
             "id: " + aws + "Q\n",                   // 21 characters: not a key ID
             "id: " + aws.substr(0, 19) + "\n",      // 19
             "id: glpat-" + random_body(19) + "\n",  // body too short
             "id: ghp_" + random_body(35) + "\n", "id: github_pat_" + random_body(81) + "\n",
             "id: AGE-SECRET-KEY-1" + random_body(57, k_bech32_upper) + "\n",
             "id: sk_test_" + random_body(24) + "\n",  // a test key is not live
         }) {
        EXPECT_TRUE(scan(text).empty()) << text << describe(scan(text));
    }
    // After a non-word character the prefix starts a token (an instance prefix, a flag).
    expect_one(scan("id: SIE-" + pat + "\n"), 1, 9, "(glpat-…)", pat);
    expect_one(scan("id: --token=" + gh + "\n"), 1, 13, "(ghp_…)", gh);
    expect_one(scan("id: \"" + aws + "\"\n"), 1, 6, "AWS access key ID", aws);
}

TEST(SecretKnownFormats, PlaceholderBodiesAreNotTokens)
{
    for (const std::string& text : {
             std::string("token: glpat-xxxxxxxxxxxxxxxxxxxx\n"),
             std::string("token: glpat-XXXXXXXXXXXXXXXXXXXXXXXXXX\n"),
             std::string("token: ghp_000000000000000000000000000000000000\n"),
             std::string("token: glpat-your-personal-access-token\n"),
             std::string("token: xoxb-your-bot-token-here\n"),
             std::string("key: AKIAIOSFODNN7EXAMPLE\n"),  // AWS's documentation example
             "key: AGE-SECRET-KEY-1" + std::string(58, 'X') + "\n",
         }) {
        EXPECT_TRUE(scan(text).empty()) << text << describe(scan(text));
    }
}

TEST(SecretKnownFormats, PrivateKeyBlocksWithKeyMaterial)
{
    for (std::string label : {"OPENSSH PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY",
                              "ENCRYPTED PRIVATE KEY", "DSA PRIVATE KEY", "PGP PRIVATE KEY BLOCK"}) {
        SCOPED_TRACE(label);
        std::string text = "config:\n  sshPrivateKey: |\n" + pem(label, "    ");
        auto fs = scan(text);
        expect_one(fs, 3, 5, "a private key (-----BEGIN " + label + "-----)", "");
        // In a comment too.
        expect_one(scan("replicas: 1\n# key: |\n" + pem(label, "#   ")), 3, 5, "private key", "");
    }
    // JSON-style, on one line.
    std::string body = random_body(120, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    expect_one(scan("key: \"-----BEGIN RSA PRIVATE KEY-----\\n" + body + "\\n-----END RSA PRIVATE KEY-----\"\n"), 1, 7,
               "private key", body);
}

TEST(SecretKnownFormats, OtherPemBlocksAndHeaderMentionsAreNotKeys)
{
    for (std::string label : {"PGP MESSAGE", "CERTIFICATE", "PUBLIC KEY", "RSA PUBLIC KEY", "PGP PUBLIC KEY BLOCK",
                              "CERTIFICATE REQUEST", "AGE ENCRYPTED FILE"}) {
        std::string text = "blob: |\n" + pem(label, "  ");
        EXPECT_TRUE(scan(text).empty()) << describe(scan(text));
    }
    // Documentation that names the header without a key after it.
    for (const std::string& text : {
             std::string("## key and certificate should start with -----BEGIN CERTIFICATE----- or\n"
                         "## -----BEGIN RSA PRIVATE KEY-----\n##\nreplicas: 1\n"),
             std::string("# sshPrivateKey: |\n#   -----BEGIN OPENSSH PRIVATE KEY-----\n#   ...\n"
                         "#   -----END OPENSSH PRIVATE KEY-----\nreplicas: 1\n"),
         }) {
        EXPECT_TRUE(scan(text).empty()) << describe(scan(text));
    }
}

TEST(SecretKnownFormats, Base64EncodedPrivateKey)
{
    std::string key = base64(pem("RSA PRIVATE KEY"));
    expect_one(scan("tls:\n  tls.key: " + key + "\n"), 2, 12, "base64-encoded private key", key.substr(20, 40));
    // A base64 certificate (a CA bundle) is public.
    std::string cert = base64(pem("CERTIFICATE"));
    EXPECT_TRUE(scan("tls:\n  tls.crt: " + cert + "\n  caBundle: " + cert + "\n").empty());
}

TEST(SecretKnownFormats, PasswordInAUrl)
{
    expect_one(scan("env:\n  DATABASE_URL: postgres://app:S3cr3t-Pa55w0rd@db/app\n"), 2, 17,
               "a password in a URL (postgres://…:…@…)", "S3cr3t-Pa55w0rd");
    expect_one(scan("redis: redis://:" + random_body(16) + "@redis-master:6379/0\n"), 1, 8, "(redis://…:…@…)",
               random_body(16));
    expect_one(scan("# git clone https://oauth2:" + random_body(12) + "@gitlab.example.com/a/b.git\n"), 1, 13,
               "(https://…:…@…)", random_body(12));
    // An '@' in the password: the host is after the last '@' of the authority.
    expect_one(scan("url: \"amqp://user:p@ss@rabbit:5672/vhost\"\n"), 1, 7, "amqp://", "p@ss");
}

TEST(SecretKnownFormats, UrlsWithoutARealPassword)
{
    for (const std::string& text : {
             std::string("url: https://gitlab.example.com/acme/web-shop.git\n"),
             std::string("url: ssh://git@gitlab.example.com:2222/acme/web-shop.git\n"),
             std::string("url: https://user@example.com/x\n"),
             std::string("url: https://user:@example.com/x\n"),
             std::string("DATABASE_URL: postgres://app:${DB_PASSWORD}@db:5432/app\n"),
             std::string("DATABASE_URL: postgres://app:$(DB_PASSWORD)@db:5432/app\n"),
             std::string("DATABASE_URL: postgres://app:$DB_PASSWORD@db:5432/app\n"),
             std::string("DATABASE_URL: \"postgres://{{ .Values.user }}:{{ .Values.password }}@db/app\"\n"),
             std::string("DATABASE_URL: postgres://{{.Values.user}}:{{.Values.password}}@db/app\n"),
             std::string("# e.g. postgres://user:<password>@host:5432/db\nx: 1\n"),
             std::string("log: connecting to https://***:***@example.com\n"),
             std::string("# url: postgresql://user:password@host:5432/db\nx: 1\n"),
             std::string("url: https://host/path?q=a:b@c\n"),
             std::string("web: https://example.com/@team/page\n"),
         }) {
        EXPECT_TRUE(scan(text).empty()) << text << describe(scan(text));
    }
}

TEST(SecretKnownFormats, LineAndColumnCountCharactersAndEveryLineBreak)
{
    std::string tok = "glpat-" + random_body(20);
    // Two-byte and three-byte characters before the token count once each.
    expect_one(scan("# héllo → " + tok + "\nx: 1\n"), 1, 11, "(glpat-…)", tok);
    // CRLF, a lone CR, and a BOM (not a column).
    expect_one(scan("a: 1\r\nb: 2\r\nc: " + tok + "\r\n"), 3, 4, "(glpat-…)", tok);
    expect_one(scan_secrets("app.yaml", "a: 1\rb: " + tok + "\r", nullptr), 2, 4, "(glpat-…)", tok);
    expect_one(scan("\xEF\xBB\xBF"
                    "c: " +
                    tok + "\n"),
               1, 4, "(glpat-…)", tok);
    // The same place Stream::locate gives.
    std::string text = "über:\n  - ünïcode: \"" + tok + "\"\n";
    auto s = yaml::Stream::parse(text, "app.yaml");
    ASSERT_TRUE(s.ok());
    auto fs = scan_secrets("app.yaml", text, &s.value());
    ASSERT_EQ(fs.size(), 1U);
    Location want = s->locate(text.find("glpat-"));
    EXPECT_EQ(fs[0].line, want.line);
    EXPECT_EQ(fs[0].column, want.column);
}

TEST(SecretKnownFormats, BackToBackNearTokensStayLinear)
{
    // Every "glpat-" starts a word and its body runs to the end of the text;
    // the body is measured up to a cap, so this is not quadratic.
    std::string text;
    for (int i = 0; i < 50000; ++i) {
        text += "glpat-xxxx-";
    }
    EXPECT_TRUE(scan_secrets("app.yaml", text, nullptr).empty());
    std::string urls;
    for (int i = 0; i < 50000; ++i) {
        urls += "a://b:c";
    }
    EXPECT_TRUE(scan_secrets("app.yaml", urls, nullptr).empty());
}

// ---- the generic detector ----

TEST(SecretGeneric, RandomValueUnderASecretLookingKey)
{
    std::string v = random_body(20);
    expect_one(scan("auth:\n  password: " + v + "\n"), 2, 13, "under the secret-looking key `password`", v);
    expect_one(scan("auth:\n  password: \"" + v + "\"\n"), 2, 13, "`password`", v);
    for (std::string key : {"adminPassword",
                            "DB_PASSWORD",
                            "db-passwd",
                            "smtp.pass",
                            "userPwd",
                            "passphrase",
                            "jwtSecret",
                            "client_secret",
                            "clientSecret",
                            "SECRET_KEY_BASE",
                            "apiKey",
                            "api_key",
                            "X-API-KEY",
                            "APIKey",
                            "apikey",
                            "accessKey",
                            "AWS_SECRET_ACCESS_KEY",
                            "private_key",
                            "privateKey",
                            "authToken",
                            "GITLAB_TOKEN",
                            "registryCredentials",
                            "credential",
                            "auth",
                            "basicAuth",
                            "creds",
                            "encryptionKey",
                            "secretKey"}) {
        SCOPED_TRACE(key);
        expect_one(scan("config:\n  " + key + ": " + v + "\n"), 2, key.size() + 5, "`" + key + "`", v);
    }
}

TEST(SecretGeneric, NestedCollectionsEnvListsAndAliases)
{
    std::string v = random_body(24, k_alnum, 99);
    // Under stringData: (a Secret kind would add its own finding; this is a ConfigMap).
    expect_one(scan("kind: ConfigMap\ndata:\n  nested:\n    SMTP_PASSWORD: " + v + "\n"), 4, 20, "`SMTP_PASSWORD`", v);
    // A sequence of values under the key.
    expect_one(scan("tokens:\n  - " + v + "\n"), 2, 5, "`tokens`", v);
    // An environment variable: the value is under the variable's name.
    expect_one(scan("env:\n  - name: DB_PASSWORD\n    value: " + v + "\n"), 3, 12, "`DB_PASSWORD`", v);
    expect_one(scan("env:\n  - {value: " + v + ", name: API_TOKEN}\n"), 2, 13, "`API_TOKEN`", v);
    EXPECT_TRUE(scan("env:\n  - name: DB_HOST\n    value: " + v + "\n").empty());
    // An alias to a scalar is checked under the key that uses it, found where the bytes are.
    expect_one(scan("defaults:\n  x: &pw " + v + "\nauth:\n  password: *pw\n"), 2, 10, "`password`", v);
    // An alias to its own ancestor, if the parser accepts one, is not followed.
    if (auto s = yaml::Stream::parse("a: &x\n  b: *x\n  token: " + v + "\n", "x.yaml"); s.ok()) {
        expect_one(scan_secrets("app.yaml", s->text(), &s.value()), 3, 10, "`token`", v);
    }
    // Aliases to collections are walked once, where they are anchored.
    expect_one(scan("base: &b\n  token: " + v + "\nother:\n  <<: *b\nthird: *b\n"), 2, 10, "`token`", v);
}

TEST(SecretGeneric, LowEntropyShortOrReferenceValuesAreNotFlagged)
{
    for (const std::string& text : {
             std::string("password: hunter2hunter2\n"),  // entropy 2.8
             std::string("password: aB3$xY9!\n"),        // 8 characters
             std::string("password: \"\"\n"),
             std::string("password: null\n"),
             std::string("password:\n  existingSecret: my-app-db-credentials\n"),
         }) {
        EXPECT_TRUE(scan(text).empty()) << text << describe(scan(text));
    }
}

TEST(SecretGeneric, ReferenceAndMetadataKeysAreNotSecretLooking)
{
    std::string v = random_body(20, k_alnum, 5);
    for (std::string key : {"passwordKey",
                            "secretKeyRef",
                            "existingSecret",
                            "existingSecretPasswordKey",
                            "secretName",
                            "tokenEnabled",
                            "passwordLength",
                            "passwordPolicy",
                            "tokenType",
                            "authUrl",
                            "authMode",
                            "publicKey",
                            "public_token",
                            "secretFile",
                            "tokenPath",
                            "passwordRef",
                            "author",
                            "authority",
                            "oauth",
                            "tokenTtl",
                            "secretname",
                            "tls.key",
                            "key",
                            "sha",
                            "tag",
                            "requestId",
                            "digest",
                            "checksum/config",
                            "caBundle",
                            "authenticationTimeout"}) {
        SCOPED_TRACE(key);
        EXPECT_TRUE(scan("config:\n  " + key + ": " + v + "\n").empty()) << describe(scan("x:\n  " + key + ": " + v));
    }
}

// ---- kind: Secret ----

TEST(SecretKind, SecretWithDataOrStringDataIsFoundAtTheKey)
{
    expect_one(scan("apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-shop-dev-env\ntype: Opaque\n"
                    "data:\n  LEVEL: ZGVidWc=\n"),
               6, 1, "the Secret `web-shop-dev-env` carries `data`", "ZGVidWc=");
    expect_one(scan("kind: Secret\nstringData:\n  LEVEL: debug\n"), 2, 1, "carries `stringData`", "debug");
    // Any document of a stream.
    expect_one(scan("kind: ConfigMap\ndata:\n  a: b\n---\nkind: Secret\nmetadata: {name: x}\nstringData:\n  a: b\n"), 7,
               1, "the Secret `x` carries `stringData`", "");
    auto both = scan("kind: Secret\ndata:\n  a: YQ==\nstringData:\n  b: c\n");
    ASSERT_EQ(both.size(), 2U) << describe(both);
    EXPECT_EQ(both[0].line, 2U);
    EXPECT_EQ(both[1].line, 4U);
}

TEST(SecretKind, OtherKindsAndReferenceOnlySecretsAreFine)
{
    for (const std::string& text : {
             std::string("kind: SealedSecret\nspec:\n  encryptedData:\n    a: AgBy8hCi\n"),
             std::string("kind: Secret\nmetadata:\n  name: x\ntype: kubernetes.io/service-account-token\n"),
             std::string("kind: Secret\ndata: {}\n"), std::string("kind: Secret\ndata:\n"),
             std::string("kind: secret\ndata:\n  a: b\n"),  // kind is compared exactly
             std::string("Kind: Secret\ndata:\n  a: b\n"),  // and so is the key
             std::string("kind: Secret\nDATA:\n  a: b\n"), std::string("kind: ConfigMap\ndata:\n  a: b\n"),
             std::string("spec:\n  kind: Secret\n  data:\n    a: b\n"),  // not a document's kind
         }) {
        EXPECT_TRUE(scan(text).empty()) << text << describe(scan(text));
    }
}

// ---- suppression and dedupe ----

TEST(SecretAllow, KanonAllowInACommentOnTheSameLine)
{
    std::string tok = "glpat-" + random_body(20);
    std::string v = random_body(20);
    EXPECT_TRUE(scan("token: " + tok + "  # kanon:allow\n").empty());
    EXPECT_TRUE(scan("token: " + tok + " # test fixture, kanon:allow (revoked)\n").empty());
    EXPECT_TRUE(scan("password: " + v + " #kanon:allow\n").empty());
    EXPECT_TRUE(scan("kind: Secret\ndata:  # kanon:allow\n  a: YQ==\n").empty());
    EXPECT_TRUE(scan_secrets("app.yaml", "a: [\n# " + tok + " # kanon:allow\n", nullptr).empty());
    // Only that line.
    expect_one(scan("# kanon:allow\ntoken: " + tok + "\n"), 2, 8, "(glpat-…)", tok);
    expect_one(scan("token: " + tok + "\nx: 1  # kanon:allow\n"), 1, 8, "(glpat-…)", tok);
    // Not a comment: in the value itself, or without a blank before '#'.
    expect_one(scan("password: \"kanon:allow-" + v + "\"\n"), 1, 11, "`password`", v);
    expect_one(scan("token: " + tok + "#kanon:allow\n"), 1, 8, "(glpat-…)", tok);
    expect_one(scan("token: \"" + tok + " # kanon:allow\"\n"), 1, 9, "(glpat-…)", tok);
    expect_one(scan("token: '" + tok + " # kanon:allow'\n"), 1, 9, "(glpat-…)", tok);
    expect_one(scan("args: [\"a # kanon:allow\", " + tok + "]\n"), 1, 27, "(glpat-…)", tok);
    EXPECT_TRUE(scan("password: \"" + v + "\"  # it's fine, kanon:allow\n").empty());
    EXPECT_TRUE(scan("args: [\"--token\", \"" + tok + "\"]  # kanon:allow\n").empty());
    EXPECT_TRUE(scan("- \"" + tok + "\" # kanon:allow\n").empty());
    // In a block scalar the line's text is the only place for it.
    EXPECT_TRUE(scan("script: |\n  login " + tok + "  # kanon:allow\n").empty());
    // The marker as a word.
    expect_one(scan("token: " + tok + "  # kanon:allowed\n"), 1, 8, "(glpat-…)", tok);
}

TEST(SecretDedupe, OneFindingPerLineTheKnownFormatFirst)
{
    std::string tok = "glpat-" + random_body(20);
    // The generic detector also sees a random value under `token`.
    expect_one(scan("token: " + tok + "\n"), 1, 8, "GitLab personal access token", tok);
    // Two tokens on a line: the first.
    std::string gh = "ghp_" + random_body(36);
    expect_one(scan("both: " + gh + " " + tok + "\n"), 1, 7, "(ghp_…)", tok);
    // A flow mapping with two secret values: one finding, the first column.
    std::string v1 = random_body(20, k_alnum, 1);
    std::string v2 = random_body(20, k_alnum, 2);
    expect_one(scan("db: {password: " + v1 + ", token: " + v2 + "}\n"), 1, 16, "`password`", v1);
    // A block scalar holding a key: the key's line, not also the value's.
    auto fs = scan("secrets:\n  privateKey: |\n" + pem("RSA PRIVATE KEY", "    "));
    expect_one(fs, 3, 5, "a private key", "");
    // A Secret whose data is on the same line as a token: the token's message.
    expect_one(scan("kind: Secret\ndata: {token: " + tok + "}\n"), 2, 15, "(glpat-…)", tok);
}

// ---- precision: things that look like secrets and are not ----

std::vector<std::string> benign_snippets()
{
    std::string cert = base64(pem("CERTIFICATE", "", 11));
    return {
        // Git SHAs and digests under version-ish keys.
        "image:\n  repository: registry.gitlab.com/acme/web-shop\n  tag: " + hex(40, 1) + "\n",
        "sha: " + hex(40, 2) + "\ncommit: " + hex(40, 3) + "\nrevision: " + hex(40, 4) + "\n",
        "targetRevision: " + hex(40, 5) + "\ngitCommit: \"" + hex(40, 6) + "\"\n",
        "image:\n  digest: sha256:" + hex(64, 7) + "\n",
        "image: registry.example.com/acme/web-shop@sha256:" + hex(64, 8) + "\n",
        "podAnnotations:\n  checksum/config: " + hex(64, 9) + "\n  checksum/secret: " + hex(64, 10) + "\n",
        // Public data: certificates, public keys.
        "caBundle: " + cert + "\ntls:\n  tls.crt: " + cert + "\n",
        "ca.crt: |\n" + pem("CERTIFICATE", "  ", 12),
        "publicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + random_body(43, k_alnum, 13) + " deploy@ci\n",
        "knownHosts: gitlab.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + random_body(43, k_alnum, 14) + "\n",
        // Placeholders and references under secret keys.
        "password: ${DB_PASSWORD}\n",
        "password: \"${DB_PASSWORD:-}\"\nDB_PASSWORD: $(DB_PASSWORD)\n",
        "adminPassword: \"{{ .Values.global.adminPassword }}\"\n",
        "adminPassword: '{{ required \"set it\" .Values.pw }}'\n",
        "password: <your-database-password>\n",
        "password: changeme-in-production-please\n",
        "token: REPLACE_ME_WITH_A_REAL_TOKEN\n",
        "passwordKey: password\nexistingSecret: my-app-db-credentials\nsecretName: web-app-prod-env\n",
        "auth:\n  existingSecret: web-shop-prod-env\n  secretKeys:\n    adminPasswordKey: admin-password\n",
        "passwordSecret: web-shop-db-credentials\ntokenSecret: gitlab-ci-token-secret\n",
        "envFrom:\n  - secretRef:\n      name: web-shop-dev-env\nimagePullSecrets:\n  - name: gitlab-regcred\n",
        std::string("env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n") +
            "        name: web-shop-dev-env\n        key: DB_PASSWORD\n",
        "env:\n  - name: GITLAB_TOKEN\n    value: \"${CI_JOB_TOKEN}\"\n",
        std::string("annotations:\n  nginx.ingress.kubernetes.io/auth-tls-secret: ingress-nginx/ca-secret\n") +
            "  nginx.ingress.kubernetes.io/auth-secret: web-shop-basic-auth\n",
        "passwordSecretRef: web-shop-db-credentials/DB_PASSWORD\nclientSecret: oidc-client-secret/CLIENT_SECRET\n",
        // A chart's env-from-Secret map: SECRET/KEY references.
        "envFromSecret:\n  SMTP_PASSWORD: mail-relay-credentials/SMTP_PASSWORD\n  SIGNING_KEY: backend/jwtSigningKey\n",
        // SOPS.
        "apiToken: ENC[AES256_GCM,data:" + random_body(32, k_alnum, 15) + ",iv:" + random_body(43, k_alnum, 16) +
            "=,tag:" + random_body(22, k_alnum, 17) + "==,type:str]\n",
        "password: ENC[AES256_GCM,data:" + random_body(20, k_alnum, 18) + "==,iv:" + random_body(43, k_alnum, 19) +
            "=,tag:" + random_body(22, k_alnum, 20) +
            "==,type:str]\n"
            "sops:\n  mac: ENC[AES256_GCM,data:" +
            random_body(86, k_alnum, 21) +
            "==,iv:x,tag:y,type:str]\n"
            "  pgp:\n    - created_at: \"2024-05-01T10:00:00Z\"\n      enc: |\n" +
            pem("PGP MESSAGE", "        ", 22) + "      fp: " + hex(40, 23) + "\n  age:\n    - recipient: age1" +
            random_body(58, "qpzry9x8gf2tvdw0s3jn54khce6mua7l", 24) + "\n      enc: |\n" +
            pem("AGE ENCRYPTED FILE", "        ", 25) + "  encrypted_regex: ^(data|stringData)$\n  version: 3.8.1\n",
        // IDs, hostnames, URLs, sentences.
        "requestId: 3c4e1f0b-8a2d-4d3e-9b7f-1a2b3c4d5e6f\ntraceId: " + hex(32, 26) + "\n",
        "clientId: 0oa" + random_body(17, k_alnum, 27) + "\nuuid: 9b2f6a1e-4c3d-4e5f-8a7b-6c5d4e3f2a1b\n",
        "ingress:\n  host: web-shop.dev.example.com\nurl: https://gitlab.example.com/acme/web-shop.git\n",
        "DATABASE_URL: postgres://app:${DB_PASSWORD}@db.example.com:5432/app\n",
        "REDIS_URL: redis://redis-master.web-shop-dev.svc:6379/0\n",
        "tokenUrl: https://auth.example.com/oauth2/v1/token?client=web\n",
        "tokens: |\n  [{\"id\":\"" + hex(8, 30) + "\",\"iat\":1700000000,\"exp\":1800000000}]\n",
        "description: The token is rotated every 90 days by the platform team\n",
        "secretMessage: Please ask #platform for the credentials of this service\n",
        "credentialsFile: /var/run/secrets/kubernetes.io/serviceaccount/token\n",
        "tokenFile: ./secrets/token-" + random_body(12, k_alnum, 28) + "\n",
        "auth:\n  enabled: true\n  authUrl: https://auth.example.com/realms/acme/protocol/openid-connect/auth\n",
        "authority: https://login.example.com/" + hex(32, 29) + "\nauthor: Jane Q. Developer\n",
    };
}

TEST(SecretPrecision, TheBenignSetHasNoFinding)
{
    for (const std::string& text : benign_snippets()) {
        auto fs = scan(text);
        EXPECT_TRUE(fs.empty()) << text << describe(fs);
    }
    // And all of it as one multi-document file.
    std::string all;
    for (const std::string& text : benign_snippets()) {
        all += "---\n" + text;
    }
    EXPECT_TRUE(scan(all).empty()) << describe(scan(all));
}

// ---- the real public files of the shared corpus ----

std::string read_file(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

TEST(SecretCorpus, RealValuesFilesAndApplicationsHaveNoFinding)
{
    const fs::path corpus = fs::path(KANON_SHARED_DIR) / "corpus";
    if (!fs::is_directory(corpus / "values") || !fs::is_directory(corpus / "argocd")) {
        GTEST_SKIP() << "the shared corpus is not at " << corpus.string() << " (values/ and argocd/)";
    }
    // Findings inspected and judged true positives, as FILE:LINE (none so far).
    // Judged false positives, and fixed: netbird-values.yaml's
    // `envFromSecret: {TURN_PASSWORD: <secret>/<key>, ...}` names Secrets (a
    // reference container, like valueFrom).
    const std::set<std::string> k_true_positives = {};
    std::size_t files = 0;
    std::size_t bytes = 0;
    std::vector<std::string> unexpected;
    std::set<std::string> seen;
    for (const char* dir : {"values", "argocd"}) {
        for (const auto& entry : fs::directory_iterator(corpus / dir)) {
            std::string text = read_file(entry.path());
            std::string name = std::string(dir) + "/" + entry.path().filename().string();
            auto s = yaml::Stream::parse(text, name);
            ++files;
            bytes += text.size();
            for (const auto& f : scan_secrets(name, text, s.ok() ? &s.value() : nullptr)) {
                std::string where = fmt::format("{}:{}", f.file, f.line);
                seen.insert(where);
                if (k_true_positives.count(where) == 0) {
                    unexpected.push_back(fmt::format("{}:{}: {}", where, f.column, f.message));
                }
            }
        }
    }
    EXPECT_GT(files, 20U);
    for (const auto& e : unexpected) {
        ADD_FAILURE() << e;
    }
    for (const auto& tp : k_true_positives) {
        EXPECT_EQ(seen.count(tp), 1U) << "the true positive " << tp << " is no longer found";
    }
    std::cout << "[ corpus   ] " << files << " files, " << bytes << " bytes\n";
}

// ---- speed (printed, never asserted) ----

// Wall time and CPU time: on a shared machine the wall clock mostly measures the neighbours.
struct Timer {
    std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
    std::clock_t cpu = std::clock();
    [[nodiscard]] std::string report(std::size_t bytes) const
    {
        double wall_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - wall).count();
        double cpu_us = 1e6 * static_cast<double>(std::clock() - cpu) / CLOCKS_PER_SEC;
        auto b = static_cast<double>(bytes);
        return fmt::format("{} bytes: wall {:.0f} us ({:.1f} MB/s), cpu {:.0f} us ({:.1f} MB/s, {:.4f} us/byte)", bytes,
                           wall_us, b / wall_us, cpu_us, b / cpu_us, cpu_us / b);
    }
};

TEST(SecretSpeed, ThroughputOnSmallEnvFilesAndALargeText)
{
    std::vector<std::string> texts;
    for (int i = 0; i < 12000; ++i) {
        texts.push_back(fmt::format(
            "# web-app{0}, dev\ningress:\n  host: web-app{0}.dev.example.com\nenv:\n  - name: WEB_APP{0}_ENV\n"
            "    value: dev\n  - name: WEB_APP{0}_LOG_LEVEL\n    value: debug\n  - name: WEB_APP{0}_API_URL\n"
            "    value: https://api.dev.example.com/v1/app{0}\nenvFrom:\n  - secretRef:\n"
            "      name: web-app{0}-dev-env\nimagePullSecrets:\n  - name: gitlab-regcred\nresources:\n"
            "  limits: {{cpu: 500m, memory: 256Mi}}\n",
            i));
    }
    std::vector<yaml::Stream> streams;
    std::size_t bytes = 0;
    for (const auto& t : texts) {
        streams.push_back(yaml::Stream::parse(t, "x.yaml").value());
        bytes += t.size();
    }
    Timer timer;
    std::size_t found = 0;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        found += scan_secrets("x.yaml", texts[i], &streams[i]).size();
    }
    std::cout << "[ speed    ] " << texts.size() << " parsed env files, " << timer.report(bytes) << "\n";
    EXPECT_EQ(found, 0U);

    std::string big;
    while (big.size() < std::size_t{64} * 1024 * 1024) {
        big += texts[big.size() % texts.size()];
    }
    Timer raw;
    found = scan_secrets("big.yaml", big, nullptr).size();
    std::cout << "[ speed    ] raw text, " << raw.report(big.size()) << "\n";
    EXPECT_EQ(found, 0U);
}

}  // namespace
}  // namespace kanon::check
