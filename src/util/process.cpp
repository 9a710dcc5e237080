#include "util/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace kanon {
namespace {

struct Pipe {
    std::array<int, 2> fd{-1, -1};
    ~Pipe() { close_both(); }
    void close_end(int i)
    {
        if (fd[i] >= 0) {
            ::close(fd[i]);
            fd[i] = -1;
        }
    }
    void close_both()
    {
        close_end(0);
        close_end(1);
    }
};

Error sys_error(const std::string& what, const std::string& prog)
{
    return Error{fmt::format("cannot run {}: {}: {}", prog, what, std::strerror(errno))};
}

std::vector<std::string> build_env(const ProcessSpec& spec)
{
    std::vector<std::string> out;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string entry(*e);
        std::string name = entry.substr(0, entry.find('='));
        if (spec.env.count(name) != 0) {
            continue;
        }
        bool drop = false;
        for (const auto& u : spec.unset_env) {
            drop = drop || u == name;
        }
        if (!drop) {
            out.push_back(std::move(entry));
        }
    }
    for (const auto& [k, v] : spec.env) {
        out.push_back(fmt::format("{}={}", k, v));
    }
    return out;
}

struct Argv {
    std::vector<std::string> env_strings;
    std::vector<char*> argv;
    std::vector<char*> envp;
    explicit Argv(const ProcessSpec& spec) : env_strings(build_env(spec))
    {
        for (const auto& a : spec.argv) {
            argv.push_back(const_cast<char*>(a.c_str()));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
        }
        argv.push_back(nullptr);
        for (auto& e : env_strings) {
            envp.push_back(e.data());
        }
        envp.push_back(nullptr);
    }
};

// posix_spawnp with the file actions given and SIGPIPE back to its default.
Result<int> spawn(const ProcessSpec& spec, posix_spawn_file_actions_t* fa, short flags)
{
    if (spec.argv.empty()) {
        return Error{"internal error: empty argv"};
    }
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigaddset(&def, SIGINT);
    sigaddset(&def, SIGTERM);
    posix_spawnattr_setsigdefault(&attr, &def);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, static_cast<short>(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | flags));
    if (!spec.cwd.empty()) {
        posix_spawn_file_actions_addchdir_np(fa, spec.cwd.c_str());
    }
    Argv a(spec);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, spec.argv[0].c_str(), fa, &attr, a.argv.data(), a.envp.data());
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        errno = rc;
        return sys_error("posix_spawnp", spec.argv[0]);
    }
    return static_cast<int>(pid);
}

}  // namespace

std::string self_executable()
{
    std::array<char, 4096> buf{};
    ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
    return n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : std::string("kanon");
}

Result<int> spawn_detached(const ProcessSpec& spec, const std::string& log)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    auto pid = spawn(spec, &fa, POSIX_SPAWN_SETSID);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

Result<int> run_attached(const ProcessSpec& spec)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    auto pid = spawn(spec, &fa, 0);
    posix_spawn_file_actions_destroy(&fa);
    if (!pid) {
        return pid.take_error();
    }
    int status = 0;
    while (::waitpid(*pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return sys_error("waitpid", spec.argv[0]);
        }
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}

std::string ProcessResult::status_text() const
{
    if (timed_out) {
        return "timed out";
    }
    if (signal != 0) {
        return fmt::format("killed by signal {}", signal);
    }
    return fmt::format("exited with {}", exit_code);
}

namespace {

// The child, its stdin, stdout and stderr on our three pipes, in a process
// group of its own (so a timeout kills what it started too), SIGPIPE back to
// its default.
Result<pid_t> spawn_piped(const ProcessSpec& spec, Pipe& in, Pipe& out, Pipe& err)
{
    const std::string& prog = spec.argv[0];
    if (::pipe2(in.fd.data(), O_CLOEXEC) != 0 || ::pipe2(out.fd.data(), O_CLOEXEC) != 0 ||
        ::pipe2(err.fd.data(), O_CLOEXEC) != 0) {
        return sys_error("pipe", prog);
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in.fd[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out.fd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err.fd[1], 2);
    if (!spec.cwd.empty()) {
        posix_spawn_file_actions_addchdir_np(&fa, spec.cwd.c_str());
    }
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);

    std::vector<char*> argv;
    for (const auto& a : spec.argv) {
        argv.push_back(const_cast<char*>(a.c_str()));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    }
    argv.push_back(nullptr);
    auto env_strings = build_env(spec);
    std::vector<char*> envp;
    envp.reserve(env_strings.size() + 1);
    for (auto& e : env_strings) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);

