/* jwk: implementation. RSA keys go through the rsakey module; this file adds
 * EC and OKP (Ed25519) and the algorithm binding. It reuses rsakey's DER
 * reader/writer and PEM helpers (fmcp__der_*, fmcp__dw_*, fmcp__pem_*): the
 * amalgamation is one translation unit and rsakey comes first. */
#include "base.h"
#include "json.h"
#include "b64.h"
#include "sha256.h"
#include "sha512.h"
#include "ed25519.h"
#include "rsa.h"
#include "rsakey.h"
#include "ec.h"
#include "jwk.h"

#include <string.h>

/* id-ecPublicKey 1.2.840.10045.2.1, prime256v1 1.2.840.10045.3.1.7,
 * secp384r1 1.3.132.0.34, id-Ed25519 1.3.101.112 (RFC 8410) */
static const uint8_t fmcp__jk_oid_ec[7] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
static const uint8_t fmcp__jk_oid_p256[8] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const uint8_t fmcp__jk_oid_p384[5] = { 0x2b, 0x81, 0x04, 0x00, 0x22 };
static const uint8_t fmcp__jk_oid_ed[3] = { 0x2b, 0x65, 0x70 };

/* ---- algorithms ------------------------------------------------------------ */

static const char *const fmcp__jws_names[7] = { "", "RS256", "PS256", "ES256", "ES384", "EdDSA", "Ed25519" };

FASTMCP_API fmcp_jws_alg fmcp_jws_alg_from_name(const char *name, size_t len)
{
    int i;
    if (!name) return FMCP_JWS_NONE;
    if (!FMCP__JWS_ALL) return len == 5 && memcmp(name, "RS256", 5) == 0 ? FMCP_JWS_RS256 : FMCP_JWS_NONE;
    for (i = 1; i < 7; i++)
        if (strlen(fmcp__jws_names[i]) == len && memcmp(name, fmcp__jws_names[i], len) == 0) return (fmcp_jws_alg)i;
    return FMCP_JWS_NONE;
}

FASTMCP_API const char *fmcp_jws_alg_name(fmcp_jws_alg alg)
{
    return (int)alg > 0 && (int)alg < 7 ? fmcp__jws_names[alg] : "none";
}

/* The binding of one algorithm to key type and curve; bound is the key's own alg. */
static int fmcp__jk_fits(fmcp_jwk_kty kty, fmcp_ec_curve curve, fmcp_jws_alg bound, fmcp_jws_alg alg)
{
    if (bound != FMCP_JWS_NONE && bound != alg) return 0;
    if (!FMCP__JWS_ALL && (kty != FMCP_JWK_RSA || alg != FMCP_JWS_RS256)) return 0;
    switch (alg) {
    case FMCP_JWS_RS256: case FMCP_JWS_PS256: return kty == FMCP_JWK_RSA;
    case FMCP_JWS_ES256: return kty == FMCP_JWK_EC && curve == FMCP_EC_P256;
    case FMCP_JWS_ES384: return kty == FMCP_JWK_EC && curve == FMCP_EC_P384;
    case FMCP_JWS_EDDSA: case FMCP_JWS_ED25519: return kty == FMCP_JWK_OKP;
    case FMCP_JWS_NONE: break;
    }
    return 0;
}

FASTMCP_API int fmcp_jwk_alg_fits(const fmcp_jwk_public_key *k, fmcp_jws_alg alg)
{
    return k && fmcp__jk_fits(k->kty, k->ec.curve, k->alg, alg);
}

/* ---- JWK reading --------------------------------------------------------------- */

static const char *fmcp__jk_member(const fmcp_json *jwk, const char *name, size_t *n)
{
    const char *s = fmcp_json_str(fmcp_json_get(jwk, name), n);
    return s && !memchr(s, 0, *n) ? s : NULL;
}

static int fmcp__jk_is(const char *s, size_t n, const char *want)
{
    return s && strlen(want) == n && memcmp(s, want, n) == 0;
}

/* A base64url member of exactly want bytes (RFC 7518 6.2.1.2, RFC 8037 2). */
static fmcp_result fmcp__jk_b64(const fmcp_json *jwk, const char *name, uint8_t *out, size_t want)
{
    uint8_t tmp[FMCP_EC_MAX_BYTES + 3];
    size_t sl = 0, n = 0;
    const char *s = fmcp__jk_member(jwk, name, &sl);
    fmcp_result r = FMCP_OK;
    if (!s) return FMCP_ERR_PARSE;
    if (fmcp_b64_decoded_max(sl) > sizeof tmp) return FMCP_ERR_BAD_KEY;
    if (fmcp_b64_decode(FMCP_B64_URL, s, sl, tmp, sizeof tmp, &n) != FMCP_OK) r = FMCP_ERR_ENCODING;
    else if (n != want) r = FMCP_ERR_BAD_KEY;
    else memcpy(out, tmp, n);
    fmcp_wipe(tmp, sizeof tmp);
    return r;
}

static fmcp_ec_curve fmcp__jk_crv(const char *s, size_t n)
{
    return fmcp__jk_is(s, n, "P-256") ? FMCP_EC_P256 : fmcp__jk_is(s, n, "P-384") ? FMCP_EC_P384 : FMCP_EC_NONE;
}

/* kty of a JWK, with crv checked for EC and OKP; *curve for EC. */
static fmcp_result fmcp__jk_kty(const fmcp_json *jwk, fmcp_jwk_kty *kty, fmcp_ec_curve *curve)
{
    size_t n = 0, cn = 0;
    const char *s, *crv;
    if (!fmcp_json_is(jwk, FMCP_JSON_OBJECT) || !(s = fmcp__jk_member(jwk, "kty", &n))) return FMCP_ERR_PARSE;
    crv = fmcp__jk_member(jwk, "crv", &cn);
    *curve = FMCP_EC_NONE;
    if (fmcp__jk_is(s, n, "RSA")) { *kty = FMCP_JWK_RSA; return FMCP_OK; }
    if (!FMCP__JWS_ALL) return FMCP_ERR_UNSUPPORTED;
    if (fmcp__jk_is(s, n, "EC")) {
        *kty = FMCP_JWK_EC;
        if (!crv) return FMCP_ERR_PARSE;
        *curve = fmcp__jk_crv(crv, cn);
        return *curve ? FMCP_OK : FMCP_ERR_UNSUPPORTED;
    }
    if (fmcp__jk_is(s, n, "OKP")) {
        *kty = FMCP_JWK_OKP;
        if (!crv) return FMCP_ERR_PARSE;
        return fmcp__jk_is(crv, cn, "Ed25519") ? FMCP_OK : FMCP_ERR_UNSUPPORTED;
    }
    return FMCP_ERR_UNSUPPORTED;
}

