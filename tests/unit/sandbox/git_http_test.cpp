// The git smart HTTP server driven by the real git client: clone over
// protocol v2 and v0, pushes (one, eight at once, one large enough to be
// sent chunked), gzip request bodies, missing repositories, ".." paths, the
// 256 MiB limit, the loopback-only bind, stop(), the request log, and the
// exact environment http-backend is given.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <future>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "sandbox/git_http.hpp"
#include "sim_test_support.hpp"
#include "util/process.hpp"

namespace kanon::sandbox {
namespace {

using namespace testing;

// ---- the CGI response parser -------------------------------------------------

TEST(GitHttpCgi, ParsesStatusTypeAndHeadersWithCrlf)
{
    auto cgi = parse_cgi_response(
        "Status: 404 Not Found\r\nContent-Type: text/plain\r\n"
        "Cache-Control: no-cache\r\nExpires: Fri, 01 Jan 1980 00:00:00 GMT\r\n\r\nnope\r\n");
    ASSERT_TRUE(cgi);
    EXPECT_EQ(cgi->status, 404);
    EXPECT_EQ(cgi->content_type, "text/plain");
    ASSERT_EQ(cgi->headers.size(), 2U);
    EXPECT_EQ(cgi->headers[0], (std::pair<std::string, std::string>{"Cache-Control", "no-cache"}));
    EXPECT_EQ(cgi->headers[1].first, "Expires");
    EXPECT_EQ(cgi->body, "nope\r\n");
}

TEST(GitHttpCgi, BareLineFeedsAndBinaryBodies)
{
    const std::string body("\0\x01\xff\r\n\n\x1f\x8b", 8);
    auto cgi = parse_cgi_response("Content-Type: application/x-git-upload-pack-result\n\n" + body);
    ASSERT_TRUE(cgi);
    EXPECT_EQ(cgi->status, 200);
    EXPECT_EQ(cgi->content_type, "application/x-git-upload-pack-result");
    EXPECT_EQ(cgi->body, body);
}

TEST(GitHttpCgi, LocationWithoutStatusIsARedirect)
{
    auto cgi = parse_cgi_response("Location: /elsewhere\r\n\r\n");
    ASSERT_TRUE(cgi);
    EXPECT_EQ(cgi->status, 302);
    EXPECT_EQ(cgi->body, "");
}

TEST(GitHttpCgi, MalformedOutputIsRefused)
{
    EXPECT_FALSE(parse_cgi_response(""));
    EXPECT_FALSE(parse_cgi_response("Content-Type: text/plain\r\n"));  // no empty line
    EXPECT_FALSE(parse_cgi_response("not a header\n\n"));
    EXPECT_FALSE(parse_cgi_response("Status: teapot\n\n"));
    EXPECT_FALSE(parse_cgi_response("Status: 4040\n\n"));
}

// ---- raw sockets -------------------------------------------------------------

// 0 when a TCP connection to address:port is accepted, else the errno.
int connect_error(const std::string& address, int port)
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, address.c_str(), &to.sin_addr);
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);  // NOLINT
    int error = rc == 0 ? 0 : errno;
    ::close(fd);
    return error;
}

// Sends `request` as is (no normalisation of the path), then `zeros` bytes of
// body (in chunked framing if asked) while the server reads them, and
// returns what comes back until the server closes or 5 s pass.
std::string raw_exchange(int port, const std::string& request, std::size_t zeros = 0, bool chunked = false)
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    timeval five{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &five, sizeof five);
    auto send_all = [fd](std::string_view data) {
        while (!data.empty()) {
            ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) {
                return false;
            }
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    };
    std::string reply;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 || !send_all(request)) {  // NOLINT
        ::close(fd);
        return reply;
    }
    const std::string block(std::size_t{1} << 20, '\0');
    bool sending = true;
    for (std::size_t left = zeros; sending && left > 0;) {
        std::string_view part(block.data(), std::min(left, block.size()));
        left -= part.size();
        if (chunked) {
            sending = send_all(fmt::format("{:x}\r\n", part.size())) && send_all(part) && send_all("\r\n");
        } else {
            sending = send_all(part);
        }
    }
    if (sending && chunked) {
        send_all("0\r\n\r\n");
    }
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
        reply.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return reply;
}

std::string status_line(const std::string& reply)
{
    return reply.substr(0, reply.find("\r\n"));
}

// ---- the fixture -------------------------------------------------------------

