/* rsa: implementation */
#include "rsa.h"
#include "bn.h"
#include "sha256.h"

#include <string.h>

#define FMCP__RSA_E65537 65537u
/* limbs of per-signature exponent blinding randomness (64 bits) */
#define FMCP__RSA_BLIND_LIMBS (64 / FMCP_LIMB_BITS)

/* DER of DigestInfo { AlgorithmIdentifier { sha256, NULL }, OCTET STRING(32) }
 * without the digest (RFC 8017 section 9.2, note 1). */
static const uint8_t fmcp__rsa_sha256_prefix[19] = {
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
    0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20
};

/* Skip leading zero bytes so keys with a sign byte still work. */
/* Skips leading zero bytes. Also used on p, q, dp, dq: the scan does not
 * branch on the bytes and only the resulting length, a public size, is
 * revealed. */
static const uint8_t *fmcp__rsa_trim(const uint8_t *b, size_t *len)
{
    size_t i, z = 0, lead = 1;
    for (i = 0; i < *len; i++) {
        lead &= (size_t)(b[i] == 0);
        z += lead;
    }
    FMCP_CT_DECLASSIFY(&z, sizeof z);
    *len -= z;
    return b + z;
}

static unsigned fmcp__rsa_bits_of(const uint8_t *b, size_t len)
{
    unsigned bits;
    uint8_t top;
    b = fmcp__rsa_trim(b, &len);
    if (len == 0) return 0;
    bits = (unsigned)(len - 1) * 8;
    for (top = b[0]; top; top >>= 1) bits++;
    return bits;
}

FASTMCP_API unsigned fmcp_rsa_bits(const fmcp_rsa_public_key *k)
{
    if (!k || k->n_len > FMCP_RSA_MAX_BYTES) return 0;
    return fmcp__rsa_bits_of(k->n, k->n_len);
}

/* Public exponent as an integer; 0 if empty or longer than 8 bytes. */
static uint64_t fmcp__rsa_e_value(const fmcp_rsa_public_key *k)
{
    size_t len = k->e_len, i;
    const uint8_t *e;
    uint64_t v = 0;
    if (len > FMCP_RSA_MAX_E_BYTES) return 0;
    e = fmcp__rsa_trim(k->e, &len);
    for (i = 0; i < len; i++) v = (v << 8) | e[i];
    return v;
}

FASTMCP_API fmcp_result fmcp_rsa_public_check(const fmcp_rsa_public_key *k, unsigned flags)
{
    unsigned bits;
    uint64_t e;
    if (!k) return FMCP_ERR_INVALID_ARG;
    if (k->n_len == 0 || k->n_len > FMCP_RSA_MAX_BYTES || k->e_len > FMCP_RSA_MAX_E_BYTES)
        return FMCP_ERR_BAD_KEY;
    bits = fmcp_rsa_bits(k);
    if (bits < FMCP_RSA_MIN_BITS || bits > FMCP_RSA_MAX_BITS || !(k->n[k->n_len - 1] & 1))
        return FMCP_ERR_BAD_KEY;
    e = fmcp__rsa_e_value(k);
    if (!(e & 1) || e < ((flags & FMCP_RSA_ALLOW_SMALL_E) ? 3u : FMCP__RSA_E65537))
        return FMCP_ERR_BAD_KEY;
    return FMCP_OK;
}

FASTMCP_API fmcp_result fmcp_rsa_public_prepare(fmcp_rsa_public_ctx *ctx, const fmcp_rsa_public_key *k,
                                                unsigned flags)
{
    fmcp__limb n[FMCP_BN_MAX_LIMBS];
    size_t len, limbs;
    const uint8_t *nb;
    fmcp_result rc;
    if (!ctx) return FMCP_ERR_INVALID_ARG;
    rc = fmcp_rsa_public_check(k, flags);
    if (rc != FMCP_OK) return rc;
    len = k->n_len;
    nb = fmcp__rsa_trim(k->n, &len);
    limbs = fmcp__bn_limbs_for_bytes(len);
    if (fmcp__bn_from_bytes(n, limbs, nb, len) != FMCP_OK) return FMCP_ERR_BAD_KEY;
    if (fmcp__bn_mont_init(&ctx->mont, n, limbs) != FMCP_OK) return FMCP_ERR_BAD_KEY;
    ctx->e = fmcp__rsa_e_value(k);
    ctx->k = len;
    return FMCP_OK;
}

/* EMSA-PKCS1-v1_5: 00 01 FF..FF 00 DigestInfo hash, k bytes (k >= 62 here). */
static void fmcp__rsa_encode(uint8_t *em, size_t k, const uint8_t hash[32])
{
    size_t t = sizeof fmcp__rsa_sha256_prefix + 32;
    /* keys are at least 1024 bits, so never taken; it tells gcc -O3 that
     * the offsets below stay inside em (else -Wstringop-overflow) */
    if (k < t + 11 || k > FMCP_RSA_MAX_BYTES) return;
    em[0] = 0;
    em[1] = 1;
    memset(em + 2, 0xff, k - t - 3);
    em[k - t - 1] = 0;
    memcpy(em + k - t, fmcp__rsa_sha256_prefix, sizeof fmcp__rsa_sha256_prefix);
    memcpy(em + k - 32, hash, 32);
}

