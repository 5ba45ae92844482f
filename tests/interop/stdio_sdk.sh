#!/bin/sh
# The official MCP TypeScript SDK client drives examples/everything over stdio
# (tests/interop/stdio_sdk.mjs). Prints "RESULT p f s"; skips without node or
# the npm packages (npm ci in tests/interop).
cd "$(dirname "$0")/../.." || exit 2
if ! command -v node >/dev/null 2>&1 || [ ! -d tests/interop/node_modules/@modelcontextprotocol/sdk ]; then
  echo "skip  node or tests/interop/node_modules missing"; echo "RESULT 0 0 1"; exit 0
fi
B=build/interop; mkdir -p "$B"
if ! ${CC:-cc} -std=c99 -O2 -I. -o "$B/everything" examples/everything.c -lpthread -lm; then
  echo "FAIL  build examples/everything.c"; echo "RESULT 0 1 0"; exit 0
fi
cd tests/interop && timeout 120 node stdio_sdk.mjs "../../$B/everything" || echo "RESULT 0 1 0"