class GitHttp : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::string tmpl = (fs::temp_directory_path() / "kanon-git-http-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        m_dir = tmpl;
        fs::create_directories(m_dir / "home");
        fs::create_directories(m_dir / "root");
        fs::create_directories(m_dir / "seed");
        must({"init", "-q", "-b", "main"}, m_dir / "seed");
        write(m_dir / "seed" / "README", "web-core\n");
        must({"add", "README"}, m_dir / "seed");
        must({"commit", "-q", "-m", "seed"}, m_dir / "seed");
        must({"clone", "-q", "--bare", (m_dir / "seed").string(), bare().string()});
    }

    void TearDown() override
    {
        m_server.reset();
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }

    [[nodiscard]] fs::path bare() const { return m_dir / "root" / "web-core.git"; }
    [[nodiscard]] fs::path log_path() const { return m_dir / "requests.log"; }

    void start(std::size_t max_body = std::size_t{256} << 20U)
    {
        m_server = std::make_unique<GitHttpServer>(
            GitHttpOptions{.root = m_dir / "root", .port = 0, .log = log_path(), .max_body = max_body});
        auto started = m_server->start();
        ASSERT_TRUE(started) << started.error().message;
    }
    GitHttpServer& server() { return *m_server; }

    static void write(const fs::path& file, const std::string& text)
    {
        std::ofstream out(file, std::ios::binary);
        out << text;
    }

    // git with a fixed identity and nothing of the test's environment but
    // PATH: no system or user configuration, no prompts.
    ProcessResult git(const std::vector<std::string>& args, const fs::path& cwd = {},
                      const std::map<std::string, std::string>& extra = {})
    {
        ProcessSpec spec;
        spec.argv = {"git"};
        spec.argv.insert(spec.argv.end(), args.begin(), args.end());
        spec.cwd = cwd.string();
        spec.env = {{"HOME", (m_dir / "home").string()},
                    {"GIT_CONFIG_NOSYSTEM", "1"},
                    {"GIT_TERMINAL_PROMPT", "0"},
                    {"GIT_AUTHOR_NAME", "Sandbox Test"},
                    {"GIT_AUTHOR_EMAIL", "sandbox@example.invalid"},
                    {"GIT_AUTHOR_DATE", "1700000000 +0000"},
                    {"GIT_COMMITTER_NAME", "Sandbox Test"},
                    {"GIT_COMMITTER_EMAIL", "sandbox@example.invalid"},
                    {"GIT_COMMITTER_DATE", "1700000000 +0000"},
                    {"LC_ALL", "C"}};
        spec.env.insert(extra.begin(), extra.end());
        for (char** entry = environ; *entry != nullptr; ++entry) {
            std::string name(*entry, std::strcspn(*entry, "="));
            if (name != "PATH" && spec.env.count(name) == 0) {
                spec.unset_env.push_back(name);
            }
        }
        spec.timeout = std::chrono::seconds(20);
        auto ran = run_process(spec);
        if (!ran) {
            ADD_FAILURE() << ran.error().message;
            return {};
        }
        return std::move(*ran);
    }
    std::string must(const std::vector<std::string>& args, const fs::path& cwd = {},
                     const std::map<std::string, std::string>& extra = {})
    {
        auto ran = git(args, cwd, extra);
        EXPECT_TRUE(ran.ok()) << "git " << args.front() << ": " << ran.status_text() << "\n" << ran.err;
        return ran.out;
    }
    std::string rev(const fs::path& repo, const std::string& ref)
    {
        auto out = must({"--git-dir", repo.string(), "rev-parse", "--verify", "-q", ref});
        return out.substr(0, out.find('\n'));
    }
    // A clone of web-core with one new commit on `branch`.
    fs::path commit_in_clone(const std::string& name, const std::string& branch, const std::string& content)
    {
        auto work = m_dir / name;
        must({"clone", "-q", server().url("web-core"), work.string()});
        must({"checkout", "-q", "-B", branch}, work);
        write(work / (name + ".txt"), content);
        must({"add", "."}, work);
        must({"commit", "-q", "-m", "from " + name}, work);
        return work;
    }
    std::vector<std::string> log_lines()
    {
        server().stop();  // every response has been logged once the workers are joined
        return split_lines(read_text(log_path()));
    }

    fs::path m_dir;
    std::unique_ptr<GitHttpServer> m_server;
};

// ---- clone and push ----------------------------------------------------------

