"""t1900: docs/api.md stays true. Every `### METHOD /path` it documents
exists on a running server; every route the server answers (probed over a
list of candidate paths, and read from the route tables) is documented; every
problem code of server/core/err.h is in its table."""

import glob
import os
import re

import pytest

from authlib import ROOT
from authlib import srv  # noqa: F401 (fixture)

DOC = os.path.join(ROOT, "docs", "api.md")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# Paths a client might try, beyond the documented ones: the features SPEC
# §4-§8 announce under /auth, /bff, /api/v1 and /internal.
CANDIDATES = """
/auth /auth/ /auth/signup /auth/login /auth/logout /auth/me /auth/csrf /auth/reauth
/auth/session /auth/sessions /auth/refresh /auth/register /auth/signin /auth/signout
/auth/google /auth/google/start /auth/google/callback /auth/oauth/google/start
/auth/oauth/google/callback /auth/verify /auth/verify-email /auth/email/verify
/auth/email/verification /auth/verification /auth/verification/resend /auth/password
/auth/password/forgot /auth/password/reset /auth/password-reset /auth/forgot-password
/auth/reset-password /auth/reset /auth/invitations/x /auth/invitations/x/accept
/auth/verify-email/resend /auth/password/change /auth/magic-link /auth/email/change
/api /api/v1 /api/v1/ /api/v1/me /api/v1/me/ /api/v1/me/password /api/v1/me/email
/api/v1/me/sessions /api/v1/me/sessions/x /api/v1/me/sessions/x/y /api/v1/me/identities
/api/v1/me/email/verify /api/v1/me/verify-email /api/v1/me/audit
/api/v1/me/identities/google /api/v1/me/google /api/v1/me/workspaces /api/v1/sessions
/api/v1/users /api/v1/users/x /api/v1/workspaces /api/v1/workspaces/x
/api/v1/workspaces/x/members /api/v1/workspaces/x/members/y /api/v1/workspaces/x/invitations
/api/v1/workspaces/x/invitations/y /api/v1/workspaces/x/audit /api/v1/workspaces/x/audit-log
/api/v1/workspaces/x/agents /api/v1/workspaces/x/agents/y /api/v1/workspaces/x/leads
/api/v1/workspaces/x/leads/y /api/v1/workspaces/x/conversations
/api/v1/workspaces/x/conversations/y /api/v1/workspaces/x/conversations/y/messages
/api/v1/workspaces/x/documents /api/v1/workspaces/x/documents/y /api/v1/invitations
/api/v1/invitations/x /api/v1/invitations/x/accept /api/v1/agents /api/v1/agents/x
/api/v1/leads /api/v1/leads/x /api/v1/conversations /api/v1/conversations/x
/api/v1/conversations/x/messages /api/v1/conversations/x/events /api/v1/documents
/api/v1/documents/x /api/v1/audit /api/v1/audit-log /api/v1/events
/bff /bff/uploads /bff/me /bff/dashboard /bff/google/start
/internal /internal/whatsapp /internal/crm /internal/jobs /internal/jobs/x
/healthz /readyz /metrics
""".split()


def documented():
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    routes = re.findall(r"^### (GET|POST|PUT|PATCH|DELETE) (/\S*)\s*$", text, re.M)
    assert routes, "no '### METHOD /path' headings in docs/api.md"
    return text, set(routes)


def matches(pattern, path):
    ps, xs = pattern.strip("/").split("/"), path.strip("/").split("/")
    return len(ps) == len(xs) and all(p == x or (p.startswith("{") and p.endswith("}") and x) for p, x in zip(ps, xs))


def concrete(pattern):
    return re.sub(r"\{[^/}]+\}", "docprobe", pattern)


def is_documented(routes, method, path):
    return any(m == method and matches(p, path) for m, p in routes)


def allowed(srv, path):
    """Methods the server takes at path (from OPTIONS' Allow), or None if no route."""
    c = srv.client(origin=None)
    r = c.request("OPTIONS", path)
    if r.status_code == 404:
        return None
    assert r.status_code == 204, (path, r.status_code, r.text)
    return {m.strip() for m in r.headers.get("Allow", "").split(",")} - {"HEAD", "OPTIONS", ""}


def test_every_documented_route_exists(srv):
    _, routes = documented()
    for method, pattern in sorted(routes):
        path = concrete(pattern)
        r = srv.client().request(method, path)
        assert r.status_code not in (404, 405), (method, pattern, r.status_code, r.text)
        methods = allowed(srv, path)
        assert methods is not None and method in methods, (method, pattern, methods)


def test_every_route_the_server_answers_is_documented(srv):
    _, routes = documented()
    paths = set(CANDIDATES) | {concrete(p) for _, p in routes}
    undocumented = []
    for path in sorted(paths):
        methods = allowed(srv, path) or set()
        for m in METHODS:
            if m not in methods:
                # Asked directly, the method must then be a 404 or a 405.
                r = srv.client().request(m, path, csrf=None)
                if r.status_code in (404, 405):
                    continue
                methods.add(m)
            if not is_documented(routes, m, path):
                undocumented.append("%s %s" % (m, path))
    assert undocumented == [], "routes missing from docs/api.md: %s" % undocumented


def test_the_route_tables_match_the_docs():
    _, routes = documented()
    in_source = set()
    for path in glob.glob(os.path.join(ROOT, "server", "routes", "*.c")):
        with open(path, encoding="utf-8") as f:
            src = f.read()
        for methods, pattern in re.findall(
                r"\{\s*((?:HTTP_[A-Z]+\s*\|\s*)*HTTP_[A-Z]+)\s*,\s*\"(/[^\"]*)\"", src):
            for m in re.findall(r"HTTP_([A-Z]+)", methods):
                if m in METHODS:
                    in_source.add((m, pattern))
    assert in_source, "no route tables found"
    assert sorted(in_source - routes) == [], "in server/routes but not in docs/api.md"
    assert sorted(routes - in_source) == [], "in docs/api.md but not in server/routes"


def test_every_problem_code_is_documented():
    text, _ = documented()
    with open(os.path.join(ROOT, "server", "core", "err.h"), encoding="utf-8") as f:
        rows = re.findall(r"X\(E_[A-Z_]+,\s*(\d{3}),\s*\"([a-z_]+)\"", f.read())
    assert len(rows) > 10
    for status, slug in rows:
        assert re.search(r"^\| %s \| `%s` \|" % (status, slug), text, re.M), (status, slug)
    for name in ("piloto_session", "piloto_csrf", "X-CSRF-Token", "__Host-", "__Secure-",
                 "application/problem+json", "Retry-After"):
        assert name in text, name


@pytest.mark.parametrize("slug", ["validation_failed", "unauthenticated", "csrf_failed"])
def test_problem_type_urls_are_as_documented(srv, slug):
    text, _ = documented()
    c = srv.client()
    if slug == "unauthenticated":
        r = c.get("/auth/me")
    elif slug == "csrf_failed":
        r = c.post("/auth/login", {"email": "a@example.com", "password": "x"})
    else:
        c.fetch_csrf()
        r = c.post("/auth/login", {"email": "a@example.com"})
    body = r.json()
    assert body["code"] == slug
    assert '"type": "%s"' % body["type"].replace(slug, "validation_failed") in text
