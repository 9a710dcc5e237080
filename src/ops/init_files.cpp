// The file plumbing `kanon init` shares between web-core and the platform
// repository: deciding a file's state, writing it, and finding the other
// apps that a path template names.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include <fmt/format.h>

#include "ops/init_detail.hpp"
#include "util/files.hpp"

namespace kanon::ops::init_detail {

namespace fs = std::filesystem;

Result<PlannedFile> plan_file(const std::string& root, const std::string& rel, std::string_view repo,
                              std::string content, bool force)
{
    PlannedFile f;
    f.file.path = rel;
    f.file.repo = std::string(repo);
    f.content = std::move(content);
    std::string full = root + "/" + rel;
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(full, ec))) {
        f.file.state = InitFile::State::created;
        f.write = true;
        return f;
    }
    auto text = read_file(full);
    if (!text) {
        return text.take_error();
    }
    if (*text == f.content) {
        f.file.state = InitFile::State::unchanged;
    } else if (force) {
        f.file.state = InitFile::State::overwritten;
        f.write = true;
    } else {
        f.file.state = InitFile::State::kept;
        f.file.note = "exists with other content; --force overwrites it";
    }
    return f;
}

Status write_planned(const std::string& root, const PlannedFile& f)
{
    std::string full = root + "/" + f.file.path;
    std::error_code ec;
    fs::create_directories(fs::path(full).parent_path(), ec);
    if (ec) {
        return file_error({fs::path(full).parent_path().string()},
                          fmt::format("cannot create the directory: {}", ec.message()));
    }
    return write_file_atomic(full, f.content);
}

std::optional<std::string> match_app(std::string_view pattern, std::string_view text)
{
    auto at = pattern.find("{app}");
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view pre = pattern.substr(0, at);
    std::string_view post = pattern.substr(at + 5);
    if (post.find("{app}") != std::string_view::npos || text.size() <= pre.size() + post.size() ||
        text.substr(0, pre.size()) != pre || text.substr(text.size() - post.size()) != post) {
        return std::nullopt;
    }
    return std::string(text.substr(pre.size(), text.size() - pre.size() - post.size()));
}

std::vector<std::string> apps_with_file(const std::string& root, const std::string& pattern, std::string_view except)
{
    auto at = pattern.find("{app}");
    if (at == std::string::npos) {
        return {};
    }
    auto slash = pattern.rfind('/', at);
    std::size_t begin = slash == std::string::npos ? 0 : slash + 1;
    std::size_t end = std::min(pattern.find('/', at), pattern.size());
    std::string component = pattern.substr(begin, end - begin);
    std::vector<std::string> apps;
    std::error_code ec;
    for (fs::directory_iterator it(fs::path(root) / pattern.substr(0, begin), ec), last; !ec && it != last;
         it.increment(ec)) {
        auto app = match_app(component, it->path().filename().string());
        if (!app || *app == except || !canon::validate_app_name(*app)) {
            continue;
        }
        if (file_exists(root + "/" + canon::expand(pattern, *app, {}))) {
            apps.push_back(*app);
        }
    }
    std::sort(apps.begin(), apps.end());
    return apps;
}

Result<yaml::Stream> parse_file(const std::string& root, const std::string& rel)
{
    auto text = read_file(root + "/" + rel);
    if (!text) {
        return text.take_error();
    }
    return yaml::Stream::parse(std::move(*text), rel);
}

}  // namespace kanon::ops::init_detail
