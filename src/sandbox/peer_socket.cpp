// Linux only (/proc/self/fd, POLLRDHUP), like the rest of the sandbox.
#include "sandbox/peer_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <charconv>
#include <filesystem>
#include <string>
#include <system_error>

namespace kanon::sandbox {

namespace {

int port_of(const sockaddr_storage& address)
{
    if (address.ss_family == AF_INET) {
        return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
    }
    if (address.ss_family == AF_INET6) {
        return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
    }
    return -1;
}

bool has_ports(int fd, int local_port, int remote_port)
{
    sockaddr_storage local{};
    sockaddr_storage remote{};
    socklen_t local_size = sizeof local;
    socklen_t remote_size = sizeof remote;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0 || port_of(local) != local_port) {
        return false;
    }
    return ::getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &remote_size) == 0 && port_of(remote) == remote_port;
}

}  // namespace

PeerSocket::PeerSocket(int local_port, int remote_port)
{
    if (local_port <= 0 || remote_port <= 0) {
        return;
    }
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
        std::string name = entry.path().filename().string();
        int fd = -1;
        auto [end, parse_error] = std::from_chars(name.data(), name.data() + name.size(), fd);
        if (parse_error == std::errc{} && end == name.data() + name.size() && has_ports(fd, local_port, remote_port)) {
            m_fd = fd;
            return;
        }
    }
}

bool PeerSocket::closed() const
{
    if (m_fd < 0) {
        return false;
    }
    pollfd probe{m_fd, POLLIN | POLLRDHUP, 0};
    if (::poll(&probe, 1, 0) <= 0) {
        return false;
    }
    if ((probe.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0) {
        return true;
    }
    char byte = 0;
    return ::recv(m_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

}  // namespace kanon::sandbox
