// Every server of the sandbox listens on 127.0.0.1 only, and alone on its
// port: one way to bind, shared by the git server, the Argo CD simulator and
// the sites.
#pragma once

#include <string_view>
#include <thread>

#include "util/error.hpp"

namespace httplib {
class Server;
}

namespace kanon::sandbox {

// The one interface the sandbox's servers listen on, and the address they see.
inline constexpr const char* k_loopback = "127.0.0.1";

// Binds `server` to 127.0.0.1:`port` (0: any free port) with SO_REUSEADDR
// only — httplib's default adds SO_REUSEPORT, which would let a second
// server bind the same port and take half its connections — starts its loop
// on `listener`, and returns the port once connections are accepted (stop()
// reaches only a server whose loop runs). `what` names it in errors.
Result<int> listen_on_loopback(httplib::Server& server, int port, std::thread& listener, std::string_view what);

}  // namespace kanon::sandbox
