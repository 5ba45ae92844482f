/* rsakey: DER/PEM/JWK/JWKS readers and writers for RSA keys. */
#include "rsakey.h"
#include <string.h>

/* Largest DER we read or write: a 4096-bit PKCS#8 private key is ~2.4 KB. */
#define FMCP__RSAKEY_DER_MAX 3072
/* base64 characters of the largest DER (4 per 3 bytes). */
#define FMCP__RSAKEY_B64_MAX (FMCP__RSAKEY_DER_MAX / 3 * 4)
/* base64url of the largest integer (512 bytes -> 683 characters) plus NUL. */
#define FMCP__RSAKEY_B64U_INT 688
/* JWKS documents above this size are refused (FMCP_ERR_TOO_LARGE). */
#define FMCP__JWKS_MAX_TEXT (1024u * 1024u)

/* ---- DER reading ---------------------------------------------------------- */

typedef struct fmcp__der {
    const uint8_t *p;
    size_t n;
} fmcp__der;

/* rsaEncryption, 1.2.840.113549.1.1.1 */
static const uint8_t fmcp__rsa_oid[9] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };

static int fmcp__der_peek(const fmcp__der *d)
{
    return d->n ? (int)d->p[0] : -1;
}

/* Take the next element, which must have tag `tag`, into body. Lengths must be
 * definite and minimal; keys never need more than two length bytes. */
static fmcp_result fmcp__der_take(fmcp__der *d, uint8_t tag, fmcp__der *body)
{
    size_t len, hdr = 2;
    if (d->n < 2 || d->p[0] != tag) return FMCP_ERR_PARSE;
    len = d->p[1];
    if (len == 0x81) {
        if (d->n < 3 || d->p[2] < 0x80) return FMCP_ERR_PARSE;
        len = d->p[2];
        hdr = 3;
    } else if (len == 0x82) {
        if (d->n < 4 || d->p[2] == 0) return FMCP_ERR_PARSE;
        len = ((size_t)d->p[2] << 8) | d->p[3];
        hdr = 4;
    } else if (len >= 0x80) {
        return FMCP_ERR_PARSE;
    }
    if (len > d->n - hdr) return FMCP_ERR_PARSE;
    body->p = d->p + hdr;
    body->n = len;
    d->p += hdr + len;
    d->n -= hdr + len;
    return FMCP_OK;
}

/* A non-negative minimal INTEGER, stored without leading zeros (zero has
 * length 0). Negative or oversized values are bad keys, not bad DER. */
static fmcp_result fmcp__der_uint(fmcp__der *d, uint8_t *out, size_t cap, size_t *len)
{
    fmcp__der b;
    fmcp_result r = fmcp__der_take(d, 0x02, &b);
    if (r != FMCP_OK) return r;
    if (b.n == 0) return FMCP_ERR_PARSE;
    if (b.n > 1 && ((b.p[0] == 0 && !(b.p[1] & 0x80)) || (b.p[0] == 0xff && (b.p[1] & 0x80))))
        return FMCP_ERR_PARSE; /* non-minimal */
    if (b.p[0] & 0x80) return FMCP_ERR_BAD_KEY;
    while (b.n && b.p[0] == 0) { b.p++; b.n--; }
    if (b.n > cap) return FMCP_ERR_BAD_KEY;
    memcpy(out, b.p, b.n);
    *len = b.n;
    return FMCP_OK;
}

/* A version INTEGER: 0 or 1 (anything else is FMCP_ERR_PARSE). */
static fmcp_result fmcp__der_version(fmcp__der *d, unsigned *v)
{
    uint8_t b = 0;
    size_t n = 0;
    if (fmcp__der_uint(d, &b, 1, &n) != FMCP_OK || b > 1) return FMCP_ERR_PARSE;
    *v = n ? b : 0u;
    return FMCP_OK;
}

/* AlgorithmIdentifier: rsaEncryption with NULL parameters. Absent parameters
 * are accepted too (some old encoders omit them; the meaning is the same);
 * the writers always emit NULL. Another algorithm is FMCP_ERR_UNSUPPORTED. */
static fmcp_result fmcp__der_algid(fmcp__der *d)
{
    fmcp__der a, oid, nul;
    fmcp_result r = fmcp__der_take(d, 0x30, &a);
    if (r == FMCP_OK) r = fmcp__der_take(&a, 0x06, &oid);
    if (r != FMCP_OK) return r;
    if (oid.n != sizeof fmcp__rsa_oid || memcmp(oid.p, fmcp__rsa_oid, oid.n) != 0)
        return FMCP_ERR_UNSUPPORTED;
    if (a.n == 0) return FMCP_OK;
    r = fmcp__der_take(&a, 0x05, &nul);
    if (r != FMCP_OK || nul.n != 0 || a.n != 0) return FMCP_ERR_PARSE;
    return FMCP_OK;
}

/* Take the single outer SEQUENCE of a whole DER buffer. */
static fmcp_result fmcp__der_outer(const uint8_t *der, size_t len, fmcp__der *seq)
{
    fmcp__der d;
    fmcp_result r;
    d.p = der;
    d.n = len;
    r = fmcp__der_take(&d, 0x30, seq);
    if (r == FMCP_OK && d.n != 0) r = FMCP_ERR_PARSE; /* trailing bytes */
    return r;
}

/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } */
static fmcp_result fmcp__parse_pkcs1_pub(const uint8_t *der, size_t len, fmcp_rsa_public_key *k)
{
    fmcp__der s;
    fmcp_result r = fmcp__der_outer(der, len, &s);
    if (r == FMCP_OK) r = fmcp__der_uint(&s, k->n, sizeof k->n, &k->n_len);
    if (r == FMCP_OK) r = fmcp__der_uint(&s, k->e, sizeof k->e, &k->e_len);
    if (r == FMCP_OK && s.n != 0) r = FMCP_ERR_PARSE;
    return r;
}

/* SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING } */
static fmcp_result fmcp__parse_spki(const uint8_t *der, size_t len, fmcp_rsa_public_key *k)
{
    fmcp__der s, bits;
    fmcp_result r = fmcp__der_outer(der, len, &s);
    if (r == FMCP_OK) r = fmcp__der_algid(&s);
    if (r == FMCP_OK) r = fmcp__der_take(&s, 0x03, &bits);
    if (r != FMCP_OK) return r;
    if (s.n != 0 || bits.n < 1 || bits.p[0] != 0) return FMCP_ERR_PARSE;
    return fmcp__parse_pkcs1_pub(bits.p + 1, bits.n - 1, k);
}

/* RSAPrivateKey (PKCS#1): version 0, n, e, d, p, q, dp, dq, qinv. Version 1
 * (multi-prime) is FMCP_ERR_UNSUPPORTED. */
static fmcp_result fmcp__parse_pkcs1_priv(const uint8_t *der, size_t len, fmcp_rsa_private_key *k)
{
    fmcp__der s;
    unsigned v = 0;
    fmcp_result r = fmcp__der_outer(der, len, &s);
    if (r == FMCP_OK) r = fmcp__der_version(&s, &v);
    if (r == FMCP_OK && v != 0) r = FMCP_ERR_UNSUPPORTED;
    if (r == FMCP_OK) r = fmcp__der_uint(&s, k->pub.n, sizeof k->pub.n, &k->pub.n_len);
    if (r == FMCP_OK) r = fmcp__der_uint(&s, k->pub.e, sizeof k->pub.e, &k->pub.e_len);
    if (r == FMCP_OK) r = fmcp__der_uint(&s, k->d, sizeof k->d, &k->d_len);
    if (r == FMCP_OK) r = fmcp__der_uint(&s, k->p, sizeof k->p, &k->p_len);
    if (r == FMCP_OK) r = fmcp__der_uint(&s, k->q, sizeof k->q, &k->q_len);
    if (r == FMCP_OK) r = fmcp__der_uint(&s, k->dp, sizeof k->dp, &k->dp_len);
    if (r == FMCP_OK) r = fmcp__der_uint(&s, k->dq, sizeof k->dq, &k->dq_len);
    if (r == FMCP_OK) r = fmcp__der_uint(&s, k->qinv, sizeof k->qinv, &k->qinv_len);
    if (r == FMCP_OK && s.n != 0) r = FMCP_ERR_PARSE;
    return r;
}

/* PrivateKeyInfo (PKCS#8 v1): version 0, AlgorithmIdentifier, OCTET STRING
 * holding an RSAPrivateKey, optional [0] attributes (ignored). */
static fmcp_result fmcp__parse_pkcs8(const uint8_t *der, size_t len, fmcp_rsa_private_key *k)
{
    fmcp__der s, oct, attrs;
    unsigned v = 1;
    fmcp_result r = fmcp__der_outer(der, len, &s);
    if (r == FMCP_OK) r = fmcp__der_version(&s, &v);
    if (r == FMCP_OK && v != 0) r = FMCP_ERR_UNSUPPORTED;
    if (r == FMCP_OK) r = fmcp__der_algid(&s);
    if (r == FMCP_OK) r = fmcp__der_take(&s, 0x04, &oct);
    if (r == FMCP_OK && fmcp__der_peek(&s) == 0xa0) r = fmcp__der_take(&s, 0xa0, &attrs);
    if (r != FMCP_OK) return r;
    if (s.n != 0) return FMCP_ERR_PARSE;
    return fmcp__parse_pkcs1_priv(oct.p, oct.n, k);
}

/* First element inside the outer SEQUENCE, and the one after it, tell the
 * formats apart; returns the tag of element `idx` (0 or 1), or -1. */
static int fmcp__der_inner_tag(const uint8_t *der, size_t len, int idx)
{
    fmcp__der s, skip;
    if (fmcp__der_outer(der, len, &s) != FMCP_OK) return -1;
    if (idx == 1 && fmcp__der_take(&s, 0x02, &skip) != FMCP_OK) return -1;
    return fmcp__der_peek(&s);
}

FASTMCP_API fmcp_result fmcp_rsa_public_from_der(const uint8_t *der, size_t len, fmcp_rsa_public_key *out)
{
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!der) return FMCP_ERR_INVALID_ARG;
    r = fmcp__der_inner_tag(der, len, 0) == 0x30 ? fmcp__parse_spki(der, len, out)
                                                 : fmcp__parse_pkcs1_pub(der, len, out);
    if (r == FMCP_OK) r = fmcp_rsa_public_check(out, 0);
    if (r != FMCP_OK) memset(out, 0, sizeof *out);
    return r;
}

FASTMCP_API fmcp_result fmcp_rsa_private_from_der(const uint8_t *der, size_t len, fmcp_rsa_private_key *out)
{
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!der) return FMCP_ERR_INVALID_ARG;
    r = fmcp__der_inner_tag(der, len, 1) == 0x30 ? fmcp__parse_pkcs8(der, len, out)
                                                 : fmcp__parse_pkcs1_priv(der, len, out);
    if (r == FMCP_OK) r = fmcp_rsa_private_check(out);
    if (r != FMCP_OK) fmcp_wipe(out, sizeof *out);
    return r;
}

/* ---- DER writing ------------------------------------------------------------ */

/* Writes only when out is set; len always counts (a sizing pass uses out = NULL). */
typedef struct fmcp__dw {
    uint8_t *out;
    size_t len;
} fmcp__dw;

static void fmcp__dw_put(fmcp__dw *w, const uint8_t *b, size_t n)
{
    if (w->out && n) memcpy(w->out + w->len, b, n);
    w->len += n;
}

static size_t fmcp__der_hdr_len(size_t content)
{
    return content < 0x80 ? 2u : content < 0x100 ? 3u : 4u;
}

static size_t fmcp__der_tlv_len(size_t content)
{
    return fmcp__der_hdr_len(content) + content;
}

