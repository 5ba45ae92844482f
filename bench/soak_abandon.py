#!/usr/bin/env python3
"""soak_abandon.py - the abandoning clients of bench/soak.sh, beside wrk.

    soak_abandon.py PORT SECONDS TOKEN_FILE

As the "valid" principals of TOKEN_FILE (lines "valid TOKEN"), in a loop:
initialize a session, then post slow calls (progress 3 x 20 ms, then a
32 KiB answer) and close the connection at once (the call is still running,
so its answer is left for a resume that never comes: a parked SSE stream), open the GET stream and drop it,
resume a stream with Last-Event-ID now and then, and leave heads and bodies
half sent. Prints "abandon ops=N init=... unexpected=N" at the end;
unexpected counts initialize/resume answers other than 200/404/429.
"""
import random
import socket
import sys
import time

port, seconds, tokfile = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
valid = [l.split(" ", 1)[1].strip() for l in open(tokfile) if l.startswith("valid ")]
deadline = time.time() + seconds
stats = {"ops": 0, "unexpected": 0, "init": {}, "resume": {}}


def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s


def head(method, tok, sid=None, extra="", length=None):
    h = "%s /mcp HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: application/json, text/event-stream\r\n" \
        "Content-Type: application/json\r\nMCP-Protocol-Version: 2025-11-25\r\n" % (method, port)
    if tok:
        h += "Authorization: Bearer %s\r\n" % tok
    if sid:
        h += "Mcp-Session-Id: %s\r\n" % sid
    if length is not None:
        h += "Content-Length: %d\r\n" % length
    return h + extra + "\r\n"


def read_head(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    status = int(buf[9:12]) if len(buf) >= 12 else 0
    return status, buf


def initialize(tok):
    body = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",' \
           '"capabilities":{},"clientInfo":{"name":"abandon","version":"1"}}}'
    s = conn()
    try:
        s.sendall((head("POST", tok, length=len(body)) + body).encode())
        status, buf = read_head(s)
    finally:
        s.close()
    stats["init"][status] = stats["init"].get(status, 0) + 1
    if status not in (200, 429):
        stats["unexpected"] += 1
    for line in buf.split(b"\r\n"):
        if line.lower().startswith(b"mcp-session-id:"):
            return line.split(b":", 1)[1].strip().decode()
    return None


def abandon_call(tok, sid, n):
    body = '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"progress","arguments":' \
           '{"steps":3,"ms":20,"kib":32},"_meta":{"progressToken":%d}}}' % (n, n)
    s = conn()
    s.sendall((head("POST", tok, sid, length=len(body)) + body).encode())
    s.close()


def abandon_get(tok, sid):
    s = conn()
    s.sendall(head("GET", tok, sid).encode())
    try:
        s.recv(1024)
    except OSError:
        pass
    s.close()


def resume(tok, sid, event_id):
    s = conn()
    try:
        s.sendall(head("GET", tok, sid, "Last-Event-ID: %s\r\n" % event_id).encode())
        status, _ = read_head(s)
    finally:
        s.close()
    stats["resume"][status] = stats["resume"].get(status, 0) + 1
    if status not in (200, 404, 409):
        stats["unexpected"] += 1


def half_head():
    s = conn()
    s.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
    s.close()


def half_body(tok):
    s = conn()
    s.sendall((head("POST", tok, length=1000) + '{"jsonrpc":"2.0",').encode())
    s.close()


sessions = {}
n = 0
while time.time() < deadline:
    tok = random.choice(valid[-2:])   # two principals of their own (wrk threads take the first ones)
    try:
        if tok not in sessions or random.random() < 0.05:
            sessions[tok] = initialize(tok)
        sid = sessions[tok]
        r = random.random()
        n += 1
        if sid is None:
            pass
        elif r < 0.6:
            abandon_call(tok, sid, n)
        elif r < 0.75:
            abandon_get(tok, sid)
        elif r < 0.85:
            resume(tok, sid, "%d_1" % random.randint(1, 200))
        elif r < 0.93:
            half_head()
        else:
            half_body(tok)
        stats["ops"] += 1
    except OSError:
        stats["oserr"] = stats.get("oserr", 0) + 1
    time.sleep(0.01)
print("abandon ops=%d init=%s resume=%s oserrors=%d unexpected=%d" %
      (stats["ops"], stats["init"], stats["resume"], stats.get("oserr", 0), stats["unexpected"]))
