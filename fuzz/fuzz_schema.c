/* libFuzzer target: the tool-schema validator (mcp_schema). Input: a schema
 * on the first line, an instance after it. Build: make fuzz. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include <string.h>
#include <stdlib.h>

static int utf8_ok(const char *p)
{
    const unsigned char *s = (const unsigned char *)p;
    while (*s) {
        int n = *s < 0x80 ? 0 : (*s & 0xE0) == 0xC0 ? 1 : (*s & 0xF0) == 0xE0 ? 2 : (*s & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0) return 0;
        s++;
        while (n--) if ((*s++ & 0xC0) != 0x80) return 0;
    }
    return 1;
}

static int known(fmcp_result r)
{
    return r == FMCP_OK || r == FMCP_ERR_INVALID_ARG || r == FMCP_ERR_TOO_LARGE || r == FMCP_ERR_DEPTH ||
           r == FMCP_ERR_UNSUPPORTED || r == FMCP_ERR_NOT_FOUND;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nl = (const char *)memchr(text, '\n', size);
    size_t slen = nl ? (size_t)(nl - text) : size;
    fmcp_json_doc *s = NULL, *i = NULL;
    char msg[96], msg2[96], tiny[7];
    fmcp_result r, r2, c;
    if (fmcp_json_parse(text, slen, NULL, &s, NULL) != FMCP_OK) return 0;
    if (nl && fmcp_json_parse(nl + 1, size - slen - 1, NULL, &i, NULL) != FMCP_OK) i = NULL;
    c = fmcp_schema_check(fmcp_json_root(s), msg, sizeof msg);
    if (!known(c) || !utf8_ok(msg) || (c == FMCP_OK && msg[0])) abort();
    r = fmcp_schema_validate(fmcp_json_root(s), i ? fmcp_json_root(i) : NULL, msg, sizeof msg);
    if (!known(r) || !memchr(msg, 0, sizeof msg) || !utf8_ok(msg)) abort();
    if ((r == FMCP_OK) != (msg[0] == 0)) abort();   /* a message exactly when refused */
    if (r != FMCP_OK && strncmp(msg, "#", 1) != 0) abort();   /* it says where */
    r2 = fmcp_schema_validate(fmcp_json_root(s), i ? fmcp_json_root(i) : NULL, msg2, sizeof msg2);
    if (r2 != r || strcmp(msg, msg2) != 0) abort();   /* deterministic */
    r2 = fmcp_schema_validate(fmcp_json_root(s), i ? fmcp_json_root(i) : NULL, tiny, sizeof tiny);
    if (r2 != r || !memchr(tiny, 0, sizeof tiny) || !utf8_ok(tiny)) abort();   /* truncation is clean */
    if (i) fmcp_json_doc_destroy(i);
    fmcp_json_doc_destroy(s);
    return 0;
}