TEST_F(GitHttp, CloneOverProtocolV2)
{
    start();
    EXPECT_EQ(server().url("web-core"), "http://127.0.0.1:" + std::to_string(server().port()) + "/web-core.git");
    auto work = m_dir / "v2";
    auto ran = git({"-c", "protocol.version=2", "clone", server().url("web-core"), work.string()}, {},
                   {{"GIT_TRACE_PACKET", "1"}});
    ASSERT_TRUE(ran.ok()) << ran.err;
    // Without GIT_PROTOCOL reaching http-backend the server answers v0 and
    // the client falls back silently; the trace tells them apart.
    EXPECT_NE(ran.err.find("< version 2"), std::string::npos) << ran.err;
    EXPECT_EQ(read_text(work / "README"), "web-core\n");
    EXPECT_EQ(rev(work / ".git", "HEAD"), rev(bare(), "main"));
}

TEST_F(GitHttp, CloneOverProtocolV0)
{
    start();
    auto work = m_dir / "v0";
    auto ran = git({"-c", "protocol.version=0", "clone", server().url("web-core"), work.string()}, {},
                   {{"GIT_TRACE_PACKET", "1"}});
    ASSERT_TRUE(ran.ok()) << ran.err;
    EXPECT_EQ(ran.err.find("version 2"), std::string::npos);
    EXPECT_EQ(read_text(work / "README"), "web-core\n");
    EXPECT_EQ(rev(work / ".git", "HEAD"), rev(bare(), "main"));
}

TEST_F(GitHttp, PushLandsInTheBareRepository)
{
    start();
    auto work = commit_in_clone("pusher", "main", "pushed\n");
    must({"push", "-q", "origin", "main"}, work);
    EXPECT_EQ(rev(bare(), "main"), rev(work / ".git", "HEAD"));
    auto lines = log_lines();
    EXPECT_EQ(count_of(lines, "GET /web-core.git/info/refs?service=git-receive-pack 200"), 1U);
    EXPECT_EQ(count_of(lines, "POST /web-core.git/git-receive-pack 200"), 1U);
}

TEST_F(GitHttp, EightConcurrentPushesToDifferentBranchesAllLand)
{
    start();
    constexpr int k_pushers = 8;
    std::vector<std::future<std::pair<std::string, std::string>>> pushes;
    pushes.reserve(k_pushers);
    for (int i = 0; i < k_pushers; ++i) {
        pushes.push_back(std::async(std::launch::async, [this, i] {
            std::string name = "pusher-" + std::to_string(i);
            auto work = commit_in_clone(name, "team/" + name, name + "\n");
            auto pushed = git({"push", "-q", "origin", "team/" + name}, work);
            EXPECT_TRUE(pushed.ok()) << name << ": " << pushed.err;
            return std::pair{"team/" + name, rev(work / ".git", "HEAD")};
        }));
    }
    for (auto& push : pushes) {
        auto [branch, commit] = push.get();
        EXPECT_EQ(rev(bare(), branch), commit) << branch;
    }
    auto lines = log_lines();
    EXPECT_EQ(count_of(lines, "POST /web-core.git/git-receive-pack 200"), std::size_t{k_pushers});
}

TEST_F(GitHttp, LargePushIsSentChunkedAndLands)
{
    start();
    // 3 MiB that do not compress: more than git's 1 MiB http.postBuffer.
    std::mt19937 random(42);
    std::string noise(std::size_t{3} << 20, '\0');
    for (auto& c : noise) {
        c = static_cast<char>(random() & 0xff);
    }
    auto work = commit_in_clone("large", "main", noise);
    auto ran = git({"push", "origin", "main"}, work, {{"GIT_TRACE_CURL", "1"}, {"GIT_TRACE_CURL_NO_DATA", "1"}});
    ASSERT_TRUE(ran.ok()) << ran.err.substr(0, 4000);
    EXPECT_NE(ran.err.find("Transfer-Encoding: chunked"), std::string::npos);
    EXPECT_EQ(rev(bare(), "main"), rev(work / ".git", "HEAD"));
    auto blob = must({"--git-dir", bare().string(), "cat-file", "blob", "main:large.txt"});
    EXPECT_EQ(blob, noise);
}

