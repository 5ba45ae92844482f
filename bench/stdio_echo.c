/* stdio_echo.c - the floor of bench/bench_stdio.sh: answers the bench client's
 * initialize and `add` calls over stdio with canned text and no JSON work at
 * all (the id and `a` are picked out with strstr). What it reaches is what the
 * pipes and the two processes' wake-ups allow on this machine; no MCP server
 * can go faster with the same client. Not an MCP server: it understands only
 * the two lines the bench client sends.
 *   stdio_echo   (stdin/stdout)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

/* Appends the answer to one request line to out; returns its length. */
static size_t answer(const char *line, char *out, size_t cap)
{
    const char *id = strstr(line, "\"id\":"), *a = strstr(line, "\"a\":");
    int n = 0;
    if (!id) return 0;   /* a notification */
    if (strstr(line, "\"initialize\""))
        n = snprintf(out, cap, "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"result\":{\"protocolVersion\":\"2025-06-18\","
                     "\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"echo\",\"version\":\"1\"}}}\n",
                     strtol(id + 5, NULL, 10));
    else if (a)
        n = snprintf(out, cap, "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"result\":{\"content\":[{\"type\":\"text\","
                     "\"text\":\"%ld\"}],\"isError\":false}}\n", strtol(id + 5, NULL, 10), strtol(a + 4, NULL, 10) + 1);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static int write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(void)
{
    static char in[1 << 16], out[1 << 17];
    size_t have = 0;
    for (;;) {
        ssize_t r = read(0, in + have, sizeof in - 1 - have);
        size_t used = 0, olen = 0;
        char *nl;
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return 0;
        have += (size_t)r;
        in[have] = 0;
        while ((nl = memchr(in + used, '\n', have - used)) != NULL) {   /* one write per read */
            *nl = 0;
            olen += answer(in + used, out + olen, sizeof out - olen);
            used = (size_t)(nl - in) + 1;
        }
        memmove(in, in + used, have - used);
        have -= used;
        if (olen && write_all(out, olen)) return 1;
        if (have == sizeof in - 1) return 1;   /* a line longer than the bench sends */
    }
}