/* The optional "alg" member: a known algorithm that fits the key. */
static fmcp_result fmcp__jk_alg(const fmcp_json *jwk, fmcp_jwk_kty kty, fmcp_ec_curve curve, fmcp_jws_alg *out)
{
    size_t n = 0;
    const char *s;
    *out = FMCP_JWS_NONE;
    if (!fmcp_json_get(jwk, "alg")) return FMCP_OK;
    if (!(s = fmcp__jk_member(jwk, "alg", &n))) return FMCP_ERR_PARSE;
    *out = fmcp_jws_alg_from_name(s, n);
    if (*out == FMCP_JWS_NONE) return FMCP_ERR_UNSUPPORTED;
    return fmcp__jk_fits(kty, curve, FMCP_JWS_NONE, *out) ? FMCP_OK : FMCP_ERR_BAD_KEY;
}

static fmcp_result fmcp__jk_pub_json(const fmcp_json *jwk, fmcp_jwk_public_key *out)
{
    uint8_t x[FMCP_EC_MAX_BYTES], y[FMCP_EC_MAX_BYTES];
    fmcp_ec_curve curve = FMCP_EC_NONE;
    size_t sz;
    fmcp_result r = fmcp__jk_kty(jwk, &out->kty, &curve);
    if (r != FMCP_OK) return r;
    if (out->kty == FMCP_JWK_RSA) r = fmcp_rsa_public_from_jwk(jwk, &out->rsa);
    else if (!FMCP__JWS_ALL) r = FMCP_ERR_UNSUPPORTED;
    else if (out->kty == FMCP_JWK_OKP) r = fmcp__jk_b64(jwk, "x", out->okp, sizeof out->okp);
    else {
        sz = fmcp_ec_size(curve);
        r = fmcp__jk_b64(jwk, "x", x, sz);
        if (r == FMCP_OK) r = fmcp__jk_b64(jwk, "y", y, sz);
        if (r == FMCP_OK) r = fmcp_ec_public_from_xy(&out->ec, curve, x, sz, y, sz);
    }
    if (r == FMCP_OK) r = fmcp__jk_alg(jwk, out->kty, curve, &out->alg);
    return r;
}

FASTMCP_API fmcp_result fmcp_jwk_public_from_json(const fmcp_json *jwk, fmcp_jwk_public_key *out)
{
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!jwk) return FMCP_ERR_INVALID_ARG;
    if (!FMCP__JWS_ALL) { /* RSA only: rsakey reads it; an alg must be RS256 */
        size_t n = 0;
        const fmcp_json *alg = fmcp_json_get(jwk, "alg");
        out->kty = FMCP_JWK_RSA;
        out->alg = alg ? FMCP_JWS_RS256 : FMCP_JWS_NONE;
        const char *s = fmcp_json_str(alg, &n);
        r = alg && (!s || n != 5 || memcmp(s, "RS256", 5) != 0) ? FMCP_ERR_UNSUPPORTED
                                                                : fmcp_rsa_public_from_jwk(jwk, &out->rsa);
    } else {
        r = fmcp__jk_pub_json(jwk, out);
    }
    if (r != FMCP_OK) memset(out, 0, sizeof *out);
    return r;
}

static fmcp_result fmcp__jk_priv_json(const fmcp_json *jwk, fmcp_jwk_private_key *out)
{
    uint8_t d[FMCP_EC_MAX_BYTES];
    fmcp_jwk_public_key pub;
    fmcp_ec_curve curve = FMCP_EC_NONE;
    size_t sz;
    fmcp_result r = fmcp__jk_pub_json(jwk, &pub); /* the public members must be there and valid */
    if (r != FMCP_OK) return r;
    out->kty = pub.kty;
    out->alg = pub.alg;
    curve = pub.ec.curve;
    if (pub.kty == FMCP_JWK_RSA) return fmcp_rsa_private_from_jwk(jwk, &out->rsa);
    if (!FMCP__JWS_ALL) return FMCP_ERR_UNSUPPORTED;
    sz = fmcp_ec_size(curve);
    if (pub.kty == FMCP_JWK_OKP) {
        r = fmcp__jk_b64(jwk, "d", out->okp_seed, sizeof out->okp_seed);
        if (r == FMCP_OK) r = fmcp_ed25519_public_key(out->okp, out->okp_seed);
        if (r == FMCP_OK && memcmp(out->okp, pub.okp, sizeof pub.okp) != 0) r = FMCP_ERR_BAD_KEY;
        return r;
    }
    r = fmcp__jk_b64(jwk, "d", d, sz);
    if (r == FMCP_OK) r = fmcp_ec_private_from_bytes(&out->ec, curve, d, sz);
    if (r == FMCP_OK && (memcmp(out->ec.pub.x, pub.ec.x, sz) != 0 || memcmp(out->ec.pub.y, pub.ec.y, sz) != 0))
        r = FMCP_ERR_BAD_KEY;
    fmcp_wipe(d, sizeof d);
    return r;
}

FASTMCP_API fmcp_result fmcp_jwk_private_from_json(const fmcp_json *jwk, fmcp_jwk_private_key *out)
{
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!jwk) return FMCP_ERR_INVALID_ARG;
    r = fmcp__jk_priv_json(jwk, out);
    if (r != FMCP_OK) fmcp_wipe(out, sizeof *out);
    return r;
}

