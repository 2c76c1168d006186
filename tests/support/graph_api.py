#!/usr/bin/env python3
"""A stand-in for Meta's WhatsApp Cloud API (Graph API) on 127.0.0.1, for tests.

    graph_api.py PORT APP_SECRET WEBHOOK_URL

Both directions of the channel, as Meta behaves:

* Sends: POST /{version}/{phone-number-id}/messages with `Authorization:
  Bearer TOKEN`. The token must be the one registered for that number (else
  401 with error code 190, as Meta answers an invalid token). A text send
  gets `{"messaging_product":"whatsapp","contacts":[..],"messages":[{"id":
  "wamid.…"}]}`; a read receipt (`"status":"read"`) gets `{"success":true}`.
  Scripted faults, consumed one per send in order: "131047" (re-engagement,
  24-hour window closed), "131056" (pair rate limit), "130429" (throughput),
  "500"/"503", "timeout" (answer nothing for `delay` seconds, then close),
  "drop" (close at once, nothing recorded), "accept_drop" (the message is
  accepted and will get its statuses, but the connection is closed before
  the answer: the sender cannot know it went out), "slow_accept" (accepted,
  statuses emitted, the answer sent `delay` seconds later: time to kill the
  sender mid-call).
  After an accepted send, statuses sent/delivered/read are emitted as
  webhooks (status_mode "ordered", "reversed" or "none"), echoing
  biz_opaque_callback_data, as Meta does.

* Webhooks: POST WEBHOOK_URL with `X-Hub-Signature-256: sha256=HMAC(APP_SECRET,
  body)`. Like Meta, a delivery that is not answered 200 is sent again later
  (every `retry_interval` seconds here, instead of Meta's back-off over 7
  days) until it is. Payloads batch items across entries and changes.

Control API (JSON), for the tests:
  POST /_control/numbers   {"phone_number_id","token"}       register a number
  POST /_control/faults    {"faults":[{"kind","count","delay"}]}
  POST /_control/config    {"webhook_url","webhook_urls","status_mode","retry_interval",
                            "resend"}
  POST /_control/deliver   {"messages":[..],"statuses":[..],"raw":str,"signature":
                            "good"|"bad"|"none","copies":n,"resend":bool,"split":n}
                            -> {"answers":[status...]} (first attempts; copies run
                            concurrently)
  POST /_control/flood     {"count","per_payload","phone_number_id","senders",
                            "concurrency","prefix"} -> {"flood": id}  (background)
  GET  /_control/flood/ID  -> {"done" (every message acknowledged),"generated","acked":[ids],
                            "pending"}
  GET  /_control/state     -> {"sends":[..],"pending":n,"delivered":n}
  POST /_control/reset
Runs until SIGTERM.
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.RLock()
WAKE = threading.Condition(LOCK)


class State:
    def __init__(self, secret, webhook_url):
        self.secret = secret.encode()
        self.webhook_url = webhook_url
        self.webhook_urls = []
        self.rr = 0
        self.tokens = {}
        self.faults = []
        self.sends = []
        self.pending = []  # deliveries not acknowledged yet
        self.delivered = 0
        self.status_mode = "ordered"
        self.retry_interval = 0.3
        self.resend = True
        self.floods = {}
        self.stopping = False


STATE = None


def wamid():
    return "wamid." + base64.b64encode(os.urandom(24)).decode()


def meta_error(code, message, status=400):
    return status, {"error": {"message": "(#%d) %s" % (code, message), "type": "OAuthException",
                              "code": code, "error_data": {"messaging_product": "whatsapp",
                                                           "details": message},
                              "fbtrace_id": base64.b64encode(os.urandom(8)).decode()}}


# --- webhooks ---------------------------------------------------------------------------------


def payload(messages=(), statuses=(), split=1, names=None):
    """Meta's payload shape. Items are grouped by phone number id, one change
    each; with split > 1 each group is cut into that many changes spread over
    two entries, as Meta batches."""
    groups = {}
    for m in messages:
        groups.setdefault(m.pop("_pnid", "0"), ([], []))[0].append(m)
    for s in statuses:
        groups.setdefault(s.pop("_pnid", "0"), ([], []))[1].append(s)
    changes = []
    for pnid, (ms, ss) in groups.items():
        parts = max(1, min(split, len(ms) + len(ss)))
        for p in range(parts):
            mm, sp = ms[p::parts], ss[p::parts]
            value = {"messaging_product": "whatsapp",
                     "metadata": {"display_phone_number": "1555" + pnid[-7:],
                                  "phone_number_id": pnid}}
            if mm:
                value["contacts"] = [{"profile": {"name": (names or {}).get(m["from"], "Lead " +
                                                                            m["from"][-4:])},
                                      "wa_id": m["from"]} for m in mm]
                value["messages"] = mm
            if sp:
                value["statuses"] = sp
            changes.append({"value": value, "field": "messages"})
    entries = [{"id": "WABA%d" % i, "changes": changes[i::2]} for i in range(min(2, len(changes)))]
    return {"object": "whatsapp_business_account", "entry": entries or [{"id": "WABA0",
                                                                         "changes": []}]}


def sign(body, mode="good"):
    if mode == "none":
        return None
    mac = hmac.new(STATE.secret if mode == "good" else b"not-the-secret", body,
                   hashlib.sha256).hexdigest()
    return "sha256=" + mac


def next_url():
    """The webhook URL of this attempt: round robin over webhook_urls when set (several
    instances behind one address, as Meta sees a load-balanced service)."""
    with LOCK:
        urls = STATE.webhook_urls or [STATE.webhook_url]
        STATE.rr += 1
        return urls[STATE.rr % len(urls)]


def post_webhook(body, mode):
    """One attempt: the HTTP status, or 0 when there was no answer."""
    u = urllib.parse.urlsplit(next_url())
    headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua"}
    sig = sign(body, mode)
    if sig:
        headers["X-Hub-Signature-256"] = sig
    try:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=20)
        c.request("POST", u.path, body=body, headers=headers)
        r = c.getresponse()
        r.read()
        c.close()
        return r.status
    except (OSError, http.client.HTTPException):
        return 0


class Delivery:
    def __init__(self, body, mode, ids, resend, flood=None):
        self.body = body
        self.mode = mode
        self.ids = ids
        self.resend = resend
        self.flood = flood
        self.attempts = 0
        self.acked = False

    def attempt(self):
        self.attempts += 1
        status = post_webhook(self.body, self.mode)
        with LOCK:
            if status == 200 and not self.acked:
                self.acked = True
                STATE.delivered += 1
                if self.flood is not None:
                    self.flood["acked"].extend(self.ids)
            elif status != 200 and self.resend and self.mode == "good" and not STATE.stopping:
                STATE.pending.append((time.monotonic() + STATE.retry_interval, self))
                WAKE.notify_all()
        return status


def resender():
    """Like Meta: what was not acknowledged is sent again, until it is."""
    while True:
        with LOCK:
            while not STATE.stopping:
                now = time.monotonic()
                due = [d for d in STATE.pending if d[0] <= now]
                if due:
                    STATE.pending = [d for d in STATE.pending if d[0] > now]
                    break
                WAKE.wait(0.05)
            if STATE.stopping:
                return
        for _, d in due:
            threading.Thread(target=d.attempt, daemon=True).start()


def deliver(body, mode="good", ids=(), resend=True, copies=1, flood=None):
    """Delivers body copies times at once; the first attempts' statuses."""
    ds = [Delivery(body, mode, list(ids), resend, flood) for _ in range(copies)]
    answers = [None] * copies

    def run(i):
        answers[i] = ds[i].attempt()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def emit_statuses(pnid, to, mid, opaque):
    mode = STATE.status_mode
    if mode == "none":
        return
    now = int(time.time())
    sts = []
    for i, name in enumerate(("sent", "delivered", "read")):
        s = {"_pnid": pnid, "id": mid, "status": name, "timestamp": str(now + i),
             "recipient_id": to}
        if opaque:
            s["biz_opaque_callback_data"] = opaque
        sts.append(s)
    if mode == "reversed":
        sts.reverse()

    def run():
        for s in sts:
            body = json.dumps(payload(statuses=[s])).encode()
            deliver(body, ids=[mid])

    threading.Thread(target=run, daemon=True).start()