// Git gzips upload-pack requests over 1 KiB: forty wants are enough.
TEST_F(GitHttp, GzipRequestBodiesAreServed)
{
    std::string stream;
    for (int i = 0; i < 40; ++i) {
        std::string message = "tip " + std::to_string(i);
        stream += "commit refs/heads/many/" + std::to_string(i) +
                  "\ncommitter Sandbox <s@example.invalid> 1700000000 +0000\ndata " + std::to_string(message.size()) +
                  "\n" + message + "\n";
    }
    ProcessSpec import{{"git", "--git-dir", bare().string(), "fast-import", "--quiet"}};
    import.input = stream;
    auto imported = run_process(import);
    ASSERT_TRUE(imported && imported->ok()) << (imported ? imported->err : imported.error().message);
    start();
    for (std::string version : {"0", "2"}) {
        auto work = m_dir / ("gzip-v" + version);
        auto ran = git(
            {"-c", "protocol.version=" + version, "clone", "-q", "--mirror", server().url("web-core"), work.string()},
            {}, {{"GIT_TRACE_CURL", "1"}, {"GIT_TRACE_CURL_NO_DATA", "1"}});
        ASSERT_TRUE(ran.ok()) << "v" << version << ": " << ran.err.substr(0, 4000);
        EXPECT_NE(ran.err.find("Content-Encoding: gzip"), std::string::npos) << "v" << version;
        EXPECT_EQ(rev(work, "many/39"), rev(bare(), "many/39"));
    }
    // A gzip body as it is on the wire, without git's client.
    ProcessSpec gzip{{"gzip", "-c"}};
    gzip.input = "0000";  // a flush: "no wants", an empty reply
    auto packed = run_process(gzip);
    ASSERT_TRUE(packed && packed->ok());
    auto reply = http(server().url("web-core") + "/git-upload-pack",
                      {"Content-Type: application/x-git-upload-pack-request", "Content-Encoding: gzip"}, &packed->out);
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_type, "application/x-git-upload-pack-result");
}

// ---- refusals ----------------------------------------------------------------

TEST_F(GitHttp, MissingRepositoryIs404NotAHang)
{
    start();
    auto began = Clock::now();
    auto ran = git({"ls-remote", server().url("no-such-repo")});
    EXPECT_FALSE(ran.ok());
    EXPECT_LT(Clock::now() - began, std::chrono::seconds(5));
    EXPECT_NE(ran.err.find("not found"), std::string::npos) << ran.err;
    EXPECT_EQ(http(server().url("no-such-repo") + "/info/refs?service=git-upload-pack").status, 404);
    // http-backend leaves without reading a body it does not want: the
    // server's write to its stdin fails (EPIPE, and SIGPIPE unless ignored:
    // not on every run, hence a few) and the server goes on.
    std::string big(std::size_t{4} << 20, '0');
    for (int i = 0; i < 4; ++i) {
        auto post = http(server().url("no-such-repo") + "/git-upload-pack",
                         {"Content-Type: application/x-git-upload-pack-request"}, &big);
        EXPECT_EQ(post.status, 404);
    }
    EXPECT_EQ(http(server().url("web-core") + "/info/refs?service=git-upload-pack").status, 200);
    auto lines = log_lines();
    EXPECT_EQ(count_of(lines, "GET /no-such-repo.git/info/refs?service=git-upload-pack 404"), 2U);
    EXPECT_EQ(count_of(lines, "POST /no-such-repo.git/git-upload-pack 404"), 4U);
}