/* ---- DER reading ------------------------------------------------------------- */

static int fmcp__jk_oid_is(const fmcp__der *oid, const uint8_t *want, size_t n)
{
    return oid->n == n && memcmp(oid->p, want, n) == 0;
}

/* AlgorithmIdentifier of a non-RSA key: id-ecPublicKey with a named curve,
 * or id-Ed25519 without parameters. *kty = RSA leaves the rest to rsakey. */
static fmcp_result fmcp__jk_algid(fmcp__der *d, fmcp_jwk_kty *kty, fmcp_ec_curve *curve)
{
    fmcp__der a, oid, prm;
    fmcp_result r = fmcp__der_take(d, 0x30, &a);
    if (r == FMCP_OK) r = fmcp__der_take(&a, 0x06, &oid);
    if (r != FMCP_OK) return r;
    *curve = FMCP_EC_NONE;
    if (fmcp__jk_oid_is(&oid, fmcp__rsa_oid, sizeof fmcp__rsa_oid)) { *kty = FMCP_JWK_RSA; return FMCP_OK; }
    if (!FMCP__JWS_ALL) return FMCP_ERR_UNSUPPORTED;
    if (fmcp__jk_oid_is(&oid, fmcp__jk_oid_ed, sizeof fmcp__jk_oid_ed)) {
        *kty = FMCP_JWK_OKP;
        return a.n == 0 ? FMCP_OK : FMCP_ERR_PARSE;
    }
    if (!fmcp__jk_oid_is(&oid, fmcp__jk_oid_ec, sizeof fmcp__jk_oid_ec)) return FMCP_ERR_UNSUPPORTED;
    *kty = FMCP_JWK_EC;
    if (fmcp__der_peek(&a) != 0x06) return a.n ? FMCP_ERR_UNSUPPORTED : FMCP_ERR_PARSE; /* explicit params */
    r = fmcp__der_take(&a, 0x06, &prm);
    if (r != FMCP_OK || a.n != 0) return FMCP_ERR_PARSE;
    if (fmcp__jk_oid_is(&prm, fmcp__jk_oid_p256, sizeof fmcp__jk_oid_p256)) *curve = FMCP_EC_P256;
    else if (fmcp__jk_oid_is(&prm, fmcp__jk_oid_p384, sizeof fmcp__jk_oid_p384)) *curve = FMCP_EC_P384;
    else return FMCP_ERR_UNSUPPORTED;
    return FMCP_OK;
}

/* A BIT STRING with no unused bits: its bytes. */
static fmcp_result fmcp__jk_bits(fmcp__der *d, uint8_t tag, fmcp__der *out)
{
    fmcp_result r = fmcp__der_take(d, tag, out);
    if (r != FMCP_OK) return r;
    if (out->n < 1 || out->p[0] != 0) return FMCP_ERR_PARSE;
    out->p++;
    out->n--;
    return FMCP_OK;
}

static fmcp_result fmcp__jk_spki(const uint8_t *der, size_t len, fmcp_jwk_public_key *out)
{
    fmcp__der s, bits;
    fmcp_ec_curve curve = FMCP_EC_NONE;
    fmcp_result r = fmcp__der_outer(der, len, &s);
    if (r == FMCP_OK) r = fmcp__jk_algid(&s, &out->kty, &curve);
    if (r != FMCP_OK) return r;
    if (out->kty == FMCP_JWK_RSA) return fmcp_rsa_public_from_der(der, len, &out->rsa);
    if (!FMCP__JWS_ALL) return FMCP_ERR_UNSUPPORTED;
    r = fmcp__jk_bits(&s, 0x03, &bits);
    if (r == FMCP_OK && s.n != 0) r = FMCP_ERR_PARSE;
    if (r != FMCP_OK) return r;
    if (out->kty == FMCP_JWK_EC) return fmcp_ec_public_from_sec1(&out->ec, curve, bits.p, bits.n);
    if (bits.n != sizeof out->okp) return FMCP_ERR_BAD_KEY;
    memcpy(out->okp, bits.p, bits.n);
    return FMCP_OK;
}

/* ECPrivateKey (RFC 5915): version 1, privateKey OCTET STRING, [0] curve,
 * [1] public key. hint is the curve from a PKCS#8 wrapper (or NONE). */
static fmcp_result fmcp__jk_sec1(const uint8_t *der, size_t len, fmcp_ec_curve hint, fmcp_jwk_private_key *out)
{
    fmcp__der s, d, tagged, oid, pub;
    uint8_t v = 0, pad[FMCP_EC_MAX_BYTES], sec1[FMCP_EC_MAX_SEC1];
    size_t vl = 0, sz, sl = 0;
    fmcp_ec_curve curve = hint;
    int has_pub = 0;
    fmcp_result r = fmcp__der_outer(der, len, &s);
    if (!FMCP__JWS_ALL) return FMCP_ERR_UNSUPPORTED;
    if (r == FMCP_OK) r = fmcp__der_uint(&s, &v, 1, &vl);
    if (r == FMCP_OK && (vl != 1 || v != 1)) r = FMCP_ERR_PARSE;
    if (r == FMCP_OK) r = fmcp__der_take(&s, 0x04, &d);
    if (r == FMCP_OK && fmcp__der_peek(&s) == 0xa0) {
        fmcp_ec_curve c = FMCP_EC_NONE;
        r = fmcp__der_take(&s, 0xa0, &tagged);
        if (r == FMCP_OK && fmcp__der_peek(&tagged) != 0x06) r = FMCP_ERR_UNSUPPORTED; /* explicit params */
        if (r == FMCP_OK) r = fmcp__der_take(&tagged, 0x06, &oid);
        if (r == FMCP_OK && tagged.n) r = FMCP_ERR_PARSE;
        if (r == FMCP_OK) {
            if (fmcp__jk_oid_is(&oid, fmcp__jk_oid_p256, sizeof fmcp__jk_oid_p256)) c = FMCP_EC_P256;
            else if (fmcp__jk_oid_is(&oid, fmcp__jk_oid_p384, sizeof fmcp__jk_oid_p384)) c = FMCP_EC_P384;
            else r = FMCP_ERR_UNSUPPORTED;
        }
        if (r == FMCP_OK && hint && c != hint) r = FMCP_ERR_PARSE;
        curve = c;
    }
    if (r == FMCP_OK && fmcp__der_peek(&s) == 0xa1) {
        r = fmcp__der_take(&s, 0xa1, &tagged);
        if (r == FMCP_OK) r = fmcp__jk_bits(&tagged, 0x03, &pub);
        if (r == FMCP_OK && tagged.n) r = FMCP_ERR_PARSE;
        has_pub = 1;
    }
    if (r == FMCP_OK && (s.n || !curve)) r = FMCP_ERR_PARSE;
    if (r != FMCP_OK) return r;
    sz = fmcp_ec_size(curve);
    if (d.n == 0 || d.n > sz) return FMCP_ERR_BAD_KEY;
    /* RFC 5915 wants the full length; very old encoders dropped leading zeros */
    memset(pad, 0, sizeof pad);
    memcpy(pad + sz - d.n, d.p, d.n);
    out->kty = FMCP_JWK_EC;
    r = fmcp_ec_private_from_bytes(&out->ec, curve, pad, sz);
    fmcp_wipe(pad, sizeof pad);
    if (r == FMCP_OK && has_pub) {
        r = fmcp_ec_public_to_sec1(&out->ec.pub, sec1, &sl);
        if (r == FMCP_OK && (pub.n != sl || memcmp(pub.p, sec1, sl) != 0)) r = FMCP_ERR_BAD_KEY;
    }
    return r;
}

