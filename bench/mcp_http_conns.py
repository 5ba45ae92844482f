#!/usr/bin/env python3
"""mcp_http_conns.py - holds connections open against an MCP Streamable HTTP
server so bench/bench_mcp_http.sh can read its resident size.

  mcp_http_conns.py PORT idle N   N keep-alive connections, each after one
                                  answered tools/call (stateless server)
  mcp_http_conns.py PORT sse N    N sessions (initialize + initialized), each
                                  with its stand-alone GET SSE stream open

Prints "ready N" once every connection got its answer (or SSE priming event),
then holds them until killed (at most 120 s). Exits 1 on any failure."""
import resource
import socket
import sys
import time

CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}'
INIT = ('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",'
        '"capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}')
INITIALIZED = '{"jsonrpc":"2.0","method":"notifications/initialized"}'


def post(port, body, session=None):
    extra = "Mcp-Session-Id: %s\r\n" % session if session else ""
    return ("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
            "Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-06-18\r\n"
            "%sContent-Length: %d\r\n\r\n%s" % (port, extra, len(body), body)).encode()


def read_response(sock):
    """Reads one Content-Length response; returns (status, headers dict)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    need = int(headers.get("content-length", "0")) - len(rest)
    while need > 0:
        chunk = sock.recv(need)
        if not chunk:
            raise OSError("connection closed")
        need -= len(chunk)
    return status, headers


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def open_idle(port):
    s = connect(port)
    s.sendall(post(port, CALL))
    status, _ = read_response(s)
    if status != 200:
        raise OSError("tools/call gave %d" % status)
    return s


def open_sse(port, ctl):
    ctl.sendall(post(port, INIT))
    status, headers = read_response(ctl)
    sid = headers.get("mcp-session-id")
    if status != 200 or not sid:
        raise OSError("initialize gave %d" % status)
    ctl.sendall(post(port, INITIALIZED, sid))
    status, _ = read_response(ctl)
    if status != 202:
        raise OSError("initialized gave %d" % status)
    s = connect(port)
    s.sendall(("GET /mcp HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n"
               "MCP-Protocol-Version: 2025-06-18\r\nMcp-Session-Id: %s\r\n\r\n" % (port, sid)).encode())
    data = b""
    # headers, then the priming event (ends with a blank line)
    while b"\r\n\r\n" not in data or not data.split(b"\r\n\r\n", 1)[1].count(b"\n\n"):
        chunk = s.recv(65536)
        if not chunk:
            raise OSError("SSE stream closed")
        data += chunk
    if not data.startswith(b"HTTP/1.1 200"):
        raise OSError("GET gave " + data.split(b"\r\n", 1)[0].decode("latin-1"))
    return s


def main():
    port, mode, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1000), hard))
    held = []
    try:
        ctl = connect(port) if mode == "sse" else None
        for _ in range(n):
            held.append(open_sse(port, ctl) if mode == "sse" else open_idle(port))
    except OSError as e:
        print("failed after %d: %s" % (len(held), e), flush=True)
        return 1
    print("ready %d" % len(held), flush=True)
    time.sleep(120)
    for s in held:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