static void fmcp__dw_hdr(fmcp__dw *w, uint8_t tag, size_t content)
{
    uint8_t h[4];
    size_t n = fmcp__der_hdr_len(content);
    h[0] = tag;
    if (n == 2) {
        h[1] = (uint8_t)content;
    } else if (n == 3) {
        h[1] = 0x81;
        h[2] = (uint8_t)content;
    } else {
        h[1] = 0x82;
        h[2] = (uint8_t)(content >> 8);
        h[3] = (uint8_t)content;
    }
    fmcp__dw_put(w, h, n);
}

/* Skip leading zero bytes so the encoding is minimal whatever the caller stored. */
static void fmcp__rk_trim(const uint8_t **b, size_t *n)
{
    while (*n && (*b)[0] == 0) { (*b)++; (*n)--; }
}

static size_t fmcp__der_int_len(const uint8_t *b, size_t n)
{
    fmcp__rk_trim(&b, &n);
    return fmcp__der_tlv_len(n == 0 ? 1u : n + (size_t)(b[0] >> 7));
}

static void fmcp__dw_int(fmcp__dw *w, const uint8_t *b, size_t n)
{
    static const uint8_t zero = 0;
    fmcp__rk_trim(&b, &n);
    if (n == 0) {
        fmcp__dw_hdr(w, 0x02, 1);
        fmcp__dw_put(w, &zero, 1);
        return;
    }
    fmcp__dw_hdr(w, 0x02, n + (size_t)(b[0] >> 7));
    if (b[0] & 0x80) fmcp__dw_put(w, &zero, 1);
    fmcp__dw_put(w, b, n);
}

static void fmcp__dw_algid(fmcp__dw *w)
{
    static const uint8_t tail[2] = { 0x05, 0x00 };
    fmcp__dw_hdr(w, 0x30, 2 + sizeof fmcp__rsa_oid + 2);
    fmcp__dw_hdr(w, 0x06, sizeof fmcp__rsa_oid);
    fmcp__dw_put(w, fmcp__rsa_oid, sizeof fmcp__rsa_oid);
    fmcp__dw_put(w, tail, 2);
}

#define FMCP__ALGID_LEN (2 + 2 + 9 + 2)

static size_t fmcp__pkcs1_pub_len(const fmcp_rsa_public_key *k)
{
    return fmcp__der_tlv_len(fmcp__der_int_len(k->n, k->n_len) + fmcp__der_int_len(k->e, k->e_len));
}

static void fmcp__dw_pkcs1_pub(fmcp__dw *w, const fmcp_rsa_public_key *k)
{
    fmcp__dw_hdr(w, 0x30, fmcp__der_int_len(k->n, k->n_len) + fmcp__der_int_len(k->e, k->e_len));
    fmcp__dw_int(w, k->n, k->n_len);
    fmcp__dw_int(w, k->e, k->e_len);
}

static void fmcp__dw_spki(fmcp__dw *w, const fmcp_rsa_public_key *k)
{
    static const uint8_t unused_bits = 0;
    size_t bits = 1 + fmcp__pkcs1_pub_len(k);
    fmcp__dw_hdr(w, 0x30, FMCP__ALGID_LEN + fmcp__der_tlv_len(bits));
    fmcp__dw_algid(w);
    fmcp__dw_hdr(w, 0x03, bits);
    fmcp__dw_put(w, &unused_bits, 1);
    fmcp__dw_pkcs1_pub(w, k);
}

static size_t fmcp__pkcs1_priv_body(const fmcp_rsa_private_key *k)
{
    return 3 + fmcp__der_int_len(k->pub.n, k->pub.n_len) + fmcp__der_int_len(k->pub.e, k->pub.e_len)
           + fmcp__der_int_len(k->d, k->d_len) + fmcp__der_int_len(k->p, k->p_len)
           + fmcp__der_int_len(k->q, k->q_len) + fmcp__der_int_len(k->dp, k->dp_len)
           + fmcp__der_int_len(k->dq, k->dq_len) + fmcp__der_int_len(k->qinv, k->qinv_len);
}

static void fmcp__dw_pkcs1_priv(fmcp__dw *w, const fmcp_rsa_private_key *k)
{
    static const uint8_t version0[3] = { 0x02, 0x01, 0x00 };
    fmcp__dw_hdr(w, 0x30, fmcp__pkcs1_priv_body(k));
    fmcp__dw_put(w, version0, 3);
    fmcp__dw_int(w, k->pub.n, k->pub.n_len);
    fmcp__dw_int(w, k->pub.e, k->pub.e_len);
    fmcp__dw_int(w, k->d, k->d_len);
    fmcp__dw_int(w, k->p, k->p_len);
    fmcp__dw_int(w, k->q, k->q_len);
    fmcp__dw_int(w, k->dp, k->dp_len);
    fmcp__dw_int(w, k->dq, k->dq_len);
    fmcp__dw_int(w, k->qinv, k->qinv_len);
}

static void fmcp__dw_pkcs8(fmcp__dw *w, const fmcp_rsa_private_key *k)
{
    static const uint8_t version0[3] = { 0x02, 0x01, 0x00 };
    size_t inner = fmcp__der_tlv_len(fmcp__pkcs1_priv_body(k));
    fmcp__dw_hdr(w, 0x30, 3 + FMCP__ALGID_LEN + fmcp__der_tlv_len(inner));
    fmcp__dw_put(w, version0, 3);
    fmcp__dw_algid(w);
    fmcp__dw_hdr(w, 0x04, inner);
    fmcp__dw_pkcs1_priv(w, k);
}

/* Lengths inside the key structs must fit their arrays before we read them. */
static int fmcp__pub_sane(const fmcp_rsa_public_key *k)
{
    return k && k->n_len >= 1 && k->n_len <= sizeof k->n && k->e_len >= 1 && k->e_len <= sizeof k->e;
}

static int fmcp__priv_sane(const fmcp_rsa_private_key *k)
{
    return k && fmcp__pub_sane(&k->pub) && k->d_len <= sizeof k->d && k->p_len <= sizeof k->p
           && k->q_len <= sizeof k->q && k->dp_len <= sizeof k->dp && k->dq_len <= sizeof k->dq
           && k->qinv_len <= sizeof k->qinv;
}