/* PrivateKeyInfo / OneAsymmetricKey (RFC 5958): version 0 or 1, algorithm,
 * privateKey, [0] attributes (ignored), [1] publicKey (version 1 only). */
static fmcp_result fmcp__jk_pkcs8(const uint8_t *der, size_t len, fmcp_jwk_private_key *out)
{
    fmcp__der s, oct, attrs, pub, seed;
    unsigned v = 2;
    fmcp_ec_curve curve = FMCP_EC_NONE;
    int has_pub = 0;
    fmcp_result r = fmcp__der_outer(der, len, &s);
    if (r == FMCP_OK) r = fmcp__der_version(&s, &v);
    if (r == FMCP_OK) r = fmcp__jk_algid(&s, &out->kty, &curve);
    if (r != FMCP_OK) return r;
    if (out->kty == FMCP_JWK_RSA) return fmcp_rsa_private_from_der(der, len, &out->rsa);
    if (!FMCP__JWS_ALL) return FMCP_ERR_UNSUPPORTED;
    r = fmcp__der_take(&s, 0x04, &oct);
    if (r == FMCP_OK && fmcp__der_peek(&s) == 0xa0) r = fmcp__der_take(&s, 0xa0, &attrs);
    if (r == FMCP_OK && v == 1 && fmcp__der_peek(&s) == 0x81) { r = fmcp__jk_bits(&s, 0x81, &pub); has_pub = 1; }
    if (r == FMCP_OK && s.n) r = FMCP_ERR_PARSE;
    if (r != FMCP_OK) return r;
    if (out->kty == FMCP_JWK_EC) {
        uint8_t sec1[FMCP_EC_MAX_SEC1];
        size_t sl = 0;
        r = fmcp__jk_sec1(oct.p, oct.n, curve, out);
        if (r == FMCP_OK && has_pub) {
            r = fmcp_ec_public_to_sec1(&out->ec.pub, sec1, &sl);
            if (r == FMCP_OK && (pub.n != sl || memcmp(pub.p, sec1, sl) != 0)) r = FMCP_ERR_BAD_KEY;
        }
        return r;
    }
    /* Ed25519: CurvePrivateKey ::= OCTET STRING (the 32-byte seed) */
    r = fmcp__der_take(&oct, 0x04, &seed);
    if (r == FMCP_OK && oct.n) r = FMCP_ERR_PARSE;
    if (r == FMCP_OK && seed.n != sizeof out->okp_seed) r = FMCP_ERR_BAD_KEY;
    if (r != FMCP_OK) return r;
    memcpy(out->okp_seed, seed.p, seed.n);
    r = fmcp_ed25519_public_key(out->okp, out->okp_seed);
    if (r == FMCP_OK && has_pub && (pub.n != sizeof out->okp || memcmp(pub.p, out->okp, pub.n) != 0))
        r = FMCP_ERR_BAD_KEY;
    return r;
}

FASTMCP_API fmcp_result fmcp_jwk_public_from_der(const uint8_t *der, size_t len, fmcp_jwk_public_key *out)
{
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!der) return FMCP_ERR_INVALID_ARG;
    if (fmcp__der_inner_tag(der, len, 0) == 0x30) {
        r = fmcp__jk_spki(der, len, out);
    } else {
        out->kty = FMCP_JWK_RSA;
        r = fmcp_rsa_public_from_der(der, len, &out->rsa);
    }
    if (r != FMCP_OK) memset(out, 0, sizeof *out);
    return r;
}

FASTMCP_API fmcp_result fmcp_jwk_private_from_der(const uint8_t *der, size_t len, fmcp_jwk_private_key *out)
{
    fmcp_result r;
    int second;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!der) return FMCP_ERR_INVALID_ARG;
    second = fmcp__der_inner_tag(der, len, 1);
    if (second == 0x30) {
        r = fmcp__jk_pkcs8(der, len, out);
    } else if (second == 0x04) {
        r = fmcp__jk_sec1(der, len, FMCP_EC_NONE, out);
    } else {
        out->kty = FMCP_JWK_RSA;
        r = fmcp_rsa_private_from_der(der, len, &out->rsa);
    }
    if (r != FMCP_OK) fmcp_wipe(out, sizeof *out);
    return r;
}

/* ---- PEM reading ---------------------------------------------------------------- */

