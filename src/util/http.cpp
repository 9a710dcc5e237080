#include "util/http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "util/redact.hpp"
#include "util/text.hpp"

namespace kanon::http {

namespace {

void global_init()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

// Everything the callbacks share with perform().
struct Transfer {
    const Request* request = nullptr;
    Response* response = nullptr;
    std::size_t received = 0;
    bool too_large = false;
    bool stopped = false;
    bool link_local = false;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user)
{
    auto* t = static_cast<Transfer*>(user);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
        t->response->headers.clear();  // a new response (after 100 Continue, or a proxy's CONNECT)
        auto sp = line.find(' ');
        long status = 0;
        if (sp != std::string_view::npos && line.size() >= sp + 4) {
            std::from_chars(line.data() + sp + 1, line.data() + sp + 4, status);
        }
        t->response->status = status;
        return line.size();
    }
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        t->response->headers.emplace_back(lower(trim(line.substr(0, colon))),
                                          std::string(trim(line.substr(colon + 1))));
    }
    return line.size();
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user)
{
    auto* t = static_cast<Transfer*>(user);
    std::size_t n = size * count;
    t->received += n;
    if (t->request->on_data) {
        if (!t->request->on_data(std::string_view(data, n), *t->response)) {
            t->stopped = true;
            return 0;
        }
        return n;
    }
    if (t->received > t->request->max_body) {
        t->too_large = true;
        return 0;
    }
    t->response->body.append(data, n);
    return n;
}

int on_progress(void* user, curl_off_t /*dltotal*/, curl_off_t /*dlnow*/, curl_off_t /*ultotal*/, curl_off_t /*ulnow*/)
{
    auto* t = static_cast<Transfer*>(user);
    if (t->request->should_stop && t->request->should_stop()) {
        t->stopped = true;
        return 1;
    }
    return 0;
}

// Once connected, before the request is sent: is the peer link-local?
int on_connected(void* user, char* primary_ip, char* /*local_ip*/, int /*primary_port*/, int /*local_port*/)
{
    auto* t = static_cast<Transfer*>(user);
    if (is_link_local(primary_ip)) {
        t->link_local = true;
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

Failure classify(CURLcode code, const Transfer& t)
{
    if (t.too_large) {
        return Failure::too_large;
    }
    if (t.link_local) {
        return Failure::forbidden;
    }
    if (t.stopped) {
        return Failure::stopped;
    }
    switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
            return Failure::resolve;
        case CURLE_COULDNT_CONNECT:
            return Failure::connect;
        case CURLE_OPERATION_TIMEDOUT:
            return Failure::timeout;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_SHUTDOWN_FAILED:
            return Failure::tls;
        case CURLE_GOT_NOTHING:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
            return t.response->status == 0 ? Failure::connect : Failure::protocol;
        default:
            return Failure::protocol;
    }
}

struct EasyDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

long millis(std::chrono::milliseconds d)
{
    return static_cast<long>(d.count());
}

struct MultiDeleter {
    void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};

// curl_easy_perform, but through a multi handle polled every 100 ms, so that
// should_stop ends even a transfer that receives nothing (curl calls the
// progress callback of an idle transfer only about once a second).
CURLcode run_transfer(CURL* c, Transfer& t)
{
    std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
    if (!multi || curl_multi_add_handle(multi.get(), c) != CURLM_OK) {
        return CURLE_OUT_OF_MEMORY;
    }
    CURLcode code = CURLE_OK;
    int running = 1;
    while (running != 0) {
        if (curl_multi_perform(multi.get(), &running) != CURLM_OK) {
            code = CURLE_RECV_ERROR;
            break;
        }
        if (running == 0) {
            break;
        }
        if (t.request->should_stop && t.request->should_stop()) {
            t.stopped = true;
            code = CURLE_ABORTED_BY_CALLBACK;
            break;
        }
        curl_multi_poll(multi.get(), nullptr, 0, 100, nullptr);
    }
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == c) {
            code = msg->data.result;
        }
    }
    curl_multi_remove_handle(multi.get(), c);
    return code;
}

}  // namespace

std::string Response::header(std::string_view name) const
{
    for (const auto& [k, v] : headers) {
        if (k == name) {
            return v;
        }
    }
    return {};
}

