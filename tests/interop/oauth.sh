#!/bin/sh
# End-to-end OAuth 2.1 with a real authorization server: oidc-provider
# (launched by tests/interop/oauth-as.mjs) issues the tokens, our
# authenticated_server (production mode) is the resource server and verifies
# them through the provider's JWKS, and `fmcp login` is the client:
# discovery (RFC 9728, RFC 8414), dynamic registration, PKCE, the code on the
# loopback callback, the token; then `fmcp call` with the stored token, a
# refresh (the access tokens live 20 s, under the client's 60 s refresh
# margin), permissions of the token files, and logout.
# The browser is played by curl: it fetches the authorization URL that
# `fmcp login --no-browser` prints and delivers the redirect to the callback.
# Prints one ok/FAIL/skip line per check and ends with "RESULT p f s".
cd "$(dirname "$0")/../.." || exit 2
. tests/interop/lib.sh
pick_node
FMCP=${FMCP_BIN:-build/fmcp}
RS_BIN=${RS_BIN:-build/examples/authenticated_server}
OAUTH_EX=${OAUTH_EX_BIN:-build/examples/oauth_client}
TM_EX=${TM_EX_BIN:-build/examples/token_management}
if [ -z "$NODE" ] || [ ! -d "$NM/oidc-provider" ]; then skip "oauth e2e: node or oidc-provider absent (npm ci in tests/interop)"; finish; fi
if ! command -v curl >/dev/null 2>&1; then skip "oauth e2e: curl absent"; finish; fi
if [ ! -x "$FMCP" ] || [ ! -x "$RS_BIN" ] || ! "$FMCP" help | grep -q "login URL"; then
  skip "oauth e2e: build/fmcp (with login) or build/examples/authenticated_server not built (make)"; finish
fi

t_tmpdir

# 1. the authorization server, on a port of its choosing
start_issuer oidc-provider tests/interop/oauth-as.mjs --port 0 --access-ttl 20 --scopes "mcp:read mcp:write"

# 2. the resource server: authenticated_server trusting that issuer's JWKS
start_resource_server
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' \
  -H 'accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"ping"}' "$RES")
check "no token: 401 from the resource server" [ "$code" = 401 ]

CACHE="$T/home/cache"
# 3. headless login: fmcp prints the authorization URL; curl is the browser
"$FMCP" login --no-browser --cache-dir "$CACHE" "$RES" >"$T/login.out" 2>"$T/login.err" &
LP=$!
if ! wait_for "$ISS/auth?" "$T/login.err" 150; then
  bad "fmcp login printed an authorization URL"; sed 's/^/      /' "$T/login.err" | head -20; finish
fi
AUTH_URL=$(grep -o "$ISS/auth?[^ ]*" "$T/login.err" | head -n 1)
for p in "response_type=code" "code_challenge_method=S256" "code_challenge=" "state=" "resource=" "redirect_uri="; do
  check "authorization URL has $p" sh -c "printf '%s' '$AUTH_URL' | grep -q '$p'"
done
LOC=$(curl -s -o /dev/null -w '%{redirect_url}' "$AUTH_URL")
check "authorization server redirects to the loopback callback with code, state, iss" \
  sh -c "printf '%s' '$LOC' | grep -q '^http://localhost:[0-9]*/callback?code=.*state=.*iss='"
PAGE=$(curl -s "$LOC")
check "callback page answered" [ -n "$PAGE" ]
wait "$LP"; rc=$?; LP=""
check "fmcp login exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/      /' "$T/login.err" | tail -20
check "login shows the user" grep -q "user: *test-user" "$T/login.out"
check "login shows scope mcp:read mcp:write" sh -c "grep 'scope:' '$T/login.out' | grep -q 'mcp:read' && grep 'scope:' '$T/login.out' | grep -q 'mcp:write'"
check "login shows the expiry" grep -q "expires: in" "$T/login.out"
check "login never prints a token" sh -c "! grep -q 'eyJ' '$T/login.out' '$T/login.err'"