/* One block whose label promised this content (rsakey's PEM kinds). */
static fmcp_result fmcp__jk_pem_block(int kind, const char *body, size_t n, fmcp_jwk_public_key *pub,
                                      fmcp_jwk_private_key *priv)
{
    uint8_t der[FMCP__RSAKEY_DER_MAX];
    size_t dl = 0;
    fmcp_result r = fmcp__pem_body(body, n, der, &dl);
    if (r == FMCP_OK) {
        switch (kind) {
        case FMCP__PEM_SPKI:
            r = fmcp__der_inner_tag(der, dl, 0) == 0x30 ? fmcp__jk_spki(der, dl, pub) : FMCP_ERR_PARSE;
            break;
        case FMCP__PEM_RSA_PUB:
            pub->kty = FMCP_JWK_RSA;
            r = fmcp__parse_pkcs1_pub(der, dl, &pub->rsa);
            if (r == FMCP_OK) r = fmcp_rsa_public_check(&pub->rsa, 0);
            break;
        case FMCP__PEM_PKCS8:
            r = fmcp__der_inner_tag(der, dl, 1) == 0x30 ? fmcp__jk_pkcs8(der, dl, priv) : FMCP_ERR_PARSE;
            break;
        case FMCP__PEM_RSA_PRIV:
            priv->kty = FMCP_JWK_RSA;
            r = fmcp__parse_pkcs1_priv(der, dl, &priv->rsa);
            if (r == FMCP_OK) r = fmcp_rsa_private_check(&priv->rsa);
            break;
        default:
            r = fmcp__jk_sec1(der, dl, FMCP_EC_NONE, priv);
            break;
        }
    }
    fmcp_wipe(der, sizeof der);
    return r;
}

/* The first block of a supported key decides; *is_priv says which output. */
static fmcp_result fmcp__jk_pem_scan(const char *pem, size_t len, int want_priv, fmcp_jwk_public_key *pub,
                                     fmcp_jwk_private_key *priv, int *is_priv)
{
    fmcp_result seen = FMCP_ERR_NOT_FOUND, r;
    size_t pos = 0, n = 0;
    const char *body = NULL;
    int kind;
    while ((kind = fmcp__pem_next(pem, len, &pos, &body, &n)) >= 0) {
        int pk = kind == FMCP__PEM_SPKI || kind == FMCP__PEM_RSA_PUB;
        if (kind == FMCP__PEM_OTHER) continue;
        if (kind == FMCP__PEM_OTHER_KEY) { seen = FMCP_ERR_UNSUPPORTED; continue; }
        if (want_priv && pk) continue;
        r = fmcp__jk_pem_block(kind, body, n, pub, priv);
        *is_priv = !pk;
        if (r != FMCP_ERR_UNSUPPORTED) return r;
        seen = r;
        memset(pub, 0, sizeof *pub);
        fmcp_wipe(priv, sizeof *priv);
    }
    return seen;
}

FASTMCP_API fmcp_result fmcp_jwk_private_from_pem(const char *pem, size_t len, fmcp_jwk_private_key *out)
{
    fmcp_jwk_public_key unused;
    int is_priv = 0;
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!pem) return FMCP_ERR_INVALID_ARG;
    if (!FMCP__JWS_ALL) {
        out->kty = FMCP_JWK_RSA;
        r = fmcp_rsa_private_from_pem(pem, len, &out->rsa);
        if (r != FMCP_OK) fmcp_wipe(out, sizeof *out);
        return r;
    }
    memset(&unused, 0, sizeof unused);
    r = fmcp__jk_pem_scan(pem, len, 1, &unused, out, &is_priv);
    if (r != FMCP_OK) fmcp_wipe(out, sizeof *out);
    return r;
}

FASTMCP_API fmcp_result fmcp_jwk_public_from_pem(const char *pem, size_t len, fmcp_jwk_public_key *out)
{
    fmcp_jwk_private_key priv;
    int is_priv = 0;
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!pem) return FMCP_ERR_INVALID_ARG;
    if (!FMCP__JWS_ALL) { /* RSA only: rsakey's reader is all there is to it */
        out->kty = FMCP_JWK_RSA;
        r = fmcp_rsa_public_from_pem(pem, len, &out->rsa);
        if (r != FMCP_OK) memset(out, 0, sizeof *out);
        return r;
    }
    memset(&priv, 0, sizeof priv);
    r = fmcp__jk_pem_scan(pem, len, 0, out, &priv, &is_priv);
    if (r == FMCP_OK && is_priv) r = fmcp_jwk_public_of(&priv, out);
    if (r != FMCP_OK) memset(out, 0, sizeof *out);
    fmcp_wipe(&priv, sizeof priv);
    return r;
}

/* ---- DER / PEM writing ----------------------------------------------------------- */

/* Appends tag, length and content at buf + *at (buffers are sized by the caller). */
static void fmcp__jk_tlv(uint8_t *buf, size_t *at, uint8_t tag, const uint8_t *c, size_t n)
{
    fmcp__dw w;
    w.out = buf + *at;
    w.len = 0;
    fmcp__dw_hdr(&w, tag, n);
    fmcp__dw_put(&w, c, n);
    *at += w.len;
}

/* AlgorithmIdentifier content (the OIDs) of a non-RSA key. */
static size_t fmcp__jk_algid_body(uint8_t *buf, fmcp_jwk_kty kty, fmcp_ec_curve curve)
{
    size_t at = 0;
    if (kty == FMCP_JWK_OKP) {
        fmcp__jk_tlv(buf, &at, 0x06, fmcp__jk_oid_ed, sizeof fmcp__jk_oid_ed);
        return at;
    }
    fmcp__jk_tlv(buf, &at, 0x06, fmcp__jk_oid_ec, sizeof fmcp__jk_oid_ec);
    if (curve == FMCP_EC_P256) fmcp__jk_tlv(buf, &at, 0x06, fmcp__jk_oid_p256, sizeof fmcp__jk_oid_p256);
    else fmcp__jk_tlv(buf, &at, 0x06, fmcp__jk_oid_p384, sizeof fmcp__jk_oid_p384);
    return at;
}

