"""What the e2e tests' small HTTP servers share (git_http_server.py,
fault_server.py, test_secrets.sh's TLS proxy): a threaded server on a free
port of 127.0.0.1 that writes its port to a file once listening, and reading
a request body, chunked or not."""
import http.server, os, socketserver


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def read_body(handler):
    """The request body of a BaseHTTPRequestHandler, de-chunked."""
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        data = b""
        while True:
            size = int(handler.rfile.readline().strip().split(b";")[0], 16)
            if size == 0:
                handler.rfile.readline()
                return data
            data += handler.rfile.read(size)
            handler.rfile.readline()
    return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))


def serve(handler_class, port_file, server_class=Server):
    """Listens on a free port of 127.0.0.1, writes it to PORT_FILE atomically
    (tests/e2e/lib.sh's await_server waits for it), serves forever."""
    srv = server_class(("127.0.0.1", 0), handler_class)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    srv.serve_forever()