/* Sizing pass, then the writing pass when the caller's buffer is big enough. */
static fmcp_result fmcp__der_emit(const void *k, int priv, fmcp_rsakey_format f, uint8_t *out,
                                  size_t cap, size_t *len)
{
    int pass;
    fmcp__dw w;
    for (pass = 0; pass < 2; pass++) {
        w.out = pass ? out : NULL;
        w.len = 0;
        if (priv && f == FMCP_RSAKEY_PKCS8) fmcp__dw_pkcs8(&w, (const fmcp_rsa_private_key *)k);
        else if (priv) fmcp__dw_pkcs1_priv(&w, (const fmcp_rsa_private_key *)k);
        else if (f == FMCP_RSAKEY_SPKI) fmcp__dw_spki(&w, (const fmcp_rsa_public_key *)k);
        else fmcp__dw_pkcs1_pub(&w, (const fmcp_rsa_public_key *)k);
        *len = w.len;
        if (!pass && (!out || w.len > cap)) return FMCP_ERR_BUFFER_TOO_SMALL;
    }
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_rsa_public_to_der(const fmcp_rsa_public_key *k, fmcp_rsakey_format f,
                                               uint8_t *out, size_t cap, size_t *len)
{
    if (!len || !fmcp__pub_sane(k) || (f != FMCP_RSAKEY_SPKI && f != FMCP_RSAKEY_PKCS1))
        return FMCP_ERR_INVALID_ARG;
    return fmcp__der_emit(k, 0, f, out, cap, len);
}

FASTMCP_API fmcp_result fmcp_rsa_private_to_der(const fmcp_rsa_private_key *k, fmcp_rsakey_format f,
                                                uint8_t *out, size_t cap, size_t *len)
{
    if (!len || !fmcp__priv_sane(k) || (f != FMCP_RSAKEY_PKCS8 && f != FMCP_RSAKEY_PKCS1))
        return FMCP_ERR_INVALID_ARG;
    return fmcp__der_emit(k, 1, f, out, cap, len);
}

/* ---- PEM -------------------------------------------------------------------- */

/* FMCP__PEM_EC_PRIV (SEC1) is an "other key" here; the jwk module reads it. */
enum { FMCP__PEM_OTHER, FMCP__PEM_SPKI, FMCP__PEM_RSA_PUB, FMCP__PEM_PKCS8, FMCP__PEM_RSA_PRIV,
       FMCP__PEM_OTHER_KEY, FMCP__PEM_EC_PRIV };

static const char *const fmcp__pem_labels[5] = { "", "PUBLIC KEY", "RSA PUBLIC KEY", "PRIVATE KEY",
                                                 "RSA PRIVATE KEY" };

static int fmcp__pem_kind(const char *label, size_t n)
{
    int i;
    for (i = 1; i < 5; i++)
        if (strlen(fmcp__pem_labels[i]) == n && memcmp(label, fmcp__pem_labels[i], n) == 0) return i;
    if (n == 14 && memcmp(label, "EC PRIVATE KEY", 14) == 0) return FMCP__PEM_EC_PRIV;
    /* EC, DSA, encrypted, ... keys: reported as unsupported if nothing better is found */
    if ((n >= 11 && memcmp(label + n - 11, "PRIVATE KEY", 11) == 0)
        || (n >= 10 && memcmp(label + n - 10, "PUBLIC KEY", 10) == 0))
        return FMCP__PEM_OTHER_KEY;
    return FMCP__PEM_OTHER;
}

/* First occurrence of needle in s[0..n), or NULL. */
/* Needles are byte strings with an explicit length: a PEM label copied from
 * the input must not be cut short by an embedded NUL. */
static const char *fmcp__rk_findn(const char *s, size_t n, const char *needle, size_t m)
{
    size_t i;
    if (m == 0) return NULL;
    for (i = 0; i + m <= n; i++)
        if (s[i] == needle[0] && memcmp(s + i, needle, m) == 0) return s + i;
    return NULL;
}

static const char *fmcp__rk_find(const char *s, size_t n, const char *needle)
{
    return fmcp__rk_findn(s, n, needle, strlen(needle));
}

/* PEM labels are printable ASCII (RFC 7468 section 3). */
static int fmcp__pem_label_ok(const char *label, size_t ln)
{
    size_t i;
    if (ln == 0 || ln > 40) return 0;
    for (i = 0; i < ln; i++)
        if ((unsigned char)label[i] < 0x20 || (unsigned char)label[i] > 0x7e) return 0;
    return 1;
}

static int fmcp__rk_is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
           || c == '/' || c == '=';
}

/* Collect the base64 text of a PEM body: lines of base64 characters ending in
 * LF or CRLF, nothing else. A "Name: value" header line means an encrypted
 * (RFC 1421) key. Then decode strictly. */
static fmcp_result fmcp__pem_body(const char *s, size_t n, uint8_t *der, size_t *der_len)
{
    char b64[FMCP__RSAKEY_B64_MAX];
    size_t i, m = 0;
    fmcp_result r = FMCP_OK;
    if (memchr(s, ':', n)) return FMCP_ERR_UNSUPPORTED;
    for (i = 0; i < n && r == FMCP_OK; i++) {
        char c = s[i];
        if (c == '\n' || (c == '\r' && i + 1 < n && s[i + 1] == '\n')) continue;
        if (!fmcp__rk_is_b64(c)) r = FMCP_ERR_ENCODING;
        else if (m == sizeof b64) r = FMCP_ERR_BAD_KEY; /* far larger than a 4096-bit key */
        else b64[m++] = c;
    }
    if (r == FMCP_OK && m == 0) r = FMCP_ERR_PARSE; /* an empty block */
    if (r == FMCP_OK && fmcp_b64_decode(FMCP_B64_STD, b64, m, der, FMCP__RSAKEY_DER_MAX, der_len) != FMCP_OK)
        r = FMCP_ERR_ENCODING;
    fmcp_wipe(b64, m);
    return r;
}

