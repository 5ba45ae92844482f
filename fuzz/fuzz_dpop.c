/* libFuzzer target over what a client sends a DPoP resource server (RFC 9449):
 * the first byte picks the parser, the rest is its input.
 *   0: the DPoP header (a proof) checked for POST https://rs.example/mcp with
 *      access token "tok" (ath) and no binding;
 *   1: a request URL normalised for the htu comparison;
 *   2: token claims read for cnf.jkt (JWT payloads, introspection answers).
 * Properties beyond no crash, leak or UB: an accepted proof has a thumbprint
 * and no error code, a refused one has both a code and a description; a
 * normalised URL fits its buffer and is NUL-terminated at its length; a jkt
 * read from claims is a 43-character thumbprint. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include <stdlib.h>
#include <string.h>

static fmcp_dpop *dp;

static void check_proof(const char *s, size_t n)
{
    fmcp_dpop_request r;
    fmcp_dpop_verdict v;
    fmcp_result rc;
    memset(&r, 0, sizeof r);
    r.proof = s; r.proof_len = n; r.method = "POST"; r.url = "https://rs.example/mcp";
    r.token = "tok"; r.token_len = 3;
    rc = fmcp_dpop_check(dp, &r, &v);
    if (rc == FMCP_OK && (v.error != FMCP_DPOP_OK || v.code || !v.jkt[0])) abort();
    if (rc != FMCP_OK && rc != FMCP_ERR_NOMEM && (v.error == FMCP_DPOP_OK || !v.code || !v.description)) abort();
}

static void check_url(const char *s)
{
    char out[256];
    size_t len = 0;
    if (fmcp_dpop_htu_normalize(s, out, sizeof out, &len) != FMCP_OK) return;
    if (len >= sizeof out || strlen(out) != len) abort();
}

static void check_claims(const char *s, size_t n)
{
    char jkt[FMCP_JWK_THUMBPRINT_LEN + 1];
    if (fmcp_dpop_jkt_from_claims(s, n, NULL, jkt) == FMCP_OK && strlen(jkt) != FMCP_JWK_THUMBPRINT_LEN) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s;
    if (!dp) {
        fmcp_dpop_desc d;
        memset(&d, 0, sizeof d);
        if (fmcp_dpop_create(&d, &dp) != FMCP_OK) abort();
    }
    if (size < 1) return 0;
    if (!(s = (char *)malloc(size))) return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0;
    switch (data[0] % 3) {
    case 0: check_proof(s, size - 1); break;
    case 1: check_url(s); break;
    default: check_claims(s, size - 1); break;
    }
    free(s);
    return 0;
}
