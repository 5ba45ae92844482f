/* libFuzzer target over what the OAuth client reads from servers and disk.
 * The first byte picks the input kind, the rest is its text:
 *   'P'  protected resource metadata (RFC 9728) for https://mcp.example/mcp
 *   'A'  authorization server metadata (RFC 8414) for issuer https://as.example
 *        ('a': the same on a 2025-03-26 server, which has looser rules)
 *   'T'  a token endpoint response
 *   'R'  a dynamic client registration response
 *   'F'  the token store's file for that server, as written on disk
 *   'G'  the registration store's file
 * Properties beyond no crash, leak or UB: accepted metadata gives a resource
 * for this server and http(s) endpoints; an accepted or loaded access or
 * refresh token is a b64token (it goes into an Authorization header); a
 * loaded store file never yields tokens that were not a JSON object's
 * strings. The target builds the implementation in (static functions). */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SERVER "https://mcp.example/mcp"
#define ISSUER "https://as.example"

static fmcp_oauth *om, *of;        /* memory store; file store in dir */
static fmcp_oauth_store *mem;
static char dir[64];

/* The store files and their directory go when the process ends. */
static void cleanup(void)
{
    static const char *const kinds[] = { "tokens", "client" };
    char name[FMCP__OSTORE_PATH_MAX], path[sizeof dir + FMCP__OSTORE_PATH_MAX + 2];
    size_t i;
    for (i = 0; of && i < 2; i++) {
        fmcp__ostore_path(of->server_url, kinds[i], name);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        (void)unlink(path);
    }
    (void)rmdir(dir);
}

static void init_once(void)
{
    fmcp_oauth_desc d;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    if (om) return;
    snprintf(dir, sizeof dir, "%s/fuzz_oauth.XXXXXX", base);
    if (!mkdtemp(dir)) abort();
    if (fmcp_oauth_memory_store_create(NULL, &mem) != FMCP_OK) abort();
    memset(&d, 0, sizeof d);
    d.store = mem; d.headless = 1;
    if (fmcp_oauth_create(&d, SERVER, &om) != FMCP_OK) abort();
    memset(&d, 0, sizeof d);
    d.cache_dir = dir; d.headless = 1;
    if (fmcp_oauth_create(&d, SERVER, &of) != FMCP_OK) abort();
    atexit(cleanup);
}

static void check_tokens(const fmcp_oauth *o)
{
    if (o->access && (!fmcp__oa_b64token(o->access) || strlen(o->access) >= FMCP__OA_TOKEN_MAX)) abort();
    if (o->refresh && !fmcp__oa_b64token(o->refresh)) abort();
}

/* Writes the store file of `kind` for SERVER with the given bytes. */
static int write_store(const char *kind, const uint8_t *d, size_t n)
{
    char name[FMCP__OSTORE_PATH_MAX], path[sizeof dir + FMCP__OSTORE_PATH_MAX + 2];
    int fd;
    fmcp__ostore_path(of->server_url, kind, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return 0;
    if (n && write(fd, d, n) != (ssize_t)n) { close(fd); return 0; }
    close(fd);
    return 1;
}

static void fuzz_json_kind(int kind, const uint8_t *d, size_t n)
{
    fmcp_json_doc *doc = NULL;
    const fmcp_json *root;
    fmcp_result r;
    if (fmcp__oa_parse_obj(om, (const char *)d, n, &doc) != FMCP_OK) return;
    root = fmcp_json_root(doc);
    switch (kind) {
    case 'P':
        r = fmcp__oa_use_prm(om, root, SERVER "/.well-known");
        if (r == FMCP_OK && (!om->resource || !om->issuer || !fmcp__oa_resource_ok(om->server_url, om->resource)))
            abort();
        break;
    case 'A': case 'a':
        om->legacy = kind == 'a';
        if (fmcp__oa_set(om, &om->issuer, ISSUER) != FMCP_OK) break;
        r = fmcp__oa_use_asm(om, root);
        if (r == FMCP_OK && (!fmcp__oa_url_ok(om->authz_ep) || !fmcp__oa_url_ok(om->token_ep))) abort();
        om->legacy = 0;
        break;
    case 'T':
        fmcp__oa_forget_tokens(om);
        (void)fmcp__oa_use_tokens(om, root, "mcp:read");
        check_tokens(om);
        fmcp__oa_forget_tokens(om);
        break;
    default:
        (void)fmcp__oa_client_from_json(om, root, ISSUER);
        fmcp__oa_forget_client(om);
        break;
    }
    fmcp_json_doc_destroy(doc);
}

static void fuzz_store(int tokens, const uint8_t *d, size_t n)
{
    if (!write_store(tokens ? "tokens" : "client", d, n)) return;
    if (tokens) {
        fmcp__oa_forget_tokens(of);
        of->tokens_loaded = 0;
        (void)fmcp__oa_load_tokens(of);
        check_tokens(of);
        fmcp__oa_forget_tokens(of);
        of->tokens_loaded = 0;
    } else {
        if (fmcp__oa_set(of, &of->issuer, ISSUER) != FMCP_OK) return;
        fmcp__oa_forget_client(of);
        of->client_loaded = 0;
        (void)fmcp__oa_load_client(of);
        if (of->cl_id && (!of->cl_issuer || strcmp(of->cl_issuer, ISSUER) != 0)) abort();
        fmcp__oa_forget_client(of);
        of->client_loaded = 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    init_once();
    switch (data[0]) {
    case 'F': fuzz_store(1, data + 1, size - 1); break;
    case 'G': fuzz_store(0, data + 1, size - 1); break;
    default:  fuzz_json_kind(data[0], data + 1, size - 1); break;
    }
    return 0;
}
