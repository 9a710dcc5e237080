// Test support for the Argo CD simulator: a plain libcurl client (unary
// requests, and streams read step by step through the multi interface, so a
// test decides when it has seen enough), the shared fixtures, and a fixture
// class that runs a simulator in-process.
#pragma once

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "sandbox/argocd_sim.hpp"

namespace kanon::sandbox::testing {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

inline fs::path argocd_fixtures()
{
    return fs::path(KANON_SHARED_DIR) / "argocd";
}

inline fs::path support_scenarios()
{
    return fs::path(KANON_SOURCE_DIR) / "tests" / "support" / "argocd";
}

inline std::string read_text(const fs::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// A fixture file as the server writes it: compact, in the file's key order.
inline std::string compact_fixture(const std::string& name)
{
    return Json::parse(read_text(argocd_fixtures() / name)).dump();
}

inline std::vector<std::string> ndjson_lines()
{
    std::vector<std::string> lines;
    std::istringstream in(read_text(argocd_fixtures() / "watch-stream.ndjson"));
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

// error-bodies.json's exact body for one case.
inline std::string error_body(const std::string& name)
{
    return Json::parse(read_text(argocd_fixtures() / "error-bodies.json"))[name]["body"].get<std::string>();
}

inline std::size_t count_of(const std::vector<std::string>& lines, const std::string& line)
{
    return static_cast<std::size_t>(std::count(lines.begin(), lines.end(), line));
}

struct HttpReply {
    long status = 0;
    std::string body;
    std::string content_type;
    CURLcode result = CURLE_OK;
    milliseconds took{0};
};

inline std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out)
{
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

struct CurlHeaders {
    curl_slist* list = nullptr;
    explicit CurlHeaders(const std::vector<std::string>& headers)
    {
        for (const auto& h : headers) {
            list = curl_slist_append(list, h.c_str());
        }
    }
    ~CurlHeaders() { curl_slist_free_all(list); }
    CurlHeaders(const CurlHeaders&) = delete;
    CurlHeaders& operator=(const CurlHeaders&) = delete;
};

inline std::string content_type_of(CURL* curl)
{
    char* type = nullptr;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
    return type == nullptr ? std::string{} : std::string(type);
}

// One request on a fresh connection. `body` non-null makes it a POST.
inline HttpReply http(const std::string& url, const std::vector<std::string>& headers = {},
                      const std::string* body = nullptr, long timeout_ms = 5000)
{
    HttpReply reply;
    CURL* curl = curl_easy_init();
    CurlHeaders list(headers);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list.list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
    if (body != nullptr) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
    }
    auto start = Clock::now();
    reply.result = curl_easy_perform(curl);
    reply.took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    reply.content_type = content_type_of(curl);
    curl_easy_cleanup(curl);
    return reply;
}

inline HttpReply http_post(const std::string& url, const std::string& body,
                           std::vector<std::string> headers = {"Content-Type: application/json"})
{
    return http(url, headers, &body);
}

// A streaming GET read in steps on the test's own thread.
class HttpStream {
public:
    HttpStream(const std::string& url, const std::vector<std::string>& headers)
        : m_headers(headers), m_curl(curl_easy_init()), m_multi(curl_multi_init())
    {
        curl_easy_setopt(m_curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(m_curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(m_curl, CURLOPT_HTTPHEADER, m_headers.list);
        curl_easy_setopt(m_curl, CURLOPT_WRITEFUNCTION, append_body);
        curl_easy_setopt(m_curl, CURLOPT_WRITEDATA, &m_body);
        curl_easy_setopt(m_curl, CURLOPT_HEADERFUNCTION, append_body);
        curl_easy_setopt(m_curl, CURLOPT_HEADERDATA, &m_header_text);
        curl_multi_add_handle(m_multi, m_curl);
    }
    ~HttpStream()
    {
        curl_multi_remove_handle(m_multi, m_curl);
        curl_easy_cleanup(m_curl);
        curl_multi_cleanup(m_multi);
    }
    HttpStream(const HttpStream&) = delete;
    HttpStream& operator=(const HttpStream&) = delete;

    // Transfers until `done(body)` holds, the response ends, or `limit`.
    bool read_until(const std::function<bool(const std::string&)>& done, milliseconds limit = milliseconds(5000))
    {
        auto until = Clock::now() + limit;
        while (!done(m_body)) {
            if (m_finished || Clock::now() >= until) {
                return done(m_body);
            }
            int running = 0;
            curl_multi_perform(m_multi, &running);
            collect_result();
            if (!m_finished) {
                curl_multi_poll(m_multi, nullptr, 0, 20, nullptr);
            }
        }
        return true;
    }
    void read_for(milliseconds span)
    {
        read_until([](const std::string&) { return false; }, span);
    }
    bool read_lines(std::size_t lines, milliseconds limit = milliseconds(5000))
    {
        return read_until([&](const std::string& body) { return std::count(body.begin(), body.end(), '\n') >= lines; },
                          limit);
    }
    void read_to_end(milliseconds limit = milliseconds(5000))
    {
        read_until([this](const std::string&) { return m_finished; }, limit);
    }

    [[nodiscard]] const std::string& body() const { return m_body; }
    [[nodiscard]] const std::string& header_text() const { return m_header_text; }
    [[nodiscard]] bool finished() const { return m_finished; }
    [[nodiscard]] CURLcode result() const { return m_result; }
    [[nodiscard]] long status() const
    {
        long status = 0;
        curl_easy_getinfo(m_curl, CURLINFO_RESPONSE_CODE, &status);
        return status;
    }
    [[nodiscard]] std::string content_type() const { return content_type_of(m_curl); }

private:
    void collect_result()
    {
        int left = 0;
        while (CURLMsg* message = curl_multi_info_read(m_multi, &left)) {
            if (message->msg == CURLMSG_DONE) {
                m_finished = true;
                m_result = message->data.result;
            }
        }
    }

    CurlHeaders m_headers;
    CURL* m_curl;
    CURLM* m_multi;
    std::string m_body;
    std::string m_header_text;
    bool m_finished = false;
    CURLcode m_result = CURLE_OK;
};

inline std::vector<std::string> split_lines(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

// Runs a simulator over an inline scenario whose fixtures are shared/argocd.
class SimTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!fs::exists(argocd_fixtures() / "CONTRACT.md")) {
            GTEST_SKIP() << "shared/argocd is absent (" << argocd_fixtures() << ")";
        }
    }

    void start(const std::string& scenario_json, SimOptions options = {})
    {
        auto scenario = parse_scenario(Json::parse(scenario_json), argocd_fixtures());
        ASSERT_TRUE(scenario) << scenario.error().message;
        m_sim = std::make_unique<ArgoSim>(std::move(*scenario), std::move(options));
        auto started = m_sim->start();
        ASSERT_TRUE(started) << started.error().message;
    }

    [[nodiscard]] std::string url(const std::string& path_and_query) const
    {
        return "http://127.0.0.1:" + std::to_string(m_sim->port()) + path_and_query;
    }

    ArgoSim& sim() { return *m_sim; }

    std::unique_ptr<ArgoSim> m_sim;
};

inline const std::string k_dev = "web-synestra-io-dev";
inline const std::string k_prod = "web-synestra-io-prod";
inline const std::string k_dev_path = "/api/v1/applications/web-synestra-io-dev";
inline const std::string k_prod_path = "/api/v1/applications/web-synestra-io-prod";

}  // namespace kanon::sandbox::testing