/* r = s^e mod n (s < n), all public. */
static void fmcp__rsa_public_op(const fmcp_rsa_public_ctx *ctx, fmcp__limb *r, const fmcp__limb *s)
{
    const fmcp__bn_mont *m = &ctx->mont;
    if (ctx->e == FMCP__RSA_E65537) {
        /* s*R squared 16 times is s^65536*R; one product with plain s
         * multiplies by s and leaves Montgomery form at once. */
        fmcp__limb x[FMCP_BN_MAX_LIMBS];
        int i;
        fmcp__bn_mont_to(m, x, s);
        for (i = 0; i < 16; i++) fmcp__bn_mont_sqr(m, x, x);
        fmcp__bn_mont_mul(m, r, x, s);
    } else {
        fmcp__limb e[2];
        e[0] = (fmcp__limb)ctx->e;
        e[1] = (fmcp__limb)(ctx->e >> (FMCP_LIMB_BITS - 1) >> 1);
        fmcp__bn_mod_exp_public(m, r, s, e, 2);
    }
}

/* got (k bytes) = sig^e mod n, for both verifiers: FMCP_OK, or
 * FMCP_ERR_BAD_SIGNATURE for a signature of the wrong length or not below n. */
static fmcp_result fmcp__rsa_open_sig(const fmcp_rsa_public_ctx *ctx, const uint8_t *hash, const uint8_t *sig,
                                      size_t sig_len, uint8_t *got)
{
    fmcp__limb s[FMCP_BN_MAX_LIMBS];
    size_t n;
    if (!ctx || !hash || (!sig && sig_len)) return FMCP_ERR_INVALID_ARG;
    n = ctx->mont.n;
    if (sig_len != ctx->k) return FMCP_ERR_BAD_SIGNATURE;
    if (fmcp__bn_from_bytes(s, n, sig, sig_len) != FMCP_OK) return FMCP_ERR_BAD_SIGNATURE;
    if (fmcp__bn_cmp(s, ctx->mont.m, n) >= 0) return FMCP_ERR_BAD_SIGNATURE;
    fmcp__rsa_public_op(ctx, s, s);
    return fmcp__bn_to_bytes(s, n, got, ctx->k) == FMCP_OK ? FMCP_OK : FMCP_ERR_BAD_SIGNATURE;
}

FASTMCP_API fmcp_result fmcp_rsa_verify_sha256_ctx(const fmcp_rsa_public_ctx *ctx, const uint8_t hash[32],
                                                   const uint8_t *sig, size_t sig_len)
{
    uint8_t em[FMCP_RSA_MAX_BYTES], got[FMCP_RSA_MAX_BYTES];
    fmcp_result rc = fmcp__rsa_open_sig(ctx, hash, sig, sig_len, got);
    if (rc != FMCP_OK) return rc;
    fmcp__rsa_encode(em, ctx->k, hash);
    return fmcp_ct_equal(em, got, ctx->k) ? FMCP_OK : FMCP_ERR_BAD_SIGNATURE;
}

FASTMCP_API fmcp_result fmcp_rsa_verify_sha256(const fmcp_rsa_public_key *k, unsigned flags,
                                               const uint8_t hash[32],
                                               const uint8_t *sig, size_t sig_len)
{
    fmcp_rsa_public_ctx ctx;
    fmcp_result rc = fmcp_rsa_public_prepare(&ctx, k, flags);
    if (rc != FMCP_OK) return rc;
    return fmcp_rsa_verify_sha256_ctx(&ctx, hash, sig, sig_len);
}

/* ---- private key operations ---------------------------------------------- */

/* Bytes (trimmed) into exactly n limbs; 0 if they do not fit or are empty. */
static int fmcp__rsa_load(fmcp__limb *r, size_t n, const uint8_t *b, size_t len)
{
    b = fmcp__rsa_trim(b, &len);
    return len > 0 && fmcp__bn_from_bytes(r, n, b, len) == FMCP_OK;
}

/* Everything a CRT half needs, laid out once per signature. */
typedef struct fmcp__rsa_half {
    fmcp__bn_mont mont;                       /* prime p (or q) */
    fmcp__limb d[FMCP_BN_MAX_LIMBS];          /* blinded exponent */
} fmcp__rsa_half;

/* r = a mod p for a double-size a < p*R (constant time): a/R, then *R^2/R. */
static void fmcp__rsa_reduce(const fmcp__bn_mont *m, fmcp__limb *r, const fmcp__limb *a)
{
    fmcp__bn_mont_reduce(m, r, a);
    fmcp__bn_mont_mul(m, r, r, m->rr);
}

/* Set up one half: Montgomery context for prime pb, exponent db + rnd*(p-1). */
static fmcp_result fmcp__rsa_half_init(fmcp__rsa_half *h, size_t L, const uint8_t *pb, size_t plen,
                                       const uint8_t *db, size_t dlen, const fmcp__limb *rnd)
{
    fmcp__limb p[FMCP_BN_MAX_LIMBS], t[2 * FMCP_BN_MAX_LIMBS], d[FMCP_BN_MAX_LIMBS];
    fmcp_result rc = FMCP_ERR_BAD_KEY;
    memset(d, 0, sizeof d);
    if (fmcp__rsa_load(p, L, pb, plen) && fmcp__rsa_load(d, L, db, dlen) &&
        fmcp__bn_mont_init(&h->mont, p, L) == FMCP_OK) {
        p[0] &= ~(fmcp__limb)1; /* p - 1 (p is odd) */
        fmcp__bn_mul(t, p, L, rnd, FMCP__RSA_BLIND_LIMBS);
        fmcp__bn_add(h->d, t, d, L + FMCP__RSA_BLIND_LIMBS);
        rc = FMCP_OK;
    }
    fmcp_wipe(p, sizeof p);
    fmcp_wipe(t, sizeof t);
    fmcp_wipe(d, sizeof d);
    return rc;
}