TEST_F(GitHttp, DotDotSegmentsAreRefused)
{
    fs::create_directories(m_dir / "outside.git");
    start();
    for (std::string path : {"/../outside.git/HEAD", "/web-core.git/../../outside.git/HEAD",
                             "/web-core.git/%2e%2e/web-core.git/HEAD", "/..", "/web-core.git/.."}) {
        auto reply = raw_exchange(server().port(), "GET " + path +
                                                       " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                       "Connection: close\r\n\r\n");
        EXPECT_EQ(status_line(reply), "HTTP/1.1 400 Bad Request") << path;
    }
    // Dots inside a name are no segment of their own.
    auto fine = raw_exchange(server().port(),
                             "GET /web-core.git/HEAD HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Connection: close\r\n\r\n");
    EXPECT_EQ(status_line(fine), "HTTP/1.1 200 OK");
    EXPECT_NE(fine.find("ref: refs/heads/main"), std::string::npos);
}

// The sandbox's limit is 256 MiB; the behaviour is the same at 1 MiB, which
// a sanitized server reads in a blink.
TEST_F(GitHttp, BodiesOverTheLimitAre413)
{
    start(std::size_t{1} << 20U);
    constexpr std::size_t k_over = (std::size_t{1} << 20U) + 1;
    const std::string head =
        "POST /web-core.git/git-upload-pack HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-git-upload-pack-request\r\nConnection: close\r\n";
    auto sized = raw_exchange(server().port(), head + fmt::format("Content-Length: {}\r\n\r\n", k_over), k_over);
    EXPECT_EQ(status_line(sized), "HTTP/1.1 413 Payload Too Large");
    auto chunked = raw_exchange(server().port(), head + "Transfer-Encoding: chunked\r\n\r\n", k_over, true);
    EXPECT_EQ(status_line(chunked), "HTTP/1.1 413 Payload Too Large");
    auto lines = log_lines();
    EXPECT_EQ(count_of(lines, "POST /web-core.git/git-upload-pack 413"), 2U);
}

// ---- the listener ------------------------------------------------------------

TEST_F(GitHttp, ListensOnLoopbackOnly)
{
    start();
    EXPECT_EQ(connect_error("127.0.0.1", server().port()), 0);
    // Another loopback address reaches a server bound to 0.0.0.0 or to the
    // whole of 127/8, not one bound to 127.0.0.1.
    EXPECT_EQ(connect_error("127.0.0.2", server().port()), ECONNREFUSED);
    ifaddrs* list = nullptr;
    ASSERT_EQ(::getifaddrs(&list), 0);
    std::vector<std::string> outside;
    for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
        if (a->ifa_addr != nullptr && a->ifa_addr->sa_family == AF_INET) {
            char text[INET_ADDRSTRLEN] = {};
            ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);  // NOLINT
            if (!std::string_view(text).starts_with("127.")) {
                outside.emplace_back(text);
            }
        }
    }
    ::freeifaddrs(list);
    for (const auto& address : outside) {
        EXPECT_NE(connect_error(address, server().port()), 0) << address;
    }
    if (outside.empty()) {
        GTEST_SKIP() << "no non-loopback IPv4 address to try";
    }
}

TEST_F(GitHttp, StopIsIdempotentAndAStoppedServerRefusesConnections)
{
    start();
    int port = server().port();
    EXPECT_EQ(http(server().url("web-core") + "/info/refs?service=git-upload-pack").status, 200);
    // An idle kept-alive connection holds its worker for the keep-alive
    // timeout (2 s) at most, and so holds up stop() no longer than that.
    int idle = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    ASSERT_EQ(::connect(idle, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);  // NOLINT
    std::this_thread::sleep_for(milliseconds(50));
    auto began = Clock::now();
    server().stop();
    EXPECT_LT(Clock::now() - began, milliseconds(3500));
    ::close(idle);
    server().stop();
    EXPECT_EQ(connect_error("127.0.0.1", port), ECONNREFUSED);
    auto ran = git({"ls-remote", server().url("web-core")});
    EXPECT_FALSE(ran.ok());
    m_server.reset();  // the destructor stops once more
}

TEST_F(GitHttp, StartFailsOnAMissingRootOrATakenPort)
{
    GitHttpServer missing({.root = m_dir / "nowhere", .port = 0, .log = {}});
    EXPECT_FALSE(missing.start());
    GitHttpServer taken({.root = m_dir / "root", .port = 0, .log = {}});
    ASSERT_TRUE(taken.start());
    GitHttpServer same_port({.root = m_dir / "root", .port = taken.port(), .log = {}});
    auto second = same_port.start();
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message.find("cannot listen"), std::string::npos);
}

// ---- the log and the environment ---------------------------------------------

TEST_F(GitHttp, LogHasOneLinePerRequestAndNoHeaders)
{
    start();
    const std::string token = "glpat-SECRET-never-logged";
    auto reply = http(server().url("web-core") + "/info/refs?service=git-upload-pack",
                      {"Authorization: Bearer " + token, "Git-Protocol: version=2"});
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_type, "application/x-git-upload-pack-advertisement");
    EXPECT_EQ(http(server().url("web-core") + "/nothing/here").status, 404);
    auto lines = log_lines();
    ASSERT_EQ(lines.size(), 2U);
    EXPECT_EQ(lines[0], "GET /web-core.git/info/refs?service=git-upload-pack 200");
    EXPECT_EQ(lines[1], "GET /web-core.git/nothing/here 404");
    for (const auto& line : lines) {
        EXPECT_EQ(line.find(token), std::string::npos);
        EXPECT_EQ(line.find("version=2"), std::string::npos);
    }
}

