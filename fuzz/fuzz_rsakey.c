/* libFuzzer target: the RSA key readers (PEM, DER, JWK, JWKS) on arbitrary
 * bytes. Properties: no crash or leak; a failure leaves the output zeroed;
 * whatever parses is in policy and minimal, re-emits in every format and
 * re-parses to the same key; strict DER input is already canonical (equal to
 * our own output, up to the omissions the reference allows); JWKS parsing
 * with a failing allocation ends in FMCP_ERR_NOMEM without a leak. Seeds: PEM
 * and DER keys from openssl, JWK sets (tests/fuzz_smoke.sh makes them). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include <stdlib.h>
#include <string.h>

/* ---- a counting allocator that can fail one allocation ---------------------- */

static long live, calls, fail_at = -1;
static void *fz_malloc(void *u, size_t n)
{
    (void)u;
    if (calls++ == fail_at) return NULL;
    live++;
    return malloc(n);
}
static void *fz_realloc(void *u, void *p, size_t old, size_t n)
{
    void *r;
    (void)u; (void)old;
    if (calls++ == fail_at) return NULL;
    r = realloc(p, n);
    if (r && !p) live++;
    return r;
}
static void fz_free(void *u, void *p, size_t n)
{
    (void)u; (void)n;
    if (p) live--;
    free(p);
}
static fmcp_allocator fz_alloc;

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++) if (b[i]) return 0;
    return 1;
}

static int same_pub(const fmcp_rsa_public_key *a, const fmcp_rsa_public_key *b)
{
    return a->n_len == b->n_len && a->e_len == b->e_len && memcmp(a->n, b->n, a->n_len) == 0
        && memcmp(a->e, b->e, a->e_len) == 0;
}

#define SAME_FIELD(a, b, f) ((a)->f##_len == (b)->f##_len && memcmp((a)->f, (b)->f, (a)->f##_len) == 0)
static int same_priv(const fmcp_rsa_private_key *a, const fmcp_rsa_private_key *b)
{
    return same_pub(&a->pub, &b->pub) && SAME_FIELD(a, b, d) && SAME_FIELD(a, b, p) && SAME_FIELD(a, b, q)
        && SAME_FIELD(a, b, dp) && SAME_FIELD(a, b, dq) && SAME_FIELD(a, b, qinv);
}

/* Minimal integers: no leading zero byte anywhere. */
static void check_pub_shape(const fmcp_rsa_public_key *k)
{
    if (fmcp_rsa_public_check(k, 0) != FMCP_OK) abort();
    if (!k->n_len || !k->e_len || k->n[0] == 0 || k->e[0] == 0) abort();
}

static void check_priv_shape(const fmcp_rsa_private_key *k)
{
    if (fmcp_rsa_private_check(k) != FMCP_OK) abort();
    check_pub_shape(&k->pub);
    if ((k->d_len && !k->d[0]) || (k->p_len && !k->p[0]) || (k->q_len && !k->q[0])
        || (k->dp_len && !k->dp[0]) || (k->dq_len && !k->dq[0]) || (k->qinv_len && !k->qinv[0])) abort();
}

static int contains(const uint8_t *hay, size_t hn, const uint8_t *needle, size_t nn)
{
    size_t i;
    for (i = 0; nn <= hn && i <= hn - nn; i++) if (memcmp(hay + i, needle, nn) == 0) return 1;
    return 0;
}

/* ---- public keys ------------------------------------------------------------- */