/* mp = c^dp mod p and mq = c^dq mod q for the double-size c, in one call
 * (so vector code can run both at once). No base blinding: inverting the
 * blinding value mod p would need either a variable-time GCD whose trace
 * depends on p or a second full exponentiation; the exponentiation is
 * constant time and its exponent blinded, as in BearSSL (which blinds
 * neither). */
static void fmcp__rsa_halves_exp(const fmcp__rsa_half *hp, const fmcp__rsa_half *hq, fmcp__limb *mp,
                                 fmcp__limb *mq, const fmcp__limb *c, size_t L)
{
    fmcp__limb cp[FMCP_BN_MAX_LIMBS], cq[FMCP_BN_MAX_LIMBS];
    fmcp__rsa_reduce(&hp->mont, cp, c);
    fmcp__rsa_reduce(&hq->mont, cq, c);
    fmcp__bn_mod_exp2(&hp->mont, mp, cp, hp->d, &hq->mont, mq, cq, hq->d, L + FMCP__RSA_BLIND_LIMBS);
    fmcp_wipe(cp, sizeof cp);
    fmcp_wipe(cq, sizeof cq);
}

/* Garner: s = mq + q * ((mp - mq) * qinv mod p), into 2L limbs. */
static int fmcp__rsa_garner(const fmcp__rsa_half *hp, const fmcp__rsa_half *hq, fmcp__limb *s,
                            const fmcp__limb *mp, const fmcp__limb *mq, const uint8_t *qinvb,
                            size_t qinv_len, size_t L)
{
    fmcp__limb w[2 * FMCP_BN_MAX_LIMBS], a[FMCP_BN_MAX_LIMBS], b[FMCP_BN_MAX_LIMBS];
    fmcp__limb mask;
    size_t i;
    int ok = 0;
    memset(w, 0, sizeof w);
    if (fmcp__rsa_load(w, L, qinvb, qinv_len)) {
        fmcp__rsa_reduce(&hp->mont, b, w);             /* qinv mod p */
        memcpy(w, mq, L * sizeof *w);
        fmcp__rsa_reduce(&hp->mont, a, w);             /* mq mod p */
        mask = (fmcp__limb)0 - fmcp__bn_sub(a, mp, a, L); /* mp - mq, + p if negative */
        for (i = 0; i < L; i++) w[i] = hp->mont.m[i] & mask;
        fmcp__bn_add(a, a, w, L);
        fmcp__bn_mont_mul(&hp->mont, a, a, b);          /* (mp-mq)*qinv/R */
        fmcp__bn_mont_mul(&hp->mont, a, a, hp->mont.rr);
        fmcp__bn_mul(s, hq->mont.m, L, a, L);
        memset(w, 0, 2 * L * sizeof *w);
        memcpy(w, mq, L * sizeof *w);
        fmcp__bn_add(s, s, w, 2 * L);
        ok = 1;
    }
    fmcp_wipe(w, sizeof w);
    fmcp_wipe(a, sizeof a);
    fmcp_wipe(b, sizeof b);
    return ok;
}

/* Basic shape of a private key before any arithmetic. */
static fmcp_result fmcp__rsa_private_shape(const fmcp_rsa_private_key *k, unsigned flags)
{
    fmcp_result rc = fmcp_rsa_public_check(&k->pub, flags);
    unsigned odd;
    if (rc != FMCP_OK) return rc;
    if (k->p_len == 0 || k->p_len > sizeof k->p || k->q_len == 0 || k->q_len > sizeof k->q ||
        k->dp_len == 0 || k->dp_len > sizeof k->dp || k->dq_len == 0 || k->dq_len > sizeof k->dq ||
        k->qinv_len == 0 || k->qinv_len > sizeof k->qinv || k->d_len > sizeof k->d)
        return FMCP_ERR_BAD_KEY;
    odd = (unsigned)(k->p[k->p_len - 1] & k->q[k->q_len - 1] & 1);
    FMCP_CT_DECLASSIFY(&odd, sizeof odd);   /* only the key's validity */
    return odd ? FMCP_OK : FMCP_ERR_BAD_KEY;
}

/* The CRT computation itself: s (2L limbs) = c^d mod n. */
static fmcp_result fmcp__rsa_private_op(const fmcp_rsa_private_key *k, fmcp__limb *s,
                                        const fmcp__limb *c, size_t L)
{
    fmcp__rsa_half hp, hq;
    fmcp__limb rnd[2 * FMCP__RSA_BLIND_LIMBS];   /* exponent blinding for each half */
    fmcp__limb mp[FMCP_BN_MAX_LIMBS], mq[FMCP_BN_MAX_LIMBS];
    fmcp_result rc = fmcp_random_bytes(rnd, sizeof rnd);
    memset(&hp, 0, sizeof hp);
    memset(&hq, 0, sizeof hq);
    if (rc == FMCP_OK) {
        rc = fmcp__rsa_half_init(&hp, L, k->p, k->p_len, k->dp, k->dp_len, rnd);
        if (rc == FMCP_OK)
            rc = fmcp__rsa_half_init(&hq, L, k->q, k->q_len, k->dq, k->dq_len, rnd + FMCP__RSA_BLIND_LIMBS);
    }
    if (rc == FMCP_OK) fmcp__rsa_halves_exp(&hp, &hq, mp, mq, c, L);
    if (rc == FMCP_OK && !fmcp__rsa_garner(&hp, &hq, s, mp, mq, k->qinv, k->qinv_len, L))
        rc = FMCP_ERR_BAD_KEY;
    fmcp_wipe(&hp, sizeof hp);
    fmcp_wipe(&hq, sizeof hq);
    fmcp_wipe(rnd, sizeof rnd);
    fmcp_wipe(mp, sizeof mp);
    fmcp_wipe(mq, sizeof mq);
    return rc;
}

