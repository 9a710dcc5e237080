#!/usr/bin/env python3
"""git smart HTTP for the e2e tests: git http-backend behind a small threaded
server on a free port of 127.0.0.1 (tests/e2e/lib.sh starts it).

  git_http_server.py ROOT BACKEND PORT_FILE LOG [USER:PASSWORD...]

Faults for the reliability tests come from the environment:
  E2E_GIT_DELAY=SECONDS   every answer waits this long first (a slow remote)
  E2E_GIT_PUSH_FAULT=hang|drop-before|drop-after|drop-after-moved
                          what happens to a push (POST .../git-receive-pack):
                          hang: the request is read and never answered;
                          drop-before: the connection is closed before the
                          backend sees the push (nothing lands); drop-after:
                          the backend applies the push, then the connection
                          is closed before the answer (it landed, the client
                          cannot know); drop-after-moved: as drop-after,
                          and another writer's commit lands on top of the
                          pushed branch before the connection is closed
  E2E_GIT_PUSH_FAULT_COUNT=N
                          only the first N pushes (default: every one); the
                          count is kept in LOG.faults

Without USER:PASSWORD pairs every request is served as user "e2e" and LOG
gets "METHOD PATH STATUS" per request; with them every request needs HTTP
basic auth with one of the pairs (else 401) and LOG gets "METHOD PATH STATUS
USER" (never a password). The port is written to PORT_FILE once listening.
"""
import base64, http.server, os, socket, subprocess, sys, threading, time

from e2e_http import read_body, serve

root, backend, port_file, log = sys.argv[1:5]
allowed = {tuple(p.split(":", 1)) for p in sys.argv[5:]}
delay = float(os.environ.get("E2E_GIT_DELAY") or 0)
push_fault = os.environ.get("E2E_GIT_PUSH_FAULT", "")
fault_limit = int(os.environ.get("E2E_GIT_PUSH_FAULT_COUNT") or -1)
fault_lock = threading.Lock()

def take_fault():
    """The push fault for this push, if it still applies (counted in LOG.faults)."""
    if not push_fault:
        return ""
    with fault_lock:
        used = len(open(log + ".faults").read().splitlines()) if os.path.exists(log + ".faults") else 0
        if 0 <= fault_limit <= used:
            return ""
        with open(log + ".faults", "a") as f:
            f.write(push_fault + "\n")
    return push_fault

def pushed_refs(push):
    """The refs a receive-pack request updates: its commands, pkt-lines
    "OLD NEW REF[\\0capabilities]" up to the first flush packet (after
    "shallow OID" lines, from a shallow clone)."""
    refs, pos = [], 0
    while pos + 4 <= len(push):
        size = int(push[pos:pos + 4], 16)
        if size < 4:
            break
        command = push[pos + 4:pos + size].split(b"\0")[0].rstrip(b"\n").split(b" ")
        if len(command) == 3:  # not "shallow OID" (a shallow clone's push starts with those)
            refs.append(command[2].decode())
        pos += size
    return refs

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def body(self):
        return read_body(self)

    def log_line(self, status, user):
        with open(log, "a") as f:
            f.write(f"{self.command} {self.path} {status}" + (f" {user}\n" if allowed else "\n"))

    def cgi(self):
        path, _, query = self.path.partition("?")
        data = self.body() if self.command == "POST" else b""
        user, password = "e2e", None
        auth = self.headers.get("Authorization", "")
        if allowed and auth.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except Exception:
                user, password = "?", None
        if allowed and (user, password) not in allowed:
            self.log_line(401, user)
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="e2e"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        fault = take_fault() if self.command == "POST" and path.endswith("/git-receive-pack") else ""
        if fault == "hang":
            self.log_line("hang", user)
            time.sleep(3600)
            return
        if fault == "drop-before":
            self.log_line("drop-before", user)
            self.drop()
            return
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update({
            "GIT_PROJECT_ROOT": root, "GIT_HTTP_EXPORT_ALL": "1", "REMOTE_USER": user,
            "REMOTE_ADDR": "127.0.0.1", "GATEWAY_INTERFACE": "CGI/1.1",
            "REQUEST_METHOD": self.command, "PATH_INFO": path, "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(data)),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "HTTP_GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
        })
        p = subprocess.run([backend], input=data, env=env, capture_output=True)
        head, _, payload = p.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = p.stdout.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            k, _, v = line.partition(":")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k:
                headers.append((k, v.strip()))
        if fault.startswith("drop-after"):
            if fault == "drop-after-moved":
                self.commit_on_top(os.path.join(root, path.lstrip("/").rsplit("/", 1)[0]), data)
            self.log_line(fault, user)
            self.drop()
            return
        if delay:
            time.sleep(delay)
        self.log_line(status, user)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def commit_on_top(self, repo, push):
        """Another writer's commit (one new file) on top of each branch the push updated."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update({"GIT_DIR": repo, "GIT_INDEX_FILE": os.path.join(repo, "e2e-other-writer.index"),
                    "GIT_AUTHOR_NAME": "other writer", "GIT_AUTHOR_EMAIL": "other@e2e.test",
                    "GIT_COMMITTER_NAME": "other writer", "GIT_COMMITTER_EMAIL": "other@e2e.test"})
        git = lambda *args, stdin=None: subprocess.run(["git", *args], input=stdin, env=env, check=True,
                                                       capture_output=True).stdout.decode().strip()
        for ref in pushed_refs(push):
            old = git("rev-parse", ref)
            blob = git("hash-object", "-w", "--stdin", stdin=f"after {old}\n".encode())
            git("read-tree", old)
            git("update-index", "--add", "--cacheinfo", f"100644,{blob},other-writer-{old[:12]}.txt")
            new = git("commit-tree", git("write-tree"), "-p", old, "-m", "another writer, on top")
            git("update-ref", ref, new, old)
            os.unlink(env["GIT_INDEX_FILE"])

    def drop(self):
        """Closes the connection at once, with a reset, before any answer."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    do_GET = do_POST = cgi

    def log_message(self, *args):
        pass

serve(Handler, port_file)