/* Write k as JWK, parse the text back: the same key. */
static void pub_jwk_roundtrip(const fmcp_rsa_public_key *k, const char *kid, const char *alg)
{
    fmcp_json_writer w;
    fmcp_json_doc *doc = NULL;
    fmcp_rsa_public_key k2;
    char *txt = NULL;
    size_t n = 0;
    fmcp_jw_init(&w, NULL);
    fmcp_rsa_public_write_jwk(&w, k, kid, alg, "sig");
    if (fmcp_jw_finish(&w, &txt, &n) != FMCP_OK) abort();
    if (fmcp_json_parse(txt, n, NULL, &doc, NULL) != FMCP_OK) abort();
    if (fmcp_rsa_public_from_jwk(fmcp_json_root(doc), &k2) != FMCP_OK || !same_pub(k, &k2)) abort();
    if (kid && strcmp(fmcp_json_get_str(fmcp_json_root(doc), "kid", ""), kid) != 0) abort();
    fmcp_json_doc_destroy(doc);
    fmcp_free_text(w.alloc, txt, n);
}

static void pub_roundtrip(const fmcp_rsa_public_key *k)
{
    static uint8_t der[4096];
    static char pem[8192];
    fmcp_rsa_public_key k2;
    char tp[FMCP_JWK_THUMBPRINT_LEN + 1];
    size_t len = 0, need = 0;
    int f;
    check_pub_shape(k);
    for (f = 0; f < 2; f++) {
        fmcp_rsakey_format fmt = f ? FMCP_RSAKEY_PKCS1 : FMCP_RSAKEY_SPKI;
        if (fmcp_rsa_public_to_der(k, fmt, NULL, 0, &need) != FMCP_OK && need == 0) abort();
        if (fmcp_rsa_public_to_der(k, fmt, der, sizeof der, &len) != FMCP_OK || len != need) abort();
        if (fmcp_rsa_public_from_der(der, len, &k2) != FMCP_OK || !same_pub(k, &k2)) abort();
        if (fmcp_rsa_public_to_pem(k, fmt, pem, sizeof pem, &len) != FMCP_OK || strlen(pem) != len) abort();
        if (fmcp_rsa_public_from_pem(pem, len, &k2) != FMCP_OK || !same_pub(k, &k2)) abort();
    }
    if (fmcp_rsa_jwk_thumbprint(k, tp) != FMCP_OK || strlen(tp) != FMCP_JWK_THUMBPRINT_LEN) abort();
    pub_jwk_roundtrip(k, tp, "RS256");
}

/* Accepted DER is canonical: byte-equal to our SPKI or PKCS#1 output, or
 * (SPKI without the NULL parameters) it holds our PKCS#1 encoding. */
static void pub_der_canonical(const uint8_t *data, size_t size, const fmcp_rsa_public_key *k)
{
    static uint8_t spki[4096], pk1[4096];
    size_t sl = 0, pl = 0;
    if (fmcp_rsa_public_to_der(k, FMCP_RSAKEY_SPKI, spki, sizeof spki, &sl) != FMCP_OK) abort();
    if (fmcp_rsa_public_to_der(k, FMCP_RSAKEY_PKCS1, pk1, sizeof pk1, &pl) != FMCP_OK) abort();
    if (size == sl && memcmp(data, spki, sl) == 0) return;
    if (size == pl && memcmp(data, pk1, pl) == 0) return;
    if (size == sl - 2 && contains(data, size, pk1, pl)) return;
    abort();
}

static void fuzz_public(const uint8_t *data, size_t size)
{
    fmcp_rsa_public_key k;
    fmcp_result r = fmcp_rsa_public_from_der(data, size, &k);
    if (r == FMCP_OK) { pub_roundtrip(&k); pub_der_canonical(data, size, &k); }
    else if (!all_zero(&k, sizeof k)) abort();
    r = fmcp_rsa_public_from_pem((const char *)data, size, &k);
    if (r == FMCP_OK) pub_roundtrip(&k);
    else if (!all_zero(&k, sizeof k)) abort();
}

/* ---- private keys ------------------------------------------------------------ */

