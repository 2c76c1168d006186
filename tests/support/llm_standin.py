#!/usr/bin/env python3
"""A stand-in for an OpenAI-compatible chat-completions API on 127.0.0.1, for tests.

    llm_standin.py PORT [API_KEY]

PORT 0 picks a free port. The one line on stdout is "port N"; the request log
goes to stderr.

POST {anything}/chat/completions, as OpenAI answers it:

* Authentication: with API_KEY given, `Authorization: Bearer API_KEY` is
  required (else 401, error code "invalid_api_key").
* The body must be JSON with a string "model" and a non-empty "messages"
  array of objects with a known "role" (else 400, "invalid_request_error").
* Answers are deterministic and derived from the request, so a test can see
  what reached the model: the content is

      Resposta do modelo. Fontes: [3, 7]. Pergunta: <last user message>

  where the list holds the chunk ids of the "[fonte N | ...]" markers of the
  system message (in order; "[]" when none).
* Tool calls on request: a last user message holding "#qualify" gets a
  qualify_lead call, "#handoff" a handoff_to_human call (with "#notext" the
  answer has no content beside the call). A request that carries tool
  results (role "tool") is answered "Certo, registrei. Fontes: [...]".
  Tool calls are only made when the request declared the tools.
* usage: prompt_tokens = bytes of the messages / 4, completion_tokens =
  bytes of the content / 4.

Scripted faults, consumed one per request in order (POST /_control/faults
{"faults":[{"kind", "count", "delay", "retry_after", "retry_after_ms"}]}):
  "429"          429 rate_limit_exceeded, with Retry-After: retry_after
                 (seconds, when given) and retry-after-ms (when given)
  "500", "503"   server errors
  "400"          a bad-request error (not to be retried)
  "no_retry"     500 with x-should-retry: false
  "slow"         wait `delay` seconds before the first byte, then answer
  "cut"          read the request, close the connection with no answer
  "cut_body"     send the headers and half the body, then close
  "garbage"      200 with a body that is not JSON
A global latency for every answer: POST /_control/config {"latency": s}.

Every request is recorded (headers, whether its key was right, parsed body,
fault applied, time of arrival, and "answered": when a normal answer's last
byte was written): GET /_control/requests -> {"requests": [...]}.
POST /_control/reset forgets requests, faults and config.
Runs until SIGTERM.
"""
import json
import re
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"requests": [], "faults": [], "latency": 0.0}
API_KEY = None
SOURCE_RE = re.compile(r"\[fonte (\d+) \|")
ROLES = {"system", "user", "assistant", "tool", "developer"}


def take_fault():
    with LOCK:
        while STATE["faults"]:
            f = STATE["faults"][0]
            if f.get("count", 1) <= 0:
                STATE["faults"].pop(0)
                continue
            f["count"] = f.get("count", 1) - 1
            return dict(f)
    return None


def openai_error(status, message, typ, code):
    return status, {"error": {"message": message, "type": typ, "param": None, "code": code}}