// Sets environment variables for one test and puts them back.
class EnvironmentGuard {
public:
    void set(const std::string& name, const std::string& value)
    {
        const char* old = std::getenv(name.c_str());
        m_saved.emplace_back(name, old == nullptr ? std::nullopt : std::optional<std::string>(old));
        ::setenv(name.c_str(), value.c_str(), 1);
    }
    ~EnvironmentGuard()
    {
        for (auto it = m_saved.rbegin(); it != m_saved.rend(); ++it) {
            if (it->second) {
                ::setenv(it->first.c_str(), it->second->c_str(), 1);
            } else {
                ::unsetenv(it->first.c_str());
            }
        }
    }

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> m_saved;
};

// A stand-in `git` first on PATH that prints the CGI environment and then
// echoes its stdin, so a test sees exactly what http-backend would.
struct StandInBackend {
    std::map<std::string, std::string> env;
    std::string body;
};

StandInBackend install_stand_in(const fs::path& bin, EnvironmentGuard& guard)
{
    fs::create_directories(bin);
    std::ofstream(bin / "git") << "#!/bin/sh\nprintf 'Status: 201 Created\\r\\nContent-Type: text/x-env\\r\\n"
                                  "X-Backend: stand-in\\r\\n\\r\\n'\nenv\nprintf '%s\\n' \"args=$*\" --\nexec cat\n";
    fs::permissions(bin / "git", fs::perms::owner_all);
    guard.set("PATH", bin.string() + ":" + std::getenv("PATH"));
    return {};
}

StandInBackend read_stand_in(const std::string& reply)
{
    StandInBackend seen;
    auto split = reply.find("--\n");
    if (split == std::string::npos) {
        ADD_FAILURE() << "not the stand-in's output: " << reply;
        return seen;
    }
    seen.body = reply.substr(split + 3);
    for (const auto& line : split_lines(reply.substr(0, split))) {
        auto eq = line.find('=');
        seen.env[line.substr(0, eq)] = eq == std::string::npos ? "" : line.substr(eq + 1);
    }
    return seen;
}

TEST_F(GitHttp, TheBackendGetsTheCgiVariablesAndNothingElse)
{
    EnvironmentGuard guard;
    install_stand_in(m_dir / "bin", guard);
    guard.set("GIT_DIR", "/nonexistent");
    guard.set("GIT_CONFIG_PARAMETERS", "'http.receivepack'='false'");
    guard.set("KANON_GIT_HTTP_SECRET", "leak");
    start();
    const std::string body("0000\0\x01\xff\r\n", 9);
    auto reply = http(server().url("web-core") + "/git-receive-pack?x=1&y=%20",
                      {"Content-Type: application/x-git-receive-pack-request", "Git-Protocol: version=2",
                       "Authorization: Bearer tok"},
                      &body);
    server().stop();
    EXPECT_EQ(reply.status, 201);
    EXPECT_EQ(reply.content_type, "text/x-env");
    auto seen = read_stand_in(reply.body);
    EXPECT_EQ(seen.body, body);  // binary-safe both ways
    EXPECT_EQ(seen.env["args"], "http-backend");
    seen.env.erase("args");
    const std::map<std::string, std::string> want{
        {"GIT_PROJECT_ROOT", (m_dir / "root").string()},
        {"GIT_HTTP_EXPORT_ALL", "1"},
        {"PATH_INFO", "/web-core.git/git-receive-pack"},
        {"QUERY_STRING", "x=1&y=%20"},
        {"REQUEST_METHOD", "POST"},
        {"CONTENT_TYPE", "application/x-git-receive-pack-request"},
        {"CONTENT_LENGTH", std::to_string(body.size())},
        {"REMOTE_ADDR", "127.0.0.1"},
        {"REMOTE_USER", "sandbox"},
        {"GIT_PROTOCOL", "version=2"},
        {"SERVER_PROTOCOL", "HTTP/1.1"},
        {"GATEWAY_INTERFACE", "CGI/1.1"},
        {"SERVER_SOFTWARE", "kanon-git-http"},
        {"SERVER_NAME", "127.0.0.1"},
        {"SERVER_PORT", std::to_string(server().port())},
        {"SCRIPT_NAME", ""},
        {"PATH", std::getenv("PATH")},
    };
    for (const auto& [name, value] : want) {
        EXPECT_EQ(seen.env[name], value) << name;
    }
    const std::set<std::string> shell_own{"PWD", "SHLVL", "_", "OLDPWD"};
    for (const auto& [name, value] : seen.env) {
        bool expected = want.count(name) != 0 || shell_own.count(name) != 0 || name == "HOME";
        EXPECT_TRUE(expected) << "leaked into the backend: " << name << "=" << value;
    }
}