/* Find the next "-----BEGIN X-----" ... "-----END X-----" block at or after
 * *pos. Returns its kind, with body/body_len set, or -1 when there is none. */
static int fmcp__pem_next(const char *pem, size_t len, size_t *pos, const char **body, size_t *body_len)
{
    const char *b, *label, *lend, *end;
    char endline[64];
    size_t ln;
    for (;;) {
        b = fmcp__rk_find(pem + *pos, len - *pos, "-----BEGIN ");
        if (!b) return -1;
        *pos = (size_t)(b - pem) + 11;
        label = pem + *pos;
        lend = fmcp__rk_find(label, len - *pos, "-----");
        if (!lend) return -1;
        ln = (size_t)(lend - label);
        if (!fmcp__pem_label_ok(label, ln)) continue;
        memcpy(endline, "-----END ", 9);
        memcpy(endline + 9, label, ln);
        memcpy(endline + 9 + ln, "-----", 6);
        *pos += ln + 5;
        if (*pos < len && pem[*pos] == '\r') (*pos)++;
        if (*pos >= len || pem[*pos] != '\n') continue;
        (*pos)++;
        end = fmcp__rk_findn(pem + *pos, len - *pos, endline, 9 + ln + 5);
        if (!end) return -1;
        *body = pem + *pos;
        *body_len = (size_t)(end - *body);
        *pos = (size_t)(end - pem) + 9 + ln + 5;
        return fmcp__pem_kind(label, ln);
    }
}

/* Parse one block as a private key (kinds PKCS8/RSA_PRIV). */
static fmcp_result fmcp__pem_private(int kind, const char *body, size_t n, fmcp_rsa_private_key *out)
{
    uint8_t der[FMCP__RSAKEY_DER_MAX];
    size_t dl = 0;
    fmcp_result r = fmcp__pem_body(body, n, der, &dl);
    if (r == FMCP_OK)
        r = kind == FMCP__PEM_PKCS8 ? fmcp__parse_pkcs8(der, dl, out) : fmcp__parse_pkcs1_priv(der, dl, out);
    if (r == FMCP_OK) r = fmcp_rsa_private_check(out);
    fmcp_wipe(der, sizeof der);
    return r;
}

static fmcp_result fmcp__pem_public(int kind, const char *body, size_t n, fmcp_rsa_public_key *out)
{
    uint8_t der[FMCP__RSAKEY_DER_MAX];
    size_t dl = 0;
    fmcp_result r = fmcp__pem_body(body, n, der, &dl);
    if (r == FMCP_OK)
        r = kind == FMCP__PEM_SPKI ? fmcp__parse_spki(der, dl, out) : fmcp__parse_pkcs1_pub(der, dl, out);
    if (r == FMCP_OK) r = fmcp_rsa_public_check(out, 0);
    return r;
}

/* Walk the blocks: keys of other types (and encrypted keys) are remembered as
 * FMCP_ERR_UNSUPPORTED and passed over; the first RSA block decides. want_priv
 * limits the search to private keys; pub/priv receive the result. */
static fmcp_result fmcp__pem_scan(const char *pem, size_t len, int want_priv, fmcp_rsa_public_key *pub,
                                  fmcp_rsa_private_key *priv)
{
    fmcp_result seen = FMCP_ERR_NOT_FOUND, r;
    size_t pos = 0, n = 0;
    const char *body = NULL;
    int kind;
    while ((kind = fmcp__pem_next(pem, len, &pos, &body, &n)) >= 0) {
        if (kind == FMCP__PEM_OTHER) continue;
        if (kind >= FMCP__PEM_OTHER_KEY) { seen = FMCP_ERR_UNSUPPORTED; continue; }
        if (want_priv && (kind == FMCP__PEM_SPKI || kind == FMCP__PEM_RSA_PUB)) continue;
        if (kind == FMCP__PEM_SPKI || kind == FMCP__PEM_RSA_PUB) r = fmcp__pem_public(kind, body, n, pub);
        else r = fmcp__pem_private(kind, body, n, priv);
        if (r != FMCP_ERR_UNSUPPORTED) return r;
        seen = r;
        fmcp_wipe(priv, sizeof *priv);
    }
    return seen;
}

FASTMCP_API fmcp_result fmcp_rsa_private_from_pem(const char *pem, size_t len, fmcp_rsa_private_key *out)
{
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!pem) return FMCP_ERR_INVALID_ARG;
    r = fmcp__pem_scan(pem, len, 1, &out->pub, out);
    if (r != FMCP_OK) fmcp_wipe(out, sizeof *out);
    return r;
}

FASTMCP_API fmcp_result fmcp_rsa_public_from_pem(const char *pem, size_t len, fmcp_rsa_public_key *out)
{
    fmcp_rsa_private_key priv;
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!pem) return FMCP_ERR_INVALID_ARG;
    memset(&priv, 0, sizeof priv);
    r = fmcp__pem_scan(pem, len, 0, out, &priv);
    if (r == FMCP_OK && priv.pub.n_len) *out = priv.pub; /* it was a private key block */
    if (r != FMCP_OK) memset(out, 0, sizeof *out);
    fmcp_wipe(&priv, sizeof priv);
    return r;
}