static void priv_jwk_roundtrip(const fmcp_rsa_private_key *k)
{
    fmcp_json_writer w;
    fmcp_json_doc *doc = NULL;
    fmcp_rsa_private_key k2;
    fmcp_rsa_public_key p2;
    char *txt = NULL;
    size_t n = 0;
    fmcp_jw_init(&w, NULL);
    fmcp_rsa_private_write_jwk(&w, k, NULL, NULL, NULL);
    if (fmcp_jw_finish(&w, &txt, &n) != FMCP_OK) abort();
    if (fmcp_json_parse(txt, n, NULL, &doc, NULL) != FMCP_OK) abort();
    if (fmcp_rsa_private_from_jwk(fmcp_json_root(doc), &k2) != FMCP_OK || !same_priv(k, &k2)) abort();
    if (fmcp_rsa_public_from_jwk(fmcp_json_root(doc), &p2) != FMCP_OK || !same_pub(&k->pub, &p2)) abort();
    fmcp_json_doc_destroy(doc);
    fmcp_free_text(w.alloc, txt, n);
}

static void priv_roundtrip(const fmcp_rsa_private_key *k)
{
    static uint8_t der[8192];
    static char pem[16384];
    fmcp_rsa_private_key k2;
    fmcp_rsa_public_key p2;
    size_t len = 0;
    int f;
    check_priv_shape(k);
    for (f = 0; f < 2; f++) {
        fmcp_rsakey_format fmt = f ? FMCP_RSAKEY_PKCS1 : FMCP_RSAKEY_PKCS8;
        if (fmcp_rsa_private_to_der(k, fmt, der, sizeof der, &len) != FMCP_OK) abort();
        if (fmcp_rsa_private_from_der(der, len, &k2) != FMCP_OK || !same_priv(k, &k2)) abort();
        if (fmcp_rsa_private_to_pem(k, fmt, pem, sizeof pem, &len) != FMCP_OK || strlen(pem) != len) abort();
        if (fmcp_rsa_private_from_pem(pem, len, &k2) != FMCP_OK || !same_priv(k, &k2)) abort();
        /* the public reader takes the public half of a private PEM */
        if (fmcp_rsa_public_from_pem(pem, len, &p2) != FMCP_OK || !same_pub(&k->pub, &p2)) abort();
    }
    priv_jwk_roundtrip(k);
    pub_roundtrip(&k->pub);
}

/* Accepted DER equals our PKCS#8 or PKCS#1 output, or (PKCS#8 with
 * attributes or without NULL parameters) it holds our PKCS#1 encoding. */
static void priv_der_canonical(const uint8_t *data, size_t size, const fmcp_rsa_private_key *k)
{
    static uint8_t p8[8192], p1[8192];
    size_t l8 = 0, l1 = 0;
    if (fmcp_rsa_private_to_der(k, FMCP_RSAKEY_PKCS8, p8, sizeof p8, &l8) != FMCP_OK) abort();
    if (fmcp_rsa_private_to_der(k, FMCP_RSAKEY_PKCS1, p1, sizeof p1, &l1) != FMCP_OK) abort();
    if (size == l8 && memcmp(data, p8, l8) == 0) return;
    if (size == l1 && memcmp(data, p1, l1) == 0) return;
    if (size >= l8 - 2 && contains(data, size, p1, l1)) return;
    abort();
}

static void fuzz_private(const uint8_t *data, size_t size)
{
    fmcp_rsa_private_key k;
    fmcp_result r = fmcp_rsa_private_from_der(data, size, &k);
    if (r == FMCP_OK) { priv_roundtrip(&k); priv_der_canonical(data, size, &k); }
    else if (!all_zero(&k, sizeof k)) abort();
    r = fmcp_rsa_private_from_pem((const char *)data, size, &k);
    if (r == FMCP_OK) priv_roundtrip(&k);
    else if (!all_zero(&k, sizeof k)) abort();
}

/* ---- JWK and JWKS ---------------------------------------------------------- */