/* Room for the largest EC/OKP structure (a P-384 PKCS#8 is 185 bytes). */
#define FMCP__JK_DER_SMALL 256

FASTMCP_API fmcp_result fmcp_jwk_public_to_pem(const fmcp_jwk_public_key *k, char *out, size_t cap, size_t *len)
{
    uint8_t alg[32], bits[1 + FMCP_EC_MAX_SEC1], body[FMCP__JK_DER_SMALL], der[FMCP__JK_DER_SMALL];
    size_t an, bn = 1, at = 0, dl = 0;
    if (!len || !k) return FMCP_ERR_INVALID_ARG;
    if (k->kty == FMCP_JWK_RSA) return fmcp_rsa_public_to_pem(&k->rsa, FMCP_RSAKEY_SPKI, out, cap, len);
    if (!FMCP__JWS_ALL) return FMCP_ERR_INVALID_ARG;
    bits[0] = 0;
    if (k->kty == FMCP_JWK_EC) {
        size_t sl = 0;
        if (fmcp_ec_public_to_sec1(&k->ec, bits + 1, &sl) != FMCP_OK) return FMCP_ERR_INVALID_ARG;
        bn += sl;
    } else if (k->kty == FMCP_JWK_OKP) {
        memcpy(bits + 1, k->okp, sizeof k->okp);
        bn += sizeof k->okp;
    } else {
        return FMCP_ERR_INVALID_ARG;
    }
    an = fmcp__jk_algid_body(alg, k->kty, k->ec.curve);
    fmcp__jk_tlv(body, &at, 0x30, alg, an);
    fmcp__jk_tlv(body, &at, 0x03, bits, bn);
    fmcp__jk_tlv(der, &dl, 0x30, body, at);
    return fmcp__pem_emit(der, dl, "PUBLIC KEY", out, cap, len);
}

FASTMCP_API fmcp_result fmcp_jwk_private_to_pem(const fmcp_jwk_private_key *k, char *out, size_t cap, size_t *len)
{
    static const uint8_t v0[1] = { 0 }, v1[1] = { 1 };
    uint8_t alg[32], inner[FMCP__JK_DER_SMALL], tmp[FMCP__JK_DER_SMALL], body[FMCP__JK_DER_SMALL],
        der[FMCP__JK_DER_SMALL];
    size_t an, in = 0, tn = 0, at = 0, dl = 0;
    fmcp_result r;
    if (!len || !k) return FMCP_ERR_INVALID_ARG;
    if (k->kty == FMCP_JWK_RSA) return fmcp_rsa_private_to_pem(&k->rsa, FMCP_RSAKEY_PKCS8, out, cap, len);
    if (!FMCP__JWS_ALL) return FMCP_ERR_INVALID_ARG;
    if (k->kty == FMCP_JWK_EC) {
        uint8_t bits[1 + FMCP_EC_MAX_SEC1];
        size_t sl = 0, bn = 0, sz = fmcp_ec_size(k->ec.pub.curve);
        if (!sz || fmcp_ec_public_to_sec1(&k->ec.pub, bits + 1, &sl) != FMCP_OK) return FMCP_ERR_INVALID_ARG;
        bits[0] = 0;
        /* ECPrivateKey { 1, d, [1] { BIT STRING point } } (the curve is in the algorithm) */
        fmcp__jk_tlv(tmp, &tn, 0x02, v1, 1);
        fmcp__jk_tlv(tmp, &tn, 0x04, k->ec.d, sz);
        fmcp__jk_tlv(inner, &bn, 0x03, bits, 1 + sl);
        fmcp__jk_tlv(tmp, &tn, 0xa1, inner, bn);
        fmcp__jk_tlv(inner, &in, 0x30, tmp, tn);
    } else if (k->kty == FMCP_JWK_OKP) {
        fmcp__jk_tlv(inner, &in, 0x04, k->okp_seed, sizeof k->okp_seed);
    } else {
        return FMCP_ERR_INVALID_ARG;
    }
    an = fmcp__jk_algid_body(alg, k->kty, k->ec.pub.curve);
    fmcp__jk_tlv(body, &at, 0x02, v0, 1);
    fmcp__jk_tlv(body, &at, 0x30, alg, an);
    fmcp__jk_tlv(body, &at, 0x04, inner, in);
    fmcp__jk_tlv(der, &dl, 0x30, body, at);
    r = fmcp__pem_emit(der, dl, "PRIVATE KEY", out, cap, len);
    fmcp_wipe(inner, sizeof inner);
    fmcp_wipe(tmp, sizeof tmp);
    fmcp_wipe(body, sizeof body);
    fmcp_wipe(der, sizeof der);
    return r;
}

/* ---- JWK writing, thumbprints ------------------------------------------------------ */

/* "name": base64url of n bytes as they are (EC/OKP members have fixed length). */
static void fmcp__jk_jw_b64(fmcp_json_writer *w, const char *name, const uint8_t *b, size_t n)
{
    char buf[80];
    size_t m = 0;
    if (fmcp_b64_encode(FMCP_B64_URL, b, n, buf, sizeof buf, &m) != FMCP_OK) {
        if (w->err == FMCP_OK) w->err = FMCP_ERR_INVALID_ARG;
        return;
    }
    fmcp_jw_key(w, name);
    fmcp_jw_strn(w, buf, m);
    fmcp_wipe(buf, sizeof buf);
}

static const char *fmcp__jk_crv_name(fmcp_ec_curve c)
{
    return c == FMCP_EC_P256 ? "P-256" : "P-384";
}

