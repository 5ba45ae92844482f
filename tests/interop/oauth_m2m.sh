#!/bin/sh
# End-to-end machine-to-machine OAuth: oidc-provider (tests/interop/oauth-m2m-as.mjs)
# issues client credentials tokens, authenticated_server (production mode)
# verifies them through the provider's JWKS, and `fmcp` is the client:
# --client-credentials with client_secret_basic (secret from
# FMCP_CLIENT_SECRET) and with private_key_jwt (an ES256 key made here).
# No browser is involved. Prints one ok/FAIL/skip line per check and ends
# with "RESULT p f s".
cd "$(dirname "$0")/../.." || exit 2
. tests/interop/lib.sh
pick_node
FMCP=${FMCP_BIN:-build/fmcp}
RS_BIN=${RS_BIN:-build/examples/authenticated_server}
if [ -z "$NODE" ] || [ ! -d "$NM/oidc-provider" ]; then skip "oauth m2m: node or oidc-provider absent (npm ci in tests/interop)"; finish; fi
if [ ! -x "$FMCP" ] || [ ! -x "$RS_BIN" ] || ! "$FMCP" help | grep -q -- "--client-credentials"; then
  skip "oauth m2m: build/fmcp (with --client-credentials) or build/examples/authenticated_server not built (make)"; finish
fi

t_tmpdir

# the client's ES256 key: PKCS#8 PEM for fmcp, the public JWK for the AS
"$NODE" -e '
  const c = require("crypto"), fs = require("fs");
  const { privateKey, publicKey } = c.generateKeyPairSync("ec", { namedCurve: "P-256" });
  fs.writeFileSync(process.argv[1], privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  fs.writeFileSync(process.argv[2], JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), alg: "ES256", use: "sig" }] }));
' "$T/client.pem" "$T/client.jwks"

start_issuer "oidc-provider, client credentials" tests/interop/oauth-m2m-as.mjs --port 0 --client-jwks "$T/client.jwks"
start_resource_server

# client_secret_basic
FMCP_CLIENT_SECRET=m2m-secret "$FMCP" tools --cache-dir "$T/c1" --client-credentials --client-id m2m-basic "$RES" \
  >"$T/t1.out" 2>"$T/t1.err"; rc=$?
check "fmcp tools --client-credentials (client_secret_basic)" sh -c "[ $rc -eq 0 ] && grep -q process_data '$T/t1.out'"
[ "$rc" -eq 0 ] || sed 's/^/      /' "$T/t1.err" | tail -5
check "no refresh token stored for a client credentials token" sh -c "! grep -q refresh_token '$T/c1/'*_tokens.json"
FMCP_CLIENT_SECRET=wrong "$FMCP" tools --cache-dir "$T/c2" --client-credentials --client-id m2m-basic "$RES" \
  >"$T/t2.out" 2>"$T/t2.err"; rc=$?
check "a wrong secret is refused" [ "$rc" -ne 0 ]

# private_key_jwt (ES256 assertion)
"$FMCP" call --cache-dir "$T/c3" --client-credentials --client-id m2m-jwt --private-key-jwt "$T/client.pem" \
  "$RES" get_access_token >"$T/t3.out" 2>"$T/t3.err"; rc=$?
check "fmcp call --client-credentials --private-key-jwt (ES256)" sh -c "[ $rc -eq 0 ] && grep -q m2m-jwt '$T/t3.out'"
[ "$rc" -eq 0 ] || sed 's/^/      /' "$T/t3.err" | tail -5
"$FMCP" login --cache-dir "$T/c4" --client-credentials --client-id m2m-jwt --private-key-jwt "$T/client.pem" \
  "$RES" >"$T/l.out" 2>"$T/l.err"; rc=$?
check "fmcp login --client-credentials stores a token, prints none" \
  sh -c "[ $rc -eq 0 ] && ls '$T/c4/'*_tokens.json >/dev/null && ! grep -q eyJ '$T/l.out' '$T/l.err'"
finish
