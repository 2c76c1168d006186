#!/usr/bin/python3
"""A stand-in for Google Cloud Storage's XML API, on 127.0.0.1, for the tests.

    gcs_standin.py PORT KEYFILE DIR

Objects live in DIR/<bucket>/<object>. Every request must carry a V4 signed
URL (GOOG4-RSA-SHA256) made with the service account in KEYFILE: the
stand-in recomputes the canonical request from what it received (method,
path, query, the signed headers' values as sent, UNSIGNED-PAYLOAD), the
string to sign, and verifies the RSA signature with the account's public
key, as GCS does. It refuses, with GCS's XML error bodies:
  - a missing or wrong signature, another credential, a header that was
    signed but is missing or differs      403 SignatureDoesNotMatch
  - an expired URL (X-Goog-Date + X-Goog-Expires in the past), or one dated
    in the future                          400 ExpiredToken / 400 RequestIsNotValidYet
  - a body outside x-goog-content-length-range   400 EntityTooLarge / EntityTooSmall
  - GET or DELETE of a missing object     404 NoSuchKey
DELETE of an object answers 204, as GCS does.
Faults for the tests: POST /_faults {"status": 503, "count": N} makes the
next N object requests fail with that status; GET /_objects lists what is
stored (JSON). Runs until SIGTERM.
"""
import datetime
import hashlib
import json
import os
import signal
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.exceptions import InvalidSignature

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


def enc(s):
    """Percent-encoding as V4 signing does: RFC 3986 unreserved bytes stay."""
    return "".join(chr(b) if chr(b) in UNRESERVED else "%%%02X" % b for b in s.encode("utf-8"))


class State:
    def __init__(self, keyfile, root):
        with open(keyfile) as f:
            sa = json.load(f)
        self.email = sa["client_email"]
        self.public_key = serialization.load_pem_private_key(
            sa["private_key"].encode(), password=None).public_key()
        self.root = root
        self.lock = threading.Lock()
        self.fault_status = 0
        self.fault_count = 0


