/* libFuzzer target over what an introspection endpoint answers (RFC 7662):
 * the input is the body of a 200 answer, decided as the introspect module
 * decides it (static fmcp__in_decide, so the target builds the
 * implementation in) for a resource with audience "mcp", issuer
 * "https://as" and now = 1700000000. Properties beyond no crash, leak or
 * UB: an ACTIVE verdict has scopes and claims (no longer than the body), an
 * exp that is absent or in the future, and came from a body naming our
 * audience. */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <stdlib.h>
#include <string.h>

#define NOW 1700000000

static fmcp_introspect *in;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *aud[] = { "mcp" };
    fmcp_http_response res;
    fmcp__in_entry e;
    char *body;
    if (!in) {
        fmcp_introspect_desc d;
        memset(&d, 0, sizeof d);
        d.endpoint = "http://127.0.0.1:1/introspect"; d.client_id = "rs"; d.client_secret = "s";
        d.audiences = aud; d.audience_count = 1; d.issuer = "https://as"; d.max_bytes = 8192;
        if (fmcp_introspect_create(&d, &in) != FMCP_OK) abort();
    }
    if (!(body = (char *)malloc(size + 1))) return 0;
    if (size) memcpy(body, data, size);
    body[size] = 0;
    memset(&res, 0, sizeof res);
    res.status = 200; res.body = body; res.body_len = size;
    memset(&e, 0, sizeof e);
    if (fmcp__in_decide(in, FMCP_OK, &res, &e, NOW) == FMCP_OK && e.state == FMCP_INTROSPECT_ACTIVE) {
        if (!e.scopes || !e.claims || strlen(e.claims) > size || !e.iss) abort();
        if (e.exp && e.exp <= NOW) abort();
        if (!memchr(body, 'm', size)) abort();
    }
    fmcp__in_entry_free(NULL, &e);
    free(body);
    return 0;
}
