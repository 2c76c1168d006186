"""Helpers for the Google sign-in tests (t1500_google.py).

Two OpenID providers, both on 127.0.0.1 and offline:

* OidcProvider: the real thing, panva's oidc-provider 8.x (tests/support/oidc,
  installed from its lockfile by `make`), with one confidential client
  (PKCE required) and test users signed in through its development
  interactions. It covers the happy path, state, PKCE and provider errors.
* FakeProvider: a small http.server that serves a discovery document, a JWK
  Set and a token endpoint whose ID tokens each test writes (wrong aud,
  expired, another key...), signed with keys made here with
  python3-cryptography. It covers the ID token refusals a real provider would
  never produce.

Browser plays the user's browser against piloto: its own cookies (sent by
hand, as the other suites do), redirects followed by the test, never
automatically.
"""

import base64
import hashlib
import http.server
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import socket

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ROOT = Path(__file__).resolve().parents[2]
OIDC_DIR = ROOT / "tests" / "support" / "oidc"
CLIENT_ID = "piloto-test-client.apps.example"
CLIENT_SECRET = "piloto-test-client-secret-0123456789"
APP_URL = "https://app.piloto.test"
UA = "pytest-google/1.0"
PASSWORD = "correct horse battery staple 42"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unique(tag="g"):
    return "%s-%s" % (tag, uuid.uuid4().hex[:12])


