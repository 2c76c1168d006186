"""t3110: knowledge documents with STORAGE_URL=gs://… against the stand-in
GCS XML API (tests/support/gcs_standin.py), which recomputes every V4
signature (GOOG4-RSA-SHA256) with the service account's public key: the
browser PUTs to the V4 URL piloto minted, the indexer downloads with a
signed GET, and a URL with a wrong signature, another size or type, is
refused by the store itself.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from authlib import Piloto, free_port, new_user, problem
from t3000_workspaces import create
from t3100_documents import grant, search, wait_status

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "..", "support", "gcs_standin.py")
TEXT = "Entregas em São Paulo saem no mesmo dia. Não entregamos aos domingos.\n".encode()


@pytest.fixture(scope="module")
def env(tmp_path_factory, pg):
    tmp = str(tmp_path_factory.mktemp("gcs"))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    keyfile = os.path.join(tmp, "sa.json")
    with open(keyfile, "w") as f:
        json.dump({"type": "service_account", "project_id": "piloto-test",
                   "private_key_id": "k1", "private_key": pem,
                   "client_email": "piloto@piloto-test.iam.gserviceaccount.com",
                   "client_id": "1", "token_uri": "https://oauth2.googleapis.com/token"}, f)
    port = free_port()
    root = os.path.join(tmp, "objects")
    os.makedirs(root)
    gcs = subprocess.Popen([sys.executable, STANDIN, str(port), keyfile, root])
    api = "http://127.0.0.1:%d" % port
    deadline = time.time() + 20
    while True:
        try:
            requests.get(api + "/_objects", timeout=1)
            break
        except requests.RequestException:
            assert time.time() < deadline, "the GCS stand-in did not start"
            time.sleep(0.05)
    s = Piloto(tmp, pg, env={"STORAGE_URL": "gs://piloto-docs", "GCS_API_URL": api,
                             "GOOGLE_APPLICATION_CREDENTIALS": keyfile}, name="gcs")
    s.start()
    s.api = api
    yield s
    s.stop()
    gcs.send_signal(signal.SIGTERM)
    gcs.wait(10)


def put(upload, data, url=None, headers=None):
    h = dict(upload["headers"])
    h.update(headers or {})
    return requests.put(url or upload["url"], data=data, headers=h, timeout=30)


def test_upload_to_gcs_index_and_search(env):
    c = new_user(env)
    wid = create(c)["id"]
    g = grant(c, wid, "entregas.txt", "text/plain", len(TEXT))
    up = g["upload"]
    assert up["url"].startswith(env.api + "/piloto-docs/"), up
    assert "X-Goog-Signature=" in up["url"] and up["method"] == "PUT"
    assert up["headers"]["x-goog-content-length-range"] == "%d,%d" % (len(TEXT), len(TEXT))
    # The store refuses a wrong signature, another size, another type.
    u = urllib.parse.urlsplit(up["url"])
    qs = dict(urllib.parse.parse_qsl(u.query))
    sig = qs["X-Goog-Signature"]
    qs["X-Goog-Signature"] = ("0" if sig[0] != "0" else "1") + sig[1:]
    bad = u._replace(query=urllib.parse.urlencode(qs)).geturl()
    r = put(up, TEXT, url=bad)
    assert r.status_code == 403 and b"SignatureDoesNotMatch" in r.content, r.text
    r = put(up, TEXT + b"x")
    assert r.status_code == 400 and b"EntityTooLarge" in r.content, r.text
    r = put(up, TEXT, headers={"Content-Type": "application/pdf"})
    assert r.status_code == 403 and b"SignatureDoesNotMatch" in r.content, r.text
    # Piloto's own upload endpoint does not serve a gs:// store.
    problem(requests.put(env.url("/bff/uploads/%s?v=1" % g["document"]["id"]), data=TEXT,
                         timeout=10), 404, "not_found")
    # The genuine upload, then indexing reads it back with a signed GET.
    r = put(up, TEXT)
    assert r.status_code == 200, r.text
    did = g["document"]["id"]
    assert c.post("/api/v1/workspaces/%s/documents/%s/complete" % (wid, did)).status_code == 202
    doc = wait_status(c, wid, did)
    assert doc["status"] == "ready" and doc["chunks"] >= 1, doc
    hits = search(c, wid, "entregam no domingo em sao paulo")
    assert hits and hits[0]["documentId"] == did


def test_missing_object_fails_with_reason(env):
    c = new_user(env)
    wid = create(c)["id"]
    g = grant(c, wid, "nada.txt", "text/plain", len(TEXT))
    did = g["document"]["id"]
    assert c.post("/api/v1/workspaces/%s/documents/%s/complete" % (wid, did)).status_code == 202
    doc = wait_status(c, wid, did)
    assert doc["status"] == "failed" and doc["reason"] == "missing", doc


def objects(env):
    return sorted(o["name"] for o in requests.get(env.api + "/_objects", timeout=5).json())


def wait_objects(env, pred, timeout=30):
    deadline = time.time() + timeout
    while True:
        names = objects(env)
        if pred(names):
            return names
        assert time.time() < deadline, names
        time.sleep(0.1)


def test_delete_removes_every_version_from_gcs(env):
    c = new_user(env)
    wid = create(c)["id"]
    did = None
    for text in (TEXT, TEXT + b"Trocas em 30 dias.\n"):
        g = grant(c, wid, "politica.txt", "text/plain", len(text))
        did = g["document"]["id"]
        assert put(g["upload"], text).status_code == 200
        assert c.post("/api/v1/workspaces/%s/documents/%s/complete" % (wid, did)).status_code == 202
        assert wait_status(c, wid, did)["status"] == "ready"
    mine = "piloto-docs/%s/%s/" % (wid, did)
    assert [n for n in objects(env) if n.startswith(mine)] == [mine + "v1", mine + "v2"]
    # The stand-in checks a DELETE's signature too: a URL signed for PUT does not delete.
    assert requests.delete(g["upload"]["url"], timeout=5).status_code == 403
    # GCS answers 503 once: the purge job retries until the objects are gone.
    assert requests.post(env.api + "/_faults", json={"status": 503, "count": 1},
                         timeout=5).status_code == 204
    assert c.delete("/api/v1/workspaces/%s/documents/%s" % (wid, did)).status_code == 204
    assert search(c, wid, "entregam no domingo em sao paulo") == []
    wait_objects(env, lambda names: not any(n.startswith(mine) for n in names))