/* kty, kid, use, alg and the public members; 0 when the key is unusable. */
static int fmcp__jk_jw_pub(fmcp_json_writer *w, const fmcp_jwk_public_key *k, const char *kid, const char *alg,
                           const char *use)
{
    size_t sz;
    if (!FMCP__JWS_ALL) return 0;
    if (k->kty == FMCP_JWK_EC ? fmcp_ec_public_check(&k->ec) != FMCP_OK : k->kty != FMCP_JWK_OKP) return 0;
    sz = fmcp_ec_size(k->ec.curve);
    fmcp_jw_key(w, "kty");
    fmcp_jw_str(w, k->kty == FMCP_JWK_EC ? "EC" : "OKP");
    if (kid) { fmcp_jw_key(w, "kid"); fmcp_jw_str(w, kid); }
    if (use) { fmcp_jw_key(w, "use"); fmcp_jw_str(w, use); }
    if (alg) { fmcp_jw_key(w, "alg"); fmcp_jw_str(w, alg); }
    fmcp_jw_key(w, "crv");
    if (k->kty == FMCP_JWK_OKP) {
        fmcp_jw_str(w, "Ed25519");
        fmcp__jk_jw_b64(w, "x", k->okp, sizeof k->okp);
    } else {
        fmcp_jw_str(w, fmcp__jk_crv_name(k->ec.curve));
        fmcp__jk_jw_b64(w, "x", k->ec.x, sz);
        fmcp__jk_jw_b64(w, "y", k->ec.y, sz);
    }
    return 1;
}

FASTMCP_API void fmcp_jwk_public_write(fmcp_json_writer *w, const fmcp_jwk_public_key *k, const char *kid,
                                       const char *alg, const char *use)
{
    if (!w) return;
    if (k && k->kty == FMCP_JWK_RSA) { fmcp_rsa_public_write_jwk(w, &k->rsa, kid, alg, use); return; }
    fmcp_jw_object_begin(w);
    if (!k || !fmcp__jk_jw_pub(w, k, kid, alg, use)) { if (w->err == FMCP_OK) w->err = FMCP_ERR_INVALID_ARG; }
    fmcp_jw_object_end(w);
}

FASTMCP_API void fmcp_jwk_private_write(fmcp_json_writer *w, const fmcp_jwk_private_key *k, const char *kid,
                                        const char *alg, const char *use)
{
    fmcp_jwk_public_key pub;
    if (!w) return;
    if (k && k->kty == FMCP_JWK_RSA) { fmcp_rsa_private_write_jwk(w, &k->rsa, kid, alg, use); return; }
    if (!FMCP__JWS_ALL) { if (w->err == FMCP_OK) w->err = FMCP_ERR_INVALID_ARG; return; }
    fmcp_jw_object_begin(w);
    if (!k || fmcp_jwk_public_of(k, &pub) != FMCP_OK || !fmcp__jk_jw_pub(w, &pub, kid, alg, use)) {
        if (w->err == FMCP_OK) w->err = FMCP_ERR_INVALID_ARG;
    } else if (k->kty == FMCP_JWK_OKP) {
        fmcp__jk_jw_b64(w, "d", k->okp_seed, sizeof k->okp_seed);
    } else {
        fmcp__jk_jw_b64(w, "d", k->ec.d, fmcp_ec_size(k->ec.pub.curve));
    }
    fmcp_jw_object_end(w);
}

/* Appends s, or base64url of n bytes at b, to buf at *o (room fixed by the caller). */
static void fmcp__jk_tp(char *buf, size_t cap, size_t *o, const char *s, const uint8_t *b, size_t n)
{
    size_t m = 0;
    if (s) { memcpy(buf + *o, s, strlen(s)); *o += strlen(s); return; }
    if (fmcp_b64_encode(FMCP_B64_URL, b, n, buf + *o, cap - *o, &m) == FMCP_OK) *o += m;
}