/* 1 when sig (k bytes) is below n and sig^e mod n is em (k bytes): the
 * check a signature passes before release, whatever its padding. */
static int fmcp__rsa_check_em(const fmcp_rsa_public_ctx *pub, const uint8_t *sig, const uint8_t *em)
{
    fmcp__limb v[FMCP_BN_MAX_LIMBS];
    uint8_t got[FMCP_RSA_MAX_BYTES];
    size_t n = pub->mont.n;
    if (fmcp__bn_from_bytes(v, n, sig, pub->k) != FMCP_OK || fmcp__bn_cmp(v, pub->mont.m, n) >= 0)
        return 0;
    fmcp__rsa_public_op(pub, v, v);
    if (fmcp__bn_to_bytes(v, n, got, pub->k) != FMCP_OK) return 0;
    return fmcp_ct_equal(got, em, pub->k);
}

/* Shared opening of the sign calls: arguments, key shape, policy, buffer. */
static fmcp_result fmcp__rsa_sign_begin(const fmcp_rsa_private_key *k, unsigned flags, const uint8_t *hash,
                                        const uint8_t *sig, size_t sig_cap, size_t *sig_len,
                                        fmcp_rsa_public_ctx *pub)
{
    fmcp_result rc;
    if (sig_len) *sig_len = 0;
    if (!k || !hash || !sig || !sig_len) return FMCP_ERR_INVALID_ARG;
    rc = fmcp__rsa_private_shape(k, flags);
    if (rc == FMCP_OK) rc = fmcp_rsa_public_prepare(pub, &k->pub, flags);
    if (rc != FMCP_OK) return rc;
    if (sig_cap < pub->k) return FMCP_ERR_BUFFER_TOO_SMALL;
    return FMCP_OK;
}

/* sig (k bytes) = em^d mod n by CRT, released only if it maps back to em:
 * a fault or a bad key must not leak a signature. Wipes sig on failure. */
static fmcp_result fmcp__rsa_sign_em(const fmcp_rsa_private_key *k, const fmcp_rsa_public_ctx *pub,
                                     const uint8_t *em, uint8_t *sig, size_t *sig_len)
{
    fmcp__limb c[2 * FMCP_BN_MAX_LIMBS], s[2 * FMCP_BN_MAX_LIMBS];
    size_t L, plen = k->p_len, qlen = k->q_len;
    fmcp_result rc = FMCP_ERR_BAD_KEY;
    fmcp__rsa_trim(k->p, &plen);
    fmcp__rsa_trim(k->q, &qlen);
    L = fmcp__bn_limbs_for_bytes(plen > qlen ? plen : qlen);
    if (L != 0 && fmcp__bn_from_bytes(c, 2 * L, em, pub->k) == FMCP_OK) {
        rc = fmcp__rsa_private_op(k, s, c, L);
        if (rc == FMCP_OK && fmcp__bn_to_bytes(s, 2 * L, sig, pub->k) != FMCP_OK) rc = FMCP_ERR_CRYPTO;
        FMCP_CT_DECLASSIFY(sig, pub->k);   /* the candidate is the public output */
        if (rc == FMCP_OK && !fmcp__rsa_check_em(pub, sig, em)) rc = FMCP_ERR_CRYPTO;
    }
    if (rc == FMCP_OK) *sig_len = pub->k;
    else fmcp_wipe(sig, pub->k);
    fmcp_wipe(s, sizeof s);
    fmcp_wipe(c, sizeof c);
    return rc;
}

FASTMCP_API fmcp_result fmcp_rsa_sign_sha256_ex(const fmcp_rsa_private_key *k, unsigned flags,
                                                const uint8_t hash[32], uint8_t *sig, size_t sig_cap,
                                                size_t *sig_len)
{
    fmcp_rsa_public_ctx pub;
    uint8_t em[FMCP_RSA_MAX_BYTES];
    fmcp_result rc = fmcp__rsa_sign_begin(k, flags, hash, sig, sig_cap, sig_len, &pub);
    if (rc != FMCP_OK) return rc;
    fmcp__rsa_encode(em, pub.k, hash);
    return fmcp__rsa_sign_em(k, &pub, em, sig, sig_len);
}

FASTMCP_API fmcp_result fmcp_rsa_sign_sha256(const fmcp_rsa_private_key *k, const uint8_t hash[32],
                                             uint8_t *sig, size_t sig_cap, size_t *sig_len)
{
    return fmcp_rsa_sign_sha256_ex(k, 0, hash, sig, sig_cap, sig_len);
}

/* ---- RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt (PS256) --------- */

#define FMCP__RSA_PSS_SALT 32

/* out[0 .. len) ^= MGF1-SHA-256(seed) (RFC 8017 B.2.1). */
static void fmcp__rsa_mgf1_xor(uint8_t *out, size_t len, const uint8_t seed[32])
{
    uint8_t block[36], mask[32];
    uint32_t counter = 0;
    size_t done = 0, i;
    memcpy(block, seed, 32);
    while (done < len) {
        block[32] = (uint8_t)(counter >> 24); block[33] = (uint8_t)(counter >> 16);
        block[34] = (uint8_t)(counter >> 8); block[35] = (uint8_t)counter;
        fmcp_sha256(block, sizeof block, mask);
        for (i = 0; i < 32 && done < len; i++) out[done++] ^= mask[i];
        counter++;
    }
    fmcp_wipe(mask, sizeof mask);
}

