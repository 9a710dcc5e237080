#include "sandbox/loopback.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>

#include <fmt/format.h>

namespace kanon::sandbox {

Result<int> listen_on_loopback(httplib::Server& server, int port, std::thread& listener, std::string_view what)
{
    server.set_socket_options([](int socket) {
        int yes = 1;
        ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    int bound = -1;
    if (port == 0) {
        bound = server.bind_to_any_port(k_loopback);
    } else if (server.bind_to_port(k_loopback, port)) {
        bound = port;
    }
    if (bound <= 0) {
        return Error{fmt::format("{}: cannot listen on 127.0.0.1:{}", what, port)};
    }
    listener = std::thread([&server] { server.listen_after_bind(); });
    for (int waited = 0; !server.is_running(); ++waited) {
        if (waited == 5000) {
            return Error{fmt::format("{} on 127.0.0.1:{} did not start", what, bound)};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return bound;
}

}  // namespace kanon::sandbox