def answer_for(body):
    """The deterministic chat completion for a valid request body."""
    msgs = body["messages"]
    system = "\n".join(m.get("content") or "" for m in msgs if m.get("role") == "system")
    sources = [int(x) for x in SOURCE_RE.findall(system)]
    users = [m.get("content") or "" for m in msgs if m.get("role") == "user"]
    last = users[-1] if users else ""
    declared = {t.get("function", {}).get("name") for t in body.get("tools") or []}
    message = {"role": "assistant", "content": None}
    finish = "stop"
    if any(m.get("role") == "tool" for m in msgs):
        message["content"] = "Certo, registrei. Fontes: %s." % json.dumps(sources)
    else:
        calls = []
        for tag, name in (("#qualify", "qualify_lead"), ("#handoff", "handoff_to_human")):
            if tag in last and name in declared:
                calls.append({"id": "call_%s_%d" % (name, len(calls) + 1), "type": "function",
                              "function": {"name": name, "arguments": json.dumps(
                                  {"reason": "pedido do teste: " + tag})}})
        if calls:
            message["tool_calls"] = calls
            finish = "tool_calls"
        if not calls or "#notext" not in last:
            message["content"] = "Resposta do modelo. Fontes: %s. Pergunta: %s" % (
                json.dumps(sources), last)
    size = len(json.dumps(msgs).encode())
    return {
        "id": "chatcmpl-standin-%d" % int(time.time() * 1000),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [{"index": 0, "message": message, "finish_reason": finish,
                     "logprobs": None}],
        "usage": {"prompt_tokens": size // 4,
                  "completion_tokens": len((message["content"] or "").encode()) // 4,
                  "total_tokens": size // 4 + len((message["content"] or "").encode()) // 4},
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s\n" % (fmt % args))

    def send_json(self, status, obj, headers=None, cut=False):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if cut:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_now()
            return
        self.wfile.write(data)

    def close_now(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path == "/_control/requests":
            with LOCK:
                self.send_json(200, {"requests": list(STATE["requests"])})
            return
        self.send_json(404, {"error": {"message": "not found"}})

    def do_POST(self):
        raw = self.read_body()
        if self.path.startswith("/_control/"):
            return self.control(self.path[len("/_control/"):], raw)
        if not self.path.endswith("/chat/completions"):
            return self.send_json(*openai_error(404, "Unknown route", "invalid_request_error",
                                                "unknown_url"))
        auth = self.headers.get("Authorization", "")
        key_ok = API_KEY is None or auth == "Bearer " + API_KEY
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        fault = take_fault()
        rec = {"time": time.time(), "path": self.path, "key_ok": key_ok,
               "has_auth": bool(auth), "content_type": self.headers.get("Content-Type"),
               "body": body, "fault": fault and fault["kind"]}
        with LOCK:
            STATE["requests"].append(rec)
            latency = STATE["latency"]
        if latency:
            time.sleep(latency)
        if not key_ok:
            return self.send_json(*openai_error(401, "Incorrect API key provided",
                                                "invalid_request_error", "invalid_api_key"))
        if (not isinstance(body, dict) or not isinstance(body.get("model"), str) or
                not isinstance(body.get("messages"), list) or not body["messages"] or
                not all(isinstance(m, dict) and m.get("role") in ROLES
                        for m in body["messages"])):
            return self.send_json(*openai_error(400, "Invalid request body",
                                                "invalid_request_error", None))
        if fault:
            kind = fault["kind"]
            if kind == "429":
                h = {}
                if "retry_after" in fault:
                    h["Retry-After"] = str(fault["retry_after"])
                if "retry_after_ms" in fault:
                    h["retry-after-ms"] = str(fault["retry_after_ms"])
                return self.send_json(429, openai_error(429, "Rate limit reached", "requests",
                                                        "rate_limit_exceeded")[1], h)
            if kind in ("500", "503"):
                return self.send_json(*openai_error(int(kind), "The server had an error",
                                                    "server_error", None))
            if kind == "400":
                return self.send_json(*openai_error(400, "Bad request", "invalid_request_error",
                                                    None))
            if kind == "no_retry":
                return self.send_json(500, openai_error(500, "Do not retry", "server_error",
                                                        None)[1], {"x-should-retry": "false"})
            if kind == "slow":
                time.sleep(float(fault.get("delay", 2)))
            elif kind == "cut":
                return self.close_now()
            elif kind == "cut_body":
                return self.send_json(200, answer_for(body), cut=True)
            elif kind == "garbage":
                data = b"<html>upstream error</html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
        self.send_json(200, answer_for(body))
        self.wfile.flush()
        rec["answered"] = time.time()

    def control(self, what, raw):
        try:
            req = json.loads(raw or b"{}")
        except ValueError:
            return self.send_json(400, {"error": "bad json"})
        with LOCK:
            if what == "faults":
                STATE["faults"].extend(req.get("faults", []))
            elif what == "config":
                STATE["latency"] = float(req.get("latency", STATE["latency"]))
            elif what == "reset":
                STATE.update({"requests": [], "faults": [], "latency": 0.0})
            else:
                return self.send_json(404, {"error": "unknown control"})
        self.send_json(200, {"ok": True})


def main():
    global API_KEY
    port = int(sys.argv[1])
    API_KEY = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    print("port %d" % srv.server_address[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
    srv.serve_forever()


if __name__ == "__main__":
    main()
