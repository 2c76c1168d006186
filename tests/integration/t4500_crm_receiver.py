"""The CRM receiver stand-in itself (tests/support/crm): the CRM push tests
are only as good as it is, so it must refuse what a real Standard Webhooks
receiver refuses and produce each fault it promises.

Requests here are signed in Python (hmac, base64: independent of both piloto
and the npm library the receiver verifies with).
"""

import base64
import hashlib
import hmac
import http.client
import json
import time

import pytest

from crmlib import ROOT, CRM_DIR, CrmReceiver, ensure_crm_modules

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER = "whsec_" + base64.b64encode(b"another key of twenty-four").decode()


def sign(secret, msg_id, ts, body):
    key = base64.b64decode(secret[len("whsec_"):])
    mac = hmac.new(key, b"%s.%d.%s" % (msg_id.encode(), ts, body), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def post(rcv, body, msg_id="msg_1", ts=None, sig=None, timeout=10):
    ts = int(time.time()) if ts is None else ts
    headers = {"Content-Type": "application/json", "webhook-id": msg_id,
               "webhook-timestamp": str(ts),
               "webhook-signature": sig if sig is not None else sign(SECRET, msg_id, ts, body)}
    c = http.client.HTTPConnection("127.0.0.1", rcv.port, timeout=timeout)
    try:
        c.request("POST", "/hooks/piloto", body=body, headers=headers)
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


@pytest.fixture
def rcv(tmp_path):
    r = CrmReceiver(tmp_path, [SECRET]).start()
    yield r
    r.stop()


def test_vector_with_the_reference_library():
    import subprocess
    ensure_crm_modules()
    vec = ROOT / "tests" / "testdata" / "standard-webhooks" / "vector.json"
    out = subprocess.run(["node", "receiver.js", "--self-test", str(vec)], cwd=CRM_DIR,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == json.loads(vec.read_text())["webhook-signature"]


def test_verifies_and_refuses(rcv):
    body = b'{"type":"lead.qualified"}'
    assert post(rcv, body)[0] == 200
    # Wrong secret, altered body, stale timestamp, missing signature: 401, recorded as such.
    ts = int(time.time())
    assert post(rcv, body, sig=sign(OTHER, "msg_1", ts, body), ts=ts)[0] == 401
    assert post(rcv, body + b" ", sig=sign(SECRET, "msg_1", ts, body), ts=ts)[0] == 401
    old = ts - 600
    assert post(rcv, body, ts=old, sig=sign(SECRET, "msg_1", old, body))[0] == 401
    assert post(rcv, body, sig="")[0] == 401
    reqs = rcv.requests()
    assert [r["verified"] for r in reqs] == [True, False, False, False, False]
    assert "too old" in reqs[3]["verifyError"]
    # During a rotation: either of two signatures verifies.
    rcv.set_secrets([OTHER])
    two = sign(SECRET, "msg_2", ts, body) + " " + sign(OTHER, "msg_2", ts, body)
    assert post(rcv, body, msg_id="msg_2", ts=ts, sig=two)[0] == 200


def test_scripted_faults(rcv):
    rcv.script([{"status": 200, "json": {"id": "crm-42"}}, {"status": 410},
                {"status": 429, "retryAfter": "7"}, {"status": 500},
                {"status": 302, "location": "http://127.0.0.1:1/"}, {"drop": True},
                {"status": 204, "delayMs": 1500}])
    body = b"{}"
    st, _, got = post(rcv, body)
    assert st == 200 and json.loads(got) == {"id": "crm-42"}
    assert post(rcv, body)[0] == 410
    st, headers, _ = post(rcv, body)
    assert st == 429 and headers["Retry-After"] == "7"
    assert post(rcv, body)[0] == 500
    st, headers, _ = post(rcv, body)
    assert st == 302 and headers["Location"] == "http://127.0.0.1:1/"
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        post(rcv, body)
    # Slow: a client with a shorter timeout gives up; the request is recorded on arrival.
    with pytest.raises(OSError):
        post(rcv, body, timeout=0.5)
    assert len(rcv.requests()) == 7
    assert post(rcv, body)[0] == 200  # the default again