def flood(fid, spec):
    f = STATE.floods[fid]
    n = int(spec.get("count", 100))
    k = max(1, int(spec.get("per_payload", 5)))
    pnid = str(spec["phone_number_id"])
    senders = max(1, int(spec.get("senders", 20)))
    conc = max(1, int(spec.get("concurrency", 4)))
    prefix = spec.get("prefix", "f%d" % fid)
    batches = []
    for start in range(0, n, k):
        msgs = []
        for i in range(start, min(n, start + k)):
            msgs.append({"_pnid": pnid, "from": "55119%08d" % (i % senders),
                         "id": "wamid.%s.%06d" % (prefix, i), "timestamp": str(int(time.time())),
                         "type": "text", "text": {"body": "mensagem %d" % i}})
        ids = [m["id"] for m in msgs]
        batches.append((json.dumps(payload(messages=msgs, split=min(4, len(msgs)))).encode(), ids))
    f["generated"] = n
    it = iter(batches)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                b = next(it, None)
            if b is None:
                return
            Delivery(b[0], "good", b[1], True, f).attempt()

    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    f["sent_all"] = True


# --- the HTTP side ----------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        with LOCK:
            if path == "/_control/state":
                return self.reply(200, {"sends": STATE.sends, "pending": len(STATE.pending),
                                        "delivered": STATE.delivered})
            if path.startswith("/_control/flood/"):
                f = STATE.floods.get(int(path.rsplit("/", 1)[1]))
                if f is None:
                    return self.reply(404, {})
                mine = sum(1 for _, d in STATE.pending if d.flood is f)
                # Done once every generated message was acknowledged (a delivery being
                # retried right now is neither pending nor acknowledged).
                done = f.get("sent_all", False) and len(set(f["acked"])) >= f.get("generated", 0)
                return self.reply(200, {"done": done,
                                        "sent_all": f.get("sent_all", False),
                                        "generated": f.get("generated", 0),
                                        "acked": list(f["acked"]), "pending": mine})
        self.reply(404, {"error": {"message": "Unknown path", "code": 100}})

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        raw = self.body()
        if path.startswith("/_control/"):
            return self.control(path[len("/_control/"):], json.loads(raw or b"{}"))
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[2] == "messages":
            return self.send_message(parts[1], raw)
        self.reply(404, {"error": {"message": "Unknown path", "code": 100}})

    def control(self, what, req):
        if what == "numbers":
            with LOCK:
                STATE.tokens[str(req["phone_number_id"])] = req["token"]
            return self.reply(200, {})
        if what == "faults":
            with LOCK:
                for f in req.get("faults", []):
                    for _ in range(int(f.get("count", 1))):
                        STATE.faults.append(f)
            return self.reply(200, {})
        if what == "config":
            with LOCK:
                for k in ("webhook_url", "webhook_urls", "status_mode", "retry_interval",
                          "resend"):
                    if k in req:
                        setattr(STATE, k, req[k])
            return self.reply(200, {})
        if what == "reset":
            with LOCK:
                STATE.faults.clear()
                STATE.sends.clear()
                STATE.pending.clear()
            return self.reply(200, {})
        if what == "deliver":
            if "raw" in req:
                body = req["raw"].encode()
                ids = []
            else:
                msgs = req.get("messages", [])
                sts = req.get("statuses", [])
                for item in msgs + sts:
                    item.setdefault("_pnid", str(req.get("phone_number_id", "0")))
                ids = [m["id"] for m in msgs if "id" in m]
                body = json.dumps(payload(msgs, sts, int(req.get("split", 1)),
                                          req.get("names"))).encode()
            answers = deliver(body, req.get("signature", "good"), ids,
                              req.get("resend", STATE.resend), int(req.get("copies", 1)))
            return self.reply(200, {"answers": answers, "bytes": len(body)})
        if what == "flood":
            with LOCK:
                fid = len(STATE.floods) + 1
                STATE.floods[fid] = {"acked": []}
            threading.Thread(target=flood, args=(fid, req), daemon=True).start()
            return self.reply(200, {"flood": fid})
        self.reply(404, {})

    def send_message(self, pnid, raw):
        auth = self.headers.get("Authorization", "")
        with LOCK:
            token = STATE.tokens.get(pnid)
            fault = STATE.faults.pop(0) if STATE.faults and token and \
                auth == "Bearer " + token else None
        if not token or auth != "Bearer " + token:
            return self.reply(*meta_error(190, "Invalid OAuth access token.", 401))
        try:
            req = json.loads(raw)
        except ValueError:
            return self.reply(*meta_error(100, "Invalid parameter"))
        if req.get("messaging_product") != "whatsapp":
            return self.reply(*meta_error(100, "Invalid parameter"))
        if req.get("status") == "read":
            with LOCK:
                STATE.sends.append({"phone_number_id": pnid, "read": req.get("message_id"),
                                    "at": time.time()})
            return self.reply(200, {"success": True})
        to = req.get("to")
        body = (req.get("text") or {}).get("body")
        if req.get("type") != "text" or not to or not body:
            return self.reply(*meta_error(100, "Invalid parameter"))
        kind = fault["kind"] if fault else None
        if kind == "131047":
            return self.reply(*meta_error(131047, "Re-engagement message"))
        if kind == "131056":
            return self.reply(*meta_error(131056, "(Business Account, Consumer Account) pair "
                                                  "rate limit hit"))
        if kind == "130429":
            return self.reply(*meta_error(130429, "Rate limit hit", 429))
        if kind in ("500", "503"):
            self.send_response(int(kind))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if kind == "timeout":
            time.sleep(float(fault.get("delay", 15)))
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if kind == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        mid = wamid()
        opaque = req.get("biz_opaque_callback_data")
        with LOCK:
            STATE.sends.append({"phone_number_id": pnid, "to": to, "body": body, "wamid": mid,
                                "opaque": opaque, "context": (req.get("context") or {}).get(
                                    "message_id"), "dropped": kind == "accept_drop",
                                "at": time.time()})
        emit_statuses(pnid, to, mid, opaque)
        if kind == "slow_accept":
            time.sleep(float(fault.get("delay", 5)))
        if kind == "accept_drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        return self.reply(200, {"messaging_product": "whatsapp",
                                "contacts": [{"input": to, "wa_id": to}],
                                "messages": [{"id": mid}]})


def main():
    global STATE
    port = int(sys.argv[1])
    STATE = State(sys.argv[2], sys.argv[3])
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    threading.Thread(target=resender, daemon=True).start()

    def stop(*_):
        with LOCK:
            STATE.stopping = True
            WAKE.notify_all()
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("graph_api: listening on 127.0.0.1:%d" % port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