/* Armour the DER: 64-character lines, each ending in "\n", then a NUL. */
static fmcp_result fmcp__pem_emit(const uint8_t *der, size_t dl, const char *label, char *out, size_t cap,
                                  size_t *len)
{
    size_t ll = strlen(label), chars = fmcp_b64_encoded_len(FMCP_B64_STD, dl);
    size_t need = 32 + 2 * ll + chars + (chars + 63) / 64, i, o, got;
    *len = need;
    if (!out || cap < need + 1) return FMCP_ERR_BUFFER_TOO_SMALL;
    o = 0;
    memcpy(out + o, "-----BEGIN ", 11); o += 11;
    memcpy(out + o, label, ll); o += ll;
    memcpy(out + o, "-----\n", 6); o += 6;
    for (i = 0; i < dl; i += 48) {
        size_t take = dl - i < 48 ? dl - i : 48;
        if (fmcp_b64_encode(FMCP_B64_STD, der + i, take, out + o, cap - o, &got) != FMCP_OK)
            return FMCP_ERR_CRYPTO;
        o += got;
        out[o++] = '\n';
    }
    memcpy(out + o, "-----END ", 9); o += 9;
    memcpy(out + o, label, ll); o += ll;
    memcpy(out + o, "-----\n", 7); o += 6;
    *len = o;
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_rsa_public_to_pem(const fmcp_rsa_public_key *k, fmcp_rsakey_format f,
                                               char *out, size_t cap, size_t *len)
{
    uint8_t der[FMCP__RSAKEY_DER_MAX];
    size_t dl = 0;
    fmcp_result r;
    if (!len) return FMCP_ERR_INVALID_ARG;
    r = fmcp_rsa_public_to_der(k, f, der, sizeof der, &dl);
    if (r != FMCP_OK) return r == FMCP_ERR_BUFFER_TOO_SMALL ? FMCP_ERR_INVALID_ARG : r;
    return fmcp__pem_emit(der, dl, fmcp__pem_labels[f == FMCP_RSAKEY_SPKI ? FMCP__PEM_SPKI : FMCP__PEM_RSA_PUB],
                          out, cap, len);
}

FASTMCP_API fmcp_result fmcp_rsa_private_to_pem(const fmcp_rsa_private_key *k, fmcp_rsakey_format f,
                                                char *out, size_t cap, size_t *len)
{
    uint8_t der[FMCP__RSAKEY_DER_MAX];
    size_t dl = 0;
    fmcp_result r;
    if (!len) return FMCP_ERR_INVALID_ARG;
    r = fmcp_rsa_private_to_der(k, f, der, sizeof der, &dl);
    if (r == FMCP_OK)
        r = fmcp__pem_emit(der, dl, fmcp__pem_labels[f == FMCP_RSAKEY_PKCS8 ? FMCP__PEM_PKCS8 : FMCP__PEM_RSA_PRIV],
                           out, cap, len);
    else if (r == FMCP_ERR_BUFFER_TOO_SMALL)
        r = FMCP_ERR_INVALID_ARG;
    fmcp_wipe(der, sizeof der);
    return r;
}

/* ---- JWK ---------------------------------------------------------------------- */

/* Decode base64url member `name` into out. Leading zero bytes are accepted
 * (RFC 7518 forbids them, but some producers add one) and dropped, so the
 * stored value and every re-emitted form are minimal. */
static fmcp_result fmcp__jwk_uint(const fmcp_json *jwk, const char *name, uint8_t *out, size_t cap, size_t *len)
{
    uint8_t tmp[FMCP_RSA_MAX_BYTES + 8];
    const uint8_t *p = tmp;
    size_t sl = 0, n = 0;
    const char *s = fmcp_json_str(fmcp_json_get(jwk, name), &sl);
    fmcp_result r;
    if (!s) return FMCP_ERR_PARSE;
    if (fmcp_b64_decoded_max(sl) > sizeof tmp) return FMCP_ERR_BAD_KEY;
    r = fmcp_b64_decode(FMCP_B64_URL, s, sl, tmp, sizeof tmp, &n);
    if (r != FMCP_OK) r = FMCP_ERR_ENCODING;
    if (r == FMCP_OK) fmcp__rk_trim(&p, &n);
    if (r == FMCP_OK && n > cap) r = FMCP_ERR_BAD_KEY;
    if (r == FMCP_OK) {
        memcpy(out, p, n);
        *len = n;
    }
    fmcp_wipe(tmp, sizeof tmp);
    return r;
}

/* kty must be the string "RSA": another type is FMCP_ERR_UNSUPPORTED. */
static fmcp_result fmcp__jwk_kty(const fmcp_json *jwk)
{
    size_t n = 0;
    const char *kty = fmcp_json_str(fmcp_json_get(jwk, "kty"), &n);
    if (!fmcp_json_is(jwk, FMCP_JSON_OBJECT) || !kty) return FMCP_ERR_PARSE;
    return n == 3 && memcmp(kty, "RSA", 3) == 0 ? FMCP_OK : FMCP_ERR_UNSUPPORTED;
}

static fmcp_result fmcp__jwk_pub(const fmcp_json *jwk, fmcp_rsa_public_key *out)
{
    fmcp_result r = fmcp__jwk_kty(jwk);
    if (r == FMCP_OK) r = fmcp__jwk_uint(jwk, "n", out->n, sizeof out->n, &out->n_len);
    if (r == FMCP_OK) r = fmcp__jwk_uint(jwk, "e", out->e, sizeof out->e, &out->e_len);
    if (r == FMCP_OK) r = fmcp_rsa_public_check(out, 0);
    return r;
}

FASTMCP_API fmcp_result fmcp_rsa_public_from_jwk(const fmcp_json *jwk, fmcp_rsa_public_key *out)
{
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!jwk) return FMCP_ERR_INVALID_ARG;
    r = fmcp__jwk_pub(jwk, out);
    if (r != FMCP_OK) memset(out, 0, sizeof *out);
    return r;
}

/* Private JWKs need the CRT members (p, q, dp, dq, qi): a key with only d, or
 * with "oth" (more than two primes), is FMCP_ERR_UNSUPPORTED. */