# 4. the token files: 0700 directory (and the parent it made), 0600 files
check "cache directory is 0700" [ "$(stat -c %a "$CACHE")" = 700 ]
check "created parent directory is 0700" [ "$(stat -c %a "$T/home")" = 700 ]
nfiles=$(ls -A "$CACHE" | wc -l)
check "three files stored (tokens, registration under its issuer, its client copy)" [ "$nfiles" -eq 3 ]
for f in "$CACHE"/*; do
  check "$(basename "$f" | cut -c1-12)... is 0600" [ "$(stat -c %a "$f")" = 600 ]
done
TOKF=$(ls "$CACHE"/*_tokens.json 2>/dev/null | head -n 1)
check "tokens file holds a refresh token" grep -q '"refresh_token"' "$TOKF"
SUM1=$(sha256sum "$TOKF" | cut -d' ' -f1)
if [ -x "$TM_EX" ]; then
  "$TM_EX" --cache-dir "$CACHE" show "$RES" >"$T/tm.out" 2>&1; rc=$?
  check "token_management shows scope and issuer, no token" \
    sh -c "[ $rc -eq 0 ] && grep -q 'scope: *mcp:read mcp:write' '$T/tm.out' && grep -q 'issuer: *$ISS' '$T/tm.out' && ! grep -q eyJ '$T/tm.out'"
else
  skip "token_management example not built"
fi

# 5. calls with the stored token (no --oauth needed); each refreshes it first
#    because it expires within the client's margin
"$FMCP" call --cache-dir "$CACHE" "$RES" get_access_token >"$T/call.out" 2>"$T/call.err"; rc=$?
check "fmcp call with the stored token" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/      /' "$T/call.err" | tail -10
check "the resource server saw user test-user" grep -q 'test-user' "$T/call.out"
SUM2=$(sha256sum "$TOKF" | cut -d' ' -f1)
check "tokens refreshed and stored (rotated)" [ "$SUM1" != "$SUM2" ]
check "refreshed tokens file is still 0600" [ "$(stat -c %a "$TOKF")" = 600 ]
"$FMCP" tools --cache-dir "$CACHE" "$RES" >"$T/tools.out" 2>"$T/tools.err"; rc=$?
check "fmcp tools after the refresh" sh -c "[ $rc -eq 0 ] && grep -q process_data '$T/tools.out'"
# tokens, the registration under its issuer's kind and its "client" copy
check "no temp files left in the cache" sh -c "[ \$(ls -A '$CACHE' | wc -l) -eq 3 ] && ! ls -A '$CACHE' | grep -q '^\\.'"

# 6. logout removes the files; without them no token is sent (401)
"$FMCP" logout --cache-dir "$CACHE" "$RES" 2>"$T/logout.err"; rc=$?
check "fmcp logout exits 0" [ "$rc" -eq 0 ]
check "logout removed the token files" [ "$(ls -A "$CACHE" | wc -l)" -eq 0 ]
"$FMCP" call --cache-dir "$CACHE" "$RES" get_access_token >"$T/call2.out" 2>"$T/call2.err"; rc=$?
check "after logout the call is refused (401, no token sent)" sh -c "[ $rc -ne 0 ] && grep -q 'HTTP' '$T/call2.err'"

# 7. login again with the library's headless hook (--follow: no browser, no curl)
"$FMCP" login --follow --cache-dir "$CACHE" "$RES" >"$T/login2.out" 2>"$T/login2.err"; rc=$?
check "fmcp login --follow (fresh registration)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/      /' "$T/login2.err" | tail -10
"$FMCP" call --oauth --cache-dir "$CACHE" "$RES" process_data '{"operation":"write","data":"x"}' \
  >"$T/call3.out" 2>"$T/call3.err"; rc=$?
check "fmcp call --oauth needing mcp:write" sh -c "[ $rc -eq 0 ] && grep -q test-user '$T/call3.out'"

# 8. examples/oauth_client: simple and advanced configuration (headless hook)
if [ -x "$OAUTH_EX" ]; then
  "$OAUTH_EX" --follow --cache-dir "$T/ex-simple" "$RES" get_access_token >"$T/ex1.out" 2>"$T/ex1.err"; rc=$?
  check "oauth_client (simple) lists tools and calls one" \
    sh -c "[ $rc -eq 0 ] && grep -q 'tool process_data' '$T/ex1.out' && grep -q test-user '$T/ex1.out'"
  [ "$rc" -eq 0 ] || sed 's/^/      /' "$T/ex1.err" | tail -10
  "$OAUTH_EX" --advanced --follow --cache-dir "$T/ex-adv" "$RES" get_access_token >"$T/ex2.out" 2>"$T/ex2.err"; rc=$?
  check "oauth_client (advanced) with its own settings" \
    sh -c "[ $rc -eq 0 ] && grep -q test-user '$T/ex2.out' && grep -q 'localhost:8765/callback' '$T/ex-adv/'*_client.json"
  [ "$rc" -eq 0 ] || sed 's/^/      /' "$T/ex2.err" | tail -10
else
  skip "oauth_client example not built"
fi
"$FMCP" logout --all --cache-dir "$CACHE" 2>/dev/null; rc=$?
check "fmcp logout --all empties the cache" sh -c "[ $rc -eq 0 ] && [ \$(ls -A '$CACHE' | wc -l) -eq 0 ]"
finish
