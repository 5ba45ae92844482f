/* Bare-metal size probe (tools/baremetal-check): JSON parse, read and write
 * only, from the unmodified fastmcp.h with the bare-metal switch set. */
#include <stddef.h>
#include <stdint.h>
void *bm_malloc(size_t n);
void *bm_realloc(void *p, size_t n);
void bm_free(void *p);
#define FASTMCP_MALLOC(sz) bm_malloc(sz)
#define FASTMCP_REALLOC(p, sz) bm_realloc(p, sz)
#define FASTMCP_FREE(p) bm_free(p)
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"

static unsigned char pool[8192];
static size_t pool_used;
void *bm_malloc(size_t n)
{
    void *p;
    n = (n + 7) & ~(size_t)7;
    if (n > sizeof pool - pool_used) return NULL;
    p = pool + pool_used;
    pool_used += n;
    return p;
}
void *bm_realloc(void *p, size_t n)
{
    void *q = bm_malloc(n);
    if (q && p) memcpy(q, p, n);
    return q;
}
void bm_free(void *p) { (void)p; }

static volatile char input[256];
static volatile char output[256];

int main(void)
{
    char in[256], out[256];
    fmcp_json_doc *d = NULL;
    fmcp_json_writer w;
    const fmcp_json *root;
    size_t i, n = 0;
    for (i = 0; i < sizeof in; i++) in[i] = input[i];
    if (fmcp_json_parse(in, strlen(in), NULL, &d, NULL) != FMCP_OK) return 1;
    root = fmcp_json_root(d);
    fmcp_jw_init_fixed(&w, out, sizeof out);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "name"); fmcp_jw_str(&w, fmcp_json_get_str(root, "name", ""));
    fmcp_jw_key(&w, "x"); fmcp_jw_double(&w, fmcp_json_get_double(root, "x", 0));
    fmcp_jw_key(&w, "n"); fmcp_jw_int(&w, fmcp_json_get_int(root, "n", 0) + 1);
    fmcp_jw_key(&w, "echo"); fmcp_jw_value(&w, fmcp_json_get(root, "echo"));
    fmcp_jw_object_end(&w);
    if (fmcp_jw_finish(&w, NULL, &n) != FMCP_OK) return 1;
    for (i = 0; i < n && i < sizeof out; i++) output[i] = out[i];
    fmcp_json_doc_destroy(d);
    return 0;
}