def xml_error(code, message):
    return ("<?xml version='1.0' encoding='UTF-8'?><Error><Code>%s</Code>"
            "<Message>%s</Message></Error>" % (code, message)).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body=b"", ctype="application/xml; charset=UTF-8"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def check_signature(self, raw_path, query):
        st = self.server.state
        q = urllib.parse.parse_qs(query, keep_blank_values=True)
        one = {k: v[0] for k, v in q.items()}
        need = ["X-Goog-Algorithm", "X-Goog-Credential", "X-Goog-Date", "X-Goog-Expires",
                "X-Goog-SignedHeaders", "X-Goog-Signature"]
        if any(k not in one for k in need) or one["X-Goog-Algorithm"] != "GOOG4-RSA-SHA256":
            return 403, "SignatureDoesNotMatch", "missing signing parameters"
        cred = one["X-Goog-Credential"].split("/")
        if len(cred) != 5 or cred[0] != st.email or cred[2:] != ["auto", "storage", "goog4_request"]:
            return 403, "SignatureDoesNotMatch", "unknown credential"
        try:
            when = datetime.datetime.strptime(one["X-Goog-Date"], "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc)
            expires = int(one["X-Goog-Expires"])
        except ValueError:
            return 400, "InvalidArgument", "bad date or expiry"
        if cred[1] != one["X-Goog-Date"][:8] or not 1 <= expires <= 604800:
            return 400, "InvalidArgument", "bad credential scope or expiry"
        # Canonical query: every parameter but the signature, encoded, sorted.
        pairs = []
        for k, vs in q.items():
            if k == "X-Goog-Signature":
                continue
            for v in vs:
                pairs.append((enc(k), enc(v)))
        pairs.sort()
        cquery = "&".join("%s=%s" % p for p in pairs)
        signed = one["X-Goog-SignedHeaders"].split(";")
        lines = []
        for name in signed:
            value = self.headers.get(name)
            if value is None:
                return 403, "SignatureDoesNotMatch", "signed header %s missing" % name
            lines.append("%s:%s\n" % (name, " ".join(value.split())))
        payload = self.headers.get("x-goog-content-sha256") or "UNSIGNED-PAYLOAD"
        creq = "%s\n%s\n%s\n%s\n%s\n%s" % (self.command, raw_path, cquery, "".join(lines),
                                           ";".join(signed), payload)
        sts = "GOOG4-RSA-SHA256\n%s\n%s/auto/storage/goog4_request\n%s" % (
            one["X-Goog-Date"], cred[1], hashlib.sha256(creq.encode()).hexdigest())
        try:
            st.public_key.verify(bytes.fromhex(one["X-Goog-Signature"]), sts.encode(),
                                 padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return 403, "SignatureDoesNotMatch", "The request signature we calculated does not match"
        now = datetime.datetime.now(datetime.timezone.utc)
        if now < when - datetime.timedelta(seconds=60):
            return 400, "RequestIsNotValidYet", "the URL is not valid yet"
        if now > when + datetime.timedelta(seconds=expires):
            return 400, "ExpiredToken", "The provided token has expired"
        return 0, None, None

    def object_path(self, raw_path):
        parts = urllib.parse.unquote(raw_path).lstrip("/").split("/", 1)
        if len(parts) != 2 or not parts[1] or ".." in parts[1].split("/"):
            return None
        return os.path.join(self.server.state.root, parts[0], parts[1])

    def fault(self):
        st = self.server.state
        with st.lock:
            if st.fault_count > 0:
                st.fault_count -= 1
                return st.fault_status
        return 0

    def handle_object(self):
        raw_path, _, query = self.path.partition("?")
        body = self.read_body() if self.command == "PUT" else b""
        status = self.fault()
        if status:
            return self.answer(status, xml_error("ServiceUnavailable", "injected fault"))
        status, code, msg = self.check_signature(raw_path, query)
        if status:
            return self.answer(status, xml_error(code, msg))
        path = self.object_path(raw_path)
        if not path:
            return self.answer(400, xml_error("InvalidArgument", "bad object name"))
        if self.command == "PUT":
            rng = self.headers.get("x-goog-content-length-range")
            if rng:
                lo, _, hi = rng.partition(",")
                if len(body) > int(hi):
                    return self.answer(400, xml_error("EntityTooLarge", "body over the range"))
                if len(body) < int(lo):
                    return self.answer(400, xml_error("EntityTooSmall", "body under the range"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path + ".tmp", "wb") as f:
                f.write(body)
            os.replace(path + ".tmp", path)
            meta = {"contentType": self.headers.get("Content-Type", ""), "size": len(body)}
            with open(path + ".meta", "w") as f:
                json.dump(meta, f)
            return self.answer(200, b"")
        if not os.path.exists(path):
            return self.answer(404, xml_error("NoSuchKey", "The specified key does not exist."))
        if self.command == "DELETE":
            os.remove(path)
            if os.path.exists(path + ".meta"):
                os.remove(path + ".meta")
            return self.answer(204)
        with open(path, "rb") as f:
            data = f.read()
        return self.answer(200, data, "application/octet-stream")

    def do_PUT(self):
        self.handle_object()

    def do_GET(self):
        if self.path == "/_objects":
            out = []
            for base, _, files in os.walk(self.server.state.root):
                for n in files:
                    if not n.endswith((".meta", ".tmp")):
                        full = os.path.join(base, n)
                        with open(full + ".meta") as f:
                            meta = json.load(f)
                        out.append(dict(meta, name=os.path.relpath(full, self.server.state.root)))
            return self.answer(200, json.dumps(out).encode(), "application/json")
        self.handle_object()

    def do_DELETE(self):
        self.handle_object()

    def do_POST(self):
        if self.path == "/_faults":
            spec = json.loads(self.read_body() or b"{}")
            st = self.server.state
            with st.lock:
                st.fault_status = int(spec.get("status", 503))
                st.fault_count = int(spec.get("count", 1))
            return self.answer(204)
        self.read_body()
        self.answer(405, xml_error("MethodNotAllowed", "only PUT, GET and DELETE"))


def main():
    port, keyfile, root = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.state = State(keyfile, root)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()


if __name__ == "__main__":
    main()
