/* token_management.c - look after the OAuth tokens an MCP client stored.
 *
 *   token_management [--cache-dir DIR]              where tokens live, and what is stored
 *   token_management [--cache-dir DIR] show URL     expiry, scope, issuer of URL's token
 *   token_management [--cache-dir DIR] clear URL    forget URL's tokens and registration
 *   token_management [--cache-dir DIR] clear-all    forget everything this store made
 *
 * The store is the one the OAuth client uses by default: one 0600 file per
 * (server URL, kind) in ~/.fastmcp/oauth-mcp-client-cache/ (a 0700 directory).
 * Token values are never printed; only what helps to decide whether to keep
 * them. The "tokens" object holds access_token, refresh_token, token_type,
 * scope, expires_at (absolute Unix seconds), issuer and resource.
 */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static void usage(void)
{
    fprintf(stderr, "usage: token_management [--cache-dir DIR] [show URL | clear URL | clear-all]\n");
}

/* "2026-11-26 14:05:00 UTC (in 59 min)" or "(expired 3 min ago)". */
static void print_expiry(int64_t at)
{
    char when[64];
    time_t t = (time_t)at;
    struct tm tmv;
    int64_t left = at - fmcp_time_now();
    if (at <= 0) { printf("  expires:        unknown (no expires_at)\n"); return; }
    if (!gmtime_r(&t, &tmv) || !strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tmv))
        snprintf(when, sizeof when, "%lld", (long long)at);
    if (left >= 0) printf("  expires:        %s (in %lld min)\n", when, (long long)(left / 60));
    else printf("  expires:        %s (expired %lld min ago)\n", when, (long long)(-left / 60));
}

/* Describe what is stored for url, without any secret. */
static int show(fmcp_oauth_store *st, const char *url)
{
    char *data = NULL;
    size_t n = 0;
    fmcp_json_doc *doc = NULL;
    const fmcp_json *t;
    fmcp_result r = st->load(st->user, NULL, url, "tokens", &data, &n);
    printf("%s\n", url);
    if (r != FMCP_OK) { printf("  tokens:         none (%s)\n", fmcp_result_str(r)); }
    else if (fmcp_json_parse(data, n, NULL, &doc, NULL) == FMCP_OK) {
        t = fmcp_json_root(doc);
        printf("  token type:     %s\n", fmcp_json_get_str(t, "token_type", "(unset)"));
        print_expiry(fmcp_json_get_int(t, "expires_at", 0));
        printf("  scope:          %s\n", fmcp_json_get_str(t, "scope", "(none)"));
        printf("  issuer:         %s\n", fmcp_json_get_str(t, "issuer", "(unknown)"));
        printf("  refresh token:  %s\n", fmcp_json_get(t, "refresh_token") ? "yes" : "no");
        fmcp_json_doc_destroy(doc);
    }
    if (data) { fmcp_wipe(data, n); fmcp_free(NULL, data, n + 1); }
    data = NULL;
    if (st->load(st->user, NULL, url, "client", &data, &n) == FMCP_OK &&
        fmcp_json_parse(data, n, NULL, &doc, NULL) == FMCP_OK) {
        t = fmcp_json_root(doc);
        printf("  registered as:  %s (auth: %s)\n", fmcp_json_get_str(t, "client_id", "?"),
               fmcp_json_get_str(t, "token_endpoint_auth_method", "none"));
        fmcp_json_doc_destroy(doc);
    }
    if (data) { fmcp_wipe(data, n); fmcp_free(NULL, data, n + 1); }
    return r == FMCP_OK ? 0 : 1;
}

static int list_one(void *user, const char *url, const char *kind)
{
    int *count = (int *)user;
    printf("  %-8s %s\n", kind, url);
    (*count)++;
    return 0;
}

int main(int argc, char **argv)
{
    fmcp_oauth_file_store fs;
    fmcp_oauth_store st;
    const char *dir = NULL;
    fmcp_result r;
    int i = 1, count = 0;
    if (argc > 2 && strcmp(argv[1], "--cache-dir") == 0) { dir = argv[2]; i = 3; }
    if ((r = fmcp_oauth_file_store_init(&fs, NULL, dir, &st)) != FMCP_OK) {
        fprintf(stderr, "token_management: no cache directory (%s); set HOME or use --cache-dir\n",
                fmcp_result_str(r));
        return 1;
    }
    if (i == argc) {
        printf("tokens live in %s/\n", fs.dir);
        r = fmcp_oauth_file_store_list(&fs, list_one, &count);
        if (r != FMCP_OK) { fprintf(stderr, "cannot list: %s\n", fmcp_result_str(r)); return 1; }
        printf("%d stored value%s\n", count, count == 1 ? "" : "s");
        return 0;
    }
    if (strcmp(argv[i], "show") == 0 && i + 2 == argc) return show(&st, argv[i + 1]);
    if (strcmp(argv[i], "clear") == 0 && i + 2 == argc) {
        r = fmcp_oauth_store_clear(&st, argv[i + 1]);
        printf("cleared %s: %s\n", argv[i + 1], fmcp_result_str(r));
        return r == FMCP_OK ? 0 : 1;
    }
    if (strcmp(argv[i], "clear-all") == 0 && i + 1 == argc) {
        r = fmcp_oauth_store_clear_all(&st);
        printf("cleared every stored token in %s/: %s\n", fs.dir, fmcp_result_str(r));
        return r == FMCP_OK ? 0 : 1;
    }
    usage();
    return 2;
}
