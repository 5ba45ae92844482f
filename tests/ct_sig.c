/* ct_sig: constant-time check of the other secret paths, as tests/ct_ec.c
 * does for the ec module: RSA signing (PKCS #1 v1.5 and PSS, the CRT private
 * operation with blinding), Ed25519 key derivation and signing, X25519.
 * The secret inputs (p, q, d, dp, dq, qinv; the Ed25519 seed; the X25519
 * scalar) are marked undefined for valgrind's memcheck, so a branch or a
 * memory index that depends on them is reported. Public outputs
 * (signatures, public keys, shared secrets, result codes) are marked defined
 * before the program looks at them.
 *
 *   make ct-check     (with ct_ec, plain and with -DFASTMCP_NO_INT128)
 *
 * RSA lengths (p_len, d_len, ...) stay defined: the sizes of the primes are
 * public. The key is generated before any marking (generation is not
 * constant time and says so). */
#include <valgrind/memcheck.h>
#define FMCP_CT_DECLASSIFY(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <stdio.h>

#define SECRET(x) VALGRIND_MAKE_MEM_UNDEFINED(&(x), sizeof(x))
#define PUBLIC(x) VALGRIND_MAKE_MEM_DEFINED(&(x), sizeof(x))

static int run_rsa(void)
{
    static fmcp_rsa_private_key k;
    uint8_t h[32], sig[FMCP_RSA_MAX_BYTES];
    size_t len = 0;
    fmcp_result rc;
    int bad = 0;
    if (fmcp_rsa_generate(2048, &k) != FMCP_OK) return 1;
    memset(h, 0xa5, sizeof h);
    SECRET(k.d); SECRET(k.p); SECRET(k.q); SECRET(k.dp); SECRET(k.dq); SECRET(k.qinv);
    rc = fmcp_rsa_sign_sha256(&k, h, sig, sizeof sig, &len);
    PUBLIC(rc); PUBLIC(sig); PUBLIC(len);
    if (rc != FMCP_OK) bad = 1;
    rc = fmcp_rsa_sign_pss_sha256(&k, h, sig + 0, sizeof sig, &len);
    PUBLIC(rc); PUBLIC(sig); PUBLIC(len);
    if (rc != FMCP_OK) bad = 1;
    PUBLIC(k);
    if (!bad && fmcp_rsa_verify_pss_sha256(&k.pub, 0, h, sig, len) != FMCP_OK) bad = 1;
    printf("rsa: %s\n", bad ? "FAILED" : "ok");
    return bad;
}

static int run_ed25519(void)
{
    uint8_t seed[32], pk[32], sig[64];
    const char msg[] = "constant time";
    fmcp_result rc;
    if (fmcp_random_bytes(seed, sizeof seed) != FMCP_OK) return 1;
    SECRET(seed);
    rc = fmcp_ed25519_public_key(pk, seed);
    PUBLIC(rc); PUBLIC(pk);
    if (rc != FMCP_OK) return 1;
    rc = fmcp_ed25519_sign(sig, msg, sizeof msg - 1, seed, pk);
    PUBLIC(rc); PUBLIC(sig);
    if (rc != FMCP_OK) return 1;
    rc = fmcp_ed25519_verify(sig, msg, sizeof msg - 1, pk);
    printf("ed25519: %s\n", rc == FMCP_OK ? "ok" : "FAILED");
    return rc != FMCP_OK;
}

static int run_x25519(void)
{
    uint8_t a[32], b[32], pa[32], pb[32], s1[32], s2[32];
    fmcp_result r1, r2, r3, r4;
    if (fmcp_random_bytes(a, sizeof a) != FMCP_OK || fmcp_random_bytes(b, sizeof b) != FMCP_OK) return 1;
    SECRET(a); SECRET(b);
    r1 = fmcp_x25519_base(pa, a);
    r2 = fmcp_x25519_base(pb, b);
    PUBLIC(pa); PUBLIC(pb);
    r3 = fmcp_x25519(s1, a, pb);
    r4 = fmcp_x25519(s2, b, pa);
    PUBLIC(r1); PUBLIC(r2); PUBLIC(r3); PUBLIC(r4); PUBLIC(s1); PUBLIC(s2);
    if (r1 != FMCP_OK || r2 != FMCP_OK || r3 != FMCP_OK || r4 != FMCP_OK || memcmp(s1, s2, 32) != 0) {
        printf("x25519: FAILED\n");
        return 1;
    }
    printf("x25519: ok\n");
    return 0;
}

int main(void)
{
    int bad = run_ed25519() | run_x25519() | run_rsa();
    printf("ct_sig: %s\n", bad ? "FAILED" : "ran (check valgrind's error count)");
    return bad;
}
