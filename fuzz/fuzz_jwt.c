/* libFuzzer target: fmcp_jwt_verify on arbitrary tokens. Properties: no crash
 * or leak; a failure never exposes claims and always has a header-safe
 * description; a success (only possible by forging RS256) is a finding. The
 * verifier has an RSA key, issuer, audience and scope policy configured so
 * every stage is reachable. */
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
    if (fmcp_jwt_verify(v, (const char *)data, size, &r) == FMCP_OK) abort(); /* forged */
    if (r.error == FMCP_JWT_OK || r.claims.raw || r.claims.root || !r.description) abort();
    for (d = r.description; *d; d++)
        if (*d == '"' || *d == '\\' || (unsigned char)*d < 0x20) abort();
    fmcp_jwt_verdict_free(&r);
    return 0;
}