/* H = SHA-256(0^8 || mHash || salt), the M' hash of RFC 8017 9.1.1 step 6. */
static void fmcp__rsa_pss_h(uint8_t out[32], const uint8_t hash[32], const uint8_t *salt)
{
    static const uint8_t zeros[8] = { 0 };
    fmcp_sha256_ctx c;
    fmcp_sha256_init(&c);
    fmcp_sha256_update(&c, zeros, sizeof zeros);
    fmcp_sha256_update(&c, hash, 32);
    fmcp_sha256_update(&c, salt, FMCP__RSA_PSS_SALT);
    fmcp_sha256_final(&c, out);
}

/* emBits = modBits - 1 (RFC 8017 8.1.1): the encoded message has emLen
 * bytes and its top 8 emLen - emBits bits are zero. */
static void fmcp__rsa_pss_sizes(const fmcp_rsa_public_ctx *ctx, size_t *em_len, unsigned *top_bits)
{
    size_t em_bits = fmcp__bn_bits(ctx->mont.m, ctx->mont.n) - 1;
    *em_len = (em_bits + 7) / 8;
    *top_bits = (unsigned)(8 * *em_len - em_bits);
}

/* EMSA-PSS-ENCODE into k bytes (a leading zero byte when emLen = k - 1):
 * maskedDB = (PS || 01 || salt) ^ MGF1(H), then H, then BC. */
static fmcp_result fmcp__rsa_pss_encode(uint8_t *out, const fmcp_rsa_public_ctx *ctx, const uint8_t hash[32])
{
    uint8_t salt[FMCP__RSA_PSS_SALT];
    size_t em_len, db_len;
    unsigned top;
    uint8_t *em;
    fmcp__rsa_pss_sizes(ctx, &em_len, &top);
    if (em_len < 32 + FMCP__RSA_PSS_SALT + 2 || em_len > ctx->k) return FMCP_ERR_BAD_KEY;
    if (fmcp_random_bytes(salt, sizeof salt) != FMCP_OK) return FMCP_ERR_RANDOM;
    memset(out, 0, ctx->k);
    em = out + (ctx->k - em_len);
    db_len = em_len - 33;
    em[db_len - FMCP__RSA_PSS_SALT - 1] = 0x01;
    memcpy(em + db_len - FMCP__RSA_PSS_SALT, salt, sizeof salt);
    fmcp__rsa_pss_h(em + db_len, hash, salt);
    fmcp__rsa_mgf1_xor(em, db_len, em + db_len);
    em[0] &= (uint8_t)(0xffu >> top);
    em[em_len - 1] = 0xbc;
    fmcp_wipe(salt, sizeof salt);
    return FMCP_OK;
}

/* EMSA-PSS-VERIFY on the k bytes s^e mod n (public data, variable time). */
static int fmcp__rsa_pss_check(const fmcp_rsa_public_ctx *ctx, const uint8_t *got, const uint8_t hash[32])
{
    uint8_t db[FMCP_RSA_MAX_BYTES], h2[32];
    size_t em_len, db_len, ps_len, i;
    unsigned top;
    const uint8_t *em;
    fmcp__rsa_pss_sizes(ctx, &em_len, &top);
    if (em_len < 32 + FMCP__RSA_PSS_SALT + 2 || em_len > ctx->k) return 0;
    for (i = 0; i < ctx->k - em_len; i++) if (got[i]) return 0;   /* m fits emLen bytes */
    em = got + (ctx->k - em_len);
    if (em[em_len - 1] != 0xbc) return 0;
    if (em[0] & (uint8_t)~(0xffu >> top)) return 0;
    db_len = em_len - 33;
    memcpy(db, em, db_len);
    fmcp__rsa_mgf1_xor(db, db_len, em + db_len);
    db[0] &= (uint8_t)(0xffu >> top);
    ps_len = db_len - FMCP__RSA_PSS_SALT - 1;
    for (i = 0; i < ps_len; i++) if (db[i]) return 0;
    if (db[ps_len] != 0x01) return 0;
    fmcp__rsa_pss_h(h2, hash, db + ps_len + 1);
    return fmcp_ct_equal(h2, em + db_len, 32);
}

FASTMCP_API fmcp_result fmcp_rsa_verify_pss_sha256_ctx(const fmcp_rsa_public_ctx *ctx, const uint8_t hash[32],
                                                       const uint8_t *sig, size_t sig_len)
{
    uint8_t got[FMCP_RSA_MAX_BYTES];
    fmcp_result rc = fmcp__rsa_open_sig(ctx, hash, sig, sig_len, got);
    if (rc != FMCP_OK) return rc;
    return fmcp__rsa_pss_check(ctx, got, hash) ? FMCP_OK : FMCP_ERR_BAD_SIGNATURE;
}

FASTMCP_API fmcp_result fmcp_rsa_verify_pss_sha256(const fmcp_rsa_public_key *k, unsigned flags,
                                                   const uint8_t hash[32],
                                                   const uint8_t *sig, size_t sig_len)
{
    fmcp_rsa_public_ctx ctx;
    fmcp_result rc = fmcp_rsa_public_prepare(&ctx, k, flags);
    if (rc != FMCP_OK) return rc;
    return fmcp_rsa_verify_pss_sha256_ctx(&ctx, hash, sig, sig_len);
}

