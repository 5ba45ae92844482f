/* bench_jwt: whole JWT verification - split, base64url, header and claims
 * JSON, digest, signature verify, exp/iss/aud/scope checks - with
 * fmcp_jwt_verify against libjwt 1.10 (jwt_decode with the PEM key, which
 * verifies through OpenSSL, plus the same claim checks through its getters;
 * libjwt 1.10 has no claim validator). Same token, same run, for RS256
 * (RSA-2048), ES256 (P-256) and EdDSA (Ed25519; libjwt 1.10 has no EdDSA,
 * so that row is fastmcp.h alone, as is ES256 when libjwt refuses it).
 * Prints tokens/s for each and the ratio (fastmcp.h / libjwt). */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"

#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The claim policy both sides apply. */
#define ISS "https://issuer.example"
#define AUD "https://mcp.example/mcp"
#define SCOPE "mcp:tools"

static jwt_alg_t libjwt_alg = JWT_ALG_RS256;

static int libjwt_verify(const char *tok, const unsigned char *pem, int pem_len, long now)
{
    jwt_t *j = NULL;
    const char *iss, *aud, *scope;
    long exp;
    int ok;
    if (jwt_decode(&j, tok, pem, pem_len) != 0) return 0;
    exp = jwt_get_grant_int(j, "exp");
    iss = jwt_get_grant(j, "iss");
    aud = jwt_get_grant(j, "aud");
    scope = jwt_get_grant(j, "scope");
    ok = jwt_get_alg(j) == libjwt_alg && exp > now - 60 && iss && strcmp(iss, ISS) == 0 &&
         aud && strcmp(aud, AUD) == 0 && scope && strstr(scope, SCOPE) != NULL;
    jwt_free(j);
    return ok;
}

static int fmcp_verify_one(const fmcp_jwt_verifier *v, const char *tok, size_t n)
{
    fmcp_jwt_verdict r;
    int ok = fmcp_jwt_verify(v, tok, n, &r) == FMCP_OK && r.claims.subject != NULL;
    fmcp_jwt_verdict_destroy(&r);
    return ok;
}

/* One row: issue a token with key under alg, check both sides agree on it and
 * on a tampered copy, then time the same number of verifications on each. */