// httplib 0.11 (built with zlib) inflates a gzip request body before the
// handler sees it; the backend must then not be told to inflate it again.
TEST_F(GitHttp, GzipBodiesReachTheBackendInflated)
{
    EnvironmentGuard guard;
    install_stand_in(m_dir / "bin", guard);
    start();
    const std::string plain = "0032want 0123456789012345678901234567890123456789\n00000009done\n";
    ProcessSpec gzip{{"gzip", "-c"}};
    gzip.input = plain;
    auto packed = run_process(gzip);
    ASSERT_TRUE(packed && packed->ok());
    auto reply = http(server().url("web-core") + "/git-upload-pack",
                      {"Content-Type: application/x-git-upload-pack-request", "Content-Encoding: gzip"}, &packed->out);
    server().stop();
    auto seen = read_stand_in(reply.body);
    EXPECT_EQ(seen.body, plain);
    EXPECT_EQ(seen.env["CONTENT_LENGTH"], std::to_string(plain.size()));
    EXPECT_EQ(seen.env.count("HTTP_CONTENT_ENCODING"), 0U);
}

// ---- connections ---------------------------------------------------------------

std::size_t append_to(char* data, std::size_t size, std::size_t count, void* out)
{
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

TEST_F(GitHttp, KeepsConnectionsAliveAndPassesCacheHeadersThrough)
{
    start();
    CURL* curl = curl_easy_init();
    std::string headers;
    std::string body;
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, append_to);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_to);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    long connections = 0;
    for (const char* path : {"/info/refs?service=git-upload-pack", "/HEAD", "/info/refs?service=git-receive-pack"}) {
        std::string url = server().url("web-core") + path;
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        EXPECT_EQ(curl_easy_perform(curl), CURLE_OK) << path;
        long status = 0;
        long made = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &made);
        EXPECT_EQ(status, 200) << path;
        connections += made;
    }
    curl_easy_cleanup(curl);
    EXPECT_EQ(connections, 1);
    EXPECT_NE(headers.find("Cache-Control: no-cache, max-age=0, must-revalidate"), std::string::npos) << headers;
    EXPECT_NE(headers.find("Expires: Fri, 01 Jan 1980 00:00:00 GMT"), std::string::npos) << headers;
}

// The reply is far larger than the socket buffers, so the server is still
// writing when the client resets the connection: its send fails, the worker
// moves on.
TEST_F(GitHttp, AClientHangingUpMidReplyLeavesTheServerServing)
{
    std::mt19937 random(7);
    std::string noise(std::size_t{8} << 20, '\0');
    for (auto& c : noise) {
        c = static_cast<char>(random() & 0xff);
    }
    write(m_dir / "noise", noise);
    auto id = must({"--git-dir", bare().string(), "hash-object", "-w", (m_dir / "noise").string()});
    id = id.substr(0, id.find('\n'));
    start();
    for (int i = 0; i < 3; ++i) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(static_cast<std::uint16_t>(server().port()));
        ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
        ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);  // NOLINT
        std::string request = "GET /web-core.git/objects/" + id.substr(0, 2) + "/" + id.substr(2) +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
        char buf[256];
        ASSERT_GT(::recv(fd, buf, sizeof buf, 0), 0);
        linger reset{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        ::close(fd);
    }
    EXPECT_EQ(http(server().url("web-core") + "/info/refs?service=git-upload-pack").status, 200);
    auto lines = log_lines();
    EXPECT_EQ(lines.size(), 4U);
}

TEST_F(GitHttp, AMultipartPostIsRefusedNotFatal)
{
    start();
    const std::string form = "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nbody\r\n--x--\r\n";
    auto reply =
        http(server().url("web-core") + "/git-upload-pack", {"Content-Type: multipart/form-data; boundary=x"}, &form);
    EXPECT_GE(reply.status, 400);
    EXPECT_EQ(http(server().url("web-core") + "/info/refs?service=git-upload-pack").status, 200);
}

}  // namespace
}  // namespace kanon::sandbox