FASTMCP_API fmcp_result fmcp_rsa_sign_pss_sha256_ex(const fmcp_rsa_private_key *k, unsigned flags,
                                                    const uint8_t hash[32], uint8_t *sig, size_t sig_cap,
                                                    size_t *sig_len)
{
    fmcp_rsa_public_ctx pub;
    uint8_t em[FMCP_RSA_MAX_BYTES];
    fmcp_result rc = fmcp__rsa_sign_begin(k, flags, hash, sig, sig_cap, sig_len, &pub);
    if (rc == FMCP_OK) rc = fmcp__rsa_pss_encode(em, &pub, hash);
    if (rc == FMCP_OK) rc = fmcp__rsa_sign_em(k, &pub, em, sig, sig_len);
    fmcp_wipe(em, sizeof em);
    return rc;
}

FASTMCP_API fmcp_result fmcp_rsa_sign_pss_sha256(const fmcp_rsa_private_key *k, const uint8_t hash[32],
                                                 uint8_t *sig, size_t sig_cap, size_t *sig_len)
{
    return fmcp_rsa_sign_pss_sha256_ex(k, 0, hash, sig, sig_cap, sig_len);
}

/* ---- private key check --------------------------------------------------- */

/* 1 if (a * b) mod m == 1; a, b, m in bytes. Variable time. */
static int fmcp__rsa_is_inverse(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                                const fmcp__limb *m, size_t mn)
{
    fmcp__limb x[FMCP_BN_MAX_LIMBS], y[FMCP_BN_MAX_LIMBS], p[2 * FMCP_BN_MAX_LIMBS], r[FMCP_BN_MAX_LIMBS];
    size_t xn, yn;
    int ok;
    a = fmcp__rsa_trim(a, &alen);
    b = fmcp__rsa_trim(b, &blen);
    xn = fmcp__bn_limbs_for_bytes(alen);
    yn = fmcp__bn_limbs_for_bytes(blen);
    if (xn == 0 || yn == 0 || xn > FMCP_BN_MAX_LIMBS || yn > FMCP_BN_MAX_LIMBS) return 0;
    fmcp__bn_from_bytes(x, xn, a, alen);
    fmcp__bn_from_bytes(y, yn, b, blen);
    fmcp__bn_mul(p, x, xn, y, yn);
    ok = fmcp__bn_mod(r, p, xn + yn, m, mn) == FMCP_OK && fmcp__bn_bits(r, mn) == 1;
    fmcp_wipe(x, sizeof x);
    fmcp_wipe(y, sizeof y);
    fmcp_wipe(p, sizeof p);
    fmcp_wipe(r, sizeof r);
    return ok;
}

/* p*q == n, with p and q in L limbs. */
static int fmcp__rsa_pq_is_n(const fmcp__limb *p, const fmcp__limb *q, size_t L, const fmcp_rsa_public_key *pub)
{
    fmcp__limb pq[2 * FMCP_BN_MAX_LIMBS], n[2 * FMCP_BN_MAX_LIMBS];
    size_t len = pub->n_len;
    const uint8_t *nb = fmcp__rsa_trim(pub->n, &len);
    fmcp__bn_mul(pq, p, L, q, L);
    if (fmcp__bn_from_bytes(n, 2 * L, nb, len) != FMCP_OK) return 0;
    return fmcp__bn_cmp(pq, n, 2 * L) == 0;
}

FASTMCP_API fmcp_result fmcp_rsa_private_check(const fmcp_rsa_private_key *k)
{
    fmcp__limb p[FMCP_BN_MAX_LIMBS], q[FMCP_BN_MAX_LIMBS];
    size_t plen, qlen, L;
    const uint8_t *e;
    size_t elen;
    int ok;
    fmcp_result rc;
    if (!k) return FMCP_ERR_INVALID_ARG;
    rc = fmcp__rsa_private_shape(k, 0);
    if (rc != FMCP_OK) return rc;
    if (k->d_len == 0) return FMCP_ERR_BAD_KEY;
    plen = k->p_len; qlen = k->q_len;
    fmcp__rsa_trim(k->p, &plen);
    fmcp__rsa_trim(k->q, &qlen);
    L = fmcp__bn_limbs_for_bytes(plen > qlen ? plen : qlen);
    if (L == 0 || !fmcp__rsa_load(p, L, k->p, k->p_len) || !fmcp__rsa_load(q, L, k->q, k->q_len))
        return FMCP_ERR_BAD_KEY;
    elen = k->pub.e_len;
    e = k->pub.e;
    ok = fmcp__rsa_pq_is_n(p, q, L, &k->pub) &&
         fmcp__rsa_is_inverse(k->q, k->q_len, k->qinv, k->qinv_len, p, L);
    p[0] &= ~(fmcp__limb)1;
    q[0] &= ~(fmcp__limb)1;
    ok = ok && fmcp__rsa_is_inverse(e, elen, k->dp, k->dp_len, p, L) &&
         fmcp__rsa_is_inverse(e, elen, k->dq, k->dq_len, q, L) &&
         fmcp__rsa_is_inverse(e, elen, k->d, k->d_len, p, L) &&
         fmcp__rsa_is_inverse(e, elen, k->d, k->d_len, q, L);
    fmcp_wipe(p, sizeof p);
    fmcp_wipe(q, sizeof q);
    return ok ? FMCP_OK : FMCP_ERR_BAD_KEY;
}

/* ---- key generation ------------------------------------------------------ */

#define FMCP__RSA_SIEVE_PRIMES 2048
#define FMCP__RSA_SIEVE_SPAN 4096   /* candidates p0 + 2j, j < span */

