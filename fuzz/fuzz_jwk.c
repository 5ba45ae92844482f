/* libFuzzer target: the jwk module's readers (JWK JSON, PEM, DER) for every
 * key type on arbitrary bytes. Properties: no crash or leak; a failure leaves
 * the output zeroed; whatever parses has a thumbprint, fits at least one
 * algorithm, re-emits as PEM and JWK and re-parses to the same key; a private
 * key signs, and its public half verifies that signature and refuses a
 * flipped one. Seeds: fuzz/seeds/jwk (JWKs and PEMs of each type). */
#ifndef FMCP_TEST_SHARED_IMPL   /* else the Makefile links one shared build of it */
#define FASTMCP_IMPLEMENTATION
#endif
#include "fastmcp.h"
#include <stdlib.h>
#include <string.h>

static int is_zero(const void *p, size_t n)
{
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i]) return 0;
    return 1;
}

static fmcp_jws_alg first_fit(const fmcp_jwk_public_key *k)
{
    int a;
    for (a = 1; a <= (int)FMCP_JWS_ED25519; a++)
        if (fmcp_jwk_alg_fits(k, (fmcp_jws_alg)a)) return (fmcp_jws_alg)a;
    return FMCP_JWS_NONE;
}

static void check_public(const fmcp_jwk_public_key *k)
{
    static char pem[8192];
    char tp[FMCP_JWK_THUMBPRINT_LEN + 1];
    size_t n = 0;
    fmcp_jwk_public_key again;
    fmcp_json_writer w;
    char *text = NULL;
    fmcp_json_doc *doc = NULL;
    if (first_fit(k) == FMCP_JWS_NONE) abort();
    if (fmcp_jwk_thumbprint(k, tp) != FMCP_OK || strlen(tp) != FMCP_JWK_THUMBPRINT_LEN) abort();
    if (fmcp_jwk_public_to_pem(k, pem, sizeof pem, &n) != FMCP_OK) abort();
    if (fmcp_jwk_public_from_pem(pem, n, &again) != FMCP_OK) abort();
    again.alg = k->alg; /* PEM has no alg */
    if (memcmp(&again, k, sizeof again) != 0) abort();
    fmcp_jw_init(&w, NULL);
    fmcp_jwk_public_write(&w, k, "kid", k->alg ? fmcp_jws_alg_name(k->alg) : NULL, "sig");
    if (fmcp_jw_finish(&w, &text, &n) != FMCP_OK) abort();
    if (fmcp_json_parse(text, n, NULL, &doc, NULL) != FMCP_OK) abort();
    if (fmcp_jwk_public_from_json(fmcp_json_root(doc), &again) != FMCP_OK || memcmp(&again, k, sizeof again) != 0)
        abort();
    fmcp_json_doc_destroy(doc);
    fmcp_free_text(w.alloc, text, n);
}

static void check_private(const fmcp_jwk_private_key *k)
{
    uint8_t sig[FMCP_JWS_MAX_SIG];
    size_t n = 0;
    fmcp_jwk_public_key pub;
    fmcp_jws_alg a;
    if (fmcp_jwk_public_of(k, &pub) != FMCP_OK) abort();
    check_public(&pub);
    a = first_fit(&pub);
    if (k->kty == FMCP_JWK_RSA) return; /* RSA signing is slow: the readers are the point here */
    if (fmcp_jws_sign(k, a, "a.b", 3, sig, sizeof sig, &n) != FMCP_OK) abort();
    if (fmcp_jws_verify(&pub, a, "a.b", 3, sig, n) != FMCP_OK) abort();
    sig[n / 2] ^= 1;
    if (fmcp_jws_verify(&pub, a, "a.b", 3, sig, n) == FMCP_OK) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fmcp_jwk_private_key k;
    fmcp_jwk_public_key p;
    fmcp_json_doc *doc = NULL;
    if (fmcp_json_parse((const char *)data, size, NULL, &doc, NULL) == FMCP_OK) {
        if (fmcp_jwk_public_from_json(fmcp_json_root(doc), &p) == FMCP_OK) check_public(&p);
        else if (!is_zero(&p, sizeof p)) abort();
        if (fmcp_jwk_private_from_json(fmcp_json_root(doc), &k) == FMCP_OK) check_private(&k);
        else if (!is_zero(&k, sizeof k)) abort();
        fmcp_json_doc_destroy(doc);
    }
    if (fmcp_jwk_public_from_pem((const char *)data, size, &p) == FMCP_OK) check_public(&p);
    else if (!is_zero(&p, sizeof p)) abort();
    if (fmcp_jwk_private_from_pem((const char *)data, size, &k) == FMCP_OK) check_private(&k);
    else if (!is_zero(&k, sizeof k)) abort();
    if (fmcp_jwk_public_from_der(data, size, &p) == FMCP_OK) check_public(&p);
    else if (!is_zero(&p, sizeof p)) abort();
    if (fmcp_jwk_private_from_der(data, size, &k) == FMCP_OK) check_private(&k);
    else if (!is_zero(&k, sizeof k)) abort();
    fmcp_wipe(&k, sizeof k);
    return 0;
}
