#!/usr/bin/env python3
"""A misbehaving HTTP server on a free port of 127.0.0.1, for the fault and
limit tests (tests/e2e/test_faults.sh, test_limits.sh).

  fault_server.py PORT_FILE MODE [ARG...]

Modes:
  hang                  reads each request, never answers
  big BYTES             answers 200 text/html with a body of BYTES bytes
  big-json BYTES        answers 200 application/json with a body of BYTES bytes
                        (a JSON string, so only its size is wrong)
  argocd-stream FILE BYTES
                        an Argo CD whose GET /api/v1/applications/NAME answers
                        FILE (an Application), and whose watch stream sends one
                        message of BYTES bytes that never ends with a newline
  argocd-sync-hangs FILE
                        an Argo CD whose GET /api/v1/applications/NAME answers
                        FILE, and which reads a POST (a sync) and never answers
  argocd-sync-502 FILE  the same, but a POST gets a proxy's 502 at once
  argocd-sync-cut FILE  the same, but a POST gets a 200 whose body is cut short
  redirects N           /r/K redirects to /r/K+1, up to /r/N which answers 200
                        (and / to /r/1)

The port is written to PORT_FILE once listening. Every request is logged to
stderr as "METHOD PATH".
"""
import http.server, sys, time

from e2e_http import read_body, serve

port_file, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
CHUNK = 1 << 20


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send_bytes(self, status, content_type, size, filler=b"x"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        block = filler * CHUNK
        sent = 0
        try:
            while sent < size:
                n = min(CHUNK, size - sent)
                self.wfile.write(block[:n])
                sent += n
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what a limit does

    def do_GET(self):
        sys.stderr.write(f"{self.command} {self.path}\n")
        sys.stderr.flush()
        if mode == "hang":
            time.sleep(3600)
        elif mode == "big":
            self.send_bytes(200, "text/html", int(args[0]))
        elif mode == "big-json":
            size = int(args[0])
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            try:
                self.wfile.write(b'"')
                self.wfile.write(b"x" * (size - 2))
                self.wfile.write(b'"')
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif mode == "argocd-stream":
            app_file, size = args[0], int(args[1])
            if self.path.startswith("/api/v1/stream/"):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()  # no length: the stream ends when the connection does
                try:
                    self.wfile.write(b'{"result":{"type":"MODIFIED","application":{"metadata":{"name":"')
                    left = size
                    while left > 0:
                        n = min(CHUNK, left)
                        self.wfile.write(b"x" * n)
                        left -= n
                    time.sleep(30)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True
            elif self.path.startswith("/api/v1/applications/"):
                self.send_file(app_file)
            else:
                self.send_error(404)
        elif mode in ("argocd-sync-hangs", "argocd-sync-502", "argocd-sync-cut"):
            if self.path.startswith("/api/v1/applications/"):
                self.send_file(args[0])
            else:
                self.send_error(404)
        elif mode == "redirects":
            last = int(args[0])
            k = int(self.path[3:]) if self.path.startswith("/r/") else 0
            if k >= last:
                self.send_bytes(200, "text/html", 2)
            else:
                self.send_response(302)
                self.send_header("Location", f"/r/{k + 1}")
                self.send_header("Content-Length", "0")
                self.end_headers()
        else:
            self.send_error(500, "unknown mode")

    do_HEAD = do_GET

    def do_POST(self):
        sys.stderr.write(f"{self.command} {self.path}\n")
        sys.stderr.flush()
        read_body(self)
        if mode in ("hang", "argocd-sync-hangs"):
            time.sleep(3600)
        if mode == "argocd-sync-502":
            self.send_error(502, "Bad Gateway")
            return
        if mode == "argocd-sync-cut":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "4096")
            self.end_headers()
            self.wfile.write(b'{"metadata": {"name": "web-')
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_error(405)

    def send_file(self, path):
        body = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *a):
        pass


serve(Handler, port_file)
