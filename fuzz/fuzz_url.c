/* libFuzzer target: fmcp_http_url_parse on arbitrary text. Properties: no
 * crash or out-of-bounds read; a parsed URL is safe to put into a request
 * line and a Host header (no spaces, controls or delimiters where they could
 * split or redirect the request); and it is stable: written back out as
 * scheme://host:port/path it parses to the very same struct. */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad_byte(unsigned char c) { return c <= 0x20 || c >= 0x7f; }

/* NUL inside the array and no byte a request line or Host header must not carry. */
static void check_fields(const fmcp_http_url *u)
{
    size_t i, n;
    if (!memchr(u->scheme, 0, sizeof u->scheme) || !memchr(u->host, 0, sizeof u->host)
        || !memchr(u->path, 0, sizeof u->path)) abort();
    if (strcmp(u->scheme, "http") != 0 && strcmp(u->scheme, "https") != 0) abort();
    if (u->port == 0) abort();
    n = strlen(u->host);
    if (n == 0) abort();
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)u->host[i];
        if (bad_byte(c) || c == '/' || c == '?' || c == '#' || c == '@' || c == '\\' || c == '%') abort();
        if (c >= 'A' && c <= 'Z') abort();                  /* hosts come out lower case */
        if (u->is_ipv6 && !(strchr("0123456789abcdef:.", (int)c))) abort();
    }
    if (u->path[0] != '/') abort();
    for (i = 0; u->path[i]; i++)
        if (bad_byte((unsigned char)u->path[i]) || u->path[i] == '#') abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fmcp_http_url u, u2;
    static char again[8 + 2 + sizeof u.host + 8 + sizeof u.path + 8];
    char *s;
    const char *a;
    int n;
    if (size > 4096) return 0;
    s = (char *)malloc(size + 1);                           /* exact size: ASan sees overreads */
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    if (fmcp_http_url_parse(s, &u) == FMCP_OK) {
        check_fields(&u);
        a = strstr(s, "://") + 3;                           /* no userinfo was taken */
        if (memchr(a, '@', strcspn(a, "/?#"))) abort();
        n = snprintf(again, sizeof again, u.is_ipv6 ? "%s://[%s]:%u%s" : "%s://%s:%u%s",
                     u.scheme, u.host, (unsigned)u.port, u.path);
        if (n < 0 || (size_t)n >= sizeof again) abort();
        if (fmcp_http_url_parse(again, &u2) != FMCP_OK) abort();
        if (memcmp(&u, &u2, sizeof u) != 0) abort();
    }
    free(s);
    return 0;
}
