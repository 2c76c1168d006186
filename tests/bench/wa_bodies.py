#!/usr/bin/env python3
"""Writes N signed WhatsApp webhook bodies, one a line as "SIGNATURE<TAB>BODY", for wa.lua
and wa_rate.py: each body carries PER messages with unique ids (prefix PREFIX), from 500
senders, in Meta's shape, signed with SECRET (X-Hub-Signature-256).

usage: wa_bodies.py OUT N SECRET PHONE_NUMBER_ID PREFIX [PER]
"""
import hashlib
import hmac
import json
import sys
import time

out, n, secret, pnid, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode(), sys.argv[4], \
    sys.argv[5]
per = int(sys.argv[6]) if len(sys.argv) > 6 else 1
now = str(int(time.time()))
with open(out, "w") as f:
    k = 0
    for i in range(n):
        msgs, contacts = [], []
        for _ in range(per):
            sender = "5511%09d" % (k % 500)
            msgs.append({"from": sender, "id": "wamid.%s%09d" % (prefix, k), "timestamp": now,
                         "type": "text", "text": {"body": "mensagem de carga %d" % k}})
            contacts.append({"profile": {"name": "Lead %d" % (k % 500)}, "wa_id": sender})
            k += 1
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
            {"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "5511999990000", "phone_number_id": pnid},
                "contacts": contacts, "messages": msgs}}]}]}, separators=(",", ":"))
        sig = "sha256=" + hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
        f.write(sig + "\t" + body + "\n")
