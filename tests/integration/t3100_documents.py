"""t3100: knowledge documents over HTTP (issue 12, SPEC §8/§11), black-box on
the backend of $TEST_DB: the upload grant, the embedded store's signed PUT,
completion and indexing by the job queue, the list, chunk preview, search,
re-upload and delete, and every refusal. The files are real ones made by
tests/support/mkdocs.py.
"""

import base64
import hashlib
import hmac
import os
import socket
import threading
import subprocess
import sys
import time
import urllib.parse

import pytest
import requests

from authlib import SECRET, Piloto, new_user, problem, field_errors
from t3000_workspaces import create, join
from t1600_mail import Sink

HERE = os.path.dirname(os.path.abspath(__file__))
MKDOCS = os.path.join(HERE, "..", "support", "mkdocs.py")

TYPES = {"txt": "text/plain", "md": "text/markdown", "csv": "text/csv",
         "pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@pytest.fixture(scope="module")
def env(tmp_path_factory, pg):
    tmp = str(tmp_path_factory.mktemp("docs"))
    files = os.path.join(tmp, "files")
    subprocess.run([sys.executable, MKDOCS, files], check=True)
    sink = Sink(tmp).start()
    store = os.path.join(tmp, "store")
    s = Piloto(tmp, pg, env={"SMTP_URL": sink.url, "MAIL_FROM": "Piloto <no-reply@piloto.test>",
                             "STORAGE_URL": "file:" + store}, name="docs")
    s.start()
    s.sink = sink
    s.store = store
    s.files = files
    yield s
    s.stop()
    sink.stop()


def read(env, name):
    with open(os.path.join(env.files, name), "rb") as f:
        return f.read()


def grant(c, wid, filename, ctype, size, status=201):
    r = c.post("/bff/uploads", {"workspaceId": wid, "filename": filename, "contentType": ctype,
                                "size": size})
    assert r.status_code == status, r.text
    return r.json() if status == 201 else r


def put(env, upload, data, headers=None, url=None):
    """PUTs data to the signed URL as a browser would: no cookie, no CSRF token."""
    u = urllib.parse.urlsplit(url or upload["url"])
    h = dict(upload["headers"])
    h.update(headers or {})
    return requests.put(env.url(u.path + "?" + u.query), data=data, headers=h, timeout=60)


def wait_status(c, wid, did, want=("ready", "failed"), timeout=60):
    deadline = time.time() + timeout
    while True:
        r = c.get("/api/v1/workspaces/%s/documents" % wid)
        assert r.status_code == 200, r.text
        doc = [d for d in r.json()["documents"] if d["id"] == did][0]
        if doc["status"] in want:
            return doc
        assert time.time() < deadline, doc
        time.sleep(0.1)


def upload(env, c, wid, name, ctype=None, data=None, filename=None):
    """Grant, PUT, complete, wait: the document as listed at the end."""
    data = read(env, name) if data is None else data
    ctype = ctype or TYPES[name.rsplit(".", 1)[1]]
    g = grant(c, wid, filename or name, ctype, len(data))
    assert g["upload"]["method"] == "PUT"
    r = put(env, g["upload"], data)
    assert r.status_code in (200, 204), r.text
    did = g["document"]["id"]
    r = c.post("/api/v1/workspaces/%s/documents/%s/complete" % (wid, did))
    assert r.status_code == 202, r.text
    return wait_status(c, wid, did)


def search(c, wid, q):
    r = c.get("/api/v1/workspaces/%s/documents/search" % wid, params=None) if False else \
        c.get("/api/v1/workspaces/%s/documents/search?q=%s" % (wid, urllib.parse.quote(q)))
    assert r.status_code == 200, r.text
    return r.json()["results"]


@pytest.mark.parametrize("name", ["sample.txt", "sample.md", "sample.csv", "sample.pdf",
                                  "sample.docx", "sample_cp1252.txt"])
def test_each_format_indexed_and_found(env, name):
    c = new_user(env)
    wid = create(c)["id"]
    doc = upload(env, c, wid, name)
    assert doc["status"] == "ready", doc
    assert doc["chunks"] >= 1 and doc["filename"] == name
    hits = search(c, wid, "entregam em sao paulo no domingo?")
    assert hits and hits[0]["documentId"] == doc["id"], hits
    assert "Paulo" in hits[0]["text"]
    r = c.get("/api/v1/workspaces/%s/documents/%s/chunks" % (wid, doc["id"]))
    assert r.status_code == 200, r.text
    assert len(r.json()["chunks"]) == doc["chunks"]
    assert r.json()["nextAfter"] is None


def test_chunks_paginate(env):
    c = new_user(env)
    wid = create(c)["id"]
    text = "\n\n".join("Parágrafo %d sobre entregas e trocas. " % i * 30 for i in range(60))
    doc = upload(env, c, wid, "long.txt", data=text.encode())
    assert doc["status"] == "ready" and doc["chunks"] > 2, doc
    seen, after = [], None
    while True:
        path = "/api/v1/workspaces/%s/documents/%s/chunks?limit=2" % (wid, doc["id"])
        if after is not None:
            path += "&after=%d" % after
        body = c.get(path).json()
        seen += [ch["ord"] for ch in body["chunks"]]
        after = body["nextAfter"]
        if after is None:
            break
    assert seen == sorted(seen) and len(seen) == doc["chunks"]
    problem(c.get("/api/v1/workspaces/%s/documents/%s/chunks?limit=0" % (wid, doc["id"])), 422,
            "validation_failed")


@pytest.mark.parametrize("name,reason", [("encrypted.pdf", "encrypted"),
                                         ("encrypted.docx", "encrypted"),
                                         ("truncated.pdf", "malformed"),
                                         ("not_word.docx", "malformed"),
                                         ("lying_text.pdf", "type_mismatch"),
                                         ("scanned.pdf", "no_text")])
def test_bad_files_fail_with_reason(env, name, reason):
    c = new_user(env)
    wid = create(c)["id"]
    doc = upload(env, c, wid, name)
    assert doc["status"] == "failed" and doc["reason"] == reason, doc
    assert doc["reasonText"] and doc["chunks"] == 0


def test_refused_uploads(env):
    c = new_user(env)
    wid = create(c)["id"]
    data = read(env, "sample.txt")
    # Declared type and size, checked at the grant.
    for body, field in ((("a.txt", "image/png", len(data)), "contentType"),
                        (("a.exe", "text/plain", len(data)), "contentType"),
                        (("a.txt", "text/plain", 20 * 1024 * 1024 + 1), "size"),
                        (("a/b.txt", "text/plain", len(data)), "filename")):
        r = grant(c, wid, body[0], body[1], body[2], status=422)
        assert field in field_errors(problem(r, 422, "validation_failed")), r.text
    problem(grant(c, wid, "a.txt", "text/plain", 0, status=422), 422, "validation_failed")
    g = grant(c, wid, "a.txt", "text/plain", len(data))
    up = g["upload"]
    # The wrong size, the wrong type.
    problem(put(env, up, data[:-1]), 422, "validation_failed")
    problem(put(env, up, data + b"x"), 422, "validation_failed")
    problem(put(env, up, data, headers={"Content-Type": "application/pdf"}), 422,
            "validation_failed")
    # More than the declared size never gets read: 413 before the body.
    # Tampered: any part of the query changed, or the signature.
    u = urllib.parse.urlsplit(up["url"])
    qs = urllib.parse.parse_qs(u.query)
    for k, v in (("size", str(len(data) + 1)), ("type", "pdf"), ("exp", str(int(qs["exp"][0]) + 60)),
                 ("v", "2"), ("sig", qs["sig"][0][:-2] + "AA")):
        t = dict((kk, vv[0]) for kk, vv in qs.items())
        t[k] = v
        bad = u._replace(query=urllib.parse.urlencode(t)).geturl()
        problem(put(env, up, data, url=bad), 403, "forbidden")
    other = grant(c, wid, "b.txt", "text/plain", len(data))["document"]["id"]
    problem(put(env, up, data, url=up["url"].replace(g["document"]["id"], other)), 403,
            "forbidden")
    # Expired: a genuine signature over an expiry in the past.
    did = g["document"]["id"]
    exp = int(time.time()) - 10
    msg = "piloto-upload-v1\n%s\n%s\n%s\n%s\n%d" % (did, qs["v"][0], qs["size"][0],
                                                    qs["type"][0], exp)
    sig = base64.urlsafe_b64encode(hmac.new(SECRET.encode(), msg.encode(),
                                            hashlib.sha256).digest()).rstrip(b"=").decode()
    t = dict((kk, vv[0]) for kk, vv in qs.items())
    t.update(exp=str(exp), sig=sig)
    problem(put(env, up, data, url=u._replace(query=urllib.parse.urlencode(t)).geturl()), 403,
            "link_expired")
    # The genuine URL still works, once.
    assert put(env, up, data).status_code == 204
    assert c.post("/api/v1/workspaces/%s/documents/%s/complete" % (wid, did)).status_code == 202
    problem(put(env, up, data), 409, "conflict")


def test_roles_and_tenancy(env):
    owner = new_user(env)
    wid = create(owner)["id"]
    other = new_user(env)
    owid = create(other, "Outra")["id"]
    member = join(env, owner, wid, "member")
    admin = join(env, owner, wid, "admin")
    data = read(env, "sample.txt")
    # Non-member: 404, member: 403, admin: allowed.
    problem(grant(other, wid, "a.txt", "text/plain", len(data), status=404), 404, "not_found")
    problem(grant(member, wid, "a.txt", "text/plain", len(data), status=403), 403, "forbidden")
    doc = upload(env, admin, wid, "sample.txt")
    assert doc["status"] == "ready"
    # Members read the list, the chunks and the search; they do not complete or delete.
    assert member.get("/api/v1/workspaces/%s/documents" % wid).json()["documents"][0]["id"] \
        == doc["id"]
    assert search(member, wid, "pix desconto")
    problem(member.delete("/api/v1/workspaces/%s/documents/%s" % (wid, doc["id"])), 403,
            "forbidden")
    # Another workspace's document is not found through one's own workspace.
    for method, path in (("POST", "/complete"), ("DELETE", ""), ("GET", "/chunks")):
        r = other.request(method, "/api/v1/workspaces/%s/documents/%s%s" % (owid, doc["id"], path))
        problem(r, 404, "not_found")
    assert search(other, owid, "pix desconto") == []
    # Without a session, no grant; without CSRF, no grant.
    problem(env.client().post("/bff/uploads", {"workspaceId": wid, "filename": "a.txt",
                                               "contentType": "text/plain", "size": 3}), 401,
            "unauthenticated")
    r = owner.post("/bff/uploads", {"workspaceId": wid, "filename": "a.txt",
                                    "contentType": "text/plain", "size": 3}, csrf=None)
    assert r.status_code == 403, r.text


def test_reupload_swaps_and_delete_removes(env):
    c = new_user(env)
    wid = create(c)["id"]
    first = upload(env, c, wid, "politica.txt", data="Trocas em até 30 dias com nota fiscal.\n"
                   .encode())
    assert search(c, wid, "trocas nota fiscal")[0]["documentId"] == first["id"]
    second = upload(env, c, wid, "politica.txt",
                    data="Entregamos em Campinas às terças-feiras.\n".encode())
    assert second["id"] == first["id"] and second["version"] == first["version"] + 1
    stored = os.path.join(env.store, wid, first["id"])
    assert sorted(os.listdir(stored)) == ["v1", "v2"]
    assert search(c, wid, "trocas nota fiscal") == []
    hits = search(c, wid, "entrega campinas")
    assert hits and hits[0]["documentId"] == first["id"]
    r = c.delete("/api/v1/workspaces/%s/documents/%s" % (wid, first["id"]))
    assert r.status_code == 204, r.text
    assert search(c, wid, "entrega campinas") == []
    assert c.get("/api/v1/workspaces/%s/documents" % wid).json() == {"documents": []}
    # Every stored version goes too, by a job after the commit.
    deadline = time.time() + 30
    while os.listdir(stored):
        assert time.time() < deadline, os.listdir(stored)
        time.sleep(0.05)
    problem(c.delete("/api/v1/workspaces/%s/documents/%s" % (wid, first["id"])), 404,
            "not_found")


def leftovers(env):
    """Temporary upload files anywhere in the store."""
    out = []
    for base, _, files in os.walk(env.store):
        out.extend(os.path.join(base, n) for n in files if n.endswith(".tmp"))
    return out


def rss_kib(env):
    with open("/proc/%d/status" % env.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def raw_put(env, upload, head_extra=b"", body=b"", close=True):
    """A PUT over a raw socket (for chunked bodies and clients that leave): the socket."""
    u = urllib.parse.urlsplit(upload["url"])
    s = socket.create_connection(("127.0.0.1", urllib.parse.urlsplit(env.url("/")).port), timeout=30)
    s.sendall(b"PUT " + (u.path + "?" + u.query).encode() + b" HTTP/1.1\r\nHost: x\r\n" +
              b"Content-Type: " + upload["headers"]["Content-Type"].encode() + b"\r\n" +
              head_extra + b"\r\n" + body)
    return s


def answer_status(s):
    data = b""
    while b"\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return int(data.split(b" ", 2)[1]) if data else 0


def chunked(data, piece=65536):
    out = b""
    for i in range(0, len(data), piece):
        part = data[i:i + piece]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"


def test_concurrent_large_uploads_stream_to_disk(env):
    """Four 20 MiB uploads at once: each lands whole, and the server's memory
    does not grow by the files (the body goes to disk as it arrives)."""
    c = new_user(env)
    wid = create(c)["id"]
    size = 20 * 1024 * 1024
    files = [os.urandom(1024) * (size // 1024) for _ in range(4)]
    grants = [grant(c, wid, "grande%d.txt" % i, "text/plain", size) for i in range(4)]
    base = rss_kib(env)
    peak = [base]
    results = [None] * 4

    def send(i):
        results[i] = put(env, grants[i]["upload"], files[i]).status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak[0] = max(peak[0], rss_kib(env))
        time.sleep(0.005)
    for t in threads:
        t.join()
    assert results == [204] * 4
    for g, data in zip(grants, files):
        path = os.path.join(env.store, wid, g["document"]["id"], "v1")
        with open(path, "rb") as f:
            assert hashlib.sha256(f.read()).digest() == hashlib.sha256(data).digest()
    assert leftovers(env) == []
    # Holding the bodies would take 80 MiB; streamed, a few buffers.
    assert peak[0] - base < 16 * 1024, "RSS grew by %d KiB" % (peak[0] - base)


def test_body_longer_or_shorter_than_declared(env):
    c = new_user(env)
    wid = create(c)["id"]
    data = read(env, "sample.txt")
    g = grant(c, wid, "a.txt", "text/plain", len(data))
    up = g["upload"]
    stored = os.path.join(env.store, wid, g["document"]["id"])
    # Content-Length says another size: refused before the body.
    for n in (len(data) - 1, len(data) + 1):
        s = raw_put(env, up, b"Content-Length: %d\r\n" % n, data[:n])
        assert answer_status(s) == 422
    # Chunked, no length: counted as it comes, refused past the size or short of it.
    for body in (data + b"x" * 100000, data[:-1]):
        s = raw_put(env, up, b"Transfer-Encoding: chunked\r\n", chunked(body))
        assert answer_status(s) == 422
    assert leftovers(env) == []
    assert not os.path.exists(os.path.join(stored, "v1"))
    # Exactly the size, chunked: stored.
    s = raw_put(env, up, b"Transfer-Encoding: chunked\r\n", chunked(data, 7))
    assert answer_status(s) == 204
    with open(os.path.join(stored, "v1"), "rb") as f:
        assert f.read() == data
    assert leftovers(env) == []


def test_aborted_upload_leaves_no_temporary_file(env):
    c = new_user(env)
    wid = create(c)["id"]
    size = 4 * 1024 * 1024
    g = grant(c, wid, "meio.txt", "text/plain", size)
    s = raw_put(env, g["upload"], b"Content-Length: %d\r\n" % size, b"a" * (size // 2))
    deadline = time.time() + 20
    while not leftovers(env):
        assert time.time() < deadline, "no temporary file while the body arrives"
        time.sleep(0.01)
    s.close()
    while leftovers(env):
        assert time.time() < deadline, leftovers(env)
        time.sleep(0.01)
    assert not os.path.exists(os.path.join(env.store, wid, g["document"]["id"], "v1"))
    # The same URL works afterwards.
    assert put(env, g["upload"], b"b" * size).status_code == 204