static int bench_alg(const char *alg, jwt_alg_t lalg, const fmcp_jwk_private_key *key, double seconds)
{
    static char pem[8192];
    const char *iss[] = { ISS }, *aud[] = { AUD }, *sc[] = { SCOPE }, *keys[1], *algs[1];
    fmcp_jwk_public_key pub;
    fmcp_jwt_issue_desc id;
    fmcp_jwt_verifier_desc vd;
    fmcp_jwt_verifier *v;
    char *tok, *bad;
    size_t n, pem_len = 0;
    double t0, t_f, t_l = 0;
    long iters, i, ok_f = 0, ok_l = 0, now = (long)time(NULL);
    int with_libjwt = lalg != JWT_ALG_NONE;

    if (fmcp_jwk_public_of(key, &pub) != FMCP_OK || fmcp_jwk_public_to_pem(&pub, pem, sizeof pem, &pem_len) != FMCP_OK) {
        fprintf(stderr, "bench_jwt: %s key setup failed\n", alg);
        return 1;
    }
    memset(&id, 0, sizeof id);
    id.subject = "alice"; id.issuer = ISS; id.audiences = aud; id.audience_count = 1;
    id.scopes = sc; id.scope_count = 1; id.kid = "k1"; id.lifetime_seconds = 3600; id.alg = alg;
    id.claims_json = "{\"client_id\":\"bench-client\",\"jti\":\"0123456789abcdef\"}";
    if (fmcp_jwt_issue_key(key, &id, NULL, &tok, &n) != FMCP_OK) { fprintf(stderr, "issue failed\n"); return 1; }
    memset(&vd, 0, sizeof vd);
    keys[0] = pem;
    algs[0] = alg;
    vd.keys = keys; vd.key_count = 1; vd.issuers = iss; vd.issuer_count = 1;
    vd.algorithms = algs; vd.algorithm_count = 1;
    vd.audiences = aud; vd.audience_count = 1; vd.required_scopes = sc; vd.required_scope_count = 1;
    if (fmcp_jwt_verifier_create(&vd, &v) != FMCP_OK) { fprintf(stderr, "verifier failed\n"); return 1; }

    /* both must accept the token and refuse a tampered one */
    bad = (char *)malloc(n + 1);
    memcpy(bad, tok, n + 1);
    bad[n - 5] = bad[n - 5] == 'A' ? 'B' : 'A';
    if (!fmcp_verify_one(v, tok, n) || fmcp_verify_one(v, bad, n)) {
        fprintf(stderr, "bench_jwt: fastmcp.h is wrong on the %s test tokens\n", alg);
        return 1;
    }
    libjwt_alg = lalg;
    if (with_libjwt && !libjwt_verify(tok, (const unsigned char *)pem, (int)pem_len, now)) with_libjwt = 0;
    if (with_libjwt && libjwt_verify(bad, (const unsigned char *)pem, (int)pem_len, now)) {
        fprintf(stderr, "bench_jwt: libjwt accepts a tampered %s token\n", alg);
        return 1;
    }

    /* calibrate on fastmcp.h, then run the same count for both */
    t0 = now_s();
    for (iters = 0; now_s() - t0 < seconds / 4; iters++) ok_f += fmcp_verify_one(v, tok, n);
    iters *= 4;
    ok_f = 0;
    t0 = now_s();
    for (i = 0; i < iters; i++) ok_f += fmcp_verify_one(v, tok, n);
    t_f = now_s() - t0;
    if (with_libjwt) {
        t0 = now_s();
        for (i = 0; i < iters; i++) ok_l += libjwt_verify(tok, (const unsigned char *)pem, (int)pem_len, now);
        t_l = now_s() - t0;
    }
    if (ok_f != iters || (with_libjwt && ok_l != iters)) {
        fprintf(stderr, "bench_jwt: verification failed in the loop\n");
        return 1;
    }

    printf("jwt verify %s, %zu-byte token, %ld tokens each\n", alg, n, iters);
    printf("  fastmcp.h  %10.0f tokens/s\n", (double)iters / t_f);
    if (with_libjwt) {
        printf("  libjwt     %10.0f tokens/s  (%s)\n", (double)iters / t_l, "jwt_decode + claim getters");
        printf("  ratio      %10.2fx (fastmcp.h / libjwt)\n", t_l / t_f);
    } else {
        printf("  libjwt     n/a (this libjwt does not verify %s)\n", alg);
    }
    fmcp_free_text(NULL, tok, n);
    free(bad);
    fmcp_jwt_verifier_destroy(v);
    return 0;
}

int main(int argc, char **argv)
{
    static fmcp_jwk_private_key key;
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    int rc = 0;
    if (fmcp_jwk_generate(FMCP_JWS_RS256, 2048, &key) != FMCP_OK) { fprintf(stderr, "bench_jwt: keygen failed\n"); return 1; }
    rc |= bench_alg("RS256", JWT_ALG_RS256, &key, seconds);
    if (fmcp_jwk_generate(FMCP_JWS_ES256, 0, &key) != FMCP_OK) { fprintf(stderr, "bench_jwt: keygen failed\n"); return 1; }
    rc |= bench_alg("ES256", JWT_ALG_ES256, &key, seconds);
    if (fmcp_jwk_generate(FMCP_JWS_EDDSA, 0, &key) != FMCP_OK) { fprintf(stderr, "bench_jwt: keygen failed\n"); return 1; }
    rc |= bench_alg("EdDSA", JWT_ALG_NONE, &key, seconds);
    fmcp_wipe(&key, sizeof key);
    return rc;
}
