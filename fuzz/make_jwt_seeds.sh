#!/bin/sh
# Writes fuzz/seeds/jwt/: RS256 tokens signed with the RFC 7515 A.2 private key
# (the public half is the key fuzz_jwt verifies with), so fuzzing starts from
# tokens that pass the signature and exercise the claim checks. Needs openssl
# and python3 (to read the key from the shared vectors). Run from the repository root.
set -e
V=${FMCP_VECTORS:-../shared/vectors}/rfc7515/rfc7515-appendix-a.json
D=fuzz/seeds/jwt
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['A.2_RS256']['private_key_pkcs8_pem'])" "$V" > "$T/k.pem"
mkdir -p "$D"
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
tok() { # name header payload
  h=$(printf '%s' "$2" | b64url); p=$(printf '%s' "$3" | b64url)
  s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -sign "$T/k.pem" | b64url)
  printf '%s.%s.%s' "$h" "$p" "$s" > "$D/$1"
}
F=4102444800   # 2100-01-01
tok valid           '{"alg":"RS256","typ":"JWT"}' '{"iss":"joe","aud":"joe","scope":"read write","sub":"alice","exp":'$F',"iat":1300819380}'
tok valid-arrays    '{"alg":"RS256","kid":"a2"}' '{"iss":"joe","aud":["x","joe"],"scp":["read","admin"],"client_id":"c1","exp":'$F',"nbf":1300819380}'
tok valid-at-jwt    '{"typ":"at+jwt","alg":"RS256"}' '{"iss":"joe","aud":"joe","scope":"read","exp":'$F'.5,"azp":"z","jti":"j1","n":{"a":[1,2.5e3,null,true]}}'
tok expired         '{"alg":"RS256"}' '{"iss":"joe","aud":"joe","scope":"read","exp":1300819380}'
tok wrong-aud       '{"alg":"RS256"}' '{"iss":"joe","aud":"other","scope":"read","exp":'$F'}'
tok wrong-iss       '{"alg":"RS256"}' '{"iss":"eve","aud":"joe","scope":"read","exp":'$F'}'
tok no-scope        '{"alg":"RS256"}' '{"iss":"joe","aud":"joe","scp":["read admin"],"exp":'$F'}'
tok not-yet         '{"alg":"RS256"}' '{"iss":"joe","aud":"joe","scope":"read","exp":'$F',"nbf":4102444000}'
tok no-exp          '{"alg":"RS256"}' '{"iss":"joe","aud":"joe","scope":"read"}'
tok future-iat      '{"alg":"RS256"}' '{"iss":"joe","aud":"joe","scope":"read","exp":'$F',"iat":4102444000}'
tok crit            '{"alg":"RS256","crit":["exp"]}' '{"iss":"joe","aud":"joe","scope":"read","exp":'$F'}'
tok dup-claim       '{"alg":"RS256"}' '{"iss":"joe","iss":"joe","aud":"joe","scope":"read","exp":'$F'}'
