"""Goes back into t4400_whatsapp_crash.py with the send job (jobs on main)."""

def test_send_killed_mid_call_runs_again_once(tmp_path, pg):
    graph = Graph(str(tmp_path), "http://127.0.0.1:9/internal/whatsapp")
    s = Piloto(str(tmp_path), pg, env=wa_env(graph), name="a")
    s.start()
    try:
        graph.config(webhook_url=s.url("/internal/whatsapp"), retry_interval=0.2)
        t = Tenant(s, graph)
        assert graph.deliver(t.pnid, [text_message("5511912340000")]) == [200]
        lead = t.lead_by_phone("5511912340000")
        # Meta accepts at once (statuses flow) but answers 8 s later: kill -9 meanwhile.
        graph.faults("slow_accept", delay=8)
        r = t.post("/leads/%s/messages" % lead["id"], {"text": "oi"})
        assert r.status_code == 202
        mid = int(r.json()["message"]["id"])
        wait_for(lambda: graph.sends(), 20, "the call to Meta")
        kill9(s)
        assert s.db.scalar("SELECT send_attempts FROM messages WHERE id = %d" % mid) == "1"
        s.start()
        # The statuses (resent until acknowledged) name the message; after the lease the
        # job runs again, finds it sent, and does not call Meta a second time.
        wait_for(lambda: s.db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'whatsapp.send' "
                                     "AND state = 'done'") == "1", 60, "the job done")
        assert len(graph.sends()) == 1
        st = s.db.scalar("SELECT status FROM messages WHERE id = %d" % mid)
        assert st == "read", st
    finally:
        if s.proc:
            s.stop()
        graph.stop()