FASTMCP_API fmcp_result fmcp_rsa_private_from_jwk(const fmcp_json *jwk, fmcp_rsa_private_key *out)
{
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!jwk) return FMCP_ERR_INVALID_ARG;
    r = fmcp__jwk_kty(jwk);
    if (r == FMCP_OK && (fmcp_json_get(jwk, "oth") || !fmcp_json_get(jwk, "p"))) r = FMCP_ERR_UNSUPPORTED;
    if (r == FMCP_OK) r = fmcp__jwk_uint(jwk, "n", out->pub.n, sizeof out->pub.n, &out->pub.n_len);
    if (r == FMCP_OK) r = fmcp__jwk_uint(jwk, "e", out->pub.e, sizeof out->pub.e, &out->pub.e_len);
    if (r == FMCP_OK) r = fmcp__jwk_uint(jwk, "d", out->d, sizeof out->d, &out->d_len);
    if (r == FMCP_OK) r = fmcp__jwk_uint(jwk, "p", out->p, sizeof out->p, &out->p_len);
    if (r == FMCP_OK) r = fmcp__jwk_uint(jwk, "q", out->q, sizeof out->q, &out->q_len);
    if (r == FMCP_OK) r = fmcp__jwk_uint(jwk, "dp", out->dp, sizeof out->dp, &out->dp_len);
    if (r == FMCP_OK) r = fmcp__jwk_uint(jwk, "dq", out->dq, sizeof out->dq, &out->dq_len);
    if (r == FMCP_OK) r = fmcp__jwk_uint(jwk, "qi", out->qinv, sizeof out->qinv, &out->qinv_len);
    if (r == FMCP_OK) r = fmcp_rsa_private_check(out);
    if (r != FMCP_OK) fmcp_wipe(out, sizeof *out);
    return r;
}

static void fmcp__rk_jw_fail(fmcp_json_writer *w, fmcp_result r)
{
    if (w->err == FMCP_OK) w->err = r;
}

/* "name": base64url(minimal bytes) */
static void fmcp__rk_jw_b64u(fmcp_json_writer *w, const char *name, const uint8_t *b, size_t n)
{
    char buf[FMCP__RSAKEY_B64U_INT];
    size_t m = 0;
    fmcp__rk_trim(&b, &n);
    if (fmcp_b64_encode(FMCP_B64_URL, b, n, buf, sizeof buf, &m) != FMCP_OK) {
        fmcp__rk_jw_fail(w, FMCP_ERR_INVALID_ARG);
        return;
    }
    fmcp_jw_key(w, name);
    fmcp_jw_strn(w, buf, m);
    fmcp_wipe(buf, sizeof buf);
}

static void fmcp__rk_jw_pub(fmcp_json_writer *w, const fmcp_rsa_public_key *k, const char *kid,
                                 const char *alg, const char *use)
{
    fmcp_jw_key(w, "kty");
    fmcp_jw_str(w, "RSA");
    if (kid) { fmcp_jw_key(w, "kid"); fmcp_jw_str(w, kid); }
    if (use) { fmcp_jw_key(w, "use"); fmcp_jw_str(w, use); }
    if (alg) { fmcp_jw_key(w, "alg"); fmcp_jw_str(w, alg); }
    fmcp__rk_jw_b64u(w, "n", k->n, k->n_len);
    fmcp__rk_jw_b64u(w, "e", k->e, k->e_len);
}

FASTMCP_API void fmcp_rsa_public_write_jwk(fmcp_json_writer *w, const fmcp_rsa_public_key *k,
                                           const char *kid, const char *alg, const char *use)
{
    if (!w) return;
    if (!fmcp__pub_sane(k)) { fmcp__rk_jw_fail(w, FMCP_ERR_INVALID_ARG); return; }
    fmcp_jw_object_begin(w);
    fmcp__rk_jw_pub(w, k, kid, alg, use);
    fmcp_jw_object_end(w);
}

FASTMCP_API void fmcp_rsa_private_write_jwk(fmcp_json_writer *w, const fmcp_rsa_private_key *k,
                                            const char *kid, const char *alg, const char *use)
{
    if (!w) return;
    if (!fmcp__priv_sane(k)) { fmcp__rk_jw_fail(w, FMCP_ERR_INVALID_ARG); return; }
    fmcp_jw_object_begin(w);
    fmcp__rk_jw_pub(w, &k->pub, kid, alg, use);
    fmcp__rk_jw_b64u(w, "d", k->d, k->d_len);
    fmcp__rk_jw_b64u(w, "p", k->p, k->p_len);
    fmcp__rk_jw_b64u(w, "q", k->q, k->q_len);
    fmcp__rk_jw_b64u(w, "dp", k->dp, k->dp_len);
    fmcp__rk_jw_b64u(w, "dq", k->dq, k->dq_len);
    fmcp__rk_jw_b64u(w, "qi", k->qinv, k->qinv_len);
    fmcp_jw_object_end(w);
}

/* Append base64url of minimal b to buf at *o (room was checked by the caller). */
static void fmcp__rk_tp_b64u(char *buf, size_t cap, size_t *o, const uint8_t *b, size_t n)
{
    size_t m = 0;
    fmcp__rk_trim(&b, &n);
    if (fmcp_b64_encode(FMCP_B64_URL, b, n, buf + *o, cap - *o, &m) == FMCP_OK) *o += m;
}

static void fmcp__rk_tp_lit(char *buf, size_t *o, const char *s)
{
    size_t n = strlen(s);
    memcpy(buf + *o, s, n);
    *o += n;
}

/* The required members in lexicographic order, no whitespace (RFC 7638 3.2). */
FASTMCP_API fmcp_result fmcp_rsa_jwk_thumbprint(const fmcp_rsa_public_key *k,
                                                char out[FMCP_JWK_THUMBPRINT_LEN + 1])
{
    char buf[FMCP__RSAKEY_B64U_INT + 64];
    uint8_t h[FMCP_SHA256_SIZE];
    size_t o = 0, m = 0;
    if (!out || !fmcp__pub_sane(k)) return FMCP_ERR_INVALID_ARG;
    fmcp__rk_tp_lit(buf, &o, "{\"e\":\"");
    fmcp__rk_tp_b64u(buf, sizeof buf, &o, k->e, k->e_len);
    fmcp__rk_tp_lit(buf, &o, "\",\"kty\":\"RSA\",\"n\":\"");
    fmcp__rk_tp_b64u(buf, sizeof buf, &o, k->n, k->n_len);
    fmcp__rk_tp_lit(buf, &o, "\"}");
    fmcp_sha256(buf, o, h);
    if (fmcp_b64_encode(FMCP_B64_URL, h, sizeof h, out, FMCP_JWK_THUMBPRINT_LEN + 1, &m) != FMCP_OK)
        return FMCP_ERR_CRYPTO;
    out[FMCP_JWK_THUMBPRINT_LEN] = 0;
    return FMCP_OK;
}

