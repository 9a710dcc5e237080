#include "verify/http/follow.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "util/redact.hpp"

namespace kanon::verify::http {

namespace transport = ::kanon::http;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// A redirect to a link-local address, written as one or resolved to one,
// is never followed: it is where clouds serve instance metadata.
std::string link_local_refusal(const std::string& url)
{
    return fmt::format(
        "redirect to {} refused: a link-local address (169.254.0.0/16, fe80::/10: where clouds serve instance "
        "metadata)",
        redact(url));
}

bool stop_asked(const FetchOptions& o)
{
    return o.interrupted && o.interrupted();
}

// Refused, reset before any answer, or not connected in time: worth another try.
bool transient(const transport::Response& r)
{
    return r.failure == transport::Failure::connect || (r.failure == transport::Failure::timeout && !r.connected);
}

// Sleeps `d`, in slices, so that an interrupt is noticed; false when interrupted.
bool pause(milliseconds d, const FetchOptions& o)
{
    auto until = Clock::now() + d;
    while (Clock::now() < until) {
        if (stop_asked(o)) {
            return false;
        }
        auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
        std::this_thread::sleep_for(std::clamp(left, milliseconds(0), milliseconds(50)));
    }
    return !stop_asked(o);
}

struct Answer {
    transport::Response response;
    bool truncated = false;
};

// One GET; the body is kept up to the cap and the transfer stopped there.
// `redirected`: a hop a redirect chose, so never to a link-local address.
Answer get_once(const std::string& url, const FetchOptions& o, bool redirected)
{
    Answer a;
    std::string body;
    bool capped = false;
    transport::Request req;
    req.url = url;
    req.refuse_link_local = redirected;
    req.timeout = o.timeout;
    req.connect_timeout = o.timeout;
    req.tls = o.tls;
    req.headers = {{"Accept", "text/html,application/json;q=0.9,*/*;q=0.8"}};
    req.on_data = [&](std::string_view chunk, const transport::Response&) {
        std::size_t room = o.max_body - body.size();
        body.append(chunk.substr(0, std::min(room, chunk.size())));
        if (chunk.size() > room) {
            capped = true;
            return false;
        }
        return true;
    };
    req.should_stop = o.interrupted;
    a.response = transport::perform(req);
    if (capped && a.response.failure == transport::Failure::stopped) {
        a.response.failure = transport::Failure::none;
        a.response.error.clear();
        a.truncated = true;
    }
    a.response.body = std::move(body);
    return a;
}

// The host of an absolute http(s) URL ("" when there is none), brackets kept
// off an IPv6 literal.
std::string host_of(const std::string& url)
{
    auto scheme = url.find("://");
    if (scheme == std::string::npos) {
        return {};
    }
    std::string rest = url.substr(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = rest.rfind('@'); at != std::string::npos) {
        rest = rest.substr(at + 1);
    }
    if (!rest.empty() && rest.front() == '[') {
        return rest.substr(1, rest.find(']') - 1);
    }
    return rest.substr(0, rest.find(':'));
}

std::string describe_failure(const transport::Response& r, const FetchOptions& o, int tries)
{
    std::string what = r.failure == transport::Failure::timeout && r.connected
                           ? fmt::format("no answer within {}", format_ms(o.timeout))
                           : std::string(transport::failure_name(r.failure));
    std::string detail = r.error.empty() ? std::string() : ": " + r.error;
    std::string after = tries > 1 ? fmt::format(" (tried {} times)", tries) : std::string();
    return what + detail + after;
}

}  // namespace

std::string join_url(const std::string& base, const std::string& path)
{
    std::string url = base;
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    return url + (path.empty() ? "/" : path);
}

std::string format_ms(milliseconds d)
{
    if (d < std::chrono::seconds(1)) {
        return fmt::format("{} ms", d.count());
    }
    if (d.count() % 1000 == 0) {
        return fmt::format("{} s", d.count() / 1000);
    }
    return fmt::format("{:.1f} s", static_cast<double>(d.count()) / 1000.0);
}