bool is_link_local(std::string_view address)
{
    std::string a(address);
    if (a.size() > 2 && a.front() == '[' && a.back() == ']') {
        a = a.substr(1, a.size() - 2);
    }
    in_addr v4{};
    if (a.find(':') == std::string::npos && ::inet_aton(a.c_str(), &v4) != 0) {
        return (ntohl(v4.s_addr) >> 16) == 0xa9fe;  // 169.254/16
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, a.c_str(), &v6) != 1) {
        return false;
    }
    const auto* b = v6.s6_addr;
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) {  // fe80::/10
        return true;
    }
    bool mapped = std::all_of(b, b + 10, [](unsigned char x) { return x == 0; }) && b[10] == 0xff && b[11] == 0xff;
    return mapped && b[12] == 169 && b[13] == 254;
}

std::string_view failure_name(Failure f)
{
    switch (f) {
        case Failure::none:
            return "no failure";
        case Failure::resolve:
            return "host not found";
        case Failure::connect:
            return "connection failed";
        case Failure::timeout:
            return "timed out";
        case Failure::tls:
            return "TLS failure";
        case Failure::too_large:
            return "response too large";
        case Failure::stopped:
            return "stopped";
        case Failure::forbidden:
            return "link-local address refused";
        case Failure::protocol:
            return "broken response";
    }
    return "?";
}

namespace {

// Timeouts, TLS and the callbacks that bound what is read.
void set_transfer_options(CURL* c, const Request& request, Transfer& t)
{
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, millis(request.connect_timeout));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, millis(request.timeout));
    if (request.idle_timeout.count() > 0) {
        auto secs = std::max<long>(1, static_cast<long>((request.idle_timeout.count() + 999) / 1000));
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, secs);
    }
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, request.tls.verify ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, request.tls.verify ? 2L : 0L);
    if (!request.tls.ca_file.empty()) {
        curl_easy_setopt(c, CURLOPT_CAINFO, request.tls.ca_file.c_str());
    }
    curl_easy_setopt(c, CURLOPT_USERAGENT, "kanon");
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    if (request.refuse_link_local) {
        curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, on_connected);
        curl_easy_setopt(c, CURLOPT_PREREQDATA, &t);
    }
}

// The method, its body and the headers (returned: they must live as long as
// the transfer).
std::unique_ptr<curl_slist, ListDeleter> set_method_and_headers(CURL* c, const Request& request)
{
    std::unique_ptr<curl_slist, ListDeleter> list;
    for (const auto& [name, value] : request.headers) {
        std::string line = value.empty() ? fmt::format("{};", name) : fmt::format("{}: {}", name, value);
        list.reset(curl_slist_append(list.release(), line.c_str()));
    }
    if (request.method == "GET") {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.c_str());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        // No "Expect: 100-continue" round trip for small JSON bodies.
        list.reset(curl_slist_append(list.release(), "Expect:"));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());
    return list;
}

// What the finished transfer says: status, timing, redirect, failure.
void read_outcome(CURL* c, CURLcode code, const Transfer& t, const char* errbuf, Response& response)
{
    const Request& request = *t.request;
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    response.status = status;
    curl_off_t connect_us = 0;
    response.connected = curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect_us) == CURLE_OK && connect_us > 0;
    char* redirect = nullptr;
    if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &redirect) == CURLE_OK && redirect != nullptr) {
        response.redirect_url = redirect;
    }
    if (code != CURLE_OK) {
        response.failure = classify(code, t);
        std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code);
        if (response.failure == Failure::too_large) {
            detail = fmt::format("the response is larger than {} bytes", request.max_body);
        }
        response.error = redact(fmt::format("{} {}: {}", request.method, request.url, detail));
    }
}

}  // namespace

Response perform(const Request& request)
{
    global_init();
    Response response;
    Transfer t{&request, &response};
    std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
    if (!easy) {
        response.failure = Failure::protocol;
        response.error = "cannot start an HTTP transfer (libcurl)";
        return response;
    }
    CURL* c = easy.get();
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    set_transfer_options(c, request, t);
    auto headers = set_method_and_headers(c, request);
    auto start = std::chrono::steady_clock::now();
    CURLcode code = run_transfer(c, t);
    response.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    read_outcome(c, code, t, errbuf, response);
    return response;
}

std::string percent_encode(std::string_view text)
{
    std::string out;
    for (unsigned char ch : text) {
        if (std::isalnum(ch) != 0 || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            out += static_cast<char>(ch);
        } else {
            out += fmt::format("%{:02X}", ch);
        }
    }
    return out;
}

std::string url_with_query(std::string_view base, std::string_view path, const Headers& query)
{
    std::string url(base);
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    url += path;
    char sep = '?';
    for (const auto& [k, v] : query) {
        url += sep;
        url += percent_encode(k);
        url += '=';
        url += percent_encode(v);
        sep = '&';
    }
    return url;
}

}  // namespace kanon::http