/* ---- JWKS ---------------------------------------------------------------------- */

/* Copy a string member into dst (capacity cap incl. NUL). 0 = absent,
 * 1 = copied, -1 = unusable (not a string, too long, embedded NUL). */
static int fmcp__jwks_str(const fmcp_json *jwk, const char *name, char *dst, size_t cap)
{
    const fmcp_json *v = fmcp_json_get(jwk, name);
    size_t n = 0;
    const char *s;
    dst[0] = 0;
    if (!v) return 0;
    s = fmcp_json_str(v, &n);
    if (!s || n >= cap || memchr(s, 0, n)) return -1;
    memcpy(dst, s, n);
    dst[n] = 0;
    return 1;
}

static int fmcp__jwks_has_kid(const fmcp_jwks *set, const char *kid)
{
    size_t i;
    for (i = 0; i < set->count; i++)
        if (set->keys[i].has_kid && strcmp(set->keys[i].kid, kid) == 0) return 1;
    return 0;
}

/* key_ops, when present, must be an array that includes "verify". */
static int fmcp__jwks_ops_ok(const fmcp_json *jwk)
{
    const fmcp_json *ops = fmcp_json_get(jwk, "key_ops"), *op;
    size_t n = 0;
    const char *s;
    if (!ops) return 1;
    if (!fmcp_json_is(ops, FMCP_JSON_ARRAY)) return 0;
    for (op = fmcp_json_first(ops); op; op = fmcp_json_next(op))
        if ((s = fmcp_json_str(op, &n)) != NULL && n == 6 && memcmp(s, "verify", 6) == 0) return 1;
    return 0;
}

/* Fill e from one member of the set; nonzero if it is usable. */
static int fmcp__jwks_entry(const fmcp_jwks *set, const fmcp_json *jwk, fmcp_jwk_entry *e)
{
    char use[8];
    int u, kid;
    memset(e, 0, sizeof *e);
    if (fmcp__jwk_kty(jwk) != FMCP_OK) return 0;
    u = fmcp__jwks_str(jwk, "use", use, sizeof use);
    if (u < 0 || (u > 0 && strcmp(use, "sig") != 0) || !fmcp__jwks_ops_ok(jwk)) return 0;
    kid = fmcp__jwks_str(jwk, "kid", e->kid, sizeof e->kid);
    if (kid < 0 || fmcp__jwks_str(jwk, "alg", e->alg, sizeof e->alg) < 0) return 0;
    e->has_kid = kid;
    if (kid && fmcp__jwks_has_kid(set, e->kid)) return 0; /* the first key with a kid wins */
    return fmcp__jwk_pub(jwk, &e->key) == FMCP_OK;
}

/* Keep the usable members of `keys` (an array, or one JWK object). */
static fmcp_result fmcp__jwks_fill(const fmcp_json *keys, int single, const fmcp_allocator *alloc,
                                   fmcp_jwks *out)
{
    size_t cap = single ? 1 : fmcp_json_len(keys);
    const fmcp_json *v;
    if (cap == 0) return FMCP_OK;
    out->keys = (fmcp_jwk_entry *)fmcp_malloc(alloc, cap * sizeof *out->keys);
    if (!out->keys) return FMCP_ERR_NOMEM;
    for (v = single ? keys : fmcp_json_first(keys); v; v = single ? NULL : fmcp_json_next(v)) {
        if (fmcp__jwks_entry(out, v, &out->keys[out->count])) out->count++;
        else out->skipped++;
    }
    if (out->count < cap) {
        /* shrink so fmcp_jwks_destroy knows the block size from count alone */
        fmcp_jwk_entry *k = out->count ? (fmcp_jwk_entry *)fmcp_realloc(alloc, out->keys, cap * sizeof *k,
                                                                          out->count * sizeof *k) : NULL;
        if (!k) fmcp_free(alloc, out->keys, cap * sizeof *k);
        out->keys = k;
        if (!k && out->count) return FMCP_ERR_NOMEM;
    }
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_jwks_parse(const char *text, size_t len, const fmcp_allocator *alloc,
                                        fmcp_jwks *out)
{
    fmcp_json_parse_options o;
    fmcp_json_doc *doc = NULL;
    const fmcp_json *root, *keys;
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    out->alloc = alloc;
    if (!text) return FMCP_ERR_INVALID_ARG;
    memset(&o, 0, sizeof o);
    o.max_size = FMCP__JWKS_MAX_TEXT;
    o.reject_duplicate_keys = 1;
    o.alloc = alloc;
    r = fmcp_json_parse(text, len, &o, &doc, NULL);
    if (r != FMCP_OK) return r;
    root = fmcp_json_root(doc);
    keys = fmcp_json_get(root, "keys");
    if (fmcp_json_is(keys, FMCP_JSON_ARRAY)) r = fmcp__jwks_fill(keys, 0, alloc, out);
    else if (!keys && fmcp_json_get(root, "kty")) r = fmcp__jwks_fill(root, 1, alloc, out);
    else r = FMCP_ERR_PARSE;
    fmcp_json_doc_destroy(doc);
    if (r != FMCP_OK) fmcp_jwks_destroy(out);
    return r;
}

FASTMCP_API void fmcp_jwks_destroy(fmcp_jwks *j)
{
    const fmcp_allocator *a;
    if (!j) return;
    a = j->alloc;
    if (j->keys) fmcp_free(a, j->keys, j->count * sizeof *j->keys);
    memset(j, 0, sizeof *j);
    j->alloc = a;
}

FASTMCP_API const fmcp_jwk_entry *fmcp_jwks_find(const fmcp_jwks *j, const char *kid)
{
    size_t i;
    if (!j) return NULL;
    if (!kid) return j->count == 1 ? &j->keys[0] : NULL;
    for (i = 0; i < j->count; i++)
        if (j->keys[i].has_kid && strcmp(j->keys[i].kid, kid) == 0) return &j->keys[i];
    return NULL;
}
