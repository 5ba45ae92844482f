/* ct_ec: constant-time check of the ec module's secret paths, ctgrind style.
 * The private scalar is marked undefined for valgrind's memcheck, so any
 * branch or memory index that depends on it (or on the nonce derived from
 * it) is reported as a use of uninitialised data. Outputs that are public
 * (signatures, public keys, shared secrets handed to the caller, result
 * codes) are marked defined again before the program looks at them.
 *
 *   make ct-check     (builds it plain and with -DFASTMCP_NO_INT128 and runs
 *                      both under valgrind --error-exitcode=1)
 *
 * Expected: no errors. The few branches on
 * secret-derived values that are allowed (d in range, a nonce candidate in
 * range, r or s zero: each reveals only an event of probability below
 * 2^-32 or the validity of the key) are declassified inside the library
 * under FMCP_CT_DECLASSIFY, which this file defines. */
#include <valgrind/memcheck.h>
#define FMCP_CT_DECLASSIFY(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <stdio.h>

static int run(fmcp_ec_curve curve)
{
    fmcp_ec_private_key k, peer;
    uint8_t d[48], h[48], sig[FMCP_EC_MAX_SIG], ss[48];
    size_t n = fmcp_ec_size(curve);
    fmcp_result rc;
    if (fmcp_ec_keygen(curve, &peer) != FMCP_OK) return 1;
    if (fmcp_random_bytes(d, sizeof d) != FMCP_OK) return 1;
    d[0] &= 0x7f;                               /* below n */
    memset(h, 0x5a, sizeof h);
    VALGRIND_MAKE_MEM_UNDEFINED(d, sizeof d);
    rc = fmcp_ec_private_from_bytes(&k, curve, d, n);
    VALGRIND_MAKE_MEM_DEFINED(&rc, sizeof rc);
    if (rc != FMCP_OK) return 1;
    VALGRIND_MAKE_MEM_DEFINED(&k.pub, sizeof k.pub);   /* the public key is public */
    rc = fmcp_ecdsa_sign(&k, h, n, sig);
    VALGRIND_MAKE_MEM_DEFINED(&rc, sizeof rc);
    VALGRIND_MAKE_MEM_DEFINED(sig, sizeof sig);
    if (rc != FMCP_OK) return 1;
    rc = fmcp_ecdh(&k, &peer.pub, ss);
    VALGRIND_MAKE_MEM_DEFINED(&rc, sizeof rc);
    if (rc != FMCP_OK) return 1;
    VALGRIND_MAKE_MEM_DEFINED(&k, sizeof k);
    return fmcp_ecdsa_verify(&k.pub, h, n, sig, 2 * n) == FMCP_OK ? 0 : 1;
}

#if defined(FASTMCP_WITH_BEARSSL) && !defined(FASTMCP_NO_SOCKETS)
/* The raw SEC1 helpers behind the tls module's BearSSL EC hook: ECDHE uses
 * mul (peer share times our secret) and mulgen (our share); muladd may get
 * secrets from BearSSL too. Each scalar is marked secret. */
static int run_raw(fmcp_ec_curve curve)
{
    fmcp_ec_private_key peer;
    size_t n = fmcp_ec_size(curve), plen = 1 + 2 * n, got;
    uint8_t x[48], y[48], G[1 + 2 * 48], A[1 + 2 * 48], B[1 + 2 * 48];
    int ok;
    if (fmcp_ec_keygen(curve, &peer) != FMCP_OK) return 1;
    got = sizeof G;
    if (fmcp_ec_public_to_sec1(&peer.pub, G, &got) != FMCP_OK || got != plen) return 1;
    memcpy(B, G, plen);
    if (fmcp_random_bytes(x, sizeof x) != FMCP_OK || fmcp_random_bytes(y, sizeof y) != FMCP_OK) return 1;
    x[0] &= 0x7f; y[0] &= 0x7f; x[n - 1] |= 1; y[n - 1] |= 1;   /* in [1, n-1] */
    VALGRIND_MAKE_MEM_UNDEFINED(x, sizeof x);
    VALGRIND_MAKE_MEM_UNDEFINED(y, sizeof y);
    ok = fmcp__ec_raw_mul(curve, G, plen, x, n);                 /* ECDHE: shared point */
    VALGRIND_MAKE_MEM_DEFINED(&ok, sizeof ok);
    if (!ok) return 1;
    VALGRIND_MAKE_MEM_DEFINED(G, sizeof G);
    got = fmcp__ec_raw_mulgen(curve, A, y, n);                   /* ECDHE: our key share */
    VALGRIND_MAKE_MEM_DEFINED(&got, sizeof got);
    if (got != plen) return 1;
    VALGRIND_MAKE_MEM_DEFINED(A, sizeof A);
    ok = fmcp__ec_raw_muladd(curve, A, B, plen, x, n, y, n);
    VALGRIND_MAKE_MEM_DEFINED(&ok, sizeof ok);
    if (!ok) return 1;
    VALGRIND_MAKE_MEM_DEFINED(A, sizeof A);
    ok = fmcp__ec_raw_muladd(curve, A, NULL, plen, x, n, y, n);  /* B NULL: the generator */
    VALGRIND_MAKE_MEM_DEFINED(&ok, sizeof ok);
    return ok ? 0 : 1;
}
#else
static int run_raw(fmcp_ec_curve curve) { (void)curve; return 0; }
#endif

int main(void)
{
    int bad = run(FMCP_EC_P256) | run(FMCP_EC_P384) | run_raw(FMCP_EC_P256) | run_raw(FMCP_EC_P384);
    printf("ct_ec: %s\n", bad ? "FAILED" : "ran (check valgrind's error count)");
    return bad;
}