/* Candidates that survive division by the small primes and p mod e != 1. */
static void fmcp__rsa_sieve(uint8_t *comp, const fmcp__limb *p0, size_t L, const uint16_t *primes)
{
    size_t i, j;
    uint32_t r, pr, j0;
    memset(comp, 0, FMCP__RSA_SIEVE_SPAN);
    for (i = 0; i < FMCP__RSA_SIEVE_PRIMES; i++) {
        pr = primes[i];
        r = fmcp__bn_mod_small(p0, L, pr);
        /* r + 2j == 0 (mod pr) at j = -r / 2 = (pr - r) * (pr + 1) / 2 */
        j0 = (uint32_t)(((uint64_t)(pr - r) % pr) * ((pr + 1) / 2) % pr);
        for (j = j0; j < FMCP__RSA_SIEVE_SPAN; j += pr) comp[j] = 1;
    }
    pr = FMCP__RSA_E65537;
    r = fmcp__bn_mod_small(p0, L, pr);
    j0 = (uint32_t)(((uint64_t)(pr + 1 - r) % pr) * ((pr + 1) / 2) % pr); /* r + 2j == 1 */
    for (j = j0; j < FMCP__RSA_SIEVE_SPAN; j += pr) comp[j] = 1;
}

/* Random odd number of `bits` bits (a multiple of the limb size) with the
 * top two bits set, so the product of two has exactly 2*bits bits. */
static fmcp_result fmcp__rsa_candidate(fmcp__limb *p, size_t L)
{
    fmcp_result rc = fmcp_random_bytes(p, L * sizeof *p);
    if (rc != FMCP_OK) return rc;
    p[L - 1] |= (fmcp__limb)3 << (FMCP_LIMB_BITS - 2);
    p[0] |= 1;
    return FMCP_OK;
}

static fmcp_result fmcp__rsa_gen_prime(fmcp__limb *p, size_t L, const uint16_t *primes, unsigned rounds)
{
    uint8_t comp[FMCP__RSA_SIEVE_SPAN];
    fmcp__limb step[FMCP_BN_MAX_LIMBS], p0[FMCP_BN_MAX_LIMBS];
    int attempt;
    for (attempt = 0; attempt < 1000; attempt++) {
        size_t j;
        fmcp_result rc = fmcp__rsa_candidate(p0, L);
        if (rc != FMCP_OK) return rc;
        fmcp__rsa_sieve(comp, p0, L, primes);
        for (j = 0; j < FMCP__RSA_SIEVE_SPAN; j++) {
            int prime = 0;
            if (comp[j]) continue;
            memset(step, 0, L * sizeof *step);
            step[0] = (fmcp__limb)(2 * j);
            if (fmcp__bn_add(p, p0, step, L)) continue; /* ran past the top */
            rc = fmcp__bn_miller_rabin(p, L, rounds, &prime);
            if (rc != FMCP_OK) return rc;
            if (prime) return FMCP_OK;
        }
    }
    return FMCP_ERR_CRYPTO;
}

/* r = a / d for small d, with the remainder returned (32-bit chunks). */
static uint32_t fmcp__rsa_div_small(fmcp__limb *r, const fmcp__limb *a, size_t n, uint32_t d)
{
    uint64_t rem = 0;
    size_t i;
    int s;
    for (i = n; i-- > 0;) {
        fmcp__limb q = 0;
        for (s = FMCP_LIMB_BITS - 32; s >= 0; s -= 32) {
            uint64_t cur = (rem << 32) | (uint32_t)(a[i] >> s);
            q |= (fmcp__limb)(cur / d) << s;
            rem = cur % d;
        }
        r[i] = q;
    }
    return (uint32_t)rem;
}

/* x^-1 mod e (e prime, x not a multiple of e) by Fermat: x^(e-2). */
static uint32_t fmcp__rsa_inv_mod_e(uint32_t x)
{
    uint64_t r = 1, b = x % FMCP__RSA_E65537;
    uint32_t k = FMCP__RSA_E65537 - 2;
    while (k) {
        if (k & 1) r = r * b % FMCP__RSA_E65537;
        b = b * b % FMCP__RSA_E65537;
        k >>= 1;
    }
    return (uint32_t)r;
}

/* out (n+1 limbs) = e^-1 mod m for e = 65537, as (1 + m*k)/e with
 * k = -m^-1 mod e; 0 if e divides m. */
static int fmcp__rsa_inv_e(fmcp__limb *out, const fmcp__limb *m, size_t n)
{
    fmcp__limb t[FMCP_BN_MAX_LIMBS * 2 + 1], one[FMCP_BN_MAX_LIMBS * 2 + 1];
    uint32_t f = fmcp__bn_mod_small(m, n, FMCP__RSA_E65537), kk;
    int ok;
    if (f == 0) return 0;
    kk = FMCP__RSA_E65537 - fmcp__rsa_inv_mod_e(f);
    t[n] = fmcp__bn_mul_small(t, m, n, kk);
    memset(one, 0, (n + 1) * sizeof *one);
    one[0] = 1;
    fmcp__bn_add(t, t, one, n + 1);
    ok = fmcp__rsa_div_small(out, t, n + 1, FMCP__RSA_E65537) == 0;
    fmcp_wipe(t, sizeof t);
    return ok;
}

/* Minimal big-endian bytes of a (n limbs) into dst; cap is the field size. */
static int fmcp__rsa_put(uint8_t *dst, size_t cap, size_t *len, const fmcp__limb *a, size_t n)
{
    size_t bytes = (fmcp__bn_bits(a, n) + 7) / 8;
    if (bytes == 0 || bytes > cap) return 0;
    *len = bytes;
    return fmcp__bn_to_bytes(a, n, dst, bytes) == FMCP_OK;
}

