/* JSON parse and serialise throughput, fastmcp.h against cJSON, in one run.
 *   make build/bench/bench_json && build/bench/bench_json [DIR]
 * DIR defaults to ../shared/vectors/json-bench. For each file: parse (DOM
 * built and freed) and serialise compactly (ours: fmcp_json_write of the
 * parsed document into a buffer sized once beforehand; cJSON:
 * cJSON_PrintUnformatted plus free). Each figure is the best of 9 rounds of
 * >= 0.1 s of thread CPU time, ours and cJSON alternating; MB/s counts input bytes for parsing
 * and each library's own output bytes for serialising; the ratio is the
 * time ratio for the same document. */
#define FASTMCP_IMPLEMENTATION
#include "fastmcp.h"
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this thread: time spent descheduled on a busy machine is not
 * charged to either library. */
static double now_s(void)
{
    struct timespec ts;
#ifdef CLOCK_THREAD_CPUTIME_ID
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
#else
    clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    b = (char *)malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) { free(b); b = NULL; }
    fclose(f);
    if (b) { b[n] = 0; *len = (size_t)n; }
    return b;
}

typedef struct job {
    const char *text; size_t len;
    const fmcp_json *root; char *out; size_t cap;
    cJSON *cj;
    size_t sink;
} job;

static int op_parse_ours(job *j)
{
    fmcp_json_doc *d;
    if (fmcp_json_parse(j->text, j->len, NULL, &d, NULL) != FMCP_OK) return -1;
    j->sink += fmcp_json_len(fmcp_json_root(d));
    fmcp_json_doc_destroy(d);
    return 0;
}

static int op_parse_cjson(job *j)
{
    cJSON *c = cJSON_ParseWithLength(j->text, j->len);
    if (!c) return -1;
    j->sink += (size_t)cJSON_GetArraySize(c);
    cJSON_Delete(c);
    return 0;
}

static int op_write_ours(job *j)
{
    size_t need;
    if (fmcp_json_write(j->root, j->out, j->cap, &need) != FMCP_OK) return -1;
    j->sink += need;
    return 0;
}

static int op_write_cjson(job *j)
{
    char *s = cJSON_PrintUnformatted(j->cj);
    if (!s) return -1;
    j->sink += (size_t)s[0];
    free(s);
    return 0;
}

/* Seconds per operation over one timed round of at least 0.1 s. */
static double round_time(int (*op)(job *), job *j)
{
    long iters = 0;
    double t0 = now_s(), t;
    do {
        if (op(j) != 0) return 1e30;
        iters++;
        t = now_s() - t0;
    } while (t < 0.1);
    return t / (double)iters;
}

/* Best-of-9 for two operations, their rounds interleaved so that a change
 * in machine load hits both sides alike. */
static void best_pair(int (*a)(job *), int (*b)(job *), job *j, double *ta, double *tb)
{
    int round;
    *ta = *tb = 1e30;
    for (round = 0; round < 9; round++) {
        double x = round_time(a, j), y = round_time(b, j);
        if (x < *ta) *ta = x;
        if (y < *tb) *tb = y;
    }
}

int main(int argc, char **argv)
{
    static const char *files[] = {"twitter.json", "citm_catalog.json", "canada.json"};
    const char *dir = argc > 1 ? argv[1] : "../shared/vectors/json-bench";
    int i, status = 0;
    printf("%-18s %-6s %10s %10s %8s\n", "file", "op", "ours MB/s", "cJSON MB/s", "ratio");
    for (i = 0; i < 3; i++) {
        char path[1024];
        job j;
        fmcp_json_doc *d = NULL;
        size_t need = 0, cj_out;
        double tp_o, tp_c, tw_o, tw_c;
        char *cs;
        memset(&j, 0, sizeof j);
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        j.text = read_file(path, &j.len);
        if (!j.text) { printf("%-18s missing (%s)\n", files[i], path); status = 1; continue; }
        if (fmcp_json_parse(j.text, j.len, NULL, &d, NULL) != FMCP_OK) { printf("%s: parse failed\n", files[i]); return 1; }
        j.root = fmcp_json_root(d);
        fmcp_json_write(j.root, NULL, 0, &need);
        j.cap = need;
        j.out = (char *)malloc(need);
        j.cj = cJSON_ParseWithLength(j.text, j.len);
        if (!j.cj || !j.out) { printf("%s: setup failed\n", files[i]); return 1; }
        cs = cJSON_PrintUnformatted(j.cj);
        cj_out = strlen(cs);
        free(cs);
        best_pair(op_parse_ours, op_parse_cjson, &j, &tp_o, &tp_c);
        best_pair(op_write_ours, op_write_cjson, &j, &tw_o, &tw_c);
        printf("%-18s %-6s %10.1f %10.1f %7.2fx\n", files[i], "parse",
               (double)j.len / tp_o / 1e6, (double)j.len / tp_c / 1e6, tp_c / tp_o);
        printf("%-18s %-6s %10.1f %10.1f %7.2fx   (output %zu / %zu bytes)\n", files[i], "write",
               (double)(need - 1) / tw_o / 1e6, (double)cj_out / tw_c / 1e6, tw_c / tw_o, need - 1, cj_out);
        cJSON_Delete(j.cj);
        fmcp_json_doc_destroy(d);
        free(j.out);
        free((void *)j.text);
    }
    return status;
}
