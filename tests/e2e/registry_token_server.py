#!/usr/bin/env python3
"""A token service for the registry tests: what GitLab's or Docker Hub's
auth endpoint does for a registry configured with `auth: token:`.

  registry_token_server.py DIR USER PASSWORD

makes an RSA key and a self-signed certificate (DIR/cert.pem, the registry's
rootcertbundle), serves GET /token?service=S&scope=repository:NAME:ACTIONS on
127.0.0.1 (a free port, written to DIR/port) and answers {"token": JWT}: an
RS256 token for the scope, its `kid` the key's libtrust fingerprint, as the
distribution registry checks it. Basic credentials are required; wrong ones
get 401. Every request is logged to DIR/requests (path and whether it had
credentials, never them). Needs python3-cryptography and python3-jwt.
"""
import base64, datetime, hashlib, http.server, json, os, sys, threading, time, urllib.parse

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ISSUER = "kanon-test-issuer"


def libtrust_kid(public_key):
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    b32 = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(b32[i:i + 4] for i in range(0, 48, 4))


def main():
    out, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    with open(os.path.join(out, "cert.pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    kid = libtrust_kid(key.public_key())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    log = open(os.path.join(out, "requests"), "a", buffering=1)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            q = urllib.parse.parse_qs(url.query)
            auth = self.headers.get("Authorization", "")
            log.write(f"{url.path} service={q.get('service', [''])[0]} scope={q.get('scope', [''])[0]} "
                      f"credentials={'yes' if auth else 'no'}\n")
            if url.path != "/token":
                self.send_response(404)
                self.end_headers()
                return
            if auth != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="kanon-test-token"')
                self.end_headers()
                return
            access = []
            for scope in q.get("scope", []):
                parts = scope.split(":")
                if len(parts) == 3 and parts[0] == "repository":
                    access.append({"type": "repository", "name": parts[1], "actions": parts[2].split(",")})
            t = int(time.time())
            token = jwt.encode({"iss": ISSUER, "sub": user, "aud": q.get("service", [""])[0], "exp": t + 300,
                                "nbf": t - 10, "iat": t, "jti": os.urandom(8).hex(), "access": access},
                               pem, algorithm="RS256", headers={"kid": kid})
            body = json.dumps({"token": token, "expires_in": 300}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(os.path.join(out, "port.part"), "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(os.path.join(out, "port.part"), os.path.join(out, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
