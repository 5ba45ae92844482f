/* stdio_client.c - MCP tools/call round trips over a pipe, one call at a time
 * or with several in flight.
 *
 *   stdio_client CALLS WARMUP LABEL [-p DEPTH] -- COMMAND [ARGS...]
 *
 * Starts COMMAND with its stdin/stdout on pipes, initialises an MCP session,
 * makes WARMUP untimed and then CALLS timed calls of the tool `add` {a:i, b:1}
 * and checks each result text is i+1. DEPTH (default 1) is how many calls are
 * kept in flight: 1 is strict send-wait round trips; with more, each time the
 * responses in hand are consumed the window is refilled with one write, as a
 * client issuing concurrent calls would (responses may come in any order).
 * Before closing the server's stdin it reads the server's peak resident memory
 * (VmHWM) from /proc; after the server exits, its CPU time. Prints
 *   LABEL CALLS CALLS_PER_S P50_US P99_US VMHWM_KB CPU_US_PER_CALL
 * (latency = response received - request sent). Plain POSIX and libc, so the
 * client costs little next to any server, and it is the same for every server.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

typedef struct peer {
    pid_t pid;
    int in, out;            /* we write to in, read from out */
    char buf[1 << 16];
    size_t len, pos;
} peer;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int spawn(peer *p, char **argv)
{
    int to[2], from[2];
    if (pipe(to) || pipe(from)) return -1;
    p->pid = fork();
    if (p->pid < 0) return -1;
    if (p->pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        close(to[0]); close(to[1]); close(from[0]); close(from[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    p->in = to[1];
    p->out = from[0];
    p->len = p->pos = 0;
    return 0;
}

static int send_all(peer *p, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(p->in, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Next line (without '\n') into line; 0 on success, -1 at EOF/error. */
static int read_line(peer *p, char *line, size_t cap)
{
    size_t n = 0;
    for (;;) {
        while (p->pos < p->len) {
            char c = p->buf[p->pos++];
            if (c == '\n') { line[n] = '\0'; return 0; }
            if (n + 1 < cap) line[n++] = c;
        }
        {
            ssize_t r = read(p->out, p->buf, sizeof p->buf);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return -1;
            p->len = (size_t)r;
            p->pos = 0;
        }
    }
}

/* Is a whole line buffered (so reading it will not block)? */
static int has_line(const peer *p)
{
    return p->pos < p->len && memchr(p->buf + p->pos, '\n', p->len - p->pos) != NULL;
}

/* Reads until the response carrying "id":id; notifications are skipped. */
static int await_response(peer *p, long id, char *line, size_t cap)
{
    char want[40];
    snprintf(want, sizeof want, "\"id\":%ld", id);
    for (;;) {
        if (read_line(p, line, cap)) return -1;
        if (strstr(line, want) && (strstr(line, "\"result\"") || strstr(line, "\"error\""))) return 0;
    }
}

static long vmhwm_kb(pid_t pid)
{
    char path[64], row[256];
    long kb = -1;
    FILE *f;
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    if (!(f = fopen(path, "r"))) return -1;
    while (fgets(row, sizeof row, f))
        if (strncmp(row, "VmHWM:", 6) == 0) { kb = strtol(row + 6, NULL, 10); break; }
    fclose(f);
    return kb;
}

static int initialise(peer *p, char *line, size_t cap)
{
    static const char init[] =
        "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
        "\"capabilities\":{},\"clientInfo\":{\"name\":\"bench-stdio\",\"version\":\"1.0\"}}}\n"
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";
    if (send_all(p, init, sizeof init - 1) || await_response(p, 0, line, cap)) return -1;
    return strstr(line, "\"protocolVersion\"") ? 0 : -1;
}

/* Appends the request for call id (add {a: id, b: 1}) to out. */
static size_t format_add(char *out, size_t cap, long id)
{
    int n = snprintf(out, cap,
                     "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\",\"params\":{\"name\":\"add\","
                     "\"arguments\":{\"a\":%ld,\"b\":1}}}\n", id, id);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* The id of a response line and whether its result text is id+1: the id, or
 * -1 for a line that is not a response (notifications), -2 for a wrong one. */
static long check_response(const char *line)
{
    const char *q = strstr(line, "\"id\":");
    char want[48];
    long id;
    if (!q || (!strstr(line, "\"result\"") && !strstr(line, "\"error\""))) return -1;
    id = strtol(q + 5, NULL, 10);
    snprintf(want, sizeof want, "\"text\":\"%ld\"", id + 1);
    return strstr(line, want) ? id : -2;
}

/* Calls first..last with up to depth in flight; lat (if not NULL) gets each
 * call's latency at index id - first. 0 on success. */
static int run_calls(peer *p, long first, long last, long depth, double *sent, double *lat,
                     char *line, size_t cap)
{
    static char out[1 << 16];
    long next = first, done = 0, total = last - first + 1, inflight = 0;
    while (done < total) {
        if (!has_line(p) && inflight < depth && next <= last) {
            size_t n = 0;
            double t = now_us();
            while (inflight < depth && next <= last && n + 256 < sizeof out) {
                size_t k = format_add(out + n, sizeof out - n, next);
                if (!k) return -1;
                n += k;
                sent[next - first] = t;
                next++;
                inflight++;
            }
            if (send_all(p, out, n)) return -1;
        }
        {
            long id;
            if (read_line(p, line, cap)) return -1;
            id = check_response(line);
            if (id == -1) continue;
            if (id < first || id >= next) return -1;
            if (lat) lat[id - first] = now_us() - sent[id - first];
            inflight--;
            done++;
        }
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static char line[1 << 16];
    peer p;
    long calls, warm, depth = 1, hwm;
    double t0, t1, *lat, *sent, cpu_us;
    struct rusage ru;
    int status, cmd = 4;
    if (argc > 5 && strcmp(argv[4], "-p") == 0) { depth = atol(argv[5]); cmd = 6; }
    if (argc < cmd + 2 || strcmp(argv[cmd], "--") != 0 || depth < 1) {
        fprintf(stderr, "usage: stdio_client CALLS WARMUP LABEL [-p DEPTH] -- COMMAND [ARGS...]\n");
        return 2;
    }
    calls = atol(argv[1]);
    warm = atol(argv[2]);
    if (calls <= 0 || warm < 0) return 2;
    lat = (double *)malloc((size_t)calls * sizeof *lat);
    sent = (double *)malloc((size_t)(calls > warm ? calls : warm) * sizeof *sent);
    if (!lat || !sent) return 2;
    signal(SIGPIPE, SIG_IGN);
    if (spawn(&p, argv + cmd + 1)) { perror("spawn"); return 1; }
    if (initialise(&p, line, sizeof line)) { fprintf(stderr, "%s: initialize failed: %.200s\n", argv[3], line); return 1; }
    if (warm && run_calls(&p, 1, warm, depth, sent, NULL, line, sizeof line)) {
        fprintf(stderr, "%s: bad reply: %.300s\n", argv[3], line);
        return 1;
    }
    t0 = now_us();
    if (run_calls(&p, warm + 1, warm + calls, depth, sent, lat, line, sizeof line)) {
        fprintf(stderr, "%s: bad reply: %.300s\n", argv[3], line);
        return 1;
    }
    t1 = now_us();
    hwm = vmhwm_kb(p.pid);
    close(p.in);
    while (read_line(&p, line, sizeof line) == 0) { }
    if (wait4(p.pid, &status, 0, &ru) < 0) return 1;
    cpu_us = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    qsort(lat, (size_t)calls, sizeof *lat, cmp_double);
    printf("%s %ld %.0f %.1f %.1f %ld %.1f\n", argv[3], calls, (double)calls * 1e6 / (t1 - t0),
           lat[calls / 2], lat[calls * 99 / 100], hwm, cpu_us / (double)(calls + warm));
    free(lat);
    free(sent);
    return 0;
}