def query_of(url):
    """The query of url as {name: value} (first values)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def google_env(issuer, port, **extra):
    """piloto settings for Google sign-in against issuer, serving on port."""
    env = {
        "PORT": str(port),
        "PUBLIC_URL": "http://127.0.0.1:%d" % port,
        "APP_URL": APP_URL,
        "GOOGLE_CLIENT_ID": CLIENT_ID,
        "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
        "GOOGLE_ISSUER": issuer,
        "RATE_LIMIT_AUTH": "100000",
        "RATE_LIMIT_GENERAL": "1000000",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


# ------------------------------------------------------------ the real one


def ensure_oidc_modules():
    """`make` runs `npm ci` in tests/support/oidc; do it here too when run by hand."""
    if not (OIDC_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=OIDC_DIR,
                       check=True, timeout=300)


class OidcProvider:
    """oidc-provider on 127.0.0.1, one client whose redirect URI is piloto's callback."""

    def __init__(self, workdir, redirect_uri):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.issuer = "http://127.0.0.1:%d" % self.port
        self.redirect_uri = redirect_uri
        self.accounts_path = self.workdir / "accounts.json"
        self.accounts = {}
        self.out_path = self.workdir / "oidc.out"
        self.proc = None
        self._save()

    def _save(self):
        tmp = self.accounts_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.accounts))
        os.replace(tmp, self.accounts_path)

    def add_account(self, sub, email, email_verified=True, name=None):
        """A user the provider knows (read on every sign-in)."""
        self.accounts[sub] = {"email": email, "email_verified": email_verified,
                              "name": name or "Test %s" % sub}
        self._save()

    def start(self):
        ensure_oidc_modules()
        with open(self.out_path, "wb") as out:
            self.proc = subprocess.Popen(
                ["node", "provider.js", "--port", str(self.port), "--client-id", CLIENT_ID,
                 "--client-secret", CLIENT_SECRET, "--redirect-uri", self.redirect_uri,
                 "--accounts", str(self.accounts_path)],
                cwd=OIDC_DIR, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while "ready " not in self.out_path.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("oidc-provider did not start:\n%s" %
                                     self.out_path.read_text(errors="replace"))
            time.sleep(0.05)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def _interaction(self, auth_url):
        """Follows the authorization request to the sign-in page: (session, uid)."""
        s = requests.Session()
        s.headers["User-Agent"] = UA
        r = s.get(auth_url, allow_redirects=False, timeout=30)
        assert r.status_code in (302, 303), (r.status_code, r.text[:500])
        loc = urljoin(auth_url, r.headers["Location"])
        assert "/interaction/" in loc, loc
        uid = urlsplit(loc).path.rstrip("/").split("/")[-1]
        r = s.get(loc, allow_redirects=False, timeout=30)
        assert r.status_code == 200, (r.status_code, r.text[:500])
        return s, uid

    def _finish(self, s, r):
        """Follows the provider's redirects until one leaves it: that URL."""
        for _ in range(5):
            assert r.status_code in (302, 303), (r.status_code, r.text[:500])
            loc = urljoin(self.issuer + "/", r.headers["Location"])
            if not loc.startswith(self.issuer + "/"):
                return loc
            r = s.get(loc, allow_redirects=False, timeout=30)
        raise AssertionError("too many redirects at the provider")

    def sign_in(self, auth_url, sub):
        """Signs in as sub: the redirect back to piloto's callback (a URL)."""
        s, uid = self._interaction(auth_url)
        r = s.post("%s/interaction/%s" % (self.issuer, uid),
                   data={"prompt": "login", "login": sub, "password": "any"},
                   allow_redirects=False, timeout=30)
        return self._finish(s, r)

    def deny(self, auth_url):
        """The user cancels at the provider: the redirect back (error=access_denied)."""
        s, uid = self._interaction(auth_url)
        r = s.get("%s/interaction/%s/abort" % (self.issuer, uid), allow_redirects=False,
                  timeout=30)
        return self._finish(s, r)

    def redeem(self, code, verifier=None, redirect_uri=None):
        """What an attacker holding a stolen code gets from the token endpoint."""
        data = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": redirect_uri or self.redirect_uri,
                "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        if verifier is not None:
            data["code_verifier"] = verifier
        return requests.post(self.issuer + "/token", data=data, timeout=30)


# ------------------------------------------------------------ the fake one


class Key:
    """An RSA signing key and its public JWK."""

    def __init__(self, kid):
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pub = self.private.public_key().public_numbers()
        self.jwk = {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
                    "n": b64url(pub.n.to_bytes((pub.n.bit_length() + 7) // 8, "big")),
                    "e": b64url(pub.e.to_bytes(3, "big"))}

    def sign(self, signing_input):
        return self.private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())


def make_jwt(claims, key, alg="RS256", kid=None, signer=None):
    """A compact JWS over claims; signer (another Key) signs instead of key."""
    header = {"alg": alg, "typ": "JWT"}
    if kid is not False:
        header["kid"] = key.kid if kid is None else kid
    h = b64url(json.dumps(header, separators=(",", ":")).encode())
    p = b64url(json.dumps(claims, separators=(",", ":")).encode())
    si = ("%s.%s" % (h, p)).encode()
    if alg == "none":
        return "%s.%s." % (h, p)
    if alg == "HS256":
        import hmac
        secret = json.dumps(key.jwk).encode()
        return "%s.%s.%s" % (h, p, b64url(hmac.new(secret, si, hashlib.sha256).digest()))
    return "%s.%s.%s" % (h, p, b64url((signer or key).sign(si)))


class FakeProvider:
    """Discovery, JWKS and a token endpoint on 127.0.0.1 whose ID tokens the test writes.

    issue(code, nonce, ...) registers what the token endpoint answers for code.
    The JWK Set publishes `published` (the first key by default); jwks_hits
    counts its fetches and token_requests keeps every token request's form.
    """

    def __init__(self):
        self.port = free_port()
        self.issuer = "http://127.0.0.1:%d" % self.port
        self.key = Key("fake-1")
        self.other = Key("fake-1")  # same kid, another key: a forgery
        self.published = [self.key]
        self.codes = {}
        self.jwks_hits = 0
        self.token_requests = []
        self.lock = threading.Lock()
        self.httpd = None
        self.thread = None

    def claims(self, request_nonce, **over):
        """A good ID token's claims for the request that sent request_nonce, with over
        replacing (None: removing) any of them."""
        now = int(time.time())
        c = {"iss": self.issuer, "sub": "fake-sub", "aud": CLIENT_ID, "azp": CLIENT_ID,
             "exp": now + 3600, "iat": now, "nonce": request_nonce,
             "email": "fake@example.com", "email_verified": True, "name": "Fake User"}
        for k, v in over.items():
            if v is None:
                c.pop(k, None)
            else:
                c[k] = v
        return c

    def issue(self, code, request_nonce, key=None, alg="RS256", kid=None, signer=None,
              status=200, body=None, **claims):
        """What /token answers for code: an ID token over claims (see claims())."""
        if body is None:
            token = make_jwt(self.claims(request_nonce, **claims), key or self.key, alg=alg,
                             kid=kid, signer=signer)
            body = {"access_token": "at-" + uuid.uuid4().hex, "token_type": "Bearer",
                    "expires_in": 3600, "id_token": token}
        with self.lock:
            self.codes[code] = (status, body)

    def discovery(self):
        return {"issuer": self.issuer,
                "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token",
                "jwks_uri": self.issuer + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"]}

    def start(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, obj):
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    self.answer(200, fake.discovery())
                elif self.path == "/jwks":
                    with fake.lock:
                        fake.jwks_hits += 1
                        keys = [k.jwk for k in fake.published]
                    self.answer(200, {"keys": keys})
                else:
                    self.answer(404, {"error": "not_found"})

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(n).decode()).items()}
                if self.path != "/token":
                    self.answer(404, {"error": "not_found"})
                    return
                with fake.lock:
                    fake.token_requests.append(form)
                    found = fake.codes.pop(form.get("code"), None)
                if (form.get("client_id") != CLIENT_ID
                        or form.get("client_secret") != CLIENT_SECRET):
                    self.answer(401, {"error": "invalid_client"})
                elif found is None or form.get("grant_type") != "authorization_code":
                    self.answer(400, {"error": "invalid_grant"})
                else:
                    self.answer(*found)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


# ------------------------------------------------------------ the browser


def set_cookies(resp):
    """{name: (value, attributes-lowercased, raw)} of a response's Set-Cookie headers."""
    out = {}
    for h in resp.raw.headers.getlist("Set-Cookie"):
        parts = [p.strip() for p in h.split(";")]
        name, _, value = parts[0].partition("=")
        attrs = {}
        for p in parts[1:]:
            k, _, v = p.partition("=")
            attrs[k.strip().lower()] = v.strip()
        out[name] = (value, attrs, h)
    return out


class Browser:
    """A browser talking to one piloto: cookies kept by hand, no automatic redirects."""

    def __init__(self, server):
        self.server = server
        self.cookies = {}
        self.csrf = None

    def request(self, method, path, json_body=None, csrf=False, cookies=None, headers=None):
        if csrf and self.csrf is None:
            self.fetch_csrf()
        h = {"User-Agent": UA}
        jar = self.cookies if cookies is None else cookies
        if jar:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in jar.items())
        if method not in ("GET", "HEAD"):
            h["Origin"] = self.server.base
            if csrf:
                h["X-CSRF-Token"] = self.csrf
        data = None
        if json_body is not None:
            data = json.dumps(json_body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        r = requests.request(method, self.server.url(path), data=data, headers=h,
                             allow_redirects=False, timeout=60)
        r.set_cookies = set_cookies(r)
        if cookies is None:
            for name, (value, attrs, _) in r.set_cookies.items():
                if value == "" or attrs.get("max-age") == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def fetch_csrf(self):
        r = self.request("GET", "/auth/csrf")
        assert r.status_code == 200, r.text
        self.csrf = r.json()["csrfToken"]
        return self.csrf

    def signup(self, email, password=PASSWORD):
        r = self.request("POST", "/auth/signup",
                         {"email": email, "password": password, "name": "Pass Word"}, csrf=True)
        assert r.status_code == 201, r.text
        self.csrf = r.json()["csrfToken"]
        return r.json()["user"]

    def login_password(self, email, password=PASSWORD):
        self.fetch_csrf()
        return self.request("POST", "/auth/login", {"email": email, "password": password},
                            csrf=True)

    def me(self):
        return self.get("/auth/me")

    def start(self, next_path=None, remember=None):
        """GET /auth/google/start: the redirect (302) to the provider."""
        q = []
        if next_path is not None:
            q.append(("next", next_path))
        if remember is not None:
            q.append(("remember", remember))
        path = "/auth/google/start"
        if q:
            path += "?" + requests.models.RequestEncodingMixin._encode_params(q)
        r = self.get(path)
        assert r.status_code == 302, (r.status_code, r.text)
        return r

    def callback(self, url_or_query):
        """GET piloto's callback with the query of the provider's redirect."""
        query = url_or_query
        if url_or_query.startswith(("http://", "https://")):
            query = urlsplit(url_or_query).query
        return self.get("/auth/google/callback?" + query)


def location(r):
    assert r.status_code == 302, (r.status_code, r.text)
    return r.headers["Location"]


def error_of(r):
    """The erro= code of a redirect to the dashboard's sign-in page, or None."""
    loc = location(r)
    if not loc.startswith(APP_URL + "/entrar?"):
        return None
    return query_of(loc).get("erro")