FASTMCP_API fmcp_result fmcp_jwk_thumbprint(const fmcp_jwk_public_key *k, char out[FMCP_JWK_THUMBPRINT_LEN + 1])
{
    char buf[256];
    size_t o = 0, m = 0, sz;
    uint8_t h[FMCP_SHA256_SIZE];
    if (!k || !out) return FMCP_ERR_INVALID_ARG;
    if (k->kty == FMCP_JWK_RSA) return fmcp_rsa_jwk_thumbprint(&k->rsa, out);
    if (!FMCP__JWS_ALL) return FMCP_ERR_INVALID_ARG;
    /* the required members in lexicographic order, no whitespace (RFC 7638 3.2) */
    if (k->kty == FMCP_JWK_EC) {
        if (fmcp_ec_public_check(&k->ec) != FMCP_OK) return FMCP_ERR_INVALID_ARG;
        sz = fmcp_ec_size(k->ec.curve);
        fmcp__jk_tp(buf, sizeof buf, &o, "{\"crv\":\"", NULL, 0);
        fmcp__jk_tp(buf, sizeof buf, &o, fmcp__jk_crv_name(k->ec.curve), NULL, 0);
        fmcp__jk_tp(buf, sizeof buf, &o, "\",\"kty\":\"EC\",\"x\":\"", NULL, 0);
        fmcp__jk_tp(buf, sizeof buf, &o, NULL, k->ec.x, sz);
        fmcp__jk_tp(buf, sizeof buf, &o, "\",\"y\":\"", NULL, 0);
        fmcp__jk_tp(buf, sizeof buf, &o, NULL, k->ec.y, sz);
    } else if (k->kty == FMCP_JWK_OKP) {
        fmcp__jk_tp(buf, sizeof buf, &o, "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"", NULL, 0);
        fmcp__jk_tp(buf, sizeof buf, &o, NULL, k->okp, sizeof k->okp);
    } else {
        return FMCP_ERR_INVALID_ARG;
    }
    fmcp__jk_tp(buf, sizeof buf, &o, "\"}", NULL, 0);
    fmcp_sha256(buf, o, h);
    if (fmcp_b64_encode(FMCP_B64_URL, h, sizeof h, out, FMCP_JWK_THUMBPRINT_LEN + 1, &m) != FMCP_OK)
        return FMCP_ERR_CRYPTO;
    out[FMCP_JWK_THUMBPRINT_LEN] = 0;
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_jwk_public_of(const fmcp_jwk_private_key *k, fmcp_jwk_public_key *out)
{
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (!k || k->kty == FMCP_JWK_NONE || k->kty > FMCP_JWK_OKP) return FMCP_ERR_INVALID_ARG;
    out->kty = k->kty;
    out->alg = k->alg;
    if (k->kty == FMCP_JWK_RSA) out->rsa = k->rsa.pub;
    else if (k->kty == FMCP_JWK_EC) out->ec = k->ec.pub;
    else memcpy(out->okp, k->okp, sizeof out->okp);
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_jwk_generate(fmcp_jws_alg alg, unsigned rsa_bits, fmcp_jwk_private_key *out)
{
    fmcp_result r;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    switch (alg) {
    case FMCP_JWS_RS256: case FMCP_JWS_PS256:
        out->kty = FMCP_JWK_RSA;
        r = fmcp_rsa_generate(rsa_bits ? rsa_bits : 2048, &out->rsa);
        break;
    case FMCP_JWS_ES256: case FMCP_JWS_ES384:
        if (!FMCP__JWS_ALL) { r = FMCP_ERR_UNSUPPORTED; break; }
        out->kty = FMCP_JWK_EC;
        r = fmcp_ec_keygen(alg == FMCP_JWS_ES256 ? FMCP_EC_P256 : FMCP_EC_P384, &out->ec);
        break;
    case FMCP_JWS_EDDSA: case FMCP_JWS_ED25519:
        if (!FMCP__JWS_ALL) { r = FMCP_ERR_UNSUPPORTED; break; }
        out->kty = FMCP_JWK_OKP;
        r = fmcp_random_bytes(out->okp_seed, sizeof out->okp_seed);
        if (r == FMCP_OK) r = fmcp_ed25519_public_key(out->okp, out->okp_seed);
        break;
    default:
        r = FMCP_ERR_INVALID_ARG;
        break;
    }
    if (r != FMCP_OK) fmcp_wipe(out, sizeof *out);
    return r;
}

/* ---- JWS signatures ------------------------------------------------------------------ */

/* SHA-256 for everything but ES384; returns the digest length. */
static size_t fmcp__jk_digest(fmcp_jws_alg alg, const void *in, size_t n, uint8_t *h)
{
    if (alg == FMCP_JWS_ES384) { fmcp_sha384(in, n, h); return FMCP_SHA384_SIZE; }
    fmcp_sha256(in, n, h);
    return FMCP_SHA256_SIZE;
}

FASTMCP_API fmcp_result fmcp_jws_sign(const fmcp_jwk_private_key *k, fmcp_jws_alg alg, const void *input,
                                      size_t len, uint8_t *sig, size_t cap, size_t *sig_len)
{
    uint8_t h[FMCP_SHA384_SIZE];
    size_t hn, sz;
    fmcp_result r;
    if (!sig_len) return FMCP_ERR_INVALID_ARG;
    *sig_len = 0;
    if (!k || !sig || (!input && len)) return FMCP_ERR_INVALID_ARG;
    if (!fmcp__jk_fits(k->kty, k->ec.pub.curve, k->alg, alg)) return FMCP_ERR_BAD_KEY;
    if (k->kty == FMCP_JWK_RSA) {
        uint8_t h256[FMCP_SHA256_SIZE];
        fmcp_sha256(input ? input : "", len, h256);
        return alg == FMCP_JWS_PS256 ? fmcp_rsa_sign_pss_sha256(&k->rsa, h256, sig, cap, sig_len)
                                     : fmcp_rsa_sign_sha256(&k->rsa, h256, sig, cap, sig_len);
    }
    if (!FMCP__JWS_ALL) return FMCP_ERR_BAD_KEY;
    if (k->kty == FMCP_JWK_OKP) {
        if (cap < FMCP_ED25519_SIGNATURE_SIZE) return FMCP_ERR_BUFFER_TOO_SMALL;
        /* pk NULL: derived from the seed, so a hand-filled struct with a
         * wrong public key cannot leak the secret */
        r = fmcp_ed25519_sign(sig, input, len, k->okp_seed, NULL);
        if (r == FMCP_OK) *sig_len = FMCP_ED25519_SIGNATURE_SIZE;
        return r;
    }
    hn = fmcp__jk_digest(alg, input ? input : "", len, h);
    sz = fmcp_ec_size(k->ec.pub.curve);
    if (cap < 2 * sz) return FMCP_ERR_BUFFER_TOO_SMALL;
    r = fmcp_ecdsa_sign_hedged(&k->ec, h, hn, sig);
    if (r == FMCP_OK) *sig_len = 2 * sz;
    return r;
}

FASTMCP_API fmcp_result fmcp_jws_verify(const fmcp_jwk_public_key *k, fmcp_jws_alg alg, const void *input,
                                        size_t len, const uint8_t *sig, size_t sig_len)
{
    uint8_t h[FMCP_SHA384_SIZE];
    size_t hn;
    if (!k || (!input && len) || (!sig && sig_len)) return FMCP_ERR_INVALID_ARG;
    if (!fmcp_jwk_alg_fits(k, alg)) return FMCP_ERR_BAD_KEY;
    if (k->kty == FMCP_JWK_RSA) {
        fmcp_sha256(input ? input : "", len, h);
        return alg == FMCP_JWS_PS256 ? fmcp_rsa_verify_pss_sha256(&k->rsa, 0, h, sig, sig_len)
                                     : fmcp_rsa_verify_sha256(&k->rsa, 0, h, sig, sig_len);
    }
    if (!FMCP__JWS_ALL) return FMCP_ERR_BAD_KEY;
    if (k->kty == FMCP_JWK_OKP) {
        if (sig_len != FMCP_ED25519_SIGNATURE_SIZE) return FMCP_ERR_BAD_SIGNATURE;
        return fmcp_ed25519_verify(sig, input, len, k->okp);
    }
    hn = fmcp__jk_digest(alg, input ? input : "", len, h);
    /* raw r||s of exactly 2 * size bytes: a DER signature never gets here */
    if (sig_len != 2 * fmcp_ec_size(k->ec.curve)) return FMCP_ERR_BAD_SIGNATURE;
    return fmcp_ecdsa_verify(&k->ec, h, hn, sig, sig_len);
}