/* The input as one JWK object through the direct readers. */
static void fuzz_jwk(const uint8_t *data, size_t size)
{
    fmcp_json_doc *doc = NULL;
    fmcp_rsa_public_key k;
    fmcp_rsa_private_key pk;
    if (fmcp_json_parse((const char *)data, size, NULL, &doc, NULL) != FMCP_OK) return;
    if (fmcp_rsa_public_from_jwk(fmcp_json_root(doc), &k) == FMCP_OK) pub_roundtrip(&k);
    else if (!all_zero(&k, sizeof k)) abort();
    if (fmcp_rsa_private_from_jwk(fmcp_json_root(doc), &pk) == FMCP_OK) priv_roundtrip(&pk);
    else if (!all_zero(&pk, sizeof pk)) abort();
    fmcp_json_doc_destroy(doc);
}

/* Every kept entry: in policy, bounded strings, found by its kid; and the
 * set written out as {"keys":[...]} parses back to the same entries. */
static void check_set(const fmcp_jwks *set)
{
    fmcp_json_writer w;
    fmcp_jwks again;
    char *txt = NULL;
    size_t i, n = 0;
    fmcp_jw_init(&w, NULL);
    fmcp_jw_object_begin(&w);
    fmcp_jw_key(&w, "keys");
    fmcp_jw_array_begin(&w);
    for (i = 0; i < set->count; i++) {
        const fmcp_jwk_entry *e = &set->keys[i];
        check_pub_shape(&e->key);
        if (!memchr(e->kid, 0, sizeof e->kid) || !memchr(e->alg, 0, sizeof e->alg)) abort();
        if (e->has_kid && fmcp_jwks_find(set, e->kid) != e) abort();    /* kids are unique */
        fmcp_rsa_public_write_jwk(&w, &e->key, e->has_kid ? e->kid : NULL, e->alg[0] ? e->alg : NULL, "sig");
    }
    fmcp_jw_array_end(&w);
    fmcp_jw_object_end(&w);
    if (fmcp_jwks_find(set, NULL) != (set->count == 1 ? &set->keys[0] : NULL)) abort();
    if (fmcp_jw_finish(&w, &txt, &n) != FMCP_OK) abort();
    if (fmcp_jwks_parse(txt, n, NULL, &again) != FMCP_OK) abort();
    if (again.count != set->count || again.skipped != 0) abort();
    for (i = 0; i < set->count; i++) {
        const fmcp_jwk_entry *a = &set->keys[i], *b = &again.keys[i];
        if (!same_pub(&a->key, &b->key) || a->has_kid != b->has_kid || strcmp(a->kid, b->kid) != 0
            || strcmp(a->alg, b->alg) != 0) abort();
    }
    fmcp_jwks_destroy(&again);
    fmcp_free_text(w.alloc, txt, n);
}

static void fuzz_jwks(const uint8_t *data, size_t size)
{
    fmcp_jwks set;
    long used;
    fmcp_result r;
    live = 0; calls = 0; fail_at = -1;
    r = fmcp_jwks_parse((const char *)data, size, &fz_alloc, &set);
    used = calls;
    if (r == FMCP_OK) check_set(&set);
    else if (set.keys || set.count) abort();
    fmcp_jwks_destroy(&set);
    fmcp_jwks_destroy(&set);                                 /* documented as safe */
    if (live != 0) abort();
    if (used == 0) return;
    /* Again, failing one allocation picked by the input. */
    live = 0; calls = 0; fail_at = (long)(size ? data[size - 1] : 0) % used;
    r = fmcp_jwks_parse((const char *)data, size, &fz_alloc, &set);
    if (r != FMCP_ERR_NOMEM || set.keys || set.count) abort();
    fmcp_jwks_destroy(&set);
    if (live != 0) abort();
    fail_at = -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384) return 0;
    if (!fz_alloc.malloc_fn) {
        fz_alloc.malloc_fn = fz_malloc; fz_alloc.realloc_fn = fz_realloc; fz_alloc.free_fn = fz_free;
    }
    fuzz_public(data, size);
    fuzz_private(data, size);
    fuzz_jwk(data, size);
    fuzz_jwks(data, size);
    return 0;
}
