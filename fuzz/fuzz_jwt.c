/* libFuzzer target: fmcp_jwt_verify on arbitrary tokens. Properties: no crash
 * or leak; a failure never exposes claims and always has a header-safe
 * description; a success must be earned: the signature checks out with the
 * RSA primitive on its own (SHA-256 of the signing input) and the claims meet
 * the policy (iss and aud "joe", scope "read", exp in the future). The
 * verifier has an RSA key (RFC 7515 A.2), issuer, audience and scope policy
 * configured; fuzz/seeds/jwt holds tokens signed with the A.2 private key, so
 * mutations start past the signature and reach the claim checks. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include <stdlib.h>
#include <string.h>

/* RFC 7515 A.2 public key (a public test vector). */
static const char *JWK =
    "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qP"
    "CJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMd"
    "bBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj"
    "8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\"}";

static int has(const char *const *list, size_t n, const char *s)
{
    size_t i;
    for (i = 0; i < n; i++) if (strcmp(list[i], s) == 0) return 1;
    return 0;
}

/* A verified token: the signature and the policy, checked independently. */
static void check_success(const uint8_t *data, size_t size, const fmcp_jwt_verdict *r)
{
    static fmcp_rsa_public_key pub;
    static int have;
    const char *tok = (const char *)data, *dot2;
    uint8_t hash[32], sig[600];
    size_t sig_len = 0;
    if (!have) {
        fmcp_json_doc *doc = NULL;
        if (fmcp_json_parse(JWK, strlen(JWK), NULL, &doc, NULL) != FMCP_OK ||
            fmcp_rsa_public_from_jwk(fmcp_json_root(doc), &pub) != FMCP_OK) abort();
        fmcp_json_doc_destroy(doc);
        have = 1;
    }
    dot2 = (const char *)memchr(tok, '.', size);
    if (dot2) dot2 = (const char *)memchr(dot2 + 1, '.', size - (size_t)(dot2 + 1 - tok));
    if (!dot2) abort();
    fmcp_sha256(tok, (size_t)(dot2 - tok), hash);
    if (fmcp_b64_decode(FMCP_B64_URL, dot2 + 1, size - (size_t)(dot2 + 1 - tok), sig, sizeof sig, &sig_len) != FMCP_OK ||
        fmcp_rsa_verify_sha256(&pub, 0, hash, sig, sig_len) != FMCP_OK) abort();   /* forged */
    if (!r->claims.issuer || strcmp(r->claims.issuer, "joe") != 0) abort();
    if (!has(r->claims.audiences, r->claims.audience_count, "joe")) abort();
    if (!has(r->claims.scopes, r->claims.scope_count, "read")) abort();
    if (!r->claims.has_exp || r->claims.expires_at + FMCP_JWT_DEFAULT_LEEWAY <= fmcp_time_now()) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fmcp_jwt_verifier *v;
    fmcp_jwt_verdict r;
    const char *d;
    if (!v) {
        static const char *keys[1], *iss[] = { "joe" }, *sc[] = { "read" };
        fmcp_jwt_verifier_desc desc;
        memset(&desc, 0, sizeof desc);
        keys[0] = JWK;
        desc.keys = keys; desc.key_count = 1; desc.issuers = iss; desc.issuer_count = 1;
        desc.audiences = iss; desc.audience_count = 1; desc.required_scopes = sc; desc.required_scope_count = 1;
        if (fmcp_jwt_verifier_create(&desc, &v) != FMCP_OK) abort();
    }
    if (fmcp_jwt_verify(v, (const char *)data, size, &r) == FMCP_OK) {
        if (r.error != FMCP_JWT_OK || !r.claims.raw || !r.claims.root) abort();
        check_success(data, size, &r);
        fmcp_jwt_verdict_destroy(&r);
        return 0;
    }
    if (r.error == FMCP_JWT_OK || r.claims.raw || r.claims.root || !r.description) abort();
    for (d = r.description; *d; d++)
        if (*d == '"' || *d == '\\' || (unsigned char)*d < 0x20) abort();
    fmcp_jwt_verdict_destroy(&r);
    return 0;
}