typedef struct fmcp__rsa_gen {
    fmcp__limb p[FMCP_BN_MAX_LIMBS], q[FMCP_BN_MAX_LIMBS];
    fmcp__limb pm1[FMCP_BN_MAX_LIMBS], qm1[FMCP_BN_MAX_LIMBS];
    fmcp__limb n[2 * FMCP_BN_MAX_LIMBS], phi[2 * FMCP_BN_MAX_LIMBS];
    fmcp__limb d[2 * FMCP_BN_MAX_LIMBS + 1], dp[FMCP_BN_MAX_LIMBS + 1], dq[FMCP_BN_MAX_LIMBS + 1];
    fmcp__limb qinv[FMCP_BN_MAX_LIMBS];
    uint16_t primes[FMCP__RSA_SIEVE_PRIMES];
} fmcp__rsa_gen;

/* p and q prime, p > q, far enough apart. */
static fmcp_result fmcp__rsa_gen_pq(fmcp__rsa_gen *g, size_t L, unsigned rounds)
{
    fmcp__limb diff[FMCP_BN_MAX_LIMBS];
    int tries;
    for (tries = 0; tries < 100; tries++) {
        fmcp_result rc = fmcp__rsa_gen_prime(g->p, L, g->primes, rounds);
        if (rc == FMCP_OK) rc = fmcp__rsa_gen_prime(g->q, L, g->primes, rounds);
        if (rc != FMCP_OK) return rc;
        if (fmcp__bn_cmp(g->p, g->q, L) < 0) {
            memcpy(diff, g->p, L * sizeof *diff);
            memcpy(g->p, g->q, L * sizeof *diff);
            memcpy(g->q, diff, L * sizeof *diff);
        }
        fmcp__bn_sub(diff, g->p, g->q, L);
        if (fmcp__bn_bits(diff, L) > L * FMCP_LIMB_BITS - 100) return FMCP_OK;
    }
    return FMCP_ERR_CRYPTO;
}

/* n, d, dp, dq, qinv from p and q. */
static int fmcp__rsa_derive(fmcp__rsa_gen *g, size_t L)
{
    fmcp__bn_mont mp;
    fmcp__limb pm2[FMCP_BN_MAX_LIMBS], two[FMCP_BN_MAX_LIMBS];
    int ok;
    memcpy(g->pm1, g->p, L * sizeof *g->p);
    memcpy(g->qm1, g->q, L * sizeof *g->q);
    g->pm1[0] &= ~(fmcp__limb)1;
    g->qm1[0] &= ~(fmcp__limb)1;
    fmcp__bn_mul(g->n, g->p, L, g->q, L);
    fmcp__bn_mul(g->phi, g->pm1, L, g->qm1, L);
    ok = fmcp__rsa_inv_e(g->d, g->phi, 2 * L) && fmcp__rsa_inv_e(g->dp, g->pm1, L) &&
         fmcp__rsa_inv_e(g->dq, g->qm1, L) && fmcp__bn_mont_init(&mp, g->p, L) == FMCP_OK;
    if (ok) { /* qinv = q^(p-2) mod p (p prime, q < p) */
        memset(two, 0, L * sizeof *two);
        two[0] = 2;
        fmcp__bn_sub(pm2, g->p, two, L);
        fmcp__bn_mod_exp(&mp, g->qinv, g->q, pm2, L);
    }
    fmcp_wipe(&mp, sizeof mp);
    fmcp_wipe(pm2, sizeof pm2);
    return ok;
}

static int fmcp__rsa_store(const fmcp__rsa_gen *g, size_t L, fmcp_rsa_private_key *out)
{
    out->pub.e[0] = 1; out->pub.e[1] = 0; out->pub.e[2] = 1;
    out->pub.e_len = 3;
    return fmcp__rsa_put(out->pub.n, sizeof out->pub.n, &out->pub.n_len, g->n, 2 * L) &&
           fmcp__rsa_put(out->d, sizeof out->d, &out->d_len, g->d, 2 * L + 1) &&
           fmcp__rsa_put(out->p, sizeof out->p, &out->p_len, g->p, L) &&
           fmcp__rsa_put(out->q, sizeof out->q, &out->q_len, g->q, L) &&
           fmcp__rsa_put(out->dp, sizeof out->dp, &out->dp_len, g->dp, L + 1) &&
           fmcp__rsa_put(out->dq, sizeof out->dq, &out->dq_len, g->dq, L + 1) &&
           fmcp__rsa_put(out->qinv, sizeof out->qinv, &out->qinv_len, g->qinv, L);
}

FASTMCP_API fmcp_result fmcp_rsa_generate(unsigned bits, fmcp_rsa_private_key *out)
{
    fmcp__rsa_gen g;
    size_t L;
    fmcp_result rc;
    if (!out) return FMCP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if ((bits != 2048 && bits != 3072 && bits != 4096) || bits > FMCP_RSA_MAX_BITS) return FMCP_ERR_INVALID_ARG;
    L = bits / 2 / FMCP_LIMB_BITS;
    memset(&g, 0, sizeof g);
    fmcp__bn_small_primes(g.primes, FMCP__RSA_SIEVE_PRIMES);
    rc = fmcp__rsa_gen_pq(&g, L, bits / 2 >= 1536 ? 4u : 5u);
    if (rc == FMCP_OK && !(fmcp__rsa_derive(&g, L) && fmcp__rsa_store(&g, L, out))) rc = FMCP_ERR_CRYPTO;
    if (rc == FMCP_OK) rc = fmcp_rsa_private_check(out) == FMCP_OK ? FMCP_OK : FMCP_ERR_CRYPTO;
    fmcp_wipe(&g, sizeof g);
    if (rc != FMCP_OK) fmcp_wipe(out, sizeof *out);
    return rc;
}
