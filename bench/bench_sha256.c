/* bench_sha256: fastmcp SHA-256 / HMAC-SHA256 against OpenSSL, side by side.
 *
 * OpenSSL picks its x86-64 code path from OPENSSL_ia32cap, which is read once
 * at start-up, so the bench re-executes itself with the variable set to
 * measure OpenSSL's slower paths too:
 *   accelerated   as detected (SHA extensions on CPUs that have them)
 *   no SHA/AVX    SHA (LV1 bit 29), AVX2 (LV1 bit 5), AVX (LV0 bit 60) off:
 *                 OpenSSL's SSSE3 assembly
 *   integer only  additionally SSSE3 (LV0 bit 41) off: OpenSSL's plain
 *                 x86-64 integer assembly, the closest to portable code
 * Output: MB/s (10^6 bytes/s) for 64 B, 1 KB and 16 KB one-shot digests,
 * best of many short runs (thread CPU time), plus ratios ours/OpenSSL. */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>

#define MASK_NO_SHA_AVX "~0x1000000000000000:~0x20000020"
#define MASK_INT_ONLY "~0x1000020000000000:~0x20000020"

static const size_t sizes[3] = { 64, 1024, 16384 };
static unsigned char buf[16384];
static volatile unsigned char sink;

static double now_s(void)
{
    struct timespec ts;
    /* CPU time of this thread: other processes on a busy machine do not count */
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

enum { IMPL_OURS, IMPL_OURS_C, IMPL_OPENSSL, IMPL_HMAC_OURS, IMPL_HMAC_OPENSSL };

/* IMPL_OURS_C forces the library's portable C path (the SHA extensions path
 * is otherwise picked when the CPU has it). */
static void ours_portable(int on)
{
#ifdef FMCP__SHA256_NI
    fmcp__sha256_ni = on ? 0 : -1;
#else
    (void)on;
#endif
}

static void run_once(int impl, size_t n)
{
    unsigned char d[32];
    unsigned int dl = 32;
    static const unsigned char key[32] = { 1, 2, 3 };
    switch (impl) {
    case IMPL_OURS: fmcp_sha256(buf, n, d); break;
    case IMPL_OURS_C: fmcp_sha256(buf, n, d); break;
    case IMPL_OPENSSL: SHA256(buf, n, d); break;
    case IMPL_HMAC_OURS: fmcp_hmac_sha256(key, sizeof key, buf, n, d); break;
    default: HMAC(EVP_sha256(), key, (int)sizeof key, buf, n, d, &dl); break;
    }
    sink ^= d[0];
    buf[0] = d[1]; /* chain so no call can be hoisted */
}

/* MB/s of one run of about 0.02 s. */
static double run_mbs(int impl, size_t n)
{
    double r;
    long iters = 0, batch = (long)(1 + 100000 / (n + 64));
    double t0, t;
    ours_portable(impl == IMPL_OURS_C);
    t0 = now_s();
    do {
        long i;
        for (i = 0; i < batch; i++) run_once(impl, n);
        iters += batch;
        t = now_s() - t0;
    } while (t < 0.02);
    r = (double)iters * (double)n / t / 1e6;
    ours_portable(0);
    return r;
}

/* Best MB/s of 25 alternating runs of each of the k implementations:
 * short runs, so some land in quiet moments when other jobs share the
 * machine, and alternating, so all see the same conditions. */
static void measure_set(const int *impl, int k, size_t n, double *best)
{
    int r, j;
    for (j = 0; j < k; j++) best[j] = 0;
    for (r = 0; r < 25; r++)
        for (j = 0; j < k; j++) {
            double x = run_mbs(impl[j], n);
            if (x > best[j]) best[j] = x;
        }
}

/* One line: OpenSSL (as this process was started), ours, ours portable; per size. */
static int set_line(void)
{
    static const int impl[3] = { IMPL_OPENSSL, IMPL_OURS, IMPL_OURS_C };
    int i;
    for (i = 0; i < 3; i++) {
        double b[3];
        measure_set(impl, 3, sizes[i], b);
        printf("%s%.1f %.1f %.1f", i ? " " : "", b[0], b[1], b[2]);
    }
    printf("\n");
    return 0;
}

/* Re-run this binary with OPENSSL_ia32cap=mask (NULL: unchanged); 0 on success.
 * r[3*i + j]: size i, implementation j as in set_line. */
static int run_child(const char *mask, double r[9])
{
    char cmd[4200], exe[4096];
    FILE *p;
    int n, i;
    ssize_t el = readlink("/proc/self/exe", exe, sizeof exe - 1); /* in popen it would name the shell */
    if (el <= 0) return -1;
    exe[el] = 0;
    if (mask) snprintf(cmd, sizeof cmd, "OPENSSL_ia32cap='%s' '%s' --set", mask, exe);
    else snprintf(cmd, sizeof cmd, "'%s' --set", exe);
    p = popen(cmd, "r");
    if (!p) return -1;
    for (n = 0, i = 0; i < 9; i++) n += fscanf(p, "%lf", &r[i]);
    pclose(p);
    return n == 9 ? 0 : -1;
}

static int self_check(void)
{
    unsigned char a[32], b[32];
    unsigned int bl = 32;
    size_t i;
    for (i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 131 + 7);
    for (i = 0; i <= 300; i += 7) {
        fmcp_sha256(buf, i, a); SHA256(buf, i, b);
        if (memcmp(a, b, 32) != 0) return -1;
        fmcp_hmac_sha256(buf + 1000, i, buf, i, a);
        HMAC(EVP_sha256(), buf + 1000, (int)i, buf, i, b, &bl);
        if (memcmp(a, b, 32) != 0) return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const names[3] = { "accelerated", "no SHA/AVX (SSSE3)", "integer only" };
    static const char *const masks[3] = { NULL, MASK_NO_SHA_AVX, MASK_INT_ONLY };
    static const int hmac_impl[2] = { IMPL_HMAC_OURS, IMPL_HMAC_OPENSSL };
    double r[9], h[2];
    int k, i;
    if (self_check() != 0) { fprintf(stderr, "mismatch with OpenSSL\n"); return 1; }
    if (argc > 1 && strcmp(argv[1], "--set") == 0) return set_line();
    printf("SHA-256 one-shot, MB/s; each OpenSSL path in its own process, measured\n"
           "alternately with ours (ratio = ours / that OpenSSL path)\n");
    printf("                                  64 B     1 KB    16 KB\n");
    for (k = 0; k < 3; k++) {
        if (run_child(masks[k], r) != 0) { printf("  OpenSSL %-20s (re-exec failed)\n", names[k]); continue; }
        printf("  OpenSSL %-20s %8.1f %8.1f %8.1f\n", names[k], r[0], r[3], r[6]);
        for (i = 1; i <= 2; i++)
            printf("    fastmcp %-18s %8.1f %8.1f %8.1f   ratio %.2f %.2f %.2f\n",
                   i == 1 ? "(as detected)" : "(portable C)", r[i], r[3 + i], r[6 + i],
                   r[i] / r[0], r[3 + i] / r[3], r[6 + i] / r[6]);
    }
    measure_set(hmac_impl, 2, 1024, h);
    printf("HMAC-SHA256 1 KB, MB/s: fastmcp %.1f, OpenSSL HMAC() %.1f (accelerated), ratio %.2f\n",
           h[0], h[1], h[0] / h[1]);
    printf("(OPENSSL_ia32cap masks: no SHA/AVX = %s, integer only = %s)\n", MASK_NO_SHA_AVX, MASK_INT_ONLY);
    return 0;
}