    pid_t pid = 0;
    int rc = posix_spawnp(&pid, prog.c_str(), &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        errno = rc;
        return sys_error("posix_spawnp", prog);
    }
    in.close_end(0);
    out.close_end(1);
    err.close_end(1);
    return pid;
}

// Feeds spec.input to the child and reads its stdout and stderr until both
// close, the timeout passes or spec.stop says so (then its group is killed).
Status pump(const ProcessSpec& spec, pid_t pid, Pipe& in, Pipe& out, Pipe& err, ProcessResult& res)
{
    std::size_t written = 0;
    if (spec.input.empty()) {
        in.close_end(1);
    } else {
        ::fcntl(in.fd[1], F_SETFL, O_NONBLOCK);
    }
    auto deadline = std::chrono::steady_clock::now() + spec.timeout;
    std::array<char, 65536> buf{};
    // Reads what a pipe has: its end is closed at EOF or an error.
    auto drain = [&buf](const pollfd* fd, Pipe& p, std::string& sink) {
        if (fd == nullptr || (fd->revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
            return;
        }
        ssize_t r = ::read(p.fd[0], buf.data(), buf.size());
        if (r > 0) {
            sink.append(buf.data(), static_cast<std::size_t>(r));
        } else if (r == 0 || errno != EINTR) {
            p.close_end(0);
        }
    };
    while (out.fd[0] >= 0 || err.fd[0] >= 0) {
        std::array<pollfd, 3> fds{};
        nfds_t n = 0;
        auto watch = [&](int fd, short events) -> pollfd* {
            if (fd < 0) {
                return nullptr;
            }
            fds[n] = {fd, events, 0};
            return &fds[n++];
        };
        pollfd* fd_out = watch(out.fd[0], POLLIN);
        pollfd* fd_err = watch(err.fd[0], POLLIN);
        pollfd* fd_in = watch(in.fd[1], POLLOUT);
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || (spec.stop && spec.stop())) {
            (left.count() <= 0 ? res.timed_out : res.stopped) = true;
            ::kill(-pid, SIGKILL);
            break;
        }
        int pr = ::poll(fds.data(), n, static_cast<int>(std::min<long long>(left.count(), spec.stop ? 100 : 1000)));
        if (pr < 0) {
            if (errno == EINTR) {
                continue;
            }
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            return sys_error("poll", spec.argv[0]);
        }
        drain(fd_out, out, res.out);
        drain(fd_err, err, res.err);
        if (fd_in != nullptr && (fd_in->revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
            ssize_t w = ::write(in.fd[1], spec.input.data() + written, spec.input.size() - written);
            if (w > 0) {
                written += static_cast<std::size_t>(w);
            }
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == spec.input.size()) {
                in.close_end(1);  // all written, or the child closed its stdin
            }
        }
    }
    in.close_end(1);
    return ok_status();
}

// The child's end: its exit code or the signal that killed it.
Status reap(const std::string& prog, pid_t pid, ProcessResult& res)
{
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return sys_error("waitpid", prog);
        }
    }
    if (WIFEXITED(status)) {
        res.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        res.signal = WTERMSIG(status);
    }
    return ok_status();
}

}  // namespace

Result<ProcessResult> run_process(const ProcessSpec& spec)
{
    if (spec.argv.empty()) {
        return Error{"internal error: empty argv"};
    }
    Pipe in;
    Pipe out;
    Pipe err;
    auto pid = spawn_piped(spec, in, out, err);
    if (!pid) {
        return pid.take_error();
    }
    ProcessResult res;
    if (auto st = pump(spec, *pid, in, out, err, res); !st) {
        return st.take_error();
    }
    if (auto st = reap(spec.argv[0], *pid, res); !st) {
        return st.take_error();
    }
    return res;
}

std::string shell_quote(const std::string& arg)
{
    bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 ||
               std::string_view("_./:=@%+,-").find(static_cast<char>(c)) != std::string_view::npos;
    });
    if (plain) {
        return arg;
    }
    std::string out = "'";
    for (char c : arg) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

}  // namespace kanon
