#!/usr/bin/env python3
"""mcp_http_send.py PORT legacy|modern N - N tools/call requests (`add`, as
bench/mcp_http_call.lua sends them) one after another on one keep-alive
connection; every answer must carry the sum. For bench/mcp_http_instr.sh."""
import socket
import sys

port, mode, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
if mode == "modern":
    body = (b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},'
            b'"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
            b'"io.modelcontextprotocol/clientCapabilities":{}}}}')
    extra = b"MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: add\r\n"
else:
    body = b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}'
    extra = b"MCP-Protocol-Version: 2025-06-18\r\n"
req = (b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
       b"Accept: application/json, text/event-stream\r\n" % port + extra +
       b"Content-Length: %d\r\n\r\n" % len(body) + body)
s = socket.create_connection(("127.0.0.1", port))
buf = b""
for _ in range(n):
    s.sendall(req)
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            head = buf[:end].decode("latin-1").lower().split("\r\n")
            cl = int(next(h.split(":", 1)[1] for h in head if h.startswith("content-length:")))
            if len(buf) >= end + 4 + cl:
                answer, buf = buf[end + 4:end + 4 + cl], buf[end + 4 + cl:]
                if b'"text":"3"' not in answer:
                    sys.exit("wrong answer: %r" % answer)
                break
        got = s.recv(65536)
        if not got:
            sys.exit("connection closed")
        buf += got
print("ok", n)
