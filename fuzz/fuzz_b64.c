/* libFuzzer target: strict base64/base64url decoding round-trips exactly:
 * whatever decodes must re-encode to the very same text. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include <string.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t dec[4096];
    static char enc[8192];
    size_t dn = 0, en = 0;
    int v;
    if (size > 4096) return 0;
    for (v = 0; v < 2; v++) {
        fmcp_b64_variant var = v ? FMCP_B64_URL : FMCP_B64_STD;
        if (fmcp_b64_decode(var, (const char *)data, size, dec, sizeof dec, &dn) != FMCP_OK) continue;
        if (fmcp_b64_encode(var, dec, dn, enc, sizeof enc, &en) != FMCP_OK) abort();
        if (en != size || memcmp(enc, data, size) != 0) abort();
    }
    return 0;
}