namespace {

// One URL, tried again while its failure is transient: the answer, or none
// when a signal stopped it.
std::optional<Answer> get_retrying(const std::string& url, const FetchOptions& o, bool redirected, Hop& hop)
{
    for (hop.tries = 1;; ++hop.tries) {
        if (stop_asked(o)) {
            return std::nullopt;
        }
        Answer a = get_once(url, o, redirected);
        if (!transient(a.response) || hop.tries >= o.tries) {
            return a;
        }
        if (o.on_retry) {
            o.on_retry(
                fmt::format("{}; trying again ({}/{})", describe_failure(a.response, o, 1), hop.tries + 1, o.tries));
        }
        if (!pause(o.retry_delay, o)) {
            return std::nullopt;
        }
    }
}

// Whether a redirect to `next` may be followed: not back to a URL already
// seen, not to a link-local address, not past the limit. When not, `f`
// says why.
bool may_follow(const std::string& next, const std::set<std::string>& seen, std::vector<std::string>& chain,
                int redirects, const FetchOptions& o, Fetch& f)
{
    if (seen.count(next) != 0) {
        chain.push_back(redact(next));
        f.problem = FetchProblem::redirect_loop;
        f.error = "redirect loop: " + chain.front();
        for (std::size_t i = 1; i < chain.size(); ++i) {
            f.error += " -> " + chain[i];
        }
        return false;
    }
    if (transport::is_link_local(host_of(next))) {
        f.problem = FetchProblem::forbidden_redirect;
        f.error = link_local_refusal(next);  // written as one
        return false;
    }
    if (redirects >= o.max_redirects) {
        f.problem = FetchProblem::too_many_redirects;
        f.error = fmt::format("more than {} redirects (redirect {} points to {})", o.max_redirects, o.max_redirects + 1,
                              redact(next));
        return false;
    }
    return true;
}

}  // namespace

Fetch fetch(const std::string& start, const FetchOptions& o)
{
    Fetch f;
    std::set<std::string> seen;
    std::string url = start;
    std::vector<std::string> chain;  // for messages, redacted
    for (int redirects = 0;; ++redirects) {
        seen.insert(url);
        chain.push_back(redact(url));
        Hop hop;
        hop.url = redact(url);
        auto answer = get_retrying(url, o, redirects > 0, hop);
        if (!answer) {
            f.problem = FetchProblem::interrupted;
            f.error = "interrupted";
            return f;
        }
        Answer& a = *answer;
        hop.status = a.response.status;
        hop.elapsed = a.response.elapsed;
        f.latency += a.response.elapsed;
        bool redirect = a.response.failure == transport::Failure::none && a.response.status >= 300 &&
                        a.response.status < 400 && !a.response.redirect_url.empty();
        if (redirect) {
            hop.location = redact(a.response.redirect_url);
        }
        f.hops.push_back(hop);
        if (a.response.failure == transport::Failure::forbidden) {
            f.problem = FetchProblem::forbidden_redirect;
            f.error = link_local_refusal(url);  // the name resolved to one
            return f;
        }
        if (a.response.failure != transport::Failure::none) {
            f.problem =
                a.response.failure == transport::Failure::stopped ? FetchProblem::interrupted : FetchProblem::transport;
            f.failure = a.response.failure;
            f.error = describe_failure(a.response, o, hop.tries);
            f.answer = std::move(a.response);
            return f;
        }
        f.truncated = a.truncated;
        if (!redirect) {
            f.answer = std::move(a.response);
            return f;
        }
        std::string next = a.response.redirect_url;
        f.answer = std::move(a.response);
        if (!may_follow(next, seen, chain, redirects, o, f)) {
            return f;
        }
        url = next;
    }
}

}  // namespace kanon::verify::http
