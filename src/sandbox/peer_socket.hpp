// Tells a handler that blocks (a held watch, a refresh waiting for the
// controller) that its client has hung up. cpp-httplib 0.11 gives handlers no
// access to the connection, so the accepted socket is found by its two port
// numbers among the process's descriptors, and probed without reading.
#pragma once

namespace kanon::sandbox {

class PeerSocket {
public:
    // `local_port` is the server's side of the connection, `remote_port` the
    // client's. When no such socket is found, closed() is always false.
    PeerSocket(int local_port, int remote_port);

    // True once the client has closed or reset the connection.
    [[nodiscard]] bool closed() const;

private:
    int m_fd = -1;
};

}  // namespace kanon::sandbox
