#include "util/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace kanon {
namespace {

std::string errno_text()
{
    return std::strerror(errno);
}

class Fd {
public:
    explicit Fd(int fd) : m_fd(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    [[nodiscard]] int get() const { return m_fd; }
    int release()
    {
        int fd = m_fd;
        m_fd = -1;
        return fd;
    }

private:
    int m_fd;
};

}  // namespace

Result<std::string> read_file(const std::string& path, std::size_t max_size)
{
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        return file_error({path}, fmt::format("cannot open: {}", errno_text()));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return file_error({path}, fmt::format("cannot stat: {}", errno_text()));
    }
    if (S_ISDIR(st.st_mode)) {
        return file_error({path}, "is a directory, not a file");
    }
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return file_error({path}, fmt::format("cannot read: {}", errno_text()));
        }
        if (n == 0) {
            break;
        }
        if (out.size() + static_cast<std::size_t>(n) > max_size) {
            return file_error({path}, fmt::format("file is larger than the limit of {} bytes", max_size));
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

Status write_file_atomic(const std::string& path, const std::string& content)
{
    namespace fs = std::filesystem;
    // Write through a symlink to its target, as an editor does, rather than
    // replacing the link with a regular file.
    std::error_code ec;
    bool link = fs::is_symlink(fs::symlink_status(path, ec));  // a missing path is not an error: a new file
    ec.clear();
    fs::path target = link ? fs::canonical(path, ec) : fs::path(path);
    if (ec) {
        return file_error({path}, fmt::format("cannot resolve the symlink: {}", ec.message()));
    }
    fs::path dir = target.parent_path();
    if (dir.empty()) {
        dir = ".";
    }
    std::string tmpl = (dir / ("." + target.filename().string() + ".kanon-XXXXXX")).string();
    int raw = ::mkstemp(tmpl.data());
    if (raw < 0) {
        return file_error({path}, fmt::format("cannot create a temporary file beside it: {}", errno_text()));
    }
    Fd fd(raw);
    auto fail = [&](const std::string& what) -> Status {
        int saved = errno;
        ::unlink(tmpl.c_str());
        return file_error({path}, fmt::format("{}: {}", what, std::strerror(saved)));
    };
    struct stat st {};
    mode_t mode = 0644;
    if (::stat(target.c_str(), &st) == 0) {
        mode = st.st_mode & 07777;
    }
    if (::fchmod(fd.get(), mode) != 0) {
        return fail("cannot set the mode of the temporary file");
    }
    const char* p = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        ssize_t n = ::write(fd.get(), p, left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("cannot write");
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
        return fail("cannot fsync");
    }
    if (::close(fd.release()) != 0) {
        return fail("cannot close");
    }
    if (::rename(tmpl.c_str(), target.c_str()) != 0) {
        return fail("cannot rename the temporary file over it");
    }
    return ok_status();
}

std::string symlink_outside(const std::string& root, const std::string& rel)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path base = fs::weakly_canonical(fs::path(root), ec);
    if (ec) {
        return {};
    }
    fs::path real = fs::weakly_canonical(fs::path(root) / rel, ec);
    if (ec) {
        return {};
    }
    auto inside = real.lexically_relative(base);
    if (!inside.empty() && *inside.begin() != ".." && !inside.is_absolute()) {
        return {};
    }
    return real.string();
}

bool file_exists(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string full_disk_note(const std::string& path)
{
    std::filesystem::path p = path;
    std::error_code ec;
    while (!p.empty() && !std::filesystem::exists(p, ec)) {
        p = p.parent_path();
    }
    struct statvfs fs {};
    if (p.empty() || ::statvfs(p.c_str(), &fs) != 0) {
        return {};
    }
    unsigned long long free_bytes = static_cast<unsigned long long>(fs.f_bavail) * fs.f_frsize;
    if (free_bytes >= (1ULL << 20)) {
        return {};
    }
    return fmt::format(" (the disk holding {} is full: {} KiB free)", p.string(), free_bytes / 1024);
}

}  // namespace kanon
